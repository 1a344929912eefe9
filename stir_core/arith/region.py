"""``region(accesses, domain) -> Region``: the box around every index an access touches.

>>> region([(i * 4 + j,), (i * 4 + j + 1,)], {i: Range(0, n), j: Range(0, 4)})
Region(ranges=(Range(min=0, extent=n * 4 + 1),), exact=(True,))

Each access is a tuple of indices, or an ``Access(indices, condition)`` that happens only
where ``condition`` holds (a padding guard). Per dimension the result is the hull of all
accesses: exact when every access's bound is exact and every guarded access is reachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..ir import op
from ..ir.expr import IntImm, PrimExpr
from ..ir.range import Range
from .affine import render
from .bound import DomainLike
from .context import context, reachable
from .domain import ArithError, as_domain
from .engine import Ctx, Iv, expr_interval, hi_max, lo_min


class RegionError(ArithError, ValueError):
    """The accesses given to ``region`` are empty or disagree on the number of indices."""


@dataclass(frozen=True)
class Access:
    """The indices of one access, performed only where ``condition`` holds."""

    indices: tuple[PrimExpr, ...]
    condition: PrimExpr = field(default_factory=lambda: op.const(True))


@dataclass(frozen=True)
class Region:
    """Per dimension ``Range(min, extent)`` of the hull, and whether it is exact."""

    ranges: tuple[Range, ...]
    exact: tuple[bool, ...]

    @property
    def all_exact(self) -> bool:
        return all(self.exact)

    def clamp(self, limits: Sequence[Range]) -> Region:
        """Unbounded dimensions (no bound was found) replaced by ``limits``, typically the
        buffer's full extent ``[0, shape)``; bounded dimensions are kept as they are.

        >>> region([[A_idx[i]]], dom).clamp([Range(0, 16)])   # gather: the whole buffer
        """
        if len(limits) != len(self.ranges):
            raise RegionError(f"clamp needs {len(self.ranges)} limits, got {len(limits)}")
        ranges = tuple(
            limit if is_unbounded(rng) else rng
            for rng, limit in zip(self.ranges, limits, strict=True)
        )
        return Region(ranges, self.exact)

    def __repr__(self) -> str:
        parts = ", ".join(f"[{r.min}, +{r.extent})" for r in self.ranges)
        return f"Region({parts}, exact={self.exact})"


def _as_access(access: Any) -> Access:
    if isinstance(access, Access):
        return access
    if isinstance(access, PrimExpr):
        return Access((access,))
    return Access(tuple(op.convert(i) for i in access))


def region(accesses: Sequence[Any], domain: DomainLike = None) -> Region:
    """The per-dimension hull of ``accesses`` as the domain's variables vary."""
    items = [_as_access(a) for a in accesses]
    if not items:
        raise RegionError("region() needs at least one access")
    ndim = len(items[0].indices)
    for item in items:
        if len(item.indices) != ndim:
            raise RegionError(
                f"accesses have different numbers of indices: {ndim} and {len(item.indices)}"
            )
    base = context(as_domain(domain))
    per_access = [_access_intervals(item, base, len(items) > 1) for item in items]
    return Region(*_hull(per_access, base, [item.indices for item in items]))


def _access_intervals(item: Access, base: Ctx, several: bool) -> list[Iv]:
    """Per-index intervals; a guarded access among several must be provably reachable
    for exactness (an empty one would still widen the hull)."""
    ctx = base
    if not (isinstance(item.condition, IntImm) and item.condition.value):
        ctx = base.conditioned(item.condition)
    ok = not several or reachable(ctx, base)
    result = []
    for index in item.indices:
        iv = expr_interval(index, ctx)
        result.append(Iv(iv.lo, iv.hi, iv.exact and ok))
    return result


def _hull(
    per_access: list[list[Iv]], base: Ctx, indices: list[tuple[PrimExpr, ...]]
) -> tuple[tuple[Range, ...], tuple[bool, ...]]:
    ranges, exact = [], []
    for dim, first in enumerate(per_access[0]):
        dtype = indices[0][dim].dtype
        lo, hi, ok = first.lo, first.hi, first.exact
        for other in per_access[1:]:
            iv = other[dim]
            lo, hi = lo_min(lo, iv.lo, base.facts), hi_max(hi, iv.hi, base.facts)
            ok = ok and iv.exact
        if lo is None or hi is None:
            ranges.append(_whole(dtype))
            exact.append(False)
            continue
        ranges.append(Range(render(lo, dtype), render(hi.sub(lo).shift(1), dtype)))
        exact.append(ok)
    return tuple(ranges), tuple(exact)


def _whole(dtype: Any) -> Range:
    """An unbounded dimension (see ``is_unbounded``; ``Region.clamp`` replaces it)."""
    low = op.const(dtype.min_value(), dtype)
    return Range(low, op.const(dtype.max_value(), dtype))


def is_unbounded(rng: Range) -> bool:
    """Whether ``rng`` is the placeholder ``region`` gives a dimension it could not bound:
    its min and extent are the dtype's limits, so ``min + extent`` is meaningless."""
    return _is_dtype_limit(rng.min) or _is_dtype_limit(rng.extent)


def _is_dtype_limit(expr: PrimExpr) -> bool:
    dtype = expr.dtype
    return isinstance(expr, IntImm) and expr.value in (dtype.min_value(), dtype.max_value())
