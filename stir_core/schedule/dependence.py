"""Loop-carried dependences between the blocks under one loop (for ``parallel`` and
``vectorize``).

Iterations of a loop ``x`` are independent when an iteration only reads what the same
iteration wrote or what no iteration writes, and no two iterations write the same element.
For every buffer written under the loop, each block's writes ``W(x)`` and reads ``R(x)`` are
summarised by ``stir_core.arith.region`` as the loops inside vary (``x`` symbolic), twice:
as a box per dimension, and as one range of the row-major flattened index (which sees
through fused loops: ``(f // 16) * 16 + f % 16`` is ``f``). Two accesses of iterations
``x`` and ``x' = x +/- d`` (``d >= 1``) are disjoint when one of those ranges is provably
apart. A fused loop variable used as ``f // 6`` and ``f % 6`` is split into its digits
``f = 6 q + r`` (different ``q``, or the same ``q`` and different ``r``). Everything is
sound: an unproven case counts as a dependence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..arith import Access, Domain, can_prove, simplify
from ..arith import region as arith_region
from ..ir import (
    BlockRealize,
    Buffer,
    FloorDiv,
    FloorMod,
    For,
    IntImm,
    IRVisitor,
    PrimExpr,
    Range,
    Var,
    substitute,
)
from ..ir import op as ops
from .checks import used_vars
from .regions import block_accesses, loop_ranges, loops_between
from .tree import TreeIndex

#: how many times a loop variable is split into quotient and remainder (fused loops)
_SPLIT_DEPTH = 3


@dataclass
class Footprint:
    """What one block accesses of one buffer in one iteration of the loop (symbolic in it):
    ``boxes`` per dimension and ``flat`` for the flattened index."""

    block: str
    buffer: Buffer
    store: bool
    boxes: tuple[Range, ...]
    flat: Range


def _flat(indices: Sequence[PrimExpr], shape: Sequence[PrimExpr]) -> PrimExpr:
    flat: PrimExpr = ops.const(0, indices[0].dtype) if indices else ops.const(0)
    for index, dim in zip(indices, shape, strict=True):
        flat = ops.add(ops.mul(flat, ops.cast(index.dtype, dim)), index)
    return flat


def footprints(index: TreeIndex, loop: For, node: BlockRealize, store: bool) -> list[Footprint]:
    """The footprints of ``node`` (a realize under ``loop``) per buffer read or written."""
    block = node.block
    regions = block.writes if store else block.reads
    vmap = dict(zip((iv.var for iv in block.iter_vars), node.iter_values, strict=True))
    found: list[Footprint] = []
    for buffer in dict.fromkeys(r.buffer for r in regions):
        accesses, inner = block_accesses(block, buffer, store)
        if not accesses:
            continue
        ranges = {**inner, **loop_ranges(loops_between(index, loop, node))}
        mapped = [
            Access(
                tuple(substitute(i, vmap) for i in a.indices),
                ops.logical_and(node.predicate, substitute(a.condition, vmap)),
            )
            for a in accesses
        ]
        flat = [Access((_flat(a.indices, buffer.shape),), a.condition) for a in mapped]
        boxes = arith_region(mapped, Domain(ranges)).ranges
        found.append(
            Footprint(block.name_hint, buffer, store, boxes, arith_region(flat, ranges).ranges[0])
        )
    return found


class _Divisors(IRVisitor):
    """Constant divisors ``c > 1`` of ``x // c`` and ``x % c`` where ``x`` uses ``var``."""

    def __init__(self, var: Var) -> None:
        self.var = var
        self.found: list[int] = []

    def _record(self, node: FloorDiv | FloorMod) -> None:
        if isinstance(node.b, IntImm) and node.b.value > 1 and self.var in used_vars(node.a):
            self.found.append(node.b.value)
        self.generic_visit(node)

    visit_FloorDiv = _record
    visit_FloorMod = _record


def _ranges(f: Footprint) -> list[Range]:
    return [*f.boxes, f.flat]


def _apart(mine: Range, theirs: Range, domain: Domain) -> bool:
    """``theirs`` lies entirely before or entirely after ``mine``."""
    before = ops.less_equal(ops.add(theirs.min, theirs.extent), mine.min)
    after = ops.greater_equal(theirs.min, ops.add(mine.min, mine.extent))
    return can_prove(before, domain) or can_prove(after, domain)


def _moved(rng: Range, vmap: dict[Var, PrimExpr], domain: dict[Var, Range]) -> Range:
    return Range(
        simplify(substitute(rng.min, vmap), domain), simplify(substitute(rng.extent, vmap), domain)
    )


def _proved(a: list[Range], b: list[Range], var: Var, extent: PrimExpr, extra: dict) -> bool:
    """For every ``x`` and ``x' = x +/- d`` (``d >= 1``) some range of ``a`` at ``x`` is
    apart from the same range of ``b`` at ``x'``."""
    zero = ops.const(0, var.dtype)
    step = Var("d", var.dtype)
    ranges = {**extra, var: Range(zero, extent), step: Range(ops.const(1, var.dtype), extent)}
    domain = Domain(ranges)
    for other in (ops.add(var, step), ops.sub(var, step)):
        moved = [_moved(rng, {var: other}, ranges) for rng in b]
        if not any(_apart(x, y, domain) for x, y in zip(a, moved, strict=True)):
            return False
    return True


def _independent(
    a: list[Range], b: list[Range], var: Var, extent: PrimExpr, extra: dict, depth: int
) -> bool:
    """``_proved``, or split ``var = q * c + r`` along a divisor ``c`` it is used with (as
    fused loops are) and prove both cases: ``q`` differs, or ``q`` agrees and ``r`` differs."""
    if _proved(a, b, var, extent, extra):
        return True
    finder = _Divisors(var)
    for rng in [*a, *b]:
        finder.visit(rng.min)
        finder.visit(rng.extent)
    if depth == 0 or not finder.found:
        return False
    c = ops.const(finder.found[0], var.dtype)
    q, r, r2 = Var("q", var.dtype), Var("r", var.dtype), Var("r2", var.dtype)
    q_extent = simplify(ops.floordiv(ops.add(extent, c - 1), c))
    zero = ops.const(0, var.dtype)
    digits = {**extra, q: Range(zero, q_extent), r: Range(zero, c), r2: Range(zero, c)}
    split_a = [_moved(rng, {var: q * c + r}, digits) for rng in a]
    split_b = [_moved(rng, {var: q * c + r2}, digits) for rng in b]
    same_q = [_moved(rng, {var: q * c + r}, digits) for rng in b]
    outer = {**extra, r: Range(zero, c), r2: Range(zero, c)}
    return _independent(split_a, split_b, q, q_extent, outer, depth - 1) and _independent(
        split_a, same_q, r, c, {**extra, q: Range(zero, q_extent)}, depth - 1
    )


def disjoint_across(a: Footprint, b: Footprint, var: Var, extent: PrimExpr) -> bool:
    """``a`` at iteration ``x`` and ``b`` at any other iteration never touch one element."""
    return _independent(_ranges(a), _ranges(b), var, extent, {}, _SPLIT_DEPTH)


def first_dependence(
    index: TreeIndex, loop: For, realizes: Sequence[BlockRealize]
) -> tuple[Footprint, Footprint] | None:
    """A (write, access) pair of different iterations of ``loop`` that may touch the same
    element, or ``None`` when the iterations are independent."""
    writes = [f for node in realizes for f in footprints(index, loop, node, True)]
    reads = [f for node in realizes for f in footprints(index, loop, node, False)]
    for write in writes:
        for other in [*writes, *reads]:
            if other.buffer is not write.buffer:
                continue
            if not disjoint_across(other, write, loop.loop_var, loop.extent):
                return write, other
    return None
