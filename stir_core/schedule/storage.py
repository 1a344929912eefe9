"""Storage of intermediate buffers: ``set_scope``, ``storage_align``.

Both rewrite one buffer allocated in a block (never a function parameter) everywhere it
appears; ``replace_buffers`` and ``allocate_in`` are shared with the other primitives that
create or rewrite buffers (``cache_read``, ``rfactor``, ``transform_layout``...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..ir import Block, Buffer, BufferLoad, BufferRegion, BufferStore, IRMutator, Node
from .errors import ScheduleError
from .handles import BlockRV, ScheduleState
from .primitive import primitive
from .tree import TreeIndex

# ----------------------------------------------------------------------------- errors


class BufferIndexOutOfRangeError(ScheduleError):
    """A read/write buffer index is not an index of the block's ``reads``/``writes``."""


class InvalidStorageScopeError(ScheduleError):
    """The storage scope is not one of ``global``, ``local``, ``shared`` (with a ``.tag``)."""


class ParamBufferError(ScheduleError):
    """The primitive needs a buffer allocated in a block, not a function parameter."""


class StorageAlignArgumentError(ScheduleError):
    """``storage_align``: the axis is out of range, or not ``factor > 0``,
    ``0 <= offset < factor``."""


# ---------------------------------------------------------------------------- helpers

_SCOPES = ("global", "local", "shared")


class BufferReplacer(IRMutator):
    """Replace buffers (loads, stores, regions, allocations) by the buffers of ``mapping``;
    ``indices(old, indices)`` and ``region(old, new_region)`` may rewrite the indices of the
    accesses and the regions of the replaced buffers too."""

    def __init__(
        self, mapping: Mapping[Buffer, Buffer], indices: Any = None, region: Any = None
    ) -> None:
        self.mapping = mapping
        self.indices = indices
        self.region = region

    def visit_Buffer(self, buffer: Buffer) -> Buffer:
        return self.mapping.get(buffer, buffer)

    def _access(self, node: BufferLoad | BufferStore, new: Node) -> Node:
        if self.indices is None or node.buffer not in self.mapping:
            return new
        return new.replace(indices=self.indices(node.buffer, new.indices))  # type: ignore[attr-defined]

    def visit_BufferLoad(self, node: BufferLoad) -> Node:
        return self._access(node, self.generic_visit(node))

    def visit_BufferStore(self, node: BufferStore) -> Node:
        return self._access(node, self.generic_visit(node))

    def visit_BufferRegion(self, node: BufferRegion) -> Node:
        new = self.generic_visit(node)
        if self.region is None or node.buffer not in self.mapping:
            return new
        return self.region(node.buffer, new)


def replace_buffers(node: Any, mapping: Mapping[Buffer, Buffer]) -> Any:
    """``node`` with every use (and allocation) of the buffers in ``mapping`` replaced."""
    return BufferReplacer(mapping).visit(node)


def check_scope(scope: Any, node: Node) -> str:
    """``scope`` if it names a storage scope (``global``, ``local``, ``shared[.tag]``)."""
    if not isinstance(scope, str) or scope.split(".")[0] not in _SCOPES:
        raise InvalidStorageScopeError(
            f"invalid storage scope {scope!r}: expected one of {', '.join(_SCOPES)} "
            "(optionally with a '.tag')",
            node,
        )
    return scope


def block_buffer(block: Block, index: Any, kind: str) -> Buffer:
    """The buffer of ``block.reads[index]`` (``kind == "read"``) or ``block.writes[index]``."""
    regions = block.reads if kind == "read" else block.writes
    if not isinstance(index, int) or not -len(regions) <= index < len(regions):
        raise BufferIndexOutOfRangeError(
            f"block {block.name_hint!r} has {len(regions)} {kind} buffer(s); "
            f"{kind} buffer index {index!r} is out of range",
            block,
        )
    return regions[index].buffer


def owner_of(index: TreeIndex, buffer: Buffer, at: Node) -> Block:
    """The block allocating ``buffer`` (``ParamBufferError`` for a function parameter)."""
    for block in index.blocks:
        if any(b is buffer for b in block.alloc_buffers):
            return block
    raise ParamBufferError(
        f"buffer {buffer.name} is a parameter of the function, not allocated in a block", at
    )


def rewrite_buffer(
    state: ScheduleState,
    func_name: str,
    old: Buffer,
    new: Buffer,
    replacer: BufferReplacer | None = None,
) -> None:
    """Replace ``old`` by ``new`` in the whole function (with ``replacer`` when given, for
    accesses that change too), following every block handle."""
    func = state.mod[func_name]
    new_func = (replacer or BufferReplacer({old: new})).visit(func)
    reuse = _block_map(state.index(func_name), new_func)
    state.set_func(func_name, new_func, reuse)


def _block_map(index: TreeIndex, new_func: Any) -> dict[Block, Block]:
    """Old block -> new block, pairing the blocks of both functions in program order."""
    new_index = TreeIndex(new_func)
    return dict(zip(index.blocks, new_index.blocks, strict=True))


def allocate_in(state: ScheduleState, scope: Block, buffer: Buffer) -> None:
    """Add ``buffer`` to the ``alloc_buffers`` of the block ``scope``."""
    new_scope = scope.replace(alloc_buffers=(*scope.alloc_buffers, buffer))
    state.replace(scope, new_scope, {scope: new_scope})


# --------------------------------------------------------------------------- primitives


@primitive
def set_scope(state: ScheduleState, block: BlockRV, buffer_index: int, storage_scope: str) -> None:
    """Set the storage scope of the buffer ``block`` writes at ``buffer_index``.

    Before, and after ``sch.set_scope(sch.get_block("B"), 0, "local")``::

        B = T.alloc_buffer((128,))                 B = T.alloc_buffer((128,), scope="local")
        for i in range(128):                       for i in range(128):
            with T.block("B"): ...                     with T.block("B"): ...

    Raises BufferIndexOutOfRangeError, InvalidStorageScopeError, ParamBufferError.
    """
    # Step 1. Check the buffer (allocated in a block) and the scope.
    node = state.get_block(block)
    buffer = block_buffer(node, buffer_index, "write")
    owner_of(state.index_of(block), buffer, node)
    scope = check_scope(storage_scope, node)
    # Step 2. Build the buffer, Step 3. replace it everywhere.
    if scope != buffer.scope:
        rewrite_buffer(state, block.func_name, buffer, buffer.replace(scope=scope))


@primitive
def storage_align(
    state: ScheduleState, block: BlockRV, buffer_index: int, axis: int, factor: int, offset: int
) -> None:
    """Pad the stride of dimension ``axis`` of a written buffer so that
    ``stride % factor == offset`` (recorded in ``Buffer.align_constraints``, honoured by the
    lowering's ``flatten_buffer``).

    Before, and after ``sch.storage_align(sch.get_block("B"), 0, axis=0, factor=16, offset=1)``::

        B = T.alloc_buffer((128, 128))        B = T.alloc_buffer((128, 128))  # align (0, 16, 1)
                                              # flattened row stride: 129 instead of 128

    Raises BufferIndexOutOfRangeError, ParamBufferError, StorageAlignArgumentError.
    """
    # Step 1. Check the buffer and the arguments.
    node = state.get_block(block)
    buffer = block_buffer(node, buffer_index, "write")
    owner_of(state.index_of(block), buffer, node)
    if not -buffer.ndim <= axis < buffer.ndim or factor <= 0 or not 0 <= offset < factor:
        raise StorageAlignArgumentError(
            f"storage_align of buffer {buffer.name} ({buffer.ndim} dimension(s)): need an axis "
            f"in range, factor > 0 and 0 <= offset < factor; got axis {axis}, factor {factor}, "
            f"offset {offset}",
            node,
        )
    # Step 2. Build the buffer with the constraint (one per axis), Step 3. replace it.
    axis %= buffer.ndim
    kept = tuple(c for c in buffer.align_constraints if c[0] % buffer.ndim != axis)
    aligned = buffer.replace(align_constraints=(*kept, (axis, factor, offset)))
    rewrite_buffer(state, block.func_name, buffer, aligned)
