"""Intrinsic calls (``stir_core.ir.intrin.INTRINSICS``) -> LLVM intrinsics, libm calls or
short instruction sequences.

* ``Lowering.LLVM_INTRINSIC``: ``llvm.<llvm_name>.<type>`` (vectors included).
* ``Lowering.LIBM``: the C symbol, ``expf`` for float32 and ``exp`` for float64, called
  once per lane for vectors.
* ``Lowering.EXPANDED``: the ``_EXPANDED`` table below.

float16 math is computed in float32 and rounded back. ``if_then_else`` with a scalar
condition evaluates only the taken branch (a vector condition becomes a ``select``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..ir import INTRINSICS, Call, DataType
from ..ir.intrin import Intrinsic, Lowering
from .cast import emit_cast
from .errors import UnsupportedIRError
from .llvm import I32, Value, constant, declare, declare_intrinsic, if_else, ir

if TYPE_CHECKING:
    from .emit_expr import ExprEmitter

#: libm functions with integer parameters: name -> positions of ``int`` arguments
_LIBM_INT_ARGS: dict[str, frozenset[int]] = {"ldexp": frozenset({1})}


def emit_call(emitter: ExprEmitter, call: Call) -> Value:
    """The value of the intrinsic call ``call``."""
    info = INTRINSICS.get(call.op)
    if info is None:
        raise UnsupportedIRError(f"unknown intrinsic {call.op!r} in {call}")
    handler = _EXPANDED.get(call.op)
    if handler is not None:
        return handler(emitter, call)
    if info.lowering is Lowering.EXPANDED:
        raise UnsupportedIRError(f"codegen has no expansion for the intrinsic {call.op!r}")
    return _float_math(emitter, call, lambda values: _lower_math(emitter, info, values))


def llvm_math(emitter: ExprEmitter, name: str, values: Sequence[Value]) -> Value:
    """Call the LLVM intrinsic ``llvm.<name>`` on operands of one type."""
    function = declare_intrinsic(emitter.ctx.module, name, values[0].type, len(values))
    return emitter.builder.call(function, list(values))


def _compute_dtype(dtype: DataType) -> DataType:
    return dtype.with_bits(32) if dtype.is_float and dtype.bits == 16 else dtype


def _float_math(emitter: ExprEmitter, call: Call, compute: Callable[[list[Value]], Value]) -> Value:
    """Emit the operands (float16 promoted to float32), ``compute``, round the result back."""
    work = _compute_dtype(call.dtype)
    values = [emitter.emit_as(arg, work.with_lanes(arg.dtype.lanes)) for arg in call.args]
    return emit_cast(emitter.builder, compute(values), work, call.dtype)


def _lower_math(emitter: ExprEmitter, info: Intrinsic, values: list[Value]) -> Value:
    if info.lowering is Lowering.LLVM_INTRINSIC:
        return llvm_math(emitter, info.llvm_name, values)
    return _libm(emitter, info.llvm_name, values)


def _libm(emitter: ExprEmitter, name: str, values: list[Value]) -> Value:
    """Call the C math function ``name`` (``expf`` / ``exp``), lane by lane for vectors."""
    builder = emitter.builder
    value_ty = values[0].type
    scalar_ty = value_ty.element if isinstance(value_ty, ir.VectorType) else value_ty
    symbol = name + ("f" if isinstance(scalar_ty, ir.FloatType) else "")
    int_args = _LIBM_INT_ARGS.get(name, frozenset())
    params = [I32 if i in int_args else scalar_ty for i in range(len(values))]
    function = declare(emitter.ctx.module, symbol, scalar_ty, params)

    def call_scalar(args: list[Value]) -> Value:
        converted = [builder.fptosi(a, I32) if i in int_args else a for i, a in enumerate(args)]
        return builder.call(function, converted)

    if not isinstance(value_ty, ir.VectorType):
        return call_scalar(values)
    result: Value = ir.Constant(value_ty, ir.Undefined)
    for lane in range(value_ty.count):
        lanes = [builder.extract_element(v, I32(lane)) for v in values]
        result = builder.insert_element(result, call_scalar(lanes), I32(lane))
    return result


# ------------------------------------------------------------------- expansions


def _rsqrt(emitter: ExprEmitter, call: Call) -> Value:
    def compute(values: list[Value]) -> Value:
        root = llvm_math(emitter, "sqrt", values)
        return emitter.builder.fdiv(constant(root.type, 1.0), root)

    return _float_math(emitter, call, compute)


def _sigmoid(emitter: ExprEmitter, call: Call) -> Value:
    def compute(values: list[Value]) -> Value:
        builder = emitter.builder
        one = constant(values[0].type, 1.0)
        exp = llvm_math(emitter, "exp", [builder.fneg(values[0])])
        return builder.fdiv(one, builder.fadd(one, exp))

    return _float_math(emitter, call, compute)


def _isnan(emitter: ExprEmitter, call: Call) -> Value:
    x = emitter.emit(call.args[0])
    return emitter.builder.fcmp_unordered("uno", x, x)


def _abs_vs_inf(op: str) -> Callable[[ExprEmitter, Call], Value]:
    """``isinf`` (``|x| == inf``) and ``isfinite`` (``|x| < inf``, false for NaN)."""

    def emit(emitter: ExprEmitter, call: Call) -> Value:
        magnitude = llvm_math(emitter, "fabs", [emitter.emit(call.args[0])])
        infinity = constant(magnitude.type, float("inf"))
        return emitter.builder.fcmp_ordered(op, magnitude, infinity)

    return emit


def _if_then_else(emitter: ExprEmitter, call: Call) -> Value:
    """Only the taken branch runs (scalar condition): safe around out-of-bounds loads."""
    condition, true_value, false_value = call.args
    builder = emitter.builder
    cond = emitter.emit(condition)
    if condition.dtype.lanes > 1:
        return builder.select(cond, emitter.emit(true_value), emitter.emit(false_value))
    with if_else(builder, cond) as (then, otherwise):
        with then:  # type: ignore[attr-defined]
            taken = emitter.emit(true_value)
            taken_block = builder.block
        with otherwise:  # type: ignore[attr-defined]
            other = emitter.emit(false_value)
            other_block = builder.block
    phi = builder.phi(taken.type)
    phi.add_incoming(taken, taken_block)
    phi.add_incoming(other, other_block)
    return phi


def _binary_instruction(signed: str, unsigned: str | None = None) -> Callable[..., Value]:
    """A bitwise intrinsic as one instruction (``unsigned`` differs for ``>>``)."""

    def emit(emitter: ExprEmitter, call: Call) -> Value:
        a, b = (emitter.emit(arg) for arg in call.args)
        name = signed if call.dtype.is_int or unsigned is None else unsigned
        return getattr(emitter.builder, name)(a, b)

    return emit


def _bitwise_not(emitter: ExprEmitter, call: Call) -> Value:
    return emitter.builder.not_(emitter.emit(call.args[0]))


def _popcount(emitter: ExprEmitter, call: Call) -> Value:
    return llvm_math(emitter, "ctpop", [emitter.emit(call.args[0])])


def _likely(emitter: ExprEmitter, call: Call) -> Value:
    return emitter.emit(call.args[0])


_EXPANDED: dict[str, Callable[[ExprEmitter, Call], Value]] = {
    "rsqrt": _rsqrt,
    "sigmoid": _sigmoid,
    "isnan": _isnan,
    "isinf": _abs_vs_inf("=="),
    "isfinite": _abs_vs_inf("<"),
    "if_then_else": _if_then_else,
    "bitwise_and": _binary_instruction("and_"),
    "bitwise_or": _binary_instruction("or_"),
    "bitwise_xor": _binary_instruction("xor"),
    "bitwise_not": _bitwise_not,
    "shift_left": _binary_instruction("shl"),
    "shift_right": _binary_instruction("ashr", "lshr"),
    "popcount": _popcount,
    "likely": _likely,
}
