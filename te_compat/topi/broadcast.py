"""Binary operators with numpy broadcasting (TVM's ``topi.add`` ... ``topi.maximum``).

Operands are tensors or scalars; shapes are aligned on the right and a dimension of
(constant) size 1 stretches.

>>> topi.add(A, B)        # A: (n, 4), B: (4,) -> T_add: (n, 4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import IntImm, PrimExpr, op

from .. import te
from ..te import Tensor
from . import tag


class BroadcastError(UserError, ValueError):
    """Two shapes cannot be broadcast together."""


def _is_one(dim: PrimExpr) -> bool:
    return isinstance(dim, IntImm) and dim.value == 1


def _same(a: PrimExpr, b: PrimExpr) -> bool:
    if isinstance(a, IntImm) and isinstance(b, IntImm):
        return a.value == b.value
    return a is b


def broadcast_shape(lhs: tuple[PrimExpr, ...], rhs: tuple[PrimExpr, ...]) -> tuple[PrimExpr, ...]:
    """The broadcast shape of ``lhs`` and ``rhs``."""
    ndim = max(len(lhs), len(rhs))
    a = (None,) * (ndim - len(lhs)) + lhs
    b = (None,) * (ndim - len(rhs)) + rhs
    out = []
    for x, y in zip(a, b, strict=True):
        if x is None or (y is not None and _is_one(x)):
            out.append(y)
        elif y is None or _is_one(y) or _same(x, y):
            out.append(x)
        else:
            raise BroadcastError(f"cannot broadcast shapes {list(lhs)} and {list(rhs)}")
    return tuple(out)


def _value_at(x: Any, shape: tuple[PrimExpr, ...], indices: tuple[Any, ...]) -> Any:
    if not isinstance(x, Tensor):
        return x
    offset = len(indices) - x.ndim
    index = [
        0 if _is_one(d) and not _is_one(shape[offset + n]) else indices[offset + n]
        for n, d in enumerate(x.shape)
    ]
    return x(*index)


def _broadcast_op(f: Callable[[Any, Any], Any], name: str) -> Callable[[Any, Any], Any]:
    def apply(lhs: Any, rhs: Any) -> Any:
        if not isinstance(lhs, Tensor) and not isinstance(rhs, Tensor):
            return f(lhs, rhs)
        shape = broadcast_shape(
            lhs.shape if isinstance(lhs, Tensor) else (),
            rhs.shape if isinstance(rhs, Tensor) else (),
        )
        return te.compute(
            shape,
            lambda *i: f(_value_at(lhs, shape, i), _value_at(rhs, shape, i)),
            name=f"T_{name}",
            tag=tag.BROADCAST,
        )

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"Elementwise ``{name}`` with broadcasting; tensors or scalars."
    return apply


add = _broadcast_op(op.add, "add")
subtract = _broadcast_op(op.sub, "subtract")
multiply = _broadcast_op(op.mul, "multiply")
divide = _broadcast_op(op.true_div, "divide")
floor_divide = _broadcast_op(op.floordiv, "floor_divide")
maximum = _broadcast_op(op.maximum, "maximum")
minimum = _broadcast_op(op.minimum, "minimum")
power = _broadcast_op(op.power, "power")
