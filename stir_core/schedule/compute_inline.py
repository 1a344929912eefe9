"""Inlining: ``compute_inline`` (a producer into its consumers) and ``reverse_compute_inline``
(a consumer into its producer). Both remove one block, its intermediate buffer and the loops
left empty. Read/write regions of the rewritten blocks come from ``stir_core.arith.region``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..arith import can_prove, simplify
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
    structural_equal,
    substitute,
)
from ..ir import op as ops
from .checks import (
    check_complete,
    check_inputs_stable,
    check_single_write,
    check_spatial_block,
    is_const,
    is_output,
    loads_in,
    single_store_body,
    used_vars,
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
    ``B[v0 + c0, v1 + c1, ...]`` over distinct iter vars covering its non-unit iter vars, or
    it has a predicate (``T.where``; TVM refuses these too)."""


class ProducerCoverageError(ScheduleError):
    """``reverse_compute_inline``: the consumer reads elements its producer does not make."""


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


def _var_plus_const(index: PrimExpr, own: dict[Var, Range]) -> tuple[Var, int] | None:
    """``(v, c)`` when ``index`` is ``v + c`` for an iter var ``v`` in ``own``."""
    found = [v for v in used_vars(index) if v in own]
    if len(found) != 1:
        return None
    offset = simplify(ops.sub(index, found[0]))
    return (found[0], offset.value) if isinstance(offset, IntImm) else None


def _load_indices(consumer: Block, buffer: Buffer) -> tuple[PrimExpr, ...] | None:
    """The indices of every load of ``buffer`` in ``consumer`` (``None``: none or several
    different ones)."""
    loads = [load for load in loads_in(consumer.body) if load.buffer is buffer]
    if not loads or any(not structural_equal(ld, loads[0]) for ld in loads):
        return None
    return loads[0].indices


def _consumer_to_producer(
    consumer: Block, predicate: PrimExpr, buffer: Buffer, producer: Block, store: BufferStore
) -> tuple[dict[Var, PrimExpr], PrimExpr]:
    """Map the consumer's iter vars to the producer's from its loads ``B[v0 + c0, ...]``,
    and the condition (over the producer's iter vars) under which the mapped point lies in
    the consumer's domain."""
    pattern = ConsumerLoadPatternError(
        f"block {consumer.name_hint!r} must read {buffer.name} as {buffer.name}[v0 + c0, "
        "v1 + c1, ...] (the same everywhere) over distinct iter vars covering every non-unit "
        "iter var of the block, and have no predicate (T.where), as in TVM",
        consumer,
    )
    indices = _load_indices(consumer, buffer)
    mine, theirs = _domain(consumer), _domain(producer)
    pairs = [_var_plus_const(i, mine) for i in indices or ()]
    if not is_const(predicate, 1) or indices is None or None in pairs:
        raise pattern
    used = {id(var) for var, _ in pairs}  # type: ignore[misc]
    if len(used) != len(pairs) or any(
        id(v) not in used and not is_const(r.extent, 1) for v, r in mine.items()
    ):
        raise pattern
    vmap: dict[Var, PrimExpr] = {iv.var: iv.dom.min for iv in consumer.iter_vars}
    condition: PrimExpr = ops.const(True)
    for (var, offset), target in zip(pairs, store.indices, strict=True):  # type: ignore[misc]
        vmap[var] = simplify(ops.sub(target, offset))
        condition = ops.logical_and(condition, _in_domain(vmap[var], mine[var], theirs, consumer))
    return vmap, simplify(condition, theirs)


def _in_domain(
    value: PrimExpr, dom: Range, producer_dom: dict[Var, Range], consumer: Block
) -> PrimExpr:
    """``dom.min <= value < dom.min + dom.extent``; refuses when the producer's iterations
    cannot reach the whole of ``dom`` (the consumer would miss elements)."""
    high = ops.add(dom.min, dom.extent)
    low_side, high_side = ops.greater_equal(value, dom.min), ops.less(value, high)
    reach = access_region([(value,)], producer_dom).ranges[0]
    covered = can_prove(ops.less_equal(reach.min, dom.min)) and can_prove(
        ops.greater_equal(ops.add(reach.min, reach.extent), high)
    )
    if not covered:
        raise ProducerCoverageError(
            f"block {consumer.name_hint!r} iterates over [{dom.min}, {high}) but its producer "
            f"only makes the elements for [{reach.min}, {reach.min} + {reach.extent})",
            consumer,
        )
    return ops.logical_and(low_side, high_side)


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


def _check_reverse(index: TreeIndex, consumer: Block) -> tuple[Block, dict, PrimExpr]:
    """The producer of ``consumer``, the consumer-to-producer iter var map and the
    condition under which a producer iteration has a consumer iteration."""
    check_spatial_block(consumer)
    producer = _single_producer(index, consumer)
    check_spatial_block(producer)
    check_single_write(producer)
    own = single_store_body(producer)
    _consumer_store(consumer)
    predicate = index.realize[consumer].predicate
    vmap, inside = _consumer_to_producer(consumer, predicate, own.buffer, producer, own)
    _check_removable(index.func, index, consumer, producer)
    check_complete(index, producer)
    check_complete(index, consumer)
    inputs = [r.buffer for r in consumer.reads if r.buffer is not own.buffer]
    check_inputs_stable(index, consumer, inputs, producer, consumer)
    return producer, vmap, inside


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

    The block must be the only writer of its buffer, and no block between it and its last
    consumer may write a buffer it reads.

    Raises NotSpatialBlockError, NotSingleWriteBlockError, OutputBlockError,
    BodyAnalysisError, OnlyLeafError, NotCompleteBlockError, StaleInputError.
    """
    # Step 1. Check: a spatial single-store block writing an intermediate buffer.
    producer = state.get_block(block)
    index = state.index_of(block)
    check_spatial_block(producer)
    check_single_write(producer)
    store = single_store_body(producer)
    _check_removable(index.func, index, producer, producer)
    check_complete(index, producer)
    consumers = index.consumers(producer)
    if consumers:
        inputs = [r.buffer for r in producer.reads]
        check_inputs_stable(index, producer, inputs, producer, consumers[-1])
    # Step 2. Build the consumers with the loads replaced by the producer's value.
    inline = _ReplaceLoads(store.buffer, _inlined(store))
    recomputed = [r.buffer for r in producer.reads]
    new_blocks = {}
    for consumer in consumers:
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

    The consumer must read the producer's buffer only as ``B[v0 + c0, v1 + c1, ...]`` over
    distinct iter vars (its other iter vars of extent 1) and have no ``T.where`` (as in TVM);
    its store ``C[g(v)] = f(B[v + c], ...)`` moves into the producer. Where the consumer's
    domain is smaller than what the producer makes, the producer gets a predicate.

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
    BodyAnalysisError, ConsumerLoadPatternError, ProducerCoverageError, OutputBlockError,
    OnlyLeafError, NotCompleteBlockError, StaleInputError.
    """
    # Step 1. Check the consumer, its single producer and how it reads the producer.
    consumer = state.get_block(block)
    index = state.index_of(block)
    producer, vmap, inside = _check_reverse(index, consumer)
    own = single_store_body(producer)
    # Step 2. Build the producer that stores the consumer's value (guarded by ``inside``).
    merged = _merged_producer(producer, _consumer_store(consumer), consumer, vmap)
    node = index.realize[producer]
    values = dict(zip((iv.var for iv in producer.iter_vars), node.iter_values, strict=True))
    guard = substitute(inside, values)
    if not is_const(guard, 1) and not is_const(node.predicate, 1):
        guard = ops.logical_and(node.predicate, guard)
    predicate = node.predicate if is_const(guard, 1) else guard
    # Step 3. Replace the producer, remove the consumer and the intermediate buffer.
    state.replace(node, node.replace(block=merged, predicate=predicate), {producer: merged})
    _remove(state, block.func_name, consumer, own.buffer)
