"""Cache stages: ``cache_read`` and ``cache_write``.

A cache stage is a copy block named ``<buffer>_<scope>`` (dots of the scope replaced by
underscores, as in TVM: ``A_shared``, ``C_local``) between a buffer and a new buffer of the
same shape in ``storage_scope``, allocated in the scope block. The copy covers exactly the
region the readers read (or the writer writes), from ``stir_core.arith.region``; it is
placed right after the buffer's writer and before its first reader, under the innermost
loop holding both.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir import (
    Block,
    Buffer,
    BufferRegion,
    For,
    IterVar,
    Range,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
)
from ..ir import op as ops
from .checks import other_writers
from .errors import NotCompleteBlockError, ScheduleError
from .handles import BlockRV, ScheduleState
from .primitive import primitive
from .regions import (
    body_children,
    child_position,
    insert_child,
    iterate,
    loop_ranges,
    required_region,
)
from .storage import allocate_in, block_buffer, check_scope, replace_buffers
from .tree import TreeIndex

# ----------------------------------------------------------------------------- errors


class NotAConsumerError(ScheduleError):
    """A block given in ``consumer_blocks`` does not read the buffer (in the same scope)."""


class CacheInPlaceError(ScheduleError):
    """``cache_read`` of a buffer that a reader also writes (an in-place update)."""


class CachePlacementError(ScheduleError):
    """A reader of the buffer comes before its writer: no place for the cache stage."""


# ---------------------------------------------------------------------------- helpers


def cache_name(buffer: Buffer, scope: str) -> str:
    return f"{buffer.name}_{scope.replace('.', '_')}"


def _lowest_common(index: TreeIndex, scope: Block, blocks: Sequence[Block]) -> Block | For:
    """The innermost loop holding every block of ``blocks`` (``scope`` if none does)."""
    first = index.realize[blocks[0]]
    for parent in index.ancestors(first):
        if parent is scope:
            break
        holds_all = all(index.is_ancestor(parent, index.realize[b]) for b in blocks)
        if isinstance(parent, For) and holds_all and len(blocks) > 1:
            return parent
    return scope


def _place(
    index: TreeIndex, scope: Block, writers: Sequence[Block], readers: Sequence[Block]
) -> tuple[Block | For, int]:
    """Where the cache stage goes: (parent, position among its children)."""
    parent = _lowest_common(index, scope, [*writers, *readers]) if writers else scope
    children = body_children(parent.body)
    after = [child_position(index, children, index.realize[b]) for b in writers]
    before = [child_position(index, children, index.realize[b]) for b in readers]
    position = max(after, default=-1) + 1  # type: ignore[type-var]
    if not writers:
        position = min(before, default=0)  # type: ignore[type-var]
    if before and position > min(before):  # type: ignore[type-var, operator]
        raise CachePlacementError(
            "a reader of the buffer comes before its writer", *writers, *readers
        )
    return parent, position  # type: ignore[return-value]


def _copy_block(name: str, src: Buffer, dst: Buffer) -> Block:
    """``dst[v0, v1, ...] = src[v0, v1, ...]`` over the whole shape."""
    ivs = tuple(
        IterVar(Var(f"v{k}", dim.dtype), Range(ops.const(0, dim.dtype), dim))
        for k, dim in enumerate(src.shape)
    )
    point = tuple(iv.var for iv in ivs)
    body = buffer_store(dst, src.vload(point), point)
    region = tuple(Range(v, ops.const(1, v.dtype)) for v in point)
    return Block(name, ivs, (BufferRegion(src, region),), (BufferRegion(dst, region),), body)


def _stage(
    index: TreeIndex, parent: Block | For, copy: Block, buffer: Buffer, realizes: list, store: bool
) -> Stmt:
    """The copy block under loops over the region ``realizes`` access below ``parent``."""
    region = required_region(index, realizes, buffer, store, parent)
    needed = {iv.var: rng for iv, rng in zip(copy.iter_vars, region.ranges, strict=True)}
    outer = loop_ranges([*index.loops_above(parent), parent]) if isinstance(parent, For) else {}
    return iterate(copy, needed, outer, keep_unit=True).nest(copy)


class _Site:
    """Where a stage goes, followed across replacements: the scope block and the parent
    (a block through a temporary handle, a loop through its variable)."""

    def __init__(self, state: ScheduleState, func_name: str, scope: Block, parent: Block | For):
        self.state, self.func_name = state, func_name
        self.scope_rv = state.block_rv(scope, func_name)
        self.parent_rv = state.block_rv(parent, func_name) if isinstance(parent, Block) else None
        self.loop_var = parent.loop_var if isinstance(parent, For) else None

    def install(self, position: int, stage: Stmt, cache: Buffer) -> None:
        """Insert ``stage`` under the parent and allocate ``cache`` in the scope."""
        state = self.state
        if self.parent_rv is not None:
            current: Block | For = state.get_block(self.parent_rv)
        else:
            current = state.index(self.func_name).loops[self.loop_var]  # type: ignore[index]
        new_parent = insert_child(current, position, stage)
        reuse = {current: new_parent} if isinstance(current, Block) else {}
        state.replace(current, new_parent, reuse)  # type: ignore[arg-type]
        allocate_in(state, state.get_block(self.scope_rv), cache)
        for handle in (self.scope_rv, self.parent_rv):
            state.blocks.pop(handle, None)  # type: ignore[arg-type]


def _readers(
    state: ScheduleState, index: TreeIndex, scope: Block, buffer: Buffer, chosen: list | None
) -> list[Block]:
    siblings = index.child_blocks(scope)
    if chosen is None:
        return [b for b in siblings if any(r.buffer is buffer for r in b.reads)]
    readers = [state.get_block(handle) for handle in chosen]
    for reader in readers:
        if reader not in siblings or not any(r.buffer is buffer for r in reader.reads):
            raise NotAConsumerError(
                f"block {reader.name_hint!r} does not read {buffer.name} in this scope", reader
            )
    return readers


def _writers(index: TreeIndex, scope: Block, node: Block, buffer: Buffer) -> list[Block]:
    """The blocks of ``scope`` writing ``buffer`` (``node`` among them); writers elsewhere
    (another scope) are refused."""
    writers = [b for b in index.child_blocks(scope) if any(r.buffer is buffer for r in b.writes)]
    outside = [b for b in other_writers(index, node, buffer) if b not in writers]
    if outside:
        raise NotCompleteBlockError(
            f"block {outside[0].name_hint!r} writes {buffer.name} in another scope", outside[0]
        )
    return writers


def _check_not_in_place(readers: Sequence[Block], buffer: Buffer) -> None:
    for reader in readers:
        if any(r.buffer is buffer for r in reader.writes):
            raise CacheInPlaceError(
                f"block {reader.name_hint!r} reads and writes {buffer.name}", reader
            )


def _read_from(
    state: ScheduleState, readers: Sequence[Block], buffer: Buffer, cache: Buffer
) -> None:
    """Make ``readers`` read ``cache`` instead of ``buffer``."""
    for reader in readers:
        new_reader = replace_buffers(reader, {buffer: cache})
        state.replace(reader, new_reader, {reader: new_reader})


# --------------------------------------------------------------------------- primitives


@primitive
def cache_read(
    state: ScheduleState,
    block: BlockRV,
    read_buffer_index: int,
    storage_scope: str,
    consumer_blocks: list[BlockRV] | None = None,
) -> BlockRV:
    """Read a buffer through a copy in ``storage_scope``; returns the copy block.

    The readers (``consumer_blocks``, default: every block of the scope reading it) read
    the copy instead.

    Before, and after ``sch.cache_read(sch.get_block("B"), 0, "shared")``::

        for i, j in T.grid(128, 128):                A_shared = T.alloc_buffer((128, 128), "shared")
            with T.block("B"):                       for ax0, ax1 in T.grid(128, 128):
                vi, vj = T.axis.remap("SS", [i, j])      with T.block("A_shared"):
                B[vi, vj] = A[vi, vj] * 2.0                  v0, v1 = T.axis.remap("SS", [ax0, ax1])
                                                             A_shared[v0, v1] = A[v0, v1]
                                                     for i, j in T.grid(128, 128):
                                                         with T.block("B"):
                                                             ...B[vi, vj] = A_shared[vi, vj] * 2.0

    Raises BufferIndexOutOfRangeError, InvalidStorageScopeError, NotAConsumerError,
    CacheInPlaceError, CachePlacementError, NotCompleteBlockError.
    """
    # Step 1. Check the buffer, the scope and the readers.
    node = state.get_block(block)
    buffer = block_buffer(node, read_buffer_index, "read")
    scope_name = check_scope(storage_scope, node)
    index = state.index_of(block)
    scope = index.scope_of(node)
    readers = _readers(state, index, scope, buffer, consumer_blocks)
    _check_not_in_place(readers, buffer)
    writers = [b for b in index.child_blocks(scope) if any(r.buffer is buffer for r in b.writes)]
    parent, position = _place(index, scope, writers, readers)
    # Step 2. Build the cache buffer, the copy stage and the readers reading the cache.
    cache = decl_buffer(buffer.shape, buffer.dtype, cache_name(buffer, scope_name), scope_name)
    copy = _copy_block(cache.name, buffer, cache)
    stage = _stage(index, parent, copy, buffer, [index.realize[b] for b in readers], False)
    # Step 3. Replace the readers, insert the stage, allocate the cache.
    site = _Site(state, block.func_name, scope, parent)
    _read_from(state, readers, buffer, cache)
    site.install(position, stage, cache)
    return state.block_rv(copy, block.func_name)


@primitive
def cache_write(
    state: ScheduleState,
    block: BlockRV,
    write_buffer_index: int,
    storage_scope: str,
    consumer_blocks: list[BlockRV] | None = None,
) -> BlockRV:
    """Write a buffer through a copy in ``storage_scope``; returns the copy-back block.

    Every block of the scope writing the buffer (e.g. the init of a decomposed reduction
    too) writes the cache instead. The blocks in ``consumer_blocks`` (default: none, as in
    TVM) read the cache directly; the other readers read the buffer, written back by the
    copy block after the last writer.

    Before, and after ``sch.cache_write(sch.get_block("B"), 0, "local")``::

        for i, j in T.grid(128, 128):                B_local = T.alloc_buffer((128, 128), "local")
            with T.block("B"):                       for i, j in T.grid(128, 128):
                vi, vj = T.axis.remap("SS", [i, j])      with T.block("B"):
                B[vi, vj] = A[vi, vj] * 2.0                  ...B_local[vi, vj] = A[vi, vj] * 2.0
                                                     for ax0, ax1 in T.grid(128, 128):
                                                         with T.block("B_local"):
                                                             v0, v1 = T.axis.remap("SS", [ax0, ax1])
                                                             B[v0, v1] = B_local[v0, v1]

    Raises BufferIndexOutOfRangeError, InvalidStorageScopeError, NotAConsumerError,
    CacheInPlaceError, CachePlacementError, NotCompleteBlockError.
    """
    # Step 1. Check the buffer, the scope and the chosen readers; find the place after the
    # writers (every block of the scope writing the buffer, e.g. a decomposed init too).
    node = state.get_block(block)
    buffer = block_buffer(node, write_buffer_index, "write")
    scope_name = check_scope(storage_scope, node)
    index = state.index_of(block)
    scope = index.scope_of(node)
    writers = _writers(index, scope, node, buffer)
    chosen = _readers(state, index, scope, buffer, consumer_blocks or [])
    _check_not_in_place(chosen, buffer)
    siblings = index.child_blocks(scope)
    readers = [b for b in siblings if b not in writers and any(r.buffer is buffer for r in b.reads)]
    parent, position = _place(index, scope, writers, readers)
    # Step 2. Build the cache buffer, the writers writing it and the copy-back stage.
    cache = decl_buffer(buffer.shape, buffer.dtype, cache_name(buffer, scope_name), scope_name)
    copy = _copy_block(cache.name, cache, buffer)
    stage = _stage(index, parent, copy, buffer, [index.realize[w] for w in writers], True)
    # Step 3. Replace the writers and the chosen readers, insert the stage, allocate the cache.
    site = _Site(state, block.func_name, scope, parent)
    for writer in writers:
        new_writer = replace_buffers(writer, {buffer: cache})
        state.replace(writer, new_writer, {writer: new_writer})
    _read_from(state, chosen, buffer, cache)
    site.install(position, stage, cache)
    return state.block_rv(copy, block.func_name)
