"""Loop kinds: ``parallel``, ``vectorize``, ``unroll``.

Only the ``ForKind`` of the loop changes. ``parallel`` and ``vectorize`` require that the loop
is not bound to a reduction iter var of a block below it; ``parallel`` also requires that
different iterations of the loop write different elements (every block below binds a spatial
iter var to the loop and indexes its writes with it, and reads nothing it writes unless it is
a reduction update). Dependences between two different blocks below the loop are not
analysed yet.
"""

from __future__ import annotations

from ..ir import SPATIAL, Block, BlockRealize, For, ForKind
from .checks import check_loop_starts_with_zero, used_vars, uses_var
from .errors import ScheduleError
from .handles import LoopRV, ScheduleState
from .primitive import primitive

# ----------------------------------------------------------------------------- errors


class ReductionLoopError(ScheduleError):
    """The loop is bound to a reduction iter var of a block below it."""


class LoopCarriedDependenceError(ScheduleError):
    """Iterations of the loop write the same elements, so they cannot run in parallel."""


# ---------------------------------------------------------------------------- helpers


def _check_no_reduction(realizes: list[BlockRealize], loop: For, action: str) -> None:
    for realize in realizes:
        for iv, value in zip(realize.block.iter_vars, realize.iter_values, strict=True):
            if iv.iter_type is not SPATIAL and uses_var(value, loop.loop_var):
                raise ReductionLoopError(
                    f"cannot {action} loop {loop.loop_var.name!r}: it is bound to the "
                    f"reduction iter var {iv.var.name!r} of block {realize.block.name_hint!r}",
                    loop,
                    realize.block,
                )


def _writes_depend_on(block: Block, dependent: set) -> bool:
    """Every region ``block`` writes is indexed by one of the ``dependent`` iter vars."""
    return all(any(used_vars(r.min) & dependent for r in region.region) for region in block.writes)


def _check_independent(realizes: list[BlockRealize], loop: For) -> None:
    for realize in realizes:
        block = realize.block
        dependent = {
            iv.var
            for iv, value in zip(block.iter_vars, realize.iter_values, strict=True)
            if iv.iter_type is SPATIAL and uses_var(value, loop.loop_var)
        }
        written = {region.buffer for region in block.writes}
        self_read = any(region.buffer in written for region in block.reads)
        if not _writes_depend_on(block, dependent) or (self_read and not block.is_reduction):
            raise LoopCarriedDependenceError(
                f"iterations of loop {loop.loop_var.name!r} are not independent: block "
                f"{block.name_hint!r} does not write different elements in each iteration",
                loop,
                block,
            )


def _set_kind(state: ScheduleState, loop: LoopRV, kind: ForKind) -> For:
    node = state.get_loop(loop)
    new_loop = node.replace(kind=kind)
    state.replace(node, new_loop)
    return new_loop


# --------------------------------------------------------------------------- primitives


@primitive
def parallel(state: ScheduleState, loop: LoopRV) -> None:
    """Run the iterations of ``loop`` in parallel (``T.parallel``).

    Before, and after ``sch.parallel(i)``::

        for i in range(128):                 for i in T.parallel(128):
            with T.block("B"): ...               with T.block("B"): ...

    Raises LoopNotStartWithZeroError, ReductionLoopError, LoopCarriedDependenceError.
    """
    # Step 1. Check: spatial and independent iterations.
    node = state.get_loop(loop)
    check_loop_starts_with_zero(node)
    realizes = state.index_of(loop).realizes_below(node.body)
    _check_no_reduction(realizes, node, "parallelize")
    _check_independent(realizes, node)
    # Step 2/3. Build and replace.
    _set_kind(state, loop, ForKind.PARALLEL)


@primitive
def vectorize(state: ScheduleState, loop: LoopRV) -> None:
    """Vectorize ``loop`` (``T.vectorized``).

    Before, and after ``sch.vectorize(j)``::

        for j in range(16):                  for j in T.vectorized(16):
            with T.block("B"): ...               with T.block("B"): ...

    Raises LoopNotStartWithZeroError, ReductionLoopError.
    """
    # Step 1. Check: no reduction carried by the loop.
    node = state.get_loop(loop)
    check_loop_starts_with_zero(node)
    realizes = state.index_of(loop).realizes_below(node.body)
    _check_no_reduction(realizes, node, "vectorize")
    # Step 2/3. Build and replace.
    _set_kind(state, loop, ForKind.VECTORIZED)


@primitive
def unroll(state: ScheduleState, loop: LoopRV) -> None:
    """Unroll ``loop`` (``T.unroll``); always legal.

    Before, and after ``sch.unroll(k)``::

        for k in range(4):                   for k in T.unroll(4):
            with T.block("B"): ...               with T.block("B"): ...
    """
    _set_kind(state, loop, ForKind.UNROLLED)
