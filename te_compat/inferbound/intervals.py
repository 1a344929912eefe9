"""Interval sets evaluated as classic TVM did (``arith::EvalSet`` / ``IntervalSetEvaluator``).

An ``Interval`` is ``[min, max]`` (inclusive, ``None`` for an infinite end) of PrimExprs.
``eval_set(expr, dom)`` evaluates ``expr`` by interval arithmetic with each variable of
``dom`` ranging over its interval and every other variable a single point; it is sound but
not exact (no correlation between operands), which is the point of the model.

Rules follow src/arith/int_set.cc: ``Combine<Add/Sub/Mul/FloorDiv/FloorMod/Min/Max>``;
``Select``/``if_then_else`` give the union of both branches (the condition is ignored);
anything else becomes the everything set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stir_core import arith
from stir_core.ir import (
    Add,
    Call,
    Cast,
    Div,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mod,
    Mul,
    PrimExpr,
    Range,
    Select,
    Sub,
    Var,
    op,
)


@dataclass(frozen=True)
class Interval:
    """``[min, max]``; ``None`` is minus (min) or plus (max) infinity."""

    min: PrimExpr | None
    max: PrimExpr | None

    @staticmethod
    def point(value: PrimExpr) -> Interval:
        return Interval(value, value)

    @staticmethod
    def from_range(rng: Range) -> Interval:
        """TVM's ``IntSet::FromRange``: a range of extent 1 is a single point."""
        if isinstance(rng.extent, IntImm) and rng.extent.value == 1:
            return Interval.point(rng.min)
        return Interval(rng.min, op.sub(op.add(rng.min, rng.extent), 1))

    @property
    def is_point(self) -> bool:
        return self.min is not None and self.min is self.max

    @property
    def bounded(self) -> bool:
        return self.min is not None and self.max is not None

    def cover_range(self, default: Range) -> Range:
        """TVM's ``IntSet::CoverRange``: the range of the set, or ``default`` if unbounded."""
        if self.min is None or self.max is None:
            return default
        if self.is_point:
            return Range(self.min, op.const(1, self.min.dtype))
        return Range(self.min, _fold(op.add(op.sub(self.max, self.min), 1)))


EVERYTHING = Interval(None, None)


def union(sets: list[Interval]) -> Interval:
    """The hull of ``sets`` (TVM's ``arith::Union`` of interval sets)."""
    if not sets:
        return EVERYTHING
    low, high = sets[0].min, sets[0].max
    for item in sets[1:]:
        low = None if low is None or item.min is None else _fold(op.minimum(low, item.min))
        high = None if high is None or item.max is None else _fold(op.maximum(high, item.max))
    return Interval(low, high)


def _fold(expr: PrimExpr) -> PrimExpr:
    """TVM's interval code simplifies each bound with its rewriter (``analyzer->Simplify``)."""
    try:
        return arith.simplify(expr)
    except Exception:
        return expr


def prove(condition: PrimExpr, domain: object = None) -> bool:
    """``arith.can_prove``, false when the analysis cannot decide (or fails on the input)."""
    try:
        return arith.can_prove(condition, domain)
    except Exception:
        return False


def _const(expr: PrimExpr) -> int | None:
    folded = _fold(expr)
    return folded.value if isinstance(folded, IntImm) else None


def _nonneg(expr: PrimExpr) -> bool:
    value = _const(expr)
    return value is not None and value >= 0


def _opt(
    fn: Callable[[PrimExpr, PrimExpr], PrimExpr], a: PrimExpr | None, b: PrimExpr | None
) -> PrimExpr | None:
    """``fn(a, b)`` simplified as TVM's interval combiners do; ``None`` (infinite) stays."""
    return None if a is None or b is None else _fold(fn(a, b))


def _add(a: Interval, b: Interval) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(op.add(a.min, b.min))
    return Interval(_opt(op.add, a.min, b.min), _opt(op.add, a.max, b.max))


def _sub(a: Interval, b: Interval) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(op.sub(a.min, b.min))
    return Interval(_opt(op.sub, a.min, b.max), _opt(op.sub, a.max, b.min))


def _mul(a: Interval, b: Interval) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(op.mul(a.min, b.min))
    if a.is_point:
        a, b = b, a
    if b.is_point and _nonneg(b.min):
        return Interval(_opt(op.mul, a.min, b.min), _opt(op.mul, a.max, b.min))
    if b.is_point and _nonneg(op.neg(b.min)):
        return Interval(_opt(op.mul, a.max, b.min), _opt(op.mul, a.min, b.min))
    return EVERYTHING


def _div(a: Interval, b: Interval, fn: Callable[[PrimExpr, PrimExpr], PrimExpr]) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(fn(a.min, b.min))
    divisor = _const(b.min) if b.is_point else None
    if divisor is not None and divisor > 0:
        return Interval(_opt(fn, a.min, b.min), _opt(fn, a.max, b.min))
    return EVERYTHING


def _floormod(a: Interval, b: Interval) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(op.floormod(a.min, b.min))
    divisor = _const(b.min) if b.is_point else None
    if divisor is None or divisor <= 0:
        return EVERYTHING
    if a.bounded:
        qmin, qmax = _fold(op.floordiv(a.min, b.min)), _fold(op.floordiv(a.max, b.min))
        if prove(op.equal(qmin, qmax)):
            return Interval(op.sub(a.min, op.mul(qmin, b.min)), op.sub(a.max, op.mul(qmax, b.min)))
    return Interval(op.const(0, b.min.dtype), op.const(divisor - 1, b.min.dtype))


def _minmax(a: Interval, b: Interval, fn: Callable[[PrimExpr, PrimExpr], PrimExpr]) -> Interval:
    if a.is_point and b.is_point:
        return Interval.point(fn(a.min, b.min))
    return Interval(_opt(fn, a.min, b.min), _opt(fn, a.max, b.max))


class SetEvaluator:
    """Interval evaluation of an expression over ``dom`` (variables -> intervals)."""

    def __init__(self, dom: Mapping[Var, Interval]) -> None:
        self.dom = dom
        self.binary: dict[type, Callable[[Interval, Interval], Interval]] = {
            Add: _add,
            Sub: _sub,
            Mul: _mul,
            FloorDiv: lambda a, b: _div(a, b, op.floordiv),
            Div: lambda a, b: _div(a, b, op.truncdiv),
            FloorMod: _floormod,
            Mod: _floormod,
            Min: lambda a, b: _minmax(a, b, op.minimum),
            Max: lambda a, b: _minmax(a, b, op.maximum),
        }

    def eval(self, expr: PrimExpr) -> Interval:
        if isinstance(expr, Var):
            return self.dom.get(expr, Interval.point(expr))
        if isinstance(expr, IntImm):
            return Interval.point(expr)
        combine = self.binary.get(type(expr))
        if combine is not None:
            return combine(self.eval(expr.a), self.eval(expr.b))
        if isinstance(expr, Cast):
            return self.eval(expr.value)
        if isinstance(expr, Select):
            return union([self.eval(expr.true_value), self.eval(expr.false_value)])
        if isinstance(expr, Call) and expr.op == "if_then_else":
            return union([self.eval(expr.args[1]), self.eval(expr.args[2])])
        return EVERYTHING


def eval_set(expr: PrimExpr, dom: Mapping[Var, Interval]) -> Interval:
    """``arith::EvalSet(expr, dom)``: the interval of ``expr`` as ``dom``'s variables vary."""
    return SetEvaluator(dom).eval(expr)
