"""Loop kinds: ``parallel``, ``vectorize``, ``unroll``.

Only the ``ForKind`` of the loop changes. ``parallel`` and ``vectorize`` require that the loop
is not bound to a reduction iter var of a block below it, and that its iterations are
independent: across all the blocks below the loop, an iteration only reads what the same
iteration wrote or what no iteration writes, and no two iterations write the same element
(``dependence.py``, with exact regions from ``stir_core.arith``).
"""

from __future__ import annotations

from ..ir import SPATIAL, BlockRealize, For, ForKind
from .checks import check_loop_starts_with_zero, is_const, uses_var
from .dependence import first_dependence
from .errors import ScheduleError
from .handles import LoopRV, ScheduleState
from .primitive import primitive
from .tree import TreeIndex

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


def _check_independent(index: TreeIndex, realizes: list[BlockRealize], loop: For) -> None:
    if is_const(loop.extent, 1):
        return
    found = first_dependence(index, loop, realizes)
    if found is not None:
        write, other = found
        what = "writes" if other.store else "reads"
        raise LoopCarriedDependenceError(
            f"iterations of loop {loop.loop_var.name!r} are not independent: block "
            f"{other.block!r} {what} elements of {write.buffer.name} that block "
            f"{write.block!r} writes in another iteration",
            loop,
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
    _check_independent(state.index_of(loop), realizes, node)
    # Step 2/3. Build and replace.
    _set_kind(state, loop, ForKind.PARALLEL)


@primitive
def vectorize(state: ScheduleState, loop: LoopRV) -> None:
    """Vectorize ``loop`` (``T.vectorized``).

    Before, and after ``sch.vectorize(j)``::

        for j in range(16):                  for j in T.vectorized(16):
            with T.block("B"): ...               with T.block("B"): ...

    Raises LoopNotStartWithZeroError, ReductionLoopError, LoopCarriedDependenceError.
    """
    # Step 1. Check: no reduction carried by the loop, independent iterations.
    node = state.get_loop(loop)
    check_loop_starts_with_zero(node)
    realizes = state.index_of(loop).realizes_below(node.body)
    _check_no_reduction(realizes, node, "vectorize")
    _check_independent(state.index_of(loop), realizes, node)
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
