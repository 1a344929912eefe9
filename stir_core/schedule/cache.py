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
    seq,
    structural_equal,
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


class CacheRegionMismatchError(ScheduleError):
    """``cache_write`` of several buffers that are not written over the same region."""


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


def _copy_block(name: str, pairs: Sequence[tuple[Buffer, Buffer]]) -> Block:
    """``dst[v0, v1, ...] = src[v0, v1, ...]`` over the whole shape, for each ``(src, dst)``
    (buffers of one shape)."""
    ivs = tuple(
        IterVar(Var(f"v{k}", dim.dtype), Range(ops.const(0, dim.dtype), dim))
        for k, dim in enumerate(pairs[0][0].shape)
    )
    point = tuple(iv.var for iv in ivs)
    body = seq([buffer_store(dst, src.vload(point), point) for src, dst in pairs])
    region = tuple(Range(v, ops.const(1, v.dtype)) for v in point)
    reads = tuple(BufferRegion(src, region) for src, _ in pairs)
    writes = tuple(BufferRegion(dst, region) for _, dst in pairs)
    return Block(name, ivs, reads, writes, body)


def _stage(
    index: TreeIndex,
    parent: Block | For,
    copy: Block,
    buffers: Sequence[Buffer],
    realizes: list,
    store: bool,
) -> Stmt:
    """The copy block under loops over the region ``realizes`` access below ``parent``
    (the same for every buffer of ``buffers``)."""
    regions = [required_region(index, realizes, b, store, parent) for b in buffers]
    for buffer, other in zip(buffers[1:], regions[1:], strict=True):
        same = all(
            structural_equal(a.min, b.min) and structural_equal(a.extent, b.extent)
            for a, b in zip(regions[0].ranges, other.ranges, strict=True)
        )
        if not same:
            raise CacheRegionMismatchError(
                f"{buffer.name} and {buffers[0].name} are written over different regions: "
                "one copy block cannot write both back",
                copy,
            )
    needed = {iv.var: rng for iv, rng in zip(copy.iter_vars, regions[0].ranges, strict=True)}
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

    def install(self, position: int, stage: Stmt, caches: Sequence[Buffer]) -> None:
        """Insert ``stage`` under the parent and allocate ``caches`` in the scope."""
        state = self.state
        if self.parent_rv is not None:
            current: Block | For = state.get_block(self.parent_rv)
        else:
            current = state.index(self.func_name).loops[self.loop_var]  # type: ignore[index]
        new_parent = insert_child(current, position, stage)
        reuse = {current: new_parent} if isinstance(current, Block) else {}
        state.replace(current, new_parent, reuse)  # type: ignore[arg-type]
        for cache in caches:
            allocate_in(state, state.get_block(self.scope_rv), cache)
        for handle in (self.scope_rv, self.parent_rv):
            state.blocks.pop(handle, None)  # type: ignore[arg-type]


def _reads_any(block: Block, buffers: Sequence[Buffer]) -> bool:
    return any(r.buffer is b for r in block.reads for b in buffers)


def _readers(
    state: ScheduleState,
    index: TreeIndex,
    scope: Block,
    buffers: Sequence[Buffer],
    chosen: list | None,
) -> list[Block]:
    """The chosen blocks (default: every block of the scope) reading one of ``buffers``."""
    siblings = index.child_blocks(scope)
    if chosen is None:
        return [b for b in siblings if _reads_any(b, buffers)]
    readers = [state.get_block(handle) for handle in chosen]
    for reader in readers:
        if reader not in siblings or not _reads_any(reader, buffers):
            names = ", ".join(b.name for b in buffers)
            raise NotAConsumerError(
                f"block {reader.name_hint!r} does not read {names} in this scope", reader
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


def _check_not_in_place(readers: Sequence[Block], buffers: Sequence[Buffer]) -> None:
    for reader in readers:
        for buffer in buffers:
            if any(r.buffer is buffer for r in reader.writes):
                raise CacheInPlaceError(
                    f"block {reader.name_hint!r} reads and writes {buffer.name}", reader
                )


def _replace_in(
    state: ScheduleState, blocks: Sequence[Block], caches: dict[Buffer, Buffer]
) -> None:
    """Make ``blocks`` access the caches instead of the buffers (``buffer -> cache``)."""
    for block in blocks:
        new_block = replace_buffers(block, caches)
        state.replace(block, new_block, {block: new_block})


def _write_buffers(node: Block, indices: int | Sequence[int]) -> list[Buffer]:
    """The buffers written at ``indices`` (one index or several), all of one shape."""
    picked = [indices] if isinstance(indices, int) else list(indices)
    buffers = [block_buffer(node, k, "write") for k in picked]
    for buffer in buffers[1:]:
        same = len(buffer.shape) == len(buffers[0].shape) and all(
            structural_equal(a, b) for a, b in zip(buffer.shape, buffers[0].shape, strict=True)
        )
        if not same:
            raise CacheRegionMismatchError(
                f"{buffer.name} and {buffers[0].name} have different shapes: one copy block "
                "cannot write both back",
                node,
            )
    return buffers


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
    readers = _readers(state, index, scope, [buffer], consumer_blocks)
    _check_not_in_place(readers, [buffer])
    writers = [b for b in index.child_blocks(scope) if any(r.buffer is buffer for r in b.writes)]
    parent, position = _place(index, scope, writers, readers)
    # Step 2. Build the cache buffer, the copy stage and the readers reading the cache.
    cache = decl_buffer(buffer.shape, buffer.dtype, cache_name(buffer, scope_name), scope_name)
    copy = _copy_block(cache.name, [(buffer, cache)])
    stage = _stage(index, parent, copy, [buffer], [index.realize[b] for b in readers], False)
    # Step 3. Replace the readers, insert the stage, allocate the cache.
    site = _Site(state, block.func_name, scope, parent)
    _replace_in(state, readers, {buffer: cache})
    site.install(position, stage, [cache])
    return state.block_rv(copy, block.func_name)


@primitive
def cache_write(
    state: ScheduleState,
    block: BlockRV,
    write_buffer_index: int | Sequence[int],
    storage_scope: str,
    consumer_blocks: list[BlockRV] | None = None,
) -> BlockRV:
    """Write a buffer through a copy in ``storage_scope``; returns the copy-back block.

    ``write_buffer_index`` may list several buffers of the block (of one shape, written over
    the same region, e.g. the outputs of a multi-output ``te.compute``): each gets a cache,
    and one copy-back block writes them all.

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
    CacheInPlaceError, CachePlacementError, NotCompleteBlockError, CacheRegionMismatchError.
    """
    # Step 1. Check the buffers, the scope and the chosen readers; find the place after the
    # writers (every block of the scope writing a buffer, e.g. a decomposed init too).
    node = state.get_block(block)
    buffers = _write_buffers(node, write_buffer_index)
    scope_name = check_scope(storage_scope, node)
    index = state.index_of(block)
    scope = index.scope_of(node)
    writers = list(dict.fromkeys(w for b in buffers for w in _writers(index, scope, node, b)))
    chosen = _readers(state, index, scope, buffers, consumer_blocks or [])
    _check_not_in_place(chosen, buffers)
    siblings = index.child_blocks(scope)
    readers = [b for b in siblings if b not in writers and _reads_any(b, buffers)]
    parent, position = _place(index, scope, writers, readers)
    # Step 2. Build the cache buffers, the writers writing them and the copy-back stage.
    caches = {
        b: decl_buffer(b.shape, b.dtype, cache_name(b, scope_name), scope_name) for b in buffers
    }
    copy = _copy_block(caches[buffers[0]].name, [(c, b) for b, c in caches.items()])
    stage = _stage(index, parent, copy, buffers, [index.realize[w] for w in writers], True)
    # Step 3. Replace the writers and the chosen readers, insert the stage, allocate the caches.
    site = _Site(state, block.func_name, scope, parent)
    _replace_in(state, [*writers, *chosen], caches)
    site.install(position, stage, list(caches.values()))
    return state.block_rv(copy, block.func_name)
