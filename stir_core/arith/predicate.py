"""Conditions as linear constraints: ``i * 4 + j < n`` becomes ``n - i * 4 - j - 1 >= 0``.

Parts that are not integer comparisons (``!=``, ``or``, float compares, calls) are dropped,
which only enlarges the set a domain describes: bounds stay sound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir import op
from ..ir.expr import EQ, GE, GT, LE, LT, NE, And, Call, CmpOp, IntImm, Not, Or, PrimExpr
from .affine import Lin, const_lin, linearize

_DIFFERENCE: dict[type, Callable[[Lin, Lin], list[Lin]]] = {
    LT: lambda a, b: [b.sub(a).shift(-1)],
    LE: lambda a, b: [b.sub(a)],
    GT: lambda a, b: [a.sub(b).shift(-1)],
    GE: lambda a, b: [a.sub(b)],
    EQ: lambda a, b: [b.sub(a), a.sub(b)],
    NE: lambda a, b: [],
}


def condition_lins(condition: PrimExpr) -> list[Lin]:
    """Forms ``g`` with ``condition => g >= 0`` for each (a sound under-approximation)."""
    if isinstance(condition, And):
        return condition_lins(condition.a) + condition_lins(condition.b)
    if isinstance(condition, IntImm):
        return [] if condition.value else [const_lin(-1)]
    if isinstance(condition, Not):
        flipped = negate(condition.a)
        return condition_lins(flipped) if flipped is not None else []
    if isinstance(condition, Call) and condition.op == "likely":
        return condition_lins(condition.args[0])
    if isinstance(condition, CmpOp) and _integer_compare(condition):
        return _DIFFERENCE[type(condition)](linearize(condition.a), linearize(condition.b))
    return []


def _integer_compare(condition: Any) -> bool:
    dtype = condition.a.dtype
    return dtype.is_integer and dtype.is_scalar


_NEGATION: dict[type, Callable[[PrimExpr, PrimExpr], PrimExpr]] = {
    LT: op.greater_equal,
    LE: op.greater,
    GT: op.less_equal,
    GE: op.less,
    EQ: op.not_equal,
    NE: op.equal,
}


def negate(condition: PrimExpr) -> PrimExpr | None:
    """``not condition`` pushed inwards (De Morgan), or ``None`` when not expressible."""
    if isinstance(condition, IntImm):
        return op.const(not condition.value, "bool")
    if isinstance(condition, Not):
        return condition.a
    if isinstance(condition, (And, Or)):
        a, b = negate(condition.a), negate(condition.b)
        if a is None or b is None:
            return None
        return op.logical_or(a, b) if isinstance(condition, And) else op.logical_and(a, b)
    if isinstance(condition, Call) and condition.op == "likely":
        return negate(condition.args[0])
    maker = _NEGATION.get(type(condition))
    if maker is None or not condition.dtype.is_scalar:
        return None
    return maker(condition.a, condition.b)  # type: ignore[attr-defined]
