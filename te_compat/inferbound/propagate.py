"""Up and down propagation through split and fuse (src/te/schedule/message_passing.cc).

``pass_down_domain`` (``PassDownDomain``) gives every leaf a range from its root's
range: a split by ``factor`` gets ``outer = ceil(extent / factor)`` and ``inner = factor``, or
``extent`` when provably smaller (TVM 0.19 tightens it unless a thread is bound below), so
a non-divisible split *rounds up*: ``outer * inner`` may exceed the parent's extent. A fuse
gets ``outer * inner``. Thread axes take the range of the leaf they are bound to.

``pass_up_domain`` (``PassUpDomain``) turns the sets of the leaves back into sets of the
roots: a split gives ``outer * factor + inner + parent.min`` by interval arithmetic; a fuse
of a single point ``v`` gives ``v // inner_extent`` and ``v % inner_extent``, of a range the
hull rows (the full inner range unless the range provably stays in one row).
"""

from __future__ import annotations

from stir_core import arith
from stir_core.ir import IntImm, IterVar, PrimExpr, Range, op

from ..classic.itervar import Fuse, Split
from ..classic.stage import Stage
from .graph import GraphContext
from .intervals import Interval, eval_set, prove

RangeMap = dict[IterVar, Range]
SetMap = dict[IterVar, Interval]


def _is_zero(expr: PrimExpr) -> bool:
    folded = arith.simplify(expr)
    return isinstance(folded, IntImm) and folded.value == 0


def _bound_below(stage: Stage, iv: IterVar, ctx: GraphContext) -> bool:
    """Whether a leaf derived from ``iv`` is bound to a thread (``dominating_thread``)."""
    frontier = [iv]
    while frontier:
        current = frontier.pop()
        if current in ctx.bind_map:
            return True
        for rel in stage.relations:
            if isinstance(rel, Split) and rel.parent is current:
                frontier += [rel.outer, rel.inner]
            elif isinstance(rel, Fuse) and (rel.outer is current or rel.inner is current):
                frontier.append(rel.fused)
    return False


def _split_part(stage: Stage, iv: IterVar, extent: PrimExpr, part: PrimExpr, ctx) -> PrimExpr:
    """``resolve_min_extent_for_split``: ``min(extent, part)`` unless a thread is bound."""
    if _bound_below(stage, iv, ctx) or _is_zero(extent):
        return part
    return arith.simplify(extent if prove(op.less(extent, part)) else part)


def pass_down_domain(stage: Stage, rmap: RangeMap, ctx: GraphContext) -> None:
    """Leaf ranges from root ranges, through the stage's relations in order."""
    zero = op.const(0)
    for rel in stage.relations:
        if isinstance(rel, Split):
            parent = rmap[rel.parent].extent
            if rel.factor is not None:
                inner = _split_part(stage, rel.inner, parent, rel.factor, ctx)
                outer = _ceil_div(parent, rel.factor)
            else:
                assert rel.nparts is not None
                outer = _split_part(stage, rel.outer, parent, rel.nparts, ctx)
                inner = _ceil_div(parent, rel.nparts)
            rmap[rel.outer] = Range(zero, outer)
            rmap[rel.inner] = Range(zero, inner)
        else:
            extent = op.mul(rmap[rel.outer].extent, rmap[rel.inner].extent)
            rmap[rel.fused] = Range(zero, extent)
    for iv, thread in stage.bind_map.items():
        if iv in rmap:
            rmap[thread] = rmap[iv]


def pass_up_domain(stage: Stage, rmap: RangeMap, state: SetMap) -> None:
    """Root sets from leaf sets, through the stage's relations in reverse order."""
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            state[rel.parent] = _up_split(rel, rmap, state)
        else:
            state[rel.outer], state[rel.inner] = _up_fuse(rel, rmap, state[rel.fused])


def _matches(interval: Interval, rng: Range) -> bool:
    """``IntSet::MatchRange``: the set is exactly the range."""
    if not interval.bounded or (interval.is_point and not _is_one(rng.extent)):
        return False
    full = Interval.from_range(rng)
    return _is_zero(op.sub(interval.min, full.min)) and _is_zero(op.sub(interval.max, full.max))


def _is_one(expr: PrimExpr) -> bool:
    folded = arith.simplify(expr)
    return isinstance(folded, IntImm) and folded.value == 1


def _up_split(rel: Split, rmap: RangeMap, state: SetMap) -> Interval:
    outer, inner = state[rel.outer], state[rel.inner]
    if _matches(outer, rmap[rel.outer]) and _matches(inner, rmap[rel.inner]):
        return Interval.from_range(rmap[rel.parent])
    factor = rmap[rel.inner].extent
    expr = op.add(op.add(op.mul(rel.outer.var, factor), rel.inner.var), rmap[rel.parent].min)
    return eval_set(expr, {rel.outer.var: outer, rel.inner.var: inner})


def _up_fuse(rel: Fuse, rmap: RangeMap, fused: Interval) -> tuple[Interval, Interval]:
    outer_rng, inner_rng = rmap[rel.outer], rmap[rel.inner]
    if _matches(fused, rmap[rel.fused]):
        return Interval.from_range(outer_rng), Interval.from_range(inner_rng)
    factor = inner_rng.extent
    if fused.is_point:
        value = fused.min
        return (
            Interval.point(op.add(op.floordiv(value, factor), outer_rng.min)),
            Interval.point(op.add(op.floormod(value, factor), inner_rng.min)),
        )
    if not fused.bounded:
        return Interval.from_range(outer_rng), Interval.from_range(inner_rng)
    outer = Interval(
        op.add(outer_rng.min, op.floordiv(fused.min, factor)),
        op.add(outer_rng.min, op.floordiv(fused.max, factor)),
    )
    extent = op.add(op.sub(fused.max, fused.min), 1)
    if _is_zero(op.floormod(factor, extent)) and _is_zero(op.floormod(fused.min, extent)):
        inner = Interval(
            op.add(inner_rng.min, op.floormod(fused.min, factor)),
            op.add(inner_rng.min, op.floormod(fused.max, factor)),
        )
        return outer, inner
    return outer, Interval.from_range(inner_rng)


def _ceil_div(a: PrimExpr, b: PrimExpr) -> PrimExpr:
    """``PassDownDomain``'s ``ceil_div``: exact when ``b`` provably divides ``a``."""
    if prove(op.equal(op.floormod(a, b), 0)):
        return arith.simplify(op.floordiv(a, b))
    return arith.simplify(op.floordiv(op.add(a, op.sub(b, 1)), b))
