"""Shape helpers (TVM's ``topi.utils``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import IntImm, PrimExpr


class NotConstantError(UserError, ValueError):
    """A value that must be a constant integer is symbolic."""


def get_const_int(value: Any) -> int:
    """``value`` as a Python int (an int or an ``IntImm``)."""
    if isinstance(value, IntImm):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise NotConstantError(f"expected a constant integer, got {value!r}")


def get_const_tuple(values: Sequence[Any]) -> tuple[Any, ...]:
    """Constant entries as ints; symbolic entries are kept as expressions."""
    return tuple(
        v if isinstance(v, PrimExpr) and not isinstance(v, IntImm) else get_const_int(v)
        for v in values
    )


def equal_const_int(value: Any, number: int) -> bool:
    """Whether ``value`` is the constant ``number``."""
    return isinstance(value, (int, IntImm)) and get_const_int(value) == number
