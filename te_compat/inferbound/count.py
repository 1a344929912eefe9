"""Counting points: the sum of an integer expression over a box of loop values (numpy).

``total(expr, ranges)`` evaluates ``expr`` (``+ - * // % min max``, constants, variables)
on every point of the box where ``ranges`` gives each variable's constant range, and sums
it; ``None`` when a range is not constant, an operation is not supported, or the box has
more than ``limit`` points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from stir_core import arith
from stir_core.ir import (
    Add,
    Cast,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mul,
    PrimExpr,
    Range,
    Sub,
    Var,
)

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    Add: np.add,
    Sub: np.subtract,
    Mul: np.multiply,
    FloorDiv: np.floor_divide,
    FloorMod: np.mod,
    Min: np.minimum,
    Max: np.maximum,
}


class _Unsupported(Exception):
    """An expression the numpy evaluator does not handle."""


def _eval(expr: PrimExpr, values: Mapping[Var, np.ndarray]) -> Any:
    if isinstance(expr, IntImm):
        return expr.value
    if isinstance(expr, Var):
        if expr not in values:
            raise _Unsupported(expr.name)
        return values[expr]
    if isinstance(expr, Cast):
        return _eval(expr.value, values)
    combine = _BINARY.get(type(expr))
    if combine is None:
        raise _Unsupported(type(expr).__name__)
    return combine(_eval(expr.a, values), _eval(expr.b, values))


def total(expr: PrimExpr, ranges: Mapping[Var, Range], limit: int = 1 << 22) -> int | None:
    """The sum of ``expr`` over the box ``ranges`` (``None`` if it cannot be counted)."""
    return _reduce_box(expr, ranges, limit, np.sum)


def largest(expr: PrimExpr, ranges: Mapping[Var, Range], limit: int = 1 << 22) -> int | None:
    """The largest value of ``expr`` over the box ``ranges`` (``None`` if unknown)."""
    return _reduce_box(expr, ranges, limit, np.max)


def _reduce_box(
    expr: PrimExpr, ranges: Mapping[Var, Range], limit: int, reduce: Callable[..., Any]
) -> int | None:
    bounds = []
    for var, rng in ranges.items():
        low, extent = arith.simplify(rng.min), arith.simplify(rng.extent)
        if not isinstance(low, IntImm) or not isinstance(extent, IntImm):
            return None
        bounds.append((var, low.value, extent.value))
    if int(np.prod([e for _, _, e in bounds], dtype=np.int64)) > limit:
        return None
    axes = np.meshgrid(
        *[np.arange(lo, lo + e, dtype=np.int64) for _, lo, e in bounds], indexing="ij"
    )
    values = {var: axis for (var, _, _), axis in zip(bounds, axes, strict=True)}
    try:
        result = _eval(expr, values)
    except _Unsupported:
        return None
    size = int(np.prod([e for _, _, e in bounds], dtype=np.int64))
    if not size:
        return 0 if reduce is np.sum else None
    return int(reduce(np.broadcast_to(result, axes[0].shape if axes else ())))
