"""Precondition checks shared by several primitives (each raises a ``ScheduleError``)."""

from __future__ import annotations

from ..ir import (
    Block,
    Buffer,
    BufferLoad,
    BufferStore,
    For,
    IntImm,
    IRVisitor,
    Node,
    PrimExpr,
    PrimFunc,
    Var,
)
from .errors import (
    BodyAnalysisError,
    HasAnnotationOrThreadBindingError,
    LoopNotStartWithZeroError,
    NotCompleteBlockError,
    NotSingleWriteBlockError,
    NotSpatialBlockError,
    StaleInputError,
)
from .tree import TreeIndex


class _VarCollector(IRVisitor):
    def __init__(self) -> None:
        self.found: set[Var] = set()

    def visit_Var(self, var: Var) -> None:
        self.found.add(var)


def used_vars(node: Node) -> set[Var]:
    """Every variable occurring in ``node``."""
    collector = _VarCollector()
    collector.visit(node)
    return collector.found


def uses_var(node: Node, var: Var) -> bool:
    return var in used_vars(node)


def is_const(expr: PrimExpr, value: int) -> bool:
    return isinstance(expr, IntImm) and expr.value == value


def check_loop_starts_with_zero(loop: For) -> None:
    if not is_const(loop.min, 0):
        raise LoopNotStartWithZeroError(
            f"loop {loop.loop_var.name!r} starts at {loop.min}, not at 0", loop
        )


def check_no_annotation(loop: For) -> None:
    if loop.annotations or loop.thread_binding is not None:
        raise HasAnnotationOrThreadBindingError(
            f"loop {loop.loop_var.name!r} has annotations or a thread binding", loop
        )


def check_spatial_block(block: Block) -> None:
    """Every iter var of ``block`` is spatial and it has no init."""
    if block.is_reduction or block.init is not None:
        raise NotSpatialBlockError(
            f"block {block.name_hint!r} is a reduction block; a spatial block is needed", block
        )


def check_single_write(block: Block) -> None:
    buffers = {region.buffer for region in block.writes}
    if len(buffers) != 1:
        raise NotSingleWriteBlockError(
            f"block {block.name_hint!r} writes {len(buffers)} buffers; exactly one is needed",
            block,
        )


class _LoadCollector(IRVisitor):
    def __init__(self) -> None:
        self.loads: list[BufferLoad] = []

    def visit_BufferLoad(self, load: BufferLoad) -> None:
        self.loads.append(load)
        self.generic_visit(load)


def loads_in(node: Node) -> list[BufferLoad]:
    """Every ``BufferLoad`` in ``node``, in visiting order."""
    collector = _LoadCollector()
    collector.visit(node)
    return collector.loads


def is_iter_var_list(indices: tuple[PrimExpr, ...], block: Block) -> bool:
    """``indices`` are distinct iter vars of ``block``."""
    own = {iv.var for iv in block.iter_vars}
    return all(isinstance(i, Var) and i in own for i in indices) and len(
        {id(i) for i in indices}
    ) == len(indices)


def single_store_body(block: Block) -> BufferStore:
    """The body ``B[v0, v1, ...] = f(v0, v1, ...)`` of ``block``: one store to the buffer it
    writes, indexed by distinct iter vars, whose value reads neither ``B`` nor other iter vars."""
    body = block.body
    ok = (
        isinstance(body, BufferStore)
        and is_iter_var_list(body.indices, block)
        and all(load.buffer is not body.buffer for load in loads_in(body.value))
        and not (used_vars(body.value) & ({iv.var for iv in block.iter_vars} - set(body.indices)))
        and all(region.buffer is body.buffer for region in block.writes)
    )
    if not ok:
        raise BodyAnalysisError(
            f"the body of block {block.name_hint!r} is not a single store "
            "B[v0, v1, ...] = f(...) indexed by distinct iter vars of the block",
            block,
        )
    assert isinstance(body, BufferStore)
    return body


def is_output(func: PrimFunc, block: Block) -> bool:
    """``block`` writes a parameter buffer of ``func``."""
    params = set(func.buffer_params)
    return any(region.buffer in params for region in block.writes)


def _related(index: TreeIndex, block: Block, other: Block) -> bool:
    """``other`` is ``block``, encloses it or is nested in it."""
    if other is block:
        return True
    mine, theirs = index.realize.get(block), index.realize.get(other)
    if mine is None or theirs is None:
        return False  # the root block encloses everything
    return index.is_ancestor(theirs, mine) or index.is_ancestor(mine, theirs)


def other_writers(index: TreeIndex, block: Block, buffer: Buffer) -> list[Block]:
    """The blocks of the function (program order) writing ``buffer``, other than ``block``
    and the blocks enclosing it or nested in it."""
    return [
        other
        for other in index.blocks
        if any(r.buffer is buffer for r in other.writes) and not _related(index, block, other)
    ]


def check_complete(index: TreeIndex, block: Block) -> None:
    """``block`` is the only writer of every buffer it writes."""
    for region in block.writes:
        others = other_writers(index, block, region.buffer)
        if others:
            raise NotCompleteBlockError(
                f"block {others[0].name_hint!r} also writes {region.buffer.name}: block "
                f"{block.name_hint!r} must be its only writer",
                block,
                others[0],
            )


def check_inputs_stable(
    index: TreeIndex, moved: Block, buffers: list[Buffer], start: Block, end: Block
) -> None:
    """No block from ``start`` to ``end`` (program order, both included; ``moved`` and its
    ancestors excepted) writes one of ``buffers`` that ``moved``'s computation reads, so
    reading them at ``start`` or at ``end`` gives the same values."""
    order = {block: k for k, block in enumerate(index.blocks)}
    low, high = sorted((order[start], order[end]))
    for buffer in buffers:
        for other in other_writers(index, moved, buffer):
            if low <= order[other] <= high:
                raise StaleInputError(
                    f"block {other.name_hint!r} writes {buffer.name}, which block "
                    f"{moved.name_hint!r} reads, between {start.name_hint!r} and "
                    f"{end.name_hint!r}",
                    moved,
                    other,
                )
