"""``flatten_buffer``: every N-d buffer access becomes a 1-D access of a flattened buffer.

The flattened buffer has the same ``data`` Var, dtype and scope, and shape ``(extent,)``;
each original buffer gets exactly one flattened buffer object (also for its ``Allocate``).
The index is ``elem_offset + sum(index_k * stride_k)`` with the buffer's explicit
``strides``, or row-major strides padded by ``align_constraints`` like TVM's
``storage_align``: for each ``(axis, factor, offset)`` the stride of dimension ``axis`` is
rounded up so that ``stride % factor == offset``. Params keep their N-d buffers.

Before::

    B = T.allocate((n, 16), "float32", "global")   # align_constraints ((0, 8, 1),)
    B[i, j] = A[i, j]

After::

    B = T.allocate((n * 17,), "float32", "global")
    B[i * 17 + j] = A[i * 16 + j]
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir import (
    Allocate,
    Block,
    BlockRealize,
    Broadcast,
    Buffer,
    BufferLoad,
    BufferStore,
    IntImm,
    IRMutator,
    Node,
    PrimExpr,
    PrimFunc,
    Ramp,
)
from ..ir.op import add, const, floormod, match_operands, mul, sub
from .errors import BufferStridesError, PassOrderError, StorageAlignError, VectorIndexError


def flatten_buffer(func: PrimFunc) -> PrimFunc:
    """Make every ``BufferLoad``/``BufferStore``/``Allocate`` use a 1-D buffer."""
    return func.replace(body=_Flatten().visit(func.body))


def buffer_strides(buffer: Buffer) -> tuple[PrimExpr, ...]:
    """The stride of each dimension: explicit ``strides``, else aligned row-major."""
    if buffer.strides:
        if len(buffer.strides) != buffer.ndim:
            raise BufferStridesError(
                f"buffer {buffer.name} has {buffer.ndim} dimension(s) but "
                f"{len(buffer.strides)} stride(s)"
            )
        return buffer.strides
    aligns = _align_constraints(buffer)
    stride: PrimExpr = const(1, buffer.shape[0].dtype if buffer.shape else "int32")
    strides: list[PrimExpr] = []
    for dim in reversed(range(buffer.ndim)):
        if dim in aligns:
            factor, offset = aligns[dim]
            stride = add(stride, floormod(sub(factor + offset, floormod(stride, factor)), factor))
        strides.append(stride)
        stride = mul(stride, buffer.shape[dim])
    return tuple(reversed(strides))


def _align_constraints(buffer: Buffer) -> dict[int, tuple[int, int]]:
    """``{axis: (factor, offset)}`` with negative axes normalized; checked."""
    found: dict[int, tuple[int, int]] = {}
    for axis, factor, offset in buffer.align_constraints:
        if not -buffer.ndim <= axis < buffer.ndim:
            raise StorageAlignError(
                f"storage_align of buffer {buffer.name}: axis {axis} is out of range for "
                f"{buffer.ndim} dimension(s)"
            )
        if factor <= 0 or not 0 <= offset < factor:
            raise StorageAlignError(
                f"storage_align of buffer {buffer.name}: need factor > 0 and "
                f"0 <= offset < factor, got factor {factor}, offset {offset}"
            )
        found[axis % buffer.ndim] = (factor, offset)
    return found


def flat_extent(buffer: Buffer, strides: Sequence[PrimExpr]) -> PrimExpr:
    """Elements spanned by ``buffer``: ``elem_offset`` plus its (padded) size."""
    if not buffer.shape:
        size: PrimExpr = const(1)
    elif not buffer.strides:  # row-major: the outermost stride already counts the padding
        size = mul(buffer.shape[0], strides[0])
    else:  # explicit strides, any order: the last element's offset plus one
        size = const(1, strides[0].dtype)
        for dim, stride in zip(buffer.shape, strides, strict=True):
            size = add(size, mul(sub(dim, 1), stride))
    return add(buffer.elem_offset, size)


def flat_index(
    indices: Sequence[PrimExpr], strides: Sequence[PrimExpr], offset: PrimExpr
) -> PrimExpr:
    """``offset + sum(index * stride)``; vector indices must be ``Ramp``/``Broadcast``."""
    lanes = max((index.dtype.lanes for index in indices), default=1)
    base, step = offset, const(0, offset.dtype)
    for index, stride in zip(indices, strides, strict=True):
        if index.dtype.lanes == 1:
            base = add(base, mul(index, stride))
        elif isinstance(index, Ramp) and index.lanes == lanes:
            base = add(base, mul(index.base, stride))
            step = add(step, mul(index.stride, stride))
        elif isinstance(index, Broadcast) and index.lanes == lanes:
            base = add(base, mul(index.value, stride))
        else:
            raise VectorIndexError(
                f"cannot flatten the vector index {index} ({lanes} lanes expected): only "
                "Ramp and Broadcast vector indices are supported"
            )
    if lanes == 1:
        return base
    base, step = match_operands(base, step)
    if isinstance(step, IntImm) and step.value == 0:
        return Broadcast(base.dtype.with_lanes(lanes), base, lanes)
    return Ramp(base.dtype.with_lanes(lanes), base, step, lanes)


def flattened(buffer: Buffer, strides: Sequence[PrimExpr]) -> Buffer:
    """The 1-D buffer over the same memory (``buffer`` itself when already 1-D compact)."""
    extent = flat_extent(buffer, strides)
    shape = buffer.shape if buffer.ndim == 1 and buffer.shape[0] is extent else (extent,)
    offset = buffer.elem_offset
    zero = offset if isinstance(offset, IntImm) and offset.value == 0 else const(0, offset.dtype)
    return buffer.replace(shape=shape, strides=(), elem_offset=zero, align_constraints=())


class _Flatten(IRMutator):
    def __init__(self) -> None:
        #: original buffer -> (flattened buffer, strides of the original)
        self.memo: dict[Buffer, tuple[Buffer, tuple[PrimExpr, ...]]] = {}

    def _flat(self, buffer: Buffer) -> tuple[Buffer, tuple[PrimExpr, ...]]:
        if buffer not in self.memo:
            strides = buffer_strides(buffer)
            self.memo[buffer] = (flattened(buffer, strides), strides)
        return self.memo[buffer]

    def _access(self, buffer: Buffer, indices: Sequence[PrimExpr]) -> tuple[Buffer, PrimExpr]:
        flat, strides = self._flat(buffer)
        visited = [self.visit(index) for index in indices]
        return flat, flat_index(visited, strides, buffer.elem_offset)

    def visit_BufferLoad(self, load: BufferLoad) -> BufferLoad:
        flat, index = self._access(load.buffer, load.indices)
        return BufferLoad(load.dtype, flat, (index,))

    def visit_BufferStore(self, store: BufferStore) -> BufferStore:
        flat, index = self._access(store.buffer, store.indices)
        return BufferStore(flat, self.visit(store.value), (index,))

    def visit_Allocate(self, allocate: Allocate) -> Allocate:
        flat, _ = self._flat(allocate.buffer)
        return allocate.replace(buffer=flat, body=self.visit(allocate.body))

    def visit_Block(self, block: Block) -> Node:
        raise PassOrderError(
            f"flatten_buffer met block {block.name_hint!r}: run convert_blocks first"
        )

    def visit_BlockRealize(self, realize: BlockRealize) -> Node:
        return self.visit_Block(realize.block)
