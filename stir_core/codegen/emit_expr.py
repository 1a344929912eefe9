"""Expressions -> LLVM values, driven by tables from IR node classes to builder methods.

Each operand dtype falls in a family: ``"i"`` (signed), ``"u"`` (unsigned and bool) or
``"f"`` (float); the tables give the LLVM instruction (or intrinsic) per family. Integer
division by a non-constant divisor is guarded: ``x // 0`` and ``x % 0`` give 0 (as numpy)
and ``INT_MIN // -1`` wraps, instead of trapping. Float ``min``/``max`` propagate NaN
(``llvm.minimum``), as numpy does. Calls are emitted by ``emit_intrin``; loads by
``memory``.

Flags that let LLVM optimise like TVM's codegen does:

* ``contract`` on float ``fadd`` / ``fsub`` / ``fmul``: LLVM may fuse ``a * b + c`` into one
  fused multiply-add (TVM's ``AllowFPOpFusion = Fast``). An FMA rounds once instead of
  twice, so a fused result can differ from numpy's separately rounded ``a * b + c`` in the
  last bit (it is never less accurate; numpy's BLAS matmul uses FMA too). Nothing else is
  relaxed: no reassociation, NaN and infinity and signed zeros behave as in IEEE 754.
* ``nsw`` on signed integer ``add`` / ``sub`` / ``mul`` inside buffer *indices*
  (``emit_index``): an index whose arithmetic overflows would address memory outside the
  buffer anyway, and without the flag LLVM cannot prove ``A[i * 32 + j]`` consecutive in
  ``j`` (it would gather). Integer values outside indices keep wrapping like numpy.
"""

from __future__ import annotations

from ..ir import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    And,
    BinaryOp,
    Broadcast,
    BufferLoad,
    Call,
    Cast,
    CmpOp,
    DataType,
    Div,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    IRMutator,
    Let,
    Max,
    Min,
    Mod,
    Mul,
    Node,
    Not,
    Or,
    PrimExpr,
    Ramp,
    Select,
    Sub,
    Var,
)
from . import emit_intrin, memory
from .cast import emit_cast, family
from .context import FunctionContext
from .errors import UnsupportedIRError
from .llvm import (
    Builder,
    Value,
    constant,
    declare_intrinsic,
    is_positive_int_constant,
    lane_indices,
    splat,
    value_type,
)

_ARITH: dict[type, dict[str, str]] = {
    Add: {"i": "add", "u": "add", "f": "fadd"},
    Sub: {"i": "sub", "u": "sub", "f": "fsub"},
    Mul: {"i": "mul", "u": "mul", "f": "fmul"},
    Div: {"f": "fdiv"},
    Mod: {"f": "frem"},
}
_MIN_MAX: dict[type, dict[str, str]] = {
    Min: {"i": "smin", "u": "umin", "f": "minimum"},
    Max: {"i": "smax", "u": "umax", "f": "maximum"},
}
_COMPARE: dict[type, str] = {EQ: "==", NE: "!=", LT: "<", LE: "<=", GT: ">", GE: ">="}
_LOGIC: dict[type, str] = {And: "and_", Or: "or_"}


def _int_constant(expr: PrimExpr) -> int | None:
    """The value of an integer constant (or a broadcast of one), else None."""
    if isinstance(expr, Broadcast):
        expr = expr.value
    return expr.value if isinstance(expr, IntImm) else None


#: instruction flags per operand family (see the module docstring); "index" is a signed
#: integer inside a buffer index
_FLAGS: dict[str, tuple[str, ...]] = {"f": ("contract",), "index": ("nsw",)}


class ExprEmitter(IRMutator):
    """Emits an expression at the builder's position; ``emit(expr)`` returns its value.

    It reuses the functor's ``visit_<ClassName>`` dispatch; each visitor returns a value.
    """

    def __init__(self, ctx: FunctionContext):
        self.ctx = ctx
        self._index_depth = 0

    @property
    def builder(self) -> Builder:
        return self.ctx.builder

    def emit(self, expr: PrimExpr) -> Value:
        return self.visit(expr)

    def emit_index(self, expr: PrimExpr) -> Value:
        """A buffer index: its signed integer arithmetic is ``nsw`` (module docstring)."""
        self._index_depth += 1
        try:
            return self.emit(expr)
        finally:
            self._index_depth -= 1

    def _flags(self, kind: str) -> tuple[str, ...]:
        if kind == "i" and self._index_depth:
            kind = "index"
        return _FLAGS.get(kind, ())

    def emit_as(self, expr: PrimExpr, dtype: DataType) -> Value:
        """``expr`` converted to ``dtype``."""
        return emit_cast(self.builder, self.emit(expr), expr.dtype, dtype)

    def generic_visit(self, node: Node) -> Value:
        raise UnsupportedIRError(f"codegen cannot compile the {type(node).__name__} node {node}")

    # ----------------------------------------------------------------------- leaves

    def visit_IntImm(self, node: IntImm) -> Value:
        return constant(value_type(node.dtype), node.value)

    def visit_FloatImm(self, node: FloatImm) -> Value:
        return constant(value_type(node.dtype), node.value)

    def visit_Var(self, node: Var) -> Value:
        return self.ctx.lookup(node)

    def visit_Cast(self, node: Cast) -> Value:
        return self.emit_as(node.value, node.dtype)

    # -------------------------------------------------------------------- operators

    def _arith(self, node: BinaryOp) -> Value:
        kind = family(node.a.dtype)
        if kind != "f" and type(node) in (Div, Mod):
            quotient, remainder = self._int_divmod(node)
            return quotient if type(node) is Div else remainder
        a, b = self.emit(node.a), self.emit(node.b)
        flags = self._flags(kind) if type(node) in (Add, Sub, Mul) else ()
        return getattr(self.builder, _ARITH[type(node)][kind])(a, b, flags=flags)

    visit_Add = visit_Sub = visit_Mul = visit_Div = visit_Mod = _arith

    def _min_max(self, node: BinaryOp) -> Value:
        name = _MIN_MAX[type(node)][family(node.a.dtype)]
        a, b = self.emit(node.a), self.emit(node.b)
        return self.builder.call(declare_intrinsic(self.ctx.module, name, a.type, 2), [a, b])

    visit_Min = visit_Max = _min_max

    def _compare(self, node: CmpOp) -> Value:
        a, b = self.emit(node.a), self.emit(node.b)
        op = _COMPARE[type(node)]
        kind = family(node.a.dtype)
        if kind == "f":  # NaN compares unequal to everything, as in numpy
            method = self.builder.fcmp_unordered if op == "!=" else self.builder.fcmp_ordered
            return method(op, a, b)
        method = self.builder.icmp_signed if kind == "i" else self.builder.icmp_unsigned
        return method(op, a, b)

    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = _compare

    def _logic(self, node: And | Or) -> Value:
        return getattr(self.builder, _LOGIC[type(node)])(self.emit(node.a), self.emit(node.b))

    visit_And = visit_Or = _logic

    def visit_Not(self, node: Not) -> Value:
        return self.builder.not_(self.emit(node.a))

    def visit_Select(self, node: Select) -> Value:
        cond = self.emit(node.condition)
        return self.builder.select(cond, self.emit(node.true_value), self.emit(node.false_value))

    def visit_Let(self, node: Let) -> Value:
        with self.ctx.bind(node.var, self.emit(node.value)):
            return self.emit(node.body)

    # -------------------------------------------------------------- floor division

    def visit_FloorDiv(self, node: FloorDiv) -> Value:
        if node.a.dtype.is_float:
            return self._float_floordiv(node)
        quotient, remainder = self._int_divmod(node)
        if not node.a.dtype.is_int:
            return quotient
        adjust = self._floor_adjust(remainder, self.emit(node.b))
        one = constant(quotient.type, 1)
        zero = constant(quotient.type, 0)
        return self.builder.sub(quotient, self.builder.select(adjust, one, zero))

    def visit_FloorMod(self, node: FloorMod) -> Value:
        if node.a.dtype.is_float:
            a, b = self.emit(node.a), self.emit(node.b)
            return self.builder.fsub(a, self.builder.fmul(self._float_floordiv(node), b))
        _, remainder = self._int_divmod(node)
        if not node.a.dtype.is_int:
            return remainder
        b = self.emit(node.b)
        adjust = self._floor_adjust(remainder, b)
        return self.builder.add(remainder, self.builder.select(adjust, b, constant(b.type, 0)))

    def _floor_adjust(self, remainder: Value, b: Value) -> Value:
        """True where truncated and floored division differ: r != 0 and sign(r) != sign(b).

        For a positive constant divisor this is just ``r < 0``. Emitting that simpler form
        matters beyond speed: LLVM's loop vectorizer (llvmlite 0.50) miscompiled the general
        ``(r ^ b) < 0`` form inside fused loops (tests/stir_core/codegen: fused matmul).
        """
        zero = constant(remainder.type, 0)
        if is_positive_int_constant(b):
            return self.builder.icmp_signed("<", remainder, zero)
        nonzero = self.builder.icmp_signed("!=", remainder, zero)
        signs_differ = self.builder.icmp_signed("<", self.builder.xor(remainder, b), zero)
        return self.builder.and_(nonzero, signs_differ)

    def _float_floordiv(self, node: BinaryOp) -> Value:
        quotient = self.builder.fdiv(self.emit(node.a), self.emit(node.b))
        return emit_intrin.llvm_math(self, "floor", [quotient])

    def _int_divmod(self, node: BinaryOp) -> tuple[Value, Value]:
        """Truncated quotient and remainder; a non-constant divisor is guarded (see above)."""
        a, b = self.emit(node.a), self.emit(node.b)
        signed = node.a.dtype.is_int
        div, rem = ("sdiv", "srem") if signed else ("udiv", "urem")
        divisor = _int_constant(node.b)
        if divisor is not None and divisor != 0 and not (signed and divisor == -1):
            return getattr(self.builder, div)(a, b), getattr(self.builder, rem)(a, b)
        return self._guarded_divmod(a, b, signed)

    def _guarded_divmod(self, a: Value, b: Value, signed: bool) -> tuple[Value, Value]:
        builder = self.builder
        zero, one = constant(b.type, 0), constant(b.type, 1)
        is_zero = builder.icmp_signed("==", b, zero)
        bad = is_zero
        if signed:
            is_minus_one = builder.icmp_signed("==", b, constant(b.type, -1))
            bad = builder.or_(is_zero, is_minus_one)
        safe = builder.select(bad, one, b)  # a / 1 == a and a % 1 == 0: never traps
        quotient = builder.sdiv(a, safe) if signed else builder.udiv(a, safe)
        remainder = builder.srem(a, safe) if signed else builder.urem(a, safe)
        if signed:
            quotient = builder.select(is_minus_one, builder.neg(a), quotient)
        return builder.select(is_zero, zero, quotient), remainder

    # ----------------------------------------------------------------------- vectors

    def visit_Ramp(self, node: Ramp) -> Value:
        base, stride = self.emit(node.base), self.emit(node.stride)
        indices = lane_indices(base.type, node.lanes)
        flags = self._flags(family(node.base.dtype))
        offsets = self.builder.mul(splat(self.builder, stride, node.lanes), indices, flags=flags)
        return self.builder.add(splat(self.builder, base, node.lanes), offsets, flags=flags)

    def visit_Broadcast(self, node: Broadcast) -> Value:
        return splat(self.builder, self.emit(node.value), node.lanes)

    # ------------------------------------------------------------- calls and memory

    def visit_Call(self, node: Call) -> Value:
        return emit_intrin.emit_call(self, node)

    def visit_BufferLoad(self, node: BufferLoad) -> Value:
        return memory.emit_load(self, node)
