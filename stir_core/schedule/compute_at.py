"""Moving blocks under loops: ``compute_at`` (a producer under a loop of its consumers) and
``reverse_compute_at`` (a consumer under a loop of its producers).

The moved block gets fresh loops over exactly the region it must cover at that point: the
other side's accesses relaxed by ``stir_core.arith.region`` over the loops inside ``loop``
(a 3x3 convolution computing a 4x4 output tile needs a 6x6 input tile, not more). Iter
values are offset by the region's minimum, and a ``T.where`` predicate is added only where
the region may exceed the block's own domain. Regions and placement come from
``regions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..arith import Domain, Region, bound, can_prove, simplify
from ..errors import internal_check
from ..ir import Block, Buffer, For, IterType, PrimExpr, Range, Stmt, Var, structural_equal
from ..ir import op as ops
from .checks import check_complete, check_single_write, check_spatial_block, is_output, used_vars
from .errors import ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive
from .regions import (
    AccessPatternError,
    RegionNotCoveredError,
    body_children,
    carry_predicate,
    check_covered,
    check_covered_by,
    child_position,
    domain_region,
    insert_child,
    iterate,
    loop_ranges,
    point_dims,
    read_dims,
    required_region,
    the_region,
)
from .tree import TreeIndex, removal_root

# ----------------------------------------------------------------------------- errors


class LoopPositionError(ScheduleError):
    """The loop is an ancestor of the block to move, or is in another scope."""


class OutputBlockComputeAtError(ScheduleError):
    """``compute_at`` of a block writing a parameter (output) of the function."""


class NoConsumerUnderLoopError(ScheduleError):
    """A consumer (producer for ``reverse_compute_at``) of the block is not under the loop,
    or none is."""


class InsertionPositionError(ScheduleError):
    """``index`` would put the block after a consumer or before a producer under the loop."""


class IncompleteReductionError(ScheduleError):
    """``reverse_compute_at`` under a loop bound to a reduction of a producer: the
    producer's result is not final there."""


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


def _same_range(a: Range, b: Range) -> bool:
    return structural_equal(a.min, b.min) and structural_equal(a.extent, b.extent)


def _producer_needed(
    tree: TreeIndex, loop: For, node: Block, consumers: Sequence[Block]
) -> dict[Var, Range]:
    """Per iter var of the producer ``node``, the range its consumers read in one iteration
    of ``loop`` (the same for every buffer it writes, when it writes several)."""
    needed: dict[Var, Range] = {}
    for buffer in dict.fromkeys(r.buffer for r in node.writes):
        readers = [c for c in consumers if any(r.buffer is buffer for r in c.reads)]
        if not readers:
            continue
        dims = point_dims(node, the_region(node, node.writes, buffer))
        check_covered(node, dims, domain_region(readers, buffer, False))
        realizes = [tree.realize[c] for c in readers]
        for var, rng in _needed(dims, required_region(tree, realizes, buffer, False, loop)).items():
            old = needed.setdefault(var, rng)
            if not _same_range(old, rng):
                raise AccessPatternError(
                    f"block {node.name_hint!r}: its consumers read the buffers it writes over "
                    f"different ranges of iter var {var.name} in one iteration of loop "
                    f"{loop.loop_var.name!r}",
                    node,
                    loop,
                )
    return needed


def _consumer_needed(
    tree: TreeIndex, loop: For, node: Block, inside: Sequence[Block], made: Sequence[Buffer]
) -> dict[Var, Range]:
    """Per iter var of the consumer ``node``, the range whose reads of ``made`` all lie in
    what ``inside`` writes in one iteration of ``loop`` (the same for every buffer)."""
    outer = {lp.loop_var for lp in [*tree.loops_above(loop), loop]}
    needed: dict[Var, Range] = {}
    for buffer in made:
        writers = [tree.realize[p] for p in inside if any(r.buffer is buffer for r in p.writes)]
        whole = domain_region([node], buffer, False)
        check_covered_by(node, whole, domain_region([w.block for w in writers], buffer, True))
        region = required_region(tree, writers, buffer, True, loop)
        for (var, low, high), rng in zip(read_dims(node, buffer), region.ranges, strict=True):
            rng_new = Range(
                simplify(ops.sub(rng.min, low)), simplify(ops.sub(rng.extent, high - low))
            )
            if high != low and used_vars(rng.min) & outer:
                raise AccessPatternError(
                    f"block {node.name_hint!r} reads a stencil of {buffer.name} along a "
                    f"dimension that loop {loop.loop_var.name!r} tiles: no iteration makes "
                    "all of it",
                    node,
                    loop,
                )
            old = needed.setdefault(var, rng_new)
            if not (
                structural_equal(old.min, rng_new.min)
                and structural_equal(old.extent, rng_new.extent)
            ):
                raise AccessPatternError(
                    f"block {node.name_hint!r}: the buffers it reads are made over different "
                    f"ranges of iter var {var.name} in one iteration of loop "
                    f"{loop.loop_var.name!r}",
                    node,
                    loop,
                )
    return needed


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
                B[vi, vj] = A[vi, vj] * 2.0                      vi = T.axis.S(128, i0*4 + ax0)
        for i0, i1, j in T.grid(32, 4, 128):                     vj = T.axis.spatial(128, ax1)
            with T.block("C"):                                   B[vi, vj] = A[vi, vj] * 2.0
                ...C[vi, vj] = B[vi, vj] + 1.0           for i1, j in T.grid(4, 128):
                                                             with T.block("C"): ...

    ``index`` is the position among the children of ``loop`` (``-1``: last possible,
    ``-2``: first possible).

    A block writing several buffers (a multi-output ``te.compute``) is moved when its
    consumers read all of them over the same ranges per iteration.

    Raises LoopPositionError, OutputBlockComputeAtError,
    NotCompleteBlockError, NoConsumerUnderLoopError, InsertionPositionError,
    AccessPatternError, RegionNotCoveredError.
    """
    # Step 1. Check: placement, a complete intermediate block, every consumer under loop.
    node, target = state.get_block(block), state.get_loop(loop)
    tree = state.index_of(block)
    _check_placement(tree, node, target)
    if is_output(tree.func, node):
        raise OutputBlockComputeAtError(
            f"block {node.name_hint!r} writes an output buffer of the function", node
        )
    check_complete(tree, node)
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
    needed = _producer_needed(tree, target, node, consumers)
    outer = _outer_ranges(tree, target)
    iteration = iterate(node, needed, outer, preserve_unit_loops)
    old_loops = {lp.loop_var for lp in tree.loops_above(node)}
    carry_predicate(tree.realize[node], old_loops, iteration, outer)
    # Step 3. Replace: insert under the loop, remove the old loop nest.
    _move(state, block, target, position, iteration.nest(node))


def _check_every_instance_runs(
    node: Block, needed: dict[Var, Range], outer: dict[Var, Range], target: For
) -> None:
    """The moved consumer runs only where it reads what one iteration made; over all the
    iterations of the loops down to ``target`` its ranges must still reach both ends of each
    iter var's domain. A consumer whose reads are guarded (``T.if_then_else`` padding) has
    instances that read nothing; those would never run."""
    domain = Domain(outer)
    for iv in node.iter_vars:
        rng = needed.get(iv.var)
        if rng is None:
            continue
        low = bound(rng.min, domain).min
        end = bound(ops.add(rng.min, rng.extent), domain).max
        dom_end = ops.add(iv.dom.min, iv.dom.extent)
        if not (can_prove(low <= iv.dom.min) and can_prove(end >= dom_end)):
            raise RegionNotCoveredError(
                f"block {node.name_hint!r} would run only for {iv.var.name} in "
                f"[{low}, {end}) under loop {target.loop_var.name!r}, not over its whole domain "
                f"[{iv.dom.min}, {dom_end}) (instances that read none of the producers' output, "
                "such as padding, would be lost)",
                node,
                target,
            )


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

    The consumer reads each buffer made under the loop as ``B[v0 + c0, v1 + c1, ...]``
    (several buffers, and stencils ``B[v] + B[v + 1]`` along dimensions the loop does not
    tile, are fine); the region made per iteration comes from ``stir_core.arith.region``
    over the producers' actual writes, whatever their pattern.

    Before, and after ``sch.reverse_compute_at(sch.get_block("C"), i0)``::

        for i0, i1, j in T.grid(32, 4, 128):         for i0 in range(32):
            with T.block("B"): ...                       for i1, j in T.grid(4, 128):
        for i, j in T.grid(128, 128):                        with T.block("B"): ...
            with T.block("C"):                           for ax0, ax1 in T.grid(4, 128):
                vi, vj = T.axis.remap("SS", [i, j])          with T.block("C"):
                C[vi, vj] = B[vi, vj] + 1.0                      vi = T.axis.S(128, i0*4 + ax0)
                                                                 vj = T.axis.spatial(128, ax1)
                                                                 C[vi, vj] = B[vi, vj] + 1.0

    Raises LoopPositionError, NotSpatialBlockError, NotSingleWriteBlockError,
    NotCompleteBlockError, NoConsumerUnderLoopError, IncompleteReductionError,
    InsertionPositionError, AccessPatternError, RegionNotCoveredError.
    """
    # Step 1. Check: placement, a complete spatial consumer of buffers made under the loop,
    # by producers whose reductions are over there.
    node, target = state.get_block(block), state.get_loop(loop)
    tree = state.index_of(block)
    _check_placement(tree, node, target)
    check_spatial_block(node)
    check_single_write(node)
    check_complete(tree, node)
    producers = tree.producers(node)
    inside = _under(tree, target, producers)
    written = {r.buffer for p in inside for r in p.writes}
    made = [b for b in dict.fromkeys(r.buffer for r in node.reads) if b in written]
    if not made or len(inside) != len(producers):
        raise NoConsumerUnderLoopError(
            f"every producer of block {node.name_hint!r} must be under loop "
            f"{target.loop_var.name!r}, writing a buffer it reads",
            target,
            node,
        )
    _check_final(tree, target, inside)
    position = _position(tree, target, inside, _under(tree, target, tree.consumers(node)), index)
    # Step 2. Build the consumer's loops over the part of the buffers made per iteration.
    needed = _consumer_needed(tree, target, node, inside, made)
    outer = _outer_ranges(tree, target)
    _check_every_instance_runs(node, needed, outer, target)
    iteration = iterate(node, needed, outer, preserve_unit_loops)
    old_loops = {lp.loop_var for lp in tree.loops_above(node)}
    carry_predicate(tree.realize[node], old_loops, iteration, outer)
    # Step 3. Replace: insert under the loop, remove the old loop nest.
    _move(state, block, target, position, iteration.nest(node))
