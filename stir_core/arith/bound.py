"""``bound(expr, domain) -> Bound(min, max, exact)``: the range of an integer expression.

>>> i, j, n = Var("i"), Var("j"), Var("n")
>>> bound(i * 4 + j, {i: Range(0, n), j: Range(0, 4)})
Bound(min=0, max=n * 4 - 1, exact=True)

The ends are ``PrimExpr``s (inclusive max) in the free variables; ``exact`` says that both
ends are attained (for every value of the free variables where the domain is not empty).
Unsupported constructs give the whole range of the dtype with ``exact=False``: the answer
is always sound. Results are cached by structure (variables by identity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..ir import op
from ..ir.dtype import DataType
from ..ir.expr import PrimExpr, Var
from ..ir.range import Range
from .affine import expr_key, linearize, render
from .context import clear_caches as _engine_caches
from .context import context
from .domain import ArithError, Domain, as_domain
from .engine import Iv, expr_interval, extreme
from .rules import prove_condition

DomainLike = Domain | Mapping[Var, Range] | None


class ArithTypeError(ArithError, TypeError):
    """A bound or proof was asked of an expression of the wrong dtype."""


@dataclass(frozen=True)
class Bound:
    """``min <= expr <= max`` (both inclusive); ``exact``: both ends are attained."""

    min: PrimExpr
    max: PrimExpr
    exact: bool

    @property
    def extent(self) -> PrimExpr:
        """``max - min + 1``, simplified."""
        return _simplify_extent(self.min, self.max)

    def __repr__(self) -> str:
        return f"Bound(min={self.min}, max={self.max}, exact={self.exact})"


_cache: dict[Any, Bound] = {}
_CACHE_LIMIT = 50_000


def bound(expr: Any, domain: DomainLike = None) -> Bound:
    """The tightest provable ``[min, max]`` of ``expr`` as the domain's variables vary."""
    expr = op.convert(expr)
    dom = as_domain(domain)
    key = (expr_key(expr), dom.key())
    found = _cache.get(key)
    if found is None:
        found = _compute(expr, dom)
        if len(_cache) > _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = found
    return found


def clear_caches() -> None:
    """Forget every cached bound and compiled domain (benchmarks measure cold queries)."""
    _cache.clear()
    _engine_caches()


def _compute(expr: PrimExpr, dom: Domain) -> Bound:
    dtype = expr.dtype
    if dtype.is_bool and dtype.is_scalar:
        return _bool_bound(expr, dom)
    if not dtype.element_of().is_integer:
        raise ArithTypeError(f"bound() needs an integer expression, got {expr} of dtype {dtype}")
    return to_bound(expr_interval(expr, context(dom)), dtype.element_of())


def to_bound(iv: Iv, dtype: DataType) -> Bound:
    """Render an engine interval (infinite ends become the dtype's limits)."""
    lo = op.const(dtype.min_value(), dtype) if iv.lo is None else render(iv.lo, dtype)
    hi = op.const(dtype.max_value(), dtype) if iv.hi is None else render(iv.hi, dtype)
    return Bound(lo, hi, iv.exact and iv.lo is not None and iv.hi is not None)


def _bool_bound(expr: PrimExpr, dom: Domain) -> Bound:
    ctx = context(dom)
    if prove_condition(expr, ctx):
        return Bound(op.const(True), op.const(True), True)
    negated = op.logical_not(expr)
    if prove_condition(negated, ctx):
        return Bound(op.const(False), op.const(False), True)
    return Bound(op.const(False), op.const(True), False)


def can_prove(condition: Any, domain: DomainLike = None) -> bool:
    """Whether ``condition`` holds at every point of the domain (``False``: not proven)."""
    condition = op.convert(condition)
    if not condition.dtype.is_bool:
        raise ArithTypeError(f"can_prove() needs a boolean condition, got {condition}")
    return prove_condition(condition, context(as_domain(domain)))


def const_int_bound(expr: Any, domain: DomainLike = None) -> tuple[int | None, int | None]:
    """Constant ``(min, max)`` of ``expr`` over the domain and every value of the free
    variables allowed by the facts (``None``: unbounded on that side)."""
    expr = op.convert(expr)
    if not (expr.dtype.is_integer or expr.dtype.is_bool):
        raise ArithTypeError(f"const_int_bound() needs an integer expression, got {expr}")
    ctx = context(as_domain(domain))
    iv = expr_interval(expr, ctx)
    ends = []
    for end, upper in ((iv.lo, False), (iv.hi, True)):
        value = extreme(end, upper, ctx.facts)[0] if end is not None else None
        ends.append(value.const if value is not None and value.is_const else None)
    low = ends[0] if ends[0] is not None else _dtype_limit(expr.dtype, False)
    high = ends[1] if ends[1] is not None else _dtype_limit(expr.dtype, True)
    return low, high


def _dtype_limit(dtype: DataType, upper: bool) -> int | None:
    """Unsigned and narrow integer dtypes bound their values; 64-bit ones do not."""
    if dtype.bits >= 64 and not (dtype.is_uint and not upper):
        return None
    return int(dtype.max_value() if upper else dtype.min_value())


def _simplify_extent(lo: PrimExpr, hi: PrimExpr) -> PrimExpr:
    return render(linearize(hi).sub(linearize(lo)).shift(1), hi.dtype)
