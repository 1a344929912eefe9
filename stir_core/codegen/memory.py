"""Buffer loads and stores: element addresses, contiguous vector accesses, bool storage.

NS-TIR accesses flattened 1-D buffers; an N-d access is flattened here (row-major, or by
the buffer's ``strides``, plus ``elem_offset``). A ``Ramp`` index of stride 1 becomes one
vector load/store; any other vector index is accessed lane by lane. bools are stored as
one byte each (numpy's layout) and are ``i1`` values in registers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ir import Buffer, BufferLoad, BufferStore, IntImm, PrimExpr, Ramp
from ..ir.op import add, const, mul
from .llvm import I1, I32, Value, byte_size, ir, storage_type, vector_of

if TYPE_CHECKING:
    from .emit_expr import ExprEmitter


def flat_index(buffer: Buffer, indices: tuple[PrimExpr, ...]) -> PrimExpr:
    """The element offset of ``buffer[indices]`` from the buffer's data pointer."""
    offset_zero = isinstance(buffer.elem_offset, IntImm) and buffer.elem_offset.value == 0
    if len(indices) == 1 and not buffer.strides and offset_zero:
        return indices[0]
    strides: list[PrimExpr] = list(buffer.strides)
    if not strides:
        stride: PrimExpr = const(1, buffer.shape[-1].dtype) if buffer.shape else const(1)
        for extent in reversed(buffer.shape):
            strides.insert(0, stride)
            stride = mul(extent, stride)
    total: PrimExpr = buffer.elem_offset
    for index, step in zip(indices, strides, strict=True):
        total = add(total, mul(index, step))
    return total


def _contiguous_base(index: PrimExpr) -> PrimExpr | None:
    """The first index of a stride-1 ``Ramp`` (a dense vector access), else None."""
    if isinstance(index, Ramp) and isinstance(index.stride, IntImm) and index.stride.value == 1:
        return index.base
    return None


def _dense_address(
    emitter: ExprEmitter, pointer: Value, index: PrimExpr, lanes: int
) -> Value | None:
    """The address of a scalar or dense-vector access, or None for a scattered one."""
    base = _contiguous_base(index)
    if lanes > 1 and base is None:
        return None
    builder = emitter.builder
    address = builder.gep(pointer, [emitter.emit_index(index if base is None else base)])
    if lanes > 1:
        address = builder.bitcast(address, vector_of(address.type.pointee, lanes).as_pointer())
    return address


def emit_load(emitter: ExprEmitter, node: BufferLoad) -> Value:
    """The value of ``node`` (a vector for vector indices)."""
    builder = emitter.builder
    buffer = node.buffer
    pointer = emitter.ctx.buffer_pointer(buffer)
    index = flat_index(buffer, node.indices)
    lanes = node.dtype.lanes
    address = _dense_address(emitter, pointer, index, lanes)
    if address is not None:
        raw = builder.load(address, align=byte_size(buffer.dtype))
    else:
        raw = _gather(emitter, pointer, emitter.emit_index(index), lanes)
    return builder.trunc(raw, vector_of(I1, lanes)) if buffer.dtype.is_bool else raw


def _gather(emitter: ExprEmitter, pointer: Value, indices: Value, lanes: int) -> Value:
    builder = emitter.builder
    result: Value = ir.Constant(vector_of(pointer.type.pointee, lanes), ir.Undefined)
    for lane in range(lanes):
        address = builder.gep(pointer, [builder.extract_element(indices, I32(lane))])
        result = builder.insert_element(result, builder.load(address), I32(lane))
    return result


def emit_store(emitter: ExprEmitter, node: BufferStore) -> None:
    """Emit ``buffer[indices] = value``."""
    builder = emitter.builder
    buffer = node.buffer
    lanes = node.value.dtype.lanes
    value = emitter.emit_as(node.value, buffer.dtype.with_lanes(lanes))
    if buffer.dtype.is_bool:
        value = builder.zext(value, vector_of(storage_type(buffer.dtype), lanes))
    pointer = emitter.ctx.buffer_pointer(buffer)
    index = flat_index(buffer, node.indices)
    address = _dense_address(emitter, pointer, index, lanes)
    if address is not None:
        builder.store(value, address, align=byte_size(buffer.dtype))
        return
    indices = emitter.emit_index(index)
    for lane in range(lanes):
        address = builder.gep(pointer, [builder.extract_element(indices, I32(lane))])
        builder.store(builder.extract_element(value, I32(lane)), address)
