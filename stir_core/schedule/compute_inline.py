"""Inlining: ``compute_inline`` (a producer into its consumers) and ``reverse_compute_inline``
(a consumer into its producer). Both remove one block, its intermediate buffer and the loops
left empty. Read/write regions of the rewritten blocks come from ``stir_core.arith.region``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..arith import region as access_region
from ..ir import (
    Block,
    Buffer,
    BufferLoad,
    BufferRegion,
    BufferStore,
    For,
    IntImm,
    IRMutator,
    IRVisitor,
    PrimExpr,
    PrimFunc,
    Range,
    Var,
    substitute,
)
from .checks import (
    check_single_write,
    check_spatial_block,
    is_const,
    is_iter_var_list,
    is_output,
    loads_in,
    single_store_body,
)
from .errors import BodyAnalysisError, ScheduleError
from .handles import BlockRV, ScheduleState
from .primitive import primitive
from .tree import TreeIndex, removal_root

# ----------------------------------------------------------------------------- errors


class OutputBlockError(ScheduleError):
    """The buffer that inlining would remove is a parameter (output) of the function."""


class OnlyLeafError(ScheduleError):
    """Removing the block would leave its scope empty."""


class NonSingleProducerError(ScheduleError):
    """``reverse_compute_inline``: the consumer has not exactly one producer, or that
    producer has other consumers."""


class ConsumerLoadPatternError(ScheduleError):
    """``reverse_compute_inline``: the consumer does not read its producer's buffer as
    ``B[v0, v1, ...]`` over all of its iter vars (with the producer's extents), or it has a
    predicate."""


# ---------------------------------------------------------------------------- helpers


class _ReplaceLoads(IRMutator):
    """Replace every load of ``buffer`` by ``make(load)``."""

    def __init__(self, buffer: Buffer, make: Callable[[BufferLoad], PrimExpr]) -> None:
        self.buffer = buffer
        self.make = make

    def visit_BufferLoad(self, load: BufferLoad) -> PrimExpr:
        new_load = self.generic_visit(load)
        assert isinstance(new_load, BufferLoad)
        return self.make(new_load) if new_load.buffer is self.buffer else new_load


def _inlined(store: BufferStore) -> Callable[[BufferLoad], PrimExpr]:
    """``B[e0, e1, ...] -> f(e0, e1, ...)`` for the producer ``B[v0, v1, ...] = f(v0, v1, ...)``."""

    def make(load: BufferLoad) -> PrimExpr:
        return substitute(store.value, dict(zip(store.indices, load.indices, strict=True)))

    return make


def _domain(block: Block) -> dict[Var, Range]:
    return {iv.var: iv.dom for iv in block.iter_vars}


class _InnerLoops(IRVisitor):
    def __init__(self) -> None:
        self.ranges: dict[Var, Range] = {}

    def visit_For(self, loop: For) -> None:
        self.ranges[loop.loop_var] = Range(loop.min, loop.extent)
        self.generic_visit(loop)


def _region(buffer: Buffer, accesses: Sequence[Sequence[PrimExpr]], block: Block) -> BufferRegion:
    """The region of ``accesses`` symbolic in the block's iter vars (as in ``T.reads``):
    only loops inside the block body are relaxed."""
    inner = _InnerLoops()
    inner.visit(block.body)
    return BufferRegion(buffer, tuple(access_region(accesses, inner.ranges).ranges))


def _with_reads(block: Block, removed: Buffer, recomputed: Sequence[Buffer]) -> Block:
    """``block`` whose reads drop ``removed`` and recompute ``recomputed`` from its body."""
    loads = loads_in(block.body) + (loads_in(block.init) if block.init is not None else [])
    kept = [r for r in block.reads if r.buffer is not removed and r.buffer not in recomputed]
    for buffer in recomputed:
        accesses = [load.indices for load in loads if load.buffer is buffer]
        if accesses:
            kept.append(_region(buffer, accesses, block))
    return block.replace(reads=tuple(kept))


def _check_removable(func: PrimFunc, index: TreeIndex, block: Block, written: Block) -> None:
    """``block`` can disappear, and the buffer ``written`` writes can disappear with it."""
    if is_output(func, written):
        raise OutputBlockError(
            f"block {written.name_hint!r} writes an output buffer of the function", written
        )
    if removal_root(index, index.realize[block]) is None:
        raise OnlyLeafError(f"block {block.name_hint!r} is the only leaf of its scope", block)


def _remove(state: ScheduleState, func_name: str, block: Block, buffer: Buffer) -> None:
    """Drop ``block`` (with the loops left empty) and the allocation of ``buffer``."""
    index = state.index(func_name)
    state.replace(removal_root(index, index.realize[block]), None)  # type: ignore[arg-type]
    for owner in state.index(func_name).blocks:
        if any(b is buffer for b in owner.alloc_buffers):
            kept = tuple(b for b in owner.alloc_buffers if b is not buffer)
            new_owner = owner.replace(alloc_buffers=kept)
            state.replace(owner, new_owner, {owner: new_owner})
            return


def _single_producer(index: TreeIndex, consumer: Block) -> Block:
    producers = index.producers(consumer)
    if len(producers) != 1:
        raise NonSingleProducerError(
            f"block {consumer.name_hint!r} has {len(producers)} producers; exactly one is needed",
            consumer,
        )
    producer = producers[0]
    if len(index.consumers(producer)) != 1:
        raise NonSingleProducerError(
            f"the producer {producer.name_hint!r} of block {consumer.name_hint!r} has other "
            "consumers",
            producer,
        )
    return producer


def _same_extent(a: Range, b: Range) -> bool:
    if a.extent is b.extent:
        return True
    return isinstance(a.extent, IntImm) and is_const(b.extent, a.extent.value)


def _consumer_to_producer(
    consumer: Block, predicate: PrimExpr, buffer: Buffer, producer: Block, store: BufferStore
) -> dict[Var, PrimExpr]:
    """Map the consumer's iter vars to the producer's, from its loads ``B[v0, v1, ...]``."""
    loads = [load for load in loads_in(consumer.body) if load.buffer is buffer]
    indices = loads[0].indices if loads else ()
    mine, theirs = _domain(consumer), _domain(producer)
    ok = (
        bool(loads)
        and is_const(predicate, 1)
        and is_iter_var_list(indices, consumer)
        and len(indices) == len(consumer.iter_vars)
        and all(all(a is b for a, b in zip(load.indices, indices, strict=True)) for load in loads)
        and all(
            _same_extent(mine[v], theirs[p])  # type: ignore[index]
            for v, p in zip(indices, store.indices, strict=True)
        )
    )
    if not ok:
        raise ConsumerLoadPatternError(
            f"block {consumer.name_hint!r} must read {buffer.name} as {buffer.name}[v0, v1, ...] "
            "over all of its iter vars, with the extents of the producer, and no predicate",
            consumer,
        )
    return dict(zip(indices, store.indices, strict=True))  # type: ignore[arg-type]


def _consumer_store(consumer: Block) -> BufferStore:
    if not isinstance(consumer.body, BufferStore):
        raise BodyAnalysisError(
            f"the body of block {consumer.name_hint!r} is not a single buffer store", consumer
        )
    return consumer.body


def _merged_producer(producer: Block, store: BufferStore, consumer: Block, vmap: dict) -> Block:
    """The producer computing the consumer's store from its own value."""
    moved = substitute(store, vmap)
    assert isinstance(moved, BufferStore)
    own = single_store_body(producer)
    body = _ReplaceLoads(own.buffer, lambda load: own.value).visit(moved)
    writes = (_region(body.buffer, [body.indices], producer),)
    merged = producer.replace(body=body, writes=writes)
    others = [r.buffer for r in consumer.reads if r.buffer is not own.buffer]
    return _with_reads(merged, own.buffer, others)


# --------------------------------------------------------------------------- primitives


@primitive
def compute_inline(state: ScheduleState, block: BlockRV) -> None:
    """Inline a spatial block into its consumers and remove it (with its buffer).

    The block must write one intermediate buffer with a body ``B[v0, v1, ...] = f(v0, ...)``.

    Before, and after ``sch.compute_inline(sch.get_block("B"))``::

        B = T.alloc_buffer((128,))
        for i in range(128):                         for i in range(128):
            with T.block("B"):                           with T.block("C"):
                vi = T.axis.spatial(128, i)                  vi = T.axis.spatial(128, i)
                B[vi] = A[vi] * 2.0                          T.reads(A[vi])
        for i in range(128):                                 T.writes(C[vi])
            with T.block("C"):                               C[vi] = A[vi] * 2.0 + 1.0
                vi = T.axis.spatial(128, i)
                C[vi] = B[vi] + 1.0

    Raises NotSpatialBlockError, NotSingleWriteBlockError, OutputBlockError,
    BodyAnalysisError, OnlyLeafError.
    """
    # Step 1. Check: a spatial single-store block writing an intermediate buffer.
    producer = state.get_block(block)
    index = state.index_of(block)
    check_spatial_block(producer)
    check_single_write(producer)
    store = single_store_body(producer)
    _check_removable(index.func, index, producer, producer)
    # Step 2. Build the consumers with the loads replaced by the producer's value.
    inline = _ReplaceLoads(store.buffer, _inlined(store))
    recomputed = [r.buffer for r in producer.reads]
    new_blocks = {}
    for consumer in index.consumers(producer):
        init = inline.visit(consumer.init) if consumer.init is not None else None
        rewritten = consumer.replace(body=inline.visit(consumer.body), init=init)
        new_blocks[consumer] = _with_reads(rewritten, store.buffer, recomputed)
    # Step 3. Replace the consumers, remove the producer and its buffer.
    for old, new in new_blocks.items():
        state.replace(old, new, {old: new})
    _remove(state, block.func_name, producer, store.buffer)


@primitive
def reverse_compute_inline(state: ScheduleState, block: BlockRV) -> None:
    """Inline a spatial consumer into its single producer and remove it (with the buffer).

    The consumer must read the producer's buffer only as ``B[v0, v1, ...]`` over all of its
    iter vars; its store ``C[g(v)] = f(B[v], ...)`` moves into the producer.

    Before, and after ``sch.reverse_compute_inline(sch.get_block("C"))``::

        B = T.alloc_buffer((128,))
        for i in range(128):                         for i in range(128):
            with T.block("B"):                           with T.block("B"):
                vi = T.axis.spatial(128, i)                  vi = T.axis.spatial(128, i)
                B[vi] = A[vi] * 2.0                          T.reads(A[vi])
        for i in range(128):                                 T.writes(C[vi])
            with T.block("C"):                               C[vi] = A[vi] * 2.0 + 1.0
                vi = T.axis.spatial(128, i)
                C[vi] = B[vi] + 1.0

    Raises NotSpatialBlockError, NonSingleProducerError, NotSingleWriteBlockError,
    BodyAnalysisError, ConsumerLoadPatternError, OutputBlockError, OnlyLeafError.
    """
    # Step 1. Check the consumer, its single producer and how it reads the producer.
    consumer = state.get_block(block)
    index = state.index_of(block)
    check_spatial_block(consumer)
    producer = _single_producer(index, consumer)
    check_spatial_block(producer)
    check_single_write(producer)
    own = single_store_body(producer)
    store = _consumer_store(consumer)
    predicate = index.realize[consumer].predicate
    vmap = _consumer_to_producer(consumer, predicate, own.buffer, producer, own)
    _check_removable(index.func, index, consumer, producer)
    # Step 2. Build the producer that stores the consumer's value.
    merged = _merged_producer(producer, store, consumer, vmap)
    # Step 3. Replace the producer, remove the consumer and the intermediate buffer.
    state.replace(producer, merged, {producer: merged})
    _remove(state, block.func_name, consumer, own.buffer)
