"""Moving blocks under loops: ``compute_at`` (a producer under a loop of its consumers) and
``reverse_compute_at`` (a consumer under a loop of its producers).

The moved block gets fresh loops over exactly the region it must cover at that point: the
other side's accesses relaxed by ``stir_core.arith.region`` over the loops inside ``loop``
(a 3x3 convolution computing a 4x4 output tile needs a 6x6 input tile, not more). Iter
values are offset by the region's minimum, and a ``T.where`` predicate is added only where
the region may exceed the block's own domain. The region and insertion helpers here are
shared by ``cache_read``/``cache_write`` and ``rfactor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..arith import Access, Domain, Region, can_prove, const_int_bound, simplify
from ..arith import region as arith_region
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
from ..errors import internal_check
from .checks import check_single_write, check_spatial_block, is_output, used_vars
from .errors import ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive
from .tree import TreeIndex, removal_root

# ----------------------------------------------------------------------------- errors


class LoopPositionError(ScheduleError):
    """The loop is an ancestor of the block to move, or is in another scope."""


class OutputBlockComputeAtError(ScheduleError):
    """``compute_at`` of a block writing a parameter (output) of the function."""


class NotCompleteBlockError(ScheduleError):
    """Another block of the scope writes the buffer the moved block writes."""


class NoConsumerUnderLoopError(ScheduleError):
    """A consumer (producer for ``reverse_compute_at``) of the block is not under the loop,
    or none is."""


class InsertionPositionError(ScheduleError):
    """``index`` would put the block after a consumer or before a producer under the loop."""


class AccessPatternError(ScheduleError):
    """The moved block's access of the buffer is not ``B[v0 + c0, v1 + c1, ...]`` over
    distinct spatial iter vars."""


class RegionNotCoveredError(ScheduleError):
    """The accesses of the other side reach outside what the moved block can compute."""


class IncompleteReductionError(ScheduleError):
    """``reverse_compute_at`` under a loop bound to a reduction of a producer: the
    producer's result is not final there."""


# ------------------------------------------------------------------ shared helpers


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


def _corner_accesses(regions: Sequence[BufferRegion], buffer: Buffer) -> list[Access]:
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
        return _corner_accesses(declared, buffer), collector.loops
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
    return arith_region(accesses, Domain(ranges))


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
        bounded = extent if isinstance(extent, IntImm) else _upper(extent, outer)
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


def _upper(extent: PrimExpr, outer: dict[Var, Range]) -> PrimExpr:
    high = const_int_bound(extent, outer)[1]
    return ops.const(high, extent.dtype) if high is not None else extent


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


# ---------------------------------------------------------------------------- helpers


def _check_placement(index: TreeIndex, block: Block, loop: For) -> None:
    if index.is_ancestor(loop, index.realize[block]):
        raise LoopPositionError(
            f"loop {loop.loop_var.name!r} is an ancestor of block {block.name_hint!r}",
            loop,
            block,
        )
    if index.scope_of(loop) is not index.scope_of(block):
        raise LoopPositionError(
            f"loop {loop.loop_var.name!r} is not in the scope of block {block.name_hint!r}",
            loop,
            block,
        )


def _check_complete(index: TreeIndex, block: Block, buffer: Buffer) -> None:
    scope = index.scope_of(block)
    for other in index.child_blocks(scope):
        if other is not block and any(r.buffer is buffer for r in other.writes):
            raise NotCompleteBlockError(
                f"block {other.name_hint!r} also writes {buffer.name}", block, other
            )


def _position(
    index: TreeIndex, loop: For, after: Sequence[Block], before: Sequence[Block], wanted: int
) -> int:
    """The insertion position under ``loop``: after the children holding ``after`` and
    before those holding ``before``; ``-1`` last possible, ``-2`` first possible."""
    children = body_children(loop.body)
    low = max((child_position(index, children, index.realize[b]) for b in after), default=-1)
    high = min(
        (child_position(index, children, index.realize[b]) for b in before), default=len(children)
    )
    low += 1
    position = {-1: high, -2: low}.get(wanted, wanted)
    if not low <= position <= high:
        raise InsertionPositionError(
            f"index {wanted} under loop {loop.loop_var.name!r}: the block must go between "
            f"positions {low} and {high}",
            loop,
        )
    return position


def _under(index: TreeIndex, loop: For, blocks: Sequence[Block]) -> list[Block]:
    return [b for b in blocks if index.is_ancestor(loop, index.realize[b])]


def _move(state: ScheduleState, handle: BlockRV, loop: For, position: int, new: Stmt) -> None:
    """Insert ``new`` under ``loop`` at ``position``, then drop the block's old place."""
    name = handle.func_name
    old_realize = state.index(name).realize[state.get_block(handle)]
    state.replace(loop, insert_child(loop, position, new))
    index = state.index(name)
    old_root = removal_root(index, old_realize)
    internal_check(old_root is not None, "the moved block was the only leaf of its scope")
    state.replace(old_root, None)  # type: ignore[arg-type]


def _outer_ranges(index: TreeIndex, loop: For) -> dict[Var, Range]:
    return loop_ranges([*index.loops_above(loop), loop])


def _needed(dims: Sequence[tuple[Var, PrimExpr]], region: Region) -> dict[Var, Range]:
    return {
        var: Range(simplify(ops.sub(rng.min, offset)), rng.extent)
        for (var, offset), rng in zip(dims, region.ranges, strict=True)
    }


def _check_final(index: TreeIndex, loop: For, producers: Sequence[Block]) -> None:
    outer = {lp.loop_var for lp in [*index.loops_above(loop), loop]}
    for producer in producers:
        node = index.realize[producer]
        for iv, value in zip(producer.iter_vars, node.iter_values, strict=True):
            if iv.iter_type is IterType.COMM_REDUCE and used_vars(value) & outer:
                raise IncompleteReductionError(
                    f"loop {loop.loop_var.name!r} is inside the reduction of block "
                    f"{producer.name_hint!r}",
                    loop,
                    producer,
                )


# --------------------------------------------------------------------------- primitives


@primitive
def compute_at(
    state: ScheduleState,
    block: BlockRV,
    loop: LoopRV,
    preserve_unit_loops: bool = False,
    index: int = -1,
) -> None:
    """Move a producer under ``loop`` of its consumers, computing there exactly the region
    they read in one iteration of ``loop``.

    Before, and after ``sch.compute_at(sch.get_block("B"), i0)`` (``i`` split by 4)::

        for i, j in T.grid(128, 128):                for i0 in range(32):
            with T.block("B"):                           for ax0, ax1 in T.grid(4, 128):
                vi, vj = T.axis.remap("SS", [i, j])          with T.block("B"):
                B[vi, vj] = A[vi, vj] * 2.0                      vi = T.axis.spatial(128, i0 * 4 + ax0)
        for i0, i1, j in T.grid(32, 4, 128):                     vj = T.axis.spatial(128, ax1)
            with T.block("C"):                                   B[vi, vj] = A[vi, vj] * 2.0
                ...C[vi, vj] = B[vi, vj] + 1.0           for i1, j in T.grid(4, 128):
                                                             with T.block("C"): ...

    ``index`` is the position among the children of ``loop`` (``-1``: last possible,
    ``-2``: first possible).

    Raises LoopPositionError, NotSingleWriteBlockError, OutputBlockComputeAtError,
    NotCompleteBlockError, NoConsumerUnderLoopError, InsertionPositionError,
    AccessPatternError, RegionNotCoveredError.
    """
    # Step 1. Check: placement, a complete intermediate block, every consumer under loop.
    node, target = state.get_block(block), state.get_loop(loop)
    tree = state.index_of(block)
    _check_placement(tree, node, target)
    check_single_write(node)
    buffer = node.writes[0].buffer
    if is_output(tree.func, node):
        raise OutputBlockComputeAtError(
            f"block {node.name_hint!r} writes the output buffer {buffer.name}", node
        )
    _check_complete(tree, node, buffer)
    consumers = tree.consumers(node)
    outside = [c for c in consumers if c not in _under(tree, target, consumers)]
    if not consumers or outside:
        raise NoConsumerUnderLoopError(
            f"every consumer of block {node.name_hint!r} must be under loop "
            f"{target.loop_var.name!r}",
            target,
            *outside,
        )
    producers = _under(tree, target, tree.producers(node))
    position = _position(tree, target, producers, consumers, index)
    # Step 2. Build the producer's loops over the region its consumers read per iteration.
    dims = point_dims(node, the_region(node, node.writes, buffer))
    realizes = [tree.realize[c] for c in consumers]
    scope = tree.scope_of(node)
    check_covered(node, dims, required_region(tree, realizes, buffer, False, scope))
    needed = _needed(dims, required_region(tree, realizes, buffer, False, target))
    iteration = iterate(node, needed, _outer_ranges(tree, target), preserve_unit_loops)
    # Step 3. Replace: insert under the loop, remove the old loop nest.
    _move(state, block, target, position, iteration.nest(node))


@primitive
def reverse_compute_at(
    state: ScheduleState,
    block: BlockRV,
    loop: LoopRV,
    preserve_unit_loops: bool = False,
    index: int = -1,
) -> None:
    """Move a consumer under ``loop`` of its producers, computing there exactly the part
    that reads what they produced in one iteration of ``loop``.

    Before, and after ``sch.reverse_compute_at(sch.get_block("C"), i0)``::

        for i0, i1, j in T.grid(32, 4, 128):         for i0 in range(32):
            with T.block("B"): ...                       for i1, j in T.grid(4, 128):
        for i, j in T.grid(128, 128):                        with T.block("B"): ...
            with T.block("C"):                           for ax0, ax1 in T.grid(4, 128):
                vi, vj = T.axis.remap("SS", [i, j])          with T.block("C"):
                C[vi, vj] = B[vi, vj] + 1.0                      vi = T.axis.spatial(128, i0 * 4 + ax0)
                                                                 vj = T.axis.spatial(128, ax1)
                                                                 C[vi, vj] = B[vi, vj] + 1.0

    Raises LoopPositionError, NotSpatialBlockError, NotSingleWriteBlockError,
    NotCompleteBlockError, NoConsumerUnderLoopError, IncompleteReductionError,
    InsertionPositionError, AccessPatternError, RegionNotCoveredError.
    """
    # Step 1. Check: placement, a complete spatial consumer of exactly one buffer made under
    # the loop, by producers whose reductions are over there.
    node, target = state.get_block(block), state.get_loop(loop)
    tree = state.index_of(block)
    _check_placement(tree, node, target)
    check_spatial_block(node)
    check_single_write(node)
    _check_complete(tree, node, node.writes[0].buffer)
    producers = tree.producers(node)
    inside = _under(tree, target, producers)
    made = {r.buffer for p in inside for r in p.writes} & {r.buffer for r in node.reads}
    if len(made) != 1 or len(inside) != len(producers):
        raise NoConsumerUnderLoopError(
            f"every producer of block {node.name_hint!r} must be under loop "
            f"{target.loop_var.name!r}, writing one buffer it reads",
            target,
            node,
        )
    _check_final(tree, target, inside)
    buffer = next(iter(made))
    position = _position(tree, target, inside, _under(tree, target, tree.consumers(node)), index)
    # Step 2. Build the consumer's loops over the part of the buffer made per iteration.
    dims = point_dims(node, the_region(node, node.reads, buffer))
    writers = [tree.realize[p] for p in inside if any(r.buffer is buffer for r in p.writes)]
    scope = tree.scope_of(node)
    whole = required_region(tree, [tree.realize[node]], buffer, False, scope)
    check_covered_by(node, whole, required_region(tree, writers, buffer, True, scope))
    needed = _needed(dims, required_region(tree, writers, buffer, True, target))
    iteration = iterate(node, needed, _outer_ranges(tree, target), preserve_unit_loops)
    # Step 3. Replace: insert under the loop, remove the old loop nest.
    _move(state, block, target, position, iteration.nest(node))


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
