"""The only module that imports llvmlite: typed helpers over ``llvmlite.ir`` (numba style).

Other codegen modules reach llvmlite through ``llvm.ir`` / ``llvm.binding`` and use the
helpers below: dtype -> LLVM type mapping, constants, vector splats, intrinsic and libc
declarations, loop metadata, and the ``for_range`` / ``if_then`` / ``if_else`` context
managers.

>>> with for_range(builder, start, stop) as index:
...     ...  # body emitted with ``index`` as the loop counter
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TypeAlias

from llvmlite import binding, ir

from ..errors import internal_check
from ..ir.dtype import DataType

Value: TypeAlias = ir.Value
Builder: TypeAlias = ir.IRBuilder

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
VOID = ir.VoidType()
I8_PTR = I8.as_pointer()

_FLOAT_TYPES = {16: ir.HalfType(), 32: ir.FloatType(), 64: ir.DoubleType()}


# ----------------------------------------------------------------------------- types


def element_type(dtype: DataType) -> ir.Type:
    """The LLVM type of one lane of ``dtype`` as a value (bool is ``i1``)."""
    dtype = dtype.element_of()
    if dtype.is_float:
        return _FLOAT_TYPES[dtype.bits]
    if dtype.is_handle:
        return I8_PTR
    return ir.IntType(dtype.bits)


def value_type(dtype: DataType) -> ir.Type:
    """The LLVM type of a value of ``dtype`` (a vector type when it has several lanes)."""
    scalar = element_type(dtype)
    return scalar if dtype.lanes == 1 else ir.VectorType(scalar, dtype.lanes)


def storage_type(dtype: DataType) -> ir.Type:
    """The LLVM type of one element in memory (bool is stored as ``i8``, like numpy)."""
    return I8 if dtype.is_bool else element_type(dtype)


def vector_of(scalar: ir.Type, lanes: int) -> ir.Type:
    return scalar if lanes == 1 else ir.VectorType(scalar, lanes)


def byte_size(dtype: DataType) -> int:
    """Bytes of one stored element of ``dtype`` (bool: 1)."""
    return max(dtype.element_of().bits // 8, 1)


# ------------------------------------------------------------------------- constants


def constant(ty: ir.Type, value: int | float) -> ir.Constant:
    """A constant of ``ty``; vector types get the value in every lane.

    Integers are written in two's complement (``uint64`` max becomes ``i64 -1``).
    """
    if isinstance(ty, ir.VectorType):
        return ir.Constant(ty, [constant(ty.element, value)] * ty.count)
    if isinstance(ty, ir.IntType):
        value = int(value) & ((1 << ty.width) - 1)
        if ty.width > 1 and value >= 1 << (ty.width - 1):
            value -= 1 << ty.width
    return ir.Constant(ty, value)


def is_positive_int_constant(value: Value) -> bool:
    """Whether ``value`` is a scalar integer constant greater than zero."""
    return isinstance(value, ir.Constant) and isinstance(value.constant, int) and value.constant > 0


def lane_indices(ty: ir.Type, lanes: int) -> ir.Constant:
    """The vector constant ``<0, 1, ..., lanes - 1>`` of integer type ``ty``."""
    return ir.Constant(ir.VectorType(ty, lanes), [ir.Constant(ty, i) for i in range(lanes)])


def splat(builder: Builder, value: Value, lanes: int) -> Value:
    """``value`` (a scalar) repeated in ``lanes`` lanes."""
    vec_ty = ir.VectorType(value.type, lanes)
    first = builder.insert_element(ir.Constant(vec_ty, ir.Undefined), value, I32(0))
    mask = ir.Constant(ir.VectorType(I32, lanes), [I32(0)] * lanes)
    return builder.shuffle_vector(first, ir.Constant(vec_ty, ir.Undefined), mask)


def cast_int(builder: Builder, value: Value, ty: ir.IntType, signed: bool = True) -> Value:
    """Resize an integer value to ``ty`` (sign- or zero-extending)."""
    if value.type.width == ty.width:
        return value
    if value.type.width > ty.width:
        return builder.trunc(value, ty)
    return builder.sext(value, ty) if signed else builder.zext(value, ty)


# -------------------------------------------------------------------- native target


@cache
def initialize_native() -> None:
    """Register the host target and its assembly printer with LLVM (once per process)."""
    binding.initialize_native_target()
    binding.initialize_native_asmprinter()


# ------------------------------------------------------------------- declarations


class _FunctionAttributes(ir.values.FunctionAttributes):
    """llvmlite's function attributes plus string attributes (``"target-cpu"="x"``)."""

    def __init__(self, strings: Mapping[str, str]):
        super().__init__()
        self.strings = dict(strings)

    def _to_list(self, ret_type: ir.Type) -> list[str]:
        quoted = [f'"{key}"="{value}"' for key, value in self.strings.items()]
        return [*super()._to_list(ret_type), *quoted]


def define(
    module: ir.Module, name: str, ty: ir.FunctionType, strings: Mapping[str, str]
) -> ir.Function:
    """A new ``nounwind`` function carrying the string attributes ``strings``."""
    function = ir.Function(module, ty, name)
    function.attributes = _FunctionAttributes(strings)
    function.attributes.add("nounwind")
    return function


def mangle(ty: ir.Type) -> str:
    """The overload suffix of an LLVM intrinsic for ``ty``: ``f32``, ``v8f32``, ``i64``."""
    if isinstance(ty, ir.VectorType):
        return f"v{ty.count}{mangle(ty.element)}"
    if isinstance(ty, ir.IntType):
        return f"i{ty.width}"
    names = {ir.HalfType: "f16", ir.FloatType: "f32", ir.DoubleType: "f64"}
    internal_check(type(ty) in names, f"cannot mangle LLVM type {ty}")
    return names[type(ty)]


def declare(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    """The function ``name`` of the module, declared with the given signature if new."""
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    return ir.Function(module, ir.FunctionType(ret, args), name)


def declare_intrinsic(module: ir.Module, name: str, ty: ir.Type, arity: int) -> ir.Function:
    """The overloaded LLVM intrinsic ``llvm.<name>.<ty>`` taking ``arity`` operands of ``ty``."""
    return declare(module, f"llvm.{name}.{mangle(ty)}", ty, [ty] * arity)


# --------------------------------------------------------------------- control flow


@contextmanager
def for_range(
    builder: Builder, start: Value, stop: Value, metadata: ir.MDValue | None = None
) -> Iterator[Value]:
    """``for index in range(start, stop)`` with integer ``start``/``stop`` of one type.

    ``metadata`` (see ``loop_metadata``) is attached to the back edge as ``!llvm.loop``.
    """
    function = builder.function
    head = function.append_basic_block("for.head")
    body = function.append_basic_block("for.body")
    end = function.append_basic_block("for.end")
    preheader = builder.block
    builder.branch(head)
    builder.position_at_end(head)
    index = builder.phi(start.type, name="i")
    index.add_incoming(start, preheader)
    builder.cbranch(builder.icmp_signed("<", index, stop), body, end)
    builder.position_at_end(body)
    yield index
    following = builder.add(index, ir.Constant(start.type, 1), flags=["nsw"])
    index.add_incoming(following, builder.block)
    backedge = builder.branch(head)
    if metadata is not None:
        backedge.set_metadata("llvm.loop", metadata)
    builder.position_at_end(end)


@contextmanager
def if_then(builder: Builder, cond: Value, likely: bool | None = None) -> Iterator[None]:
    """Emit the body only where the ``i1`` value ``cond`` is true."""
    with builder.if_then(cond, likely=likely):
        yield


@contextmanager
def if_else(builder: Builder, cond: Value) -> Iterator[tuple[object, object]]:
    """``with if_else(b, c) as (then, otherwise): with then: ... with otherwise: ...``."""
    with builder.if_else(cond) as branches:
        yield branches


def loop_metadata(module: ir.Module, hints: Mapping[str, int | bool | None]) -> ir.MDValue:
    """A fresh self-referential ``llvm.loop`` node with ``{"llvm.loop.<hint>": value}``.

    ``None`` values give flag hints such as ``llvm.loop.unroll.full``.
    """
    operands: list[ir.MDValue] = []
    for key, value in hints.items():
        items: list[object] = [ir.MetaDataString(module, key)]
        if isinstance(value, bool):
            items.append(I1(int(value)))
        elif value is not None:
            items.append(I32(value))
        operands.append(module.add_metadata(items))
    node = ir.values.MDValue(module, [], name=str(len(module.metadata)))
    node.operands = (node, *operands)
    return node
