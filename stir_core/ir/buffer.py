"""Buffers, loads and stores of buffer elements, and buffer regions.

A ``Buffer`` is a typed N-d view of memory: ``shape`` (expressions, may be symbolic),
``dtype``, ``data`` (the pointer variable), ``strides`` (empty: compact row-major),
``elem_offset``, ``scope`` ("global", "local", "shared"...), and ``align``/``offset_factor``
as in TVM. ``buffer[i, j]`` builds a ``BufferLoad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import IRTypeError
from .dtype import DataType
from .expr import PrimExpr, Var
from .node import Node, ir_node
from .op import const, convert
from .range import Range


@ir_node
class Buffer(Node):
    name: str
    shape: tuple[PrimExpr, ...]
    dtype: DataType
    data: Var
    strides: tuple[PrimExpr, ...] = ()
    elem_offset: PrimExpr = const(0)
    scope: str = "global"
    data_alignment: int = 64
    offset_factor: int = 1
    #: (axis, factor, offset) constraints from ``storage_align``
    align_constraints: tuple[tuple[int, int, int], ...] = ()

    def __post_init__(self) -> None:
        if type(self.dtype) is not DataType:
            object.__setattr__(self, "dtype", DataType(self.dtype))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, indices: Any) -> BufferLoad:
        return buffer_load(self, indices if isinstance(indices, tuple) else (indices,))

    def vload(self, indices: Sequence[Any]) -> BufferLoad:
        return buffer_load(self, tuple(indices))


def decl_buffer(
    shape: Sequence[Any],
    dtype: str | DataType = "float32",
    name: str = "buffer",
    scope: str = "global",
    strides: Sequence[Any] = (),
) -> Buffer:
    """A new buffer (TVM's ``tir.decl_buffer``); shape entries may be ints or expressions."""
    dims = tuple(_index(dim, f"shape of buffer {name!r}") for dim in shape)
    return Buffer(
        name=name,
        shape=dims,
        dtype=DataType(dtype),
        data=Var(name, DataType("handle")),
        strides=tuple(convert(s) for s in strides),
        scope=scope,
    )


def _index(value: Any, what: str) -> PrimExpr:
    expr = convert(value)
    if not expr.dtype.element_of().is_integer:
        raise IRTypeError(f"{what}: index {expr} must be an integer, got dtype {expr.dtype}")
    return expr


@ir_node
class BufferLoad(PrimExpr):
    """``buffer[indices]``; with a vector index (``Ramp``) the dtype has that many lanes."""

    dtype: DataType
    buffer: Buffer
    indices: tuple[PrimExpr, ...]


def buffer_load(buffer: Buffer, indices: Sequence[Any]) -> BufferLoad:
    """Checked ``BufferLoad``: one integer index per dimension."""
    converted = tuple(_index(i, f"load of {buffer.name}") for i in indices)
    if len(converted) != buffer.ndim:
        raise IRTypeError(
            f"buffer {buffer.name} has {buffer.ndim} dimension(s) but was indexed with "
            f"{len(converted)} index(es)"
        )
    lanes = max((i.dtype.lanes for i in converted), default=1)
    return BufferLoad(buffer.dtype.with_lanes(lanes), buffer, converted)


@ir_node
class BufferRegion(Node):
    """A rectangular region of a buffer: one ``Range`` per dimension."""

    buffer: Buffer
    region: tuple[Range, ...]

    @staticmethod
    def full(buffer: Buffer) -> BufferRegion:
        return BufferRegion(buffer, tuple(Range(const(0, d.dtype), d) for d in buffer.shape))
