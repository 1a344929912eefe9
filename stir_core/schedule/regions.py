"""Regions and placement shared by the primitives that move or create blocks
(``compute_at``, ``reverse_compute_at``, ``cache_read``, ``cache_write``, ``blockize``).

``required_region`` is the exact region (``stir_core.arith.region``) that some blocks
access as the loops below a given statement vary; ``iterate`` builds the loops of a block
over such a region, with a ``T.where`` predicate only where the region may leave the block's
domain; ``insert_child`` and friends place statements among the children of a loop or block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..arith import Access, Domain, Region, can_prove, const_int_bound, simplify
from ..arith import region as arith_region
from ..errors import internal_check
from ..ir import (
    Block,
    BlockRealize,
    Buffer,
    BufferLoad,
    BufferRegion,
    BufferStore,
    Call,
    For,
    ForKind,
    IfThenElse,
    IntImm,
    IRVisitor,
    IterType,
    PrimExpr,
    Range,
    SeqStmt,
    Stmt,
    Var,
    realize,
    seq,
    substitute,
)
from ..ir import op as ops
from .checks import used_vars
from .errors import ScheduleError
from .tree import TreeIndex

# ----------------------------------------------------------------------------- errors


class AccessPatternError(ScheduleError):
    """The moved block's access of the buffer is not ``B[v0 + c0, v1 + c1, ...]`` over
    distinct spatial iter vars."""


class PredicateNotCarriedError(ScheduleError):
    """The moved block's ``T.where`` cannot be expressed at its new place."""


class RegionNotCoveredError(ScheduleError):
    """The accesses of the other side reach outside what the moved block can compute."""


# ---------------------------------------------------------------------------- helpers


def body_children(body: Stmt) -> list[Stmt]:
    """The statements of a body, as a list (a ``SeqStmt``'s items, or the body alone)."""
    return list(body.seq) if isinstance(body, SeqStmt) else [body]


def child_position(index: TreeIndex, children: Sequence[Stmt], node: Stmt) -> int | None:
    """The position of the child holding ``node`` (``None``: not under these children)."""
    for k, child in enumerate(children):
        if child is node or index.is_ancestor(child, node):
            return k
    return None


def insert_child(parent: Block | For, position: int, stmt: Stmt) -> Block | For:
    """``parent`` whose body has ``stmt`` inserted before child ``position``."""
    children = body_children(parent.body)
    return parent.replace(body=seq([*children[:position], stmt, *children[position:]]))


def loop_ranges(loops: Sequence[For]) -> dict[Var, Range]:
    return {loop.loop_var: Range(loop.min, loop.extent) for loop in loops}


def loops_between(index: TreeIndex, upper: Stmt, node: Stmt) -> list[For]:
    """The loops strictly between ``upper`` and ``node``, outermost first."""
    found: list[For] = []
    for parent in index.ancestors(node):
        if parent is upper:
            break
        if isinstance(parent, For):
            found.append(parent)
    return found[::-1]


class _Accesses(IRVisitor):
    """Accesses of one buffer in a block (with their ``if``/``if_then_else`` guards), the
    ranges of the loops inside the block, and whether nested blocks hide accesses."""

    def __init__(self, buffer: Buffer, store: bool) -> None:
        self.buffer, self.store = buffer, store
        self.found: list[Access] = []
        self.loops: dict[Var, Range] = {}
        self.guards: list[PrimExpr] = []
        self.nested = False

    def _guarded(self, condition: PrimExpr, *branches: Stmt | PrimExpr | None) -> None:
        self.visit(condition)
        for k, branch in enumerate(branches):
            if branch is not None:
                self.guards.append(condition if k == 0 else ops.logical_not(condition))
                self.visit(branch)
                self.guards.pop()

    def _record(self, indices: tuple[PrimExpr, ...]) -> None:
        condition: PrimExpr = ops.const(True)
        for guard in self.guards:
            condition = ops.logical_and(condition, guard)
        self.found.append(Access(indices, condition))

    def visit_Call(self, node: Call) -> None:
        if node.op == "if_then_else":
            self._guarded(*node.args)
        else:
            self.generic_visit(node)

    def visit_IfThenElse(self, node: IfThenElse) -> None:
        self._guarded(node.condition, node.then_case, node.else_case)

    def visit_For(self, node: For) -> None:
        self.loops[node.loop_var] = Range(node.min, node.extent)
        self.generic_visit(node)

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        self.nested = True

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        if not self.store and node.buffer is self.buffer:
            self._record(node.indices)
        self.generic_visit(node)

    def visit_BufferStore(self, node: BufferStore) -> None:
        if self.store and node.buffer is self.buffer:
            self._record(node.indices)
        self.generic_visit(node)


def corner_accesses(regions: Sequence[BufferRegion], buffer: Buffer) -> list[Access]:
    """The first and last point of each declared region of ``buffer`` (their hull is the
    hull of the regions)."""
    found: list[Access] = []
    for region in regions:
        if region.buffer is buffer:
            found.append(Access(tuple(r.min for r in region.region)))
            last = tuple(ops.sub(ops.add(r.min, r.extent), 1) for r in region.region)
            found.append(Access(last))
    return found


def block_accesses(block: Block, buffer: Buffer, store: bool) -> tuple[list[Access], dict]:
    """The accesses of ``buffer`` in ``block`` (over its iter vars) and the ranges of the
    loops inside the block. Nested blocks: the declared regions are used instead."""
    collector = _Accesses(buffer, store)
    collector.visit(block.body)
    if block.init is not None:
        collector.visit(block.init)
    if collector.nested:
        declared = block.writes if store else block.reads
        return corner_accesses(declared, buffer), collector.loops
    return collector.found, collector.loops


def required_region(
    index: TreeIndex, realizes: Sequence[BlockRealize], buffer: Buffer, store: bool, under: Stmt
) -> Region:
    """The region of ``buffer`` that ``realizes`` read (``store``: write) as the loops
    between ``under`` and them vary; outer loop variables stay symbolic."""
    accesses: list[Access] = []
    ranges: dict[Var, Range] = {}
    for node in realizes:
        block = node.block
        found, inner = block_accesses(block, buffer, store)
        ranges.update(inner)
        ranges.update(loop_ranges(loops_between(index, under, node)))
        vmap = dict(zip((iv.var for iv in block.iter_vars), node.iter_values, strict=True))
        for access in found:
            condition = ops.logical_and(node.predicate, substitute(access.condition, vmap))
            indices = tuple(substitute(i, vmap) for i in access.indices)
            accesses.append(Access(indices, condition))
    internal_check(bool(accesses), f"no access of {buffer.name} found")
    return arith_region(accesses, Domain(ranges)).clamp(BufferRegion.full(buffer).region)


def domain_region(blocks: Sequence[Block], buffer: Buffer, store: bool) -> Region:
    """The region of ``buffer`` that ``blocks`` read (``store``: write) over their whole
    iteration domains (iter values lie in the iter var domains: invariant 3)."""
    accesses: list[Access] = []
    ranges: dict[Var, Range] = {}
    for block in blocks:
        found, inner = block_accesses(block, buffer, store)
        accesses.extend(found)
        ranges.update(inner)
        ranges.update({iv.var: iv.dom for iv in block.iter_vars})
    return arith_region(accesses, Domain(ranges)).clamp(BufferRegion.full(buffer).region)


def point_dims(block: Block, region: BufferRegion) -> list[tuple[Var, PrimExpr]]:
    """``[(v, c), ...]`` for a declared point region ``B[v0 + c0, v1 + c1, ...]`` over
    distinct spatial iter vars of ``block``."""
    spatial = {iv.var for iv in block.iter_vars if iv.iter_type is IterType.DATA_PAR}
    dims: list[tuple[Var, PrimExpr]] = []
    for rng in region.region:
        found = used_vars(rng.min) & spatial
        var = next(iter(found)) if len(found) == 1 else None
        offset = simplify(ops.sub(rng.min, var)) if var is not None else None
        ok = isinstance(offset, IntImm) and isinstance(rng.extent, IntImm)
        if not ok or rng.extent.value != 1 or any(var is v for v, _ in dims):  # type: ignore[union-attr]
            raise AccessPatternError(
                f"block {block.name_hint!r} accesses {region.buffer.name} at "
                f"{[str(r.min) for r in region.region]}: need distinct spatial iter vars plus "
                "constants",
                block,
            )
        dims.append((var, offset))  # type: ignore[arg-type]
    return dims


def _var_offset(index: PrimExpr, spatial: set[Var]) -> tuple[Var, int] | None:
    found = used_vars(index) & spatial
    if len(found) != 1:
        return None
    var = next(iter(found))
    offset = simplify(ops.sub(index, var))
    return (var, offset.value) if isinstance(offset, IntImm) else None


def read_dims(block: Block, buffer: Buffer) -> list[tuple[Var, int, int]]:
    """``[(v, low, high), ...]``: every read of ``buffer`` in ``block`` is
    ``B[v0 + c0, v1 + c1, ...]`` over distinct spatial iter vars, with ``low <= c <= high``
    per dimension (a stencil when ``low < high``)."""
    spatial = {iv.var for iv in block.iter_vars if iv.iter_type is IterType.DATA_PAR}
    accesses, _ = block_accesses(block, buffer, False)
    dims: list[tuple[Var, int, int]] = []
    for dim in range(len(buffer.shape)):
        found = [_var_offset(access.indices[dim], spatial) for access in accesses]
        var = found[0][0] if found and found[0] is not None else None
        if (
            var is None
            or any(f is None or f[0] is not var for f in found)
            or any(var is v for v, _, _ in dims)
        ):
            raise AccessPatternError(
                f"block {block.name_hint!r} reads {buffer.name} in dimension {dim} with indices "
                "that are not one spatial iter var plus constants (distinct per dimension)",
                block,
            )
        offsets = [f[1] for f in found]  # type: ignore[index]
        dims.append((var, min(offsets), max(offsets)))
    return dims


def the_region(block: Block, regions: Sequence[BufferRegion], buffer: Buffer) -> BufferRegion:
    found = [r for r in regions if r.buffer is buffer]
    if len(found) != 1:
        raise AccessPatternError(
            f"block {block.name_hint!r} declares {len(found)} regions of {buffer.name}; one "
            "point region is needed",
            block,
        )
    return found[0]


@dataclass
class Iteration:
    """New loops ``(var, extent)`` (outermost first), iter values and predicate of a block."""

    loops: list[tuple[Var, PrimExpr]]
    values: list[PrimExpr]
    predicate: PrimExpr

    def nest(self, block: Block) -> Stmt:
        body: Stmt = realize(block, tuple(self.values), self.predicate)
        for var, extent in reversed(self.loops):
            body = For(var, ops.const(0, var.dtype), extent, ForKind.SERIAL, body)
        return body


def iterate(
    block: Block, needed: dict[Var, Range], outer: dict[Var, Range], keep_unit: bool
) -> Iteration:
    """Loops over ``needed`` (per iter var; the others over their whole domain), with a
    predicate where the values may leave the iter vars' domains."""
    result = Iteration([], [], ops.const(True))
    domain = dict(outer)
    for iv in block.iter_vars:
        rng = needed.get(iv.var, iv.dom)
        extent = simplify(rng.extent, outer)
        invariant = not (used_vars(extent) & set(outer))  # constant or shape variables only
        bounded = extent if invariant else _upper(extent, outer)
        if bounded is extent and isinstance(extent, IntImm) and extent.value == 1 and not keep_unit:
            value = simplify(rng.min, outer)
        else:
            var = Var(f"ax{len(result.loops)}", iv.var.dtype)
            result.loops.append((var, bounded))
            domain[var] = Range(ops.const(0, var.dtype), bounded)
            value = simplify(ops.add(rng.min, var), outer)
            if bounded is not extent:
                result.predicate = _and(result.predicate, ops.less(var, extent), domain)
        result.values.append(value)
        low, high = iv.dom.min, ops.add(iv.dom.min, iv.dom.extent)
        result.predicate = _and(result.predicate, ops.greater_equal(value, low), domain)
        result.predicate = _and(result.predicate, ops.less(value, high), domain)
    return result


def carry_predicate(
    node: BlockRealize, loops: set[Var], iteration: Iteration, outer: dict[Var, Range]
) -> None:
    """Keep the ``T.where`` of the moved realize ``node`` in ``iteration``: dropped when the
    iter var domains imply it, rewritten over the new iter values when each of the old
    ``loops`` it uses is itself an iter value; otherwise refused."""
    old = node.predicate
    if _is_true(old):
        return
    ranges = {v: Range(ops.const(0, v.dtype), ops.const(1 << 30, v.dtype)) for v in loops}
    facts = [
        ops.logical_and(
            ops.greater_equal(value, iv.dom.min), ops.less(value, iv.dom.min + iv.dom.extent)
        )
        for iv, value in zip(node.block.iter_vars, node.iter_values, strict=True)
    ]
    if can_prove(old, Domain(ranges, facts)):
        return
    vmap = {
        value: new
        for value, new in zip(node.iter_values, iteration.values, strict=True)
        if isinstance(value, Var)
    }
    if not (used_vars(old) & loops) <= set(vmap):
        raise PredicateNotCarriedError(
            f"the T.where({old}) of block {node.block.name_hint!r} uses loops that are not "
            "iter values of the block: it cannot be kept at the new place",
            node.block,
        )
    kept = simplify(substitute(old, vmap), outer)
    iteration.predicate = (
        kept if _is_true(iteration.predicate) else ops.logical_and(iteration.predicate, kept)
    )


def _upper(extent: PrimExpr, outer: dict[Var, Range]) -> PrimExpr:
    """A loop-invariant bound of an extent depending on outer loops (the extent itself
    when only the dtype's limit bounds it)."""
    high = const_int_bound(extent, outer)[1]
    limit = (1 << (extent.dtype.bits - 1)) - 1
    return ops.const(high, extent.dtype) if high is not None and high < limit else extent


def _and(predicate: PrimExpr, condition: PrimExpr, domain: dict[Var, Range]) -> PrimExpr:
    if can_prove(condition, Domain(domain)):
        return predicate
    return ops.logical_and(predicate, condition) if not _is_true(predicate) else condition


def _is_true(expr: PrimExpr) -> bool:
    return isinstance(expr, IntImm) and expr.value == 1


def check_covered(block: Block, dims: Sequence[tuple[Var, PrimExpr]], full: Region) -> None:
    """The hull ``full`` of the other side's accesses lies inside what ``block`` can cover."""
    doms = {iv.var: iv.dom for iv in block.iter_vars}
    for (var, offset), rng in zip(dims, full.ranges, strict=True):
        low = ops.add(doms[var].min, offset)
        ok = can_prove(ops.greater_equal(rng.min, low)) and can_prove(
            ops.less_equal(ops.add(rng.min, rng.extent), ops.add(low, doms[var].extent))
        )
        if not ok:
            raise RegionNotCoveredError(
                f"the accesses [{rng.min}, {rng.min} + {rng.extent}) of dimension with iter "
                f"var {var.name} reach outside what block {block.name_hint!r} computes",
                block,
            )


def check_covered_by(block: Block, needed: Region, made: Region) -> None:
    """Every element ``block`` reads (``needed``) is in the hull of what is ``made``."""
    for rng, have in zip(needed.ranges, made.ranges, strict=True):
        ok = can_prove(ops.greater_equal(rng.min, have.min)) and can_prove(
            ops.less_equal(ops.add(rng.min, rng.extent), ops.add(have.min, have.extent))
        )
        if not ok:
            raise RegionNotCoveredError(
                f"block {block.name_hint!r} reads [{rng.min}, {rng.min} + {rng.extent}), "
                f"outside what its producers write: [{have.min}, {have.min} + {have.extent})",
                block,
            )
