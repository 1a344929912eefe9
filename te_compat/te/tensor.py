"""TE tensors and operations: a ``Tensor`` owns a stir_core ``Buffer``.

``A[i, j]`` (or ``A[i][j]``, or TVM's older ``A(i, j)``) is a ``BufferLoad`` of that buffer,
so compute bodies are ordinary S-TIR expressions. Which tensor a load reads is recovered from
its buffer through a weak registry (``tensor_of_buffer``), which is how a ``ComputeOp``
finds its ``input_tensors``.

>>> A = te.placeholder((4, 8), name="A")
>>> A[1, 2]          # BufferLoad(A, (1, 2))
>>> A[1][2]          # the same load, through a partial ``TensorSlice``
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from stir_core.errors import DataTypeError, UserError
from stir_core.ir import (
    Buffer,
    BufferLoad,
    DataType,
    ExprOp,
    IterVar,
    PrimExpr,
    Var,
    buffer_load,
)

# ------------------------------------------------------------------------------ errors


class TensorIndexError(UserError, IndexError):
    """A tensor was indexed with too many indices, or a partial index was used as a value."""


class TensorDtypeError(DataTypeError):
    """A tensor was declared with a dtype that cannot be parsed."""


class TensorShapeError(UserError, ValueError):
    """A tensor shape entry is not a non-negative integer (or integer expression)."""


# --------------------------------------------------------------------------- registry

_TENSOR_OF_BUFFER: weakref.WeakValueDictionary[Buffer, Tensor] = weakref.WeakValueDictionary()


def tensor_of_buffer(buffer: Buffer) -> Tensor | None:
    """The live ``Tensor`` that owns ``buffer`` (``None`` for a plain ``tir`` buffer)."""
    return _TENSOR_OF_BUFFER.get(buffer)


# ------------------------------------------------------------------------- operations


class Operation:
    """Base of TE operations (TVM's ``te.Operation``): a named producer of tensors."""

    name: str
    tag: str
    attrs: Mapping[str, Any]
    outputs: tuple[Tensor, ...]

    @property
    def num_outputs(self) -> int:
        return len(self.outputs)

    def output(self, index: int) -> Tensor:
        """The ``index``-th output tensor (TVM's ``op.output(i)``)."""
        return self.outputs[index]

    @property
    def input_tensors(self) -> list[Tensor]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, tag={self.tag!r})"


class PlaceholderOp(Operation):
    """An input tensor: it has a shape and a dtype but no computation."""

    def __init__(self, name: str, shape: tuple[PrimExpr, ...], dtype: str) -> None:
        self.name, self.tag, self.attrs = name, "", {}
        self.shape = shape
        self.dtype = checked_dtype(dtype, f"placeholder {name!r}")
        self.outputs = (Tensor(self, 0, shape, self.dtype, name),)


class ComputeOp(Operation):
    """``te.compute``: one body expression per output over the ``axis`` iteration space.

    A reduction stage has ``Reduce`` bodies and their iteration variables in ``reduce_axis``.
    """

    def __init__(
        self,
        name: str,
        tag: str,
        attrs: Mapping[str, Any],
        axis: tuple[IterVar, ...],
        body: tuple[PrimExpr, ...],
        reduce_axis: tuple[IterVar, ...],
        input_tensors: Sequence[Tensor],
    ) -> None:
        self.name, self.tag, self.attrs = name, tag, dict(attrs)
        self.axis = axis
        self.body = body
        self.reduce_axis = reduce_axis
        self._inputs = tuple(input_tensors)
        shape = tuple(iv.dom.extent for iv in axis)
        if len(body) == 1:
            self.outputs = (Tensor(self, 0, shape, body[0].dtype, name),)
        else:
            self.outputs = tuple(
                Tensor(self, i, shape, expr.dtype, f"{name}_v{i}") for i, expr in enumerate(body)
            )

    @property
    def input_tensors(self) -> list[Tensor]:
        return list(self._inputs)


def ops_in_order(outputs: Sequence[Operation]) -> list[Operation]:
    """Every operation ``outputs`` depend on, producers before consumers (TVM's stage order)."""
    order: list[Operation] = []
    seen: set[int] = set()

    def visit(stage: Operation) -> None:
        if id(stage) in seen:
            return
        seen.add(id(stage))
        for tensor in stage.input_tensors:
            visit(tensor.op)
        order.append(stage)

    for out in outputs:
        visit(out)
    return order


def checked_dtype(dtype: Any, owner: str) -> DataType:
    """``DataType(dtype)``, with an error naming ``owner`` when it cannot be parsed."""
    try:
        return DataType(dtype)
    except DataTypeError as err:
        raise TensorDtypeError(f"{owner}: {err}") from None


# ---------------------------------------------------------------------------- tensors


class Tensor:
    """One output of an ``Operation`` (TVM's ``te.Tensor``); indexing it loads its buffer."""

    def __init__(
        self, op: Operation, value_index: int, shape: tuple[PrimExpr, ...], dtype: str, buf: str
    ) -> None:
        self.op = op
        self.value_index = value_index
        self.buffer = Buffer(
            name=buf,
            shape=shape,
            dtype=DataType(dtype),
            data=Var(buf, DataType("handle")),
        )
        _TENSOR_OF_BUFFER[self.buffer] = self

    @property
    def shape(self) -> tuple[PrimExpr, ...]:
        return self.buffer.shape

    @property
    def dtype(self) -> DataType:
        return self.buffer.dtype

    @property
    def ndim(self) -> int:
        return self.buffer.ndim

    @property
    def name(self) -> str:
        """TVM's naming: the op's name, or ``"<op>.v<i>"`` for one of several outputs."""
        if self.op.num_outputs == 1:
            return self.op.name
        return f"{self.op.name}.v{self.value_index}"

    @property
    def axis(self) -> tuple[IterVar, ...]:
        return getattr(self.op, "axis", ())

    def __getitem__(self, indices: Any) -> BufferLoad | TensorSlice:
        return TensorSlice(self, ())[indices]

    def __call__(self, *indices: Any) -> BufferLoad:
        """TVM's call syntax ``A(i, j)``: all indices at once."""
        return self.load(indices)

    def load(self, indices: Sequence[Any]) -> BufferLoad:
        """A checked load of this tensor at ``indices`` (exactly ``ndim`` of them)."""
        flat = tuple(_flatten_index(i) for i in indices)
        if len(flat) != self.ndim:
            raise TensorIndexError(
                f"tensor {self.name!r} has {self.ndim} dimension(s) but was indexed with "
                f"{len(flat)} index(es)"
            )
        return buffer_load(self.buffer, flat)

    def as_prim_expr(self) -> BufferLoad:
        """A rank-0 tensor used as a value is its only element."""
        return self.load(())

    def __len__(self) -> int:
        raise TensorIndexError(f"tensor {self.name!r} has no Python length; use .shape")

    def __iter__(self) -> Any:
        raise TensorIndexError(f"tensor {self.name!r} is not iterable; index it with A[i, j]")

    def __repr__(self) -> str:
        dims = ", ".join(str(d) for d in self.shape)
        return f"Tensor(shape=[{dims}], op.name={self.op.name})"


class TensorSlice(ExprOp):
    """A partially indexed tensor: ``A[i]`` of a 2-d ``A``; ``A[i][j]`` completes it.

    Used as a value (``A[i] + 1``) it must be complete, else ``TensorIndexError``.
    """

    def __init__(self, tensor: Tensor, indices: tuple[Any, ...]) -> None:
        self.tensor = tensor
        self.indices = indices

    def __getitem__(self, indices: Any) -> BufferLoad | TensorSlice:
        more = indices if isinstance(indices, tuple) else (indices,)
        for index in more:
            if isinstance(index, slice):
                raise TensorIndexError(
                    f"tensor {self.tensor.name!r}: slices are not supported in TE indexing"
                )
        combined = self.indices + more
        if len(combined) < self.tensor.ndim:
            return TensorSlice(self.tensor, combined)
        return self.tensor.load(combined)

    def as_prim_expr(self) -> BufferLoad:
        return self.tensor.load(self.indices)

    def asobject(self) -> BufferLoad:
        """TVM spelling of ``as_prim_expr``."""
        return self.as_prim_expr()

    @property
    def dtype(self) -> DataType:
        return self.tensor.dtype


def _flatten_index(index: Any) -> Any:
    if isinstance(index, TensorSlice):
        return index.as_prim_expr()
    if isinstance(index, slice):
        raise TensorIndexError("slices are not supported in TE indexing")
    return index
