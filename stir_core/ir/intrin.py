"""The table of intrinsic calls: name -> arity, operand and result rules, LLVM name.

Codegen reads ``llvm_name`` (an LLVM intrinsic or a libm symbol); ``op.call_intrin``
checks arity and operand kinds against the same table, so a new intrinsic is one entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Operands(enum.Enum):
    FLOAT = "float"  # every operand float, result of the same dtype
    FLOAT_TO_BOOL = "float->bool"  # float operand, bool result
    NUMBER = "number"  # int or float operands, result of the operand dtype
    INTEGER = "integer"  # int/uint (or bool) operands, result of the operand dtype
    SPECIAL = "special"  # checked by its constructor (if_then_else ...)


class Lowering(enum.Enum):
    LLVM_INTRINSIC = "llvm intrinsic"  # llvm.<name>.<type>
    LIBM = "libm"  # a C math library symbol: expf / exp
    EXPANDED = "expanded"  # codegen expands it into other instructions


@dataclass(frozen=True)
class Intrinsic:
    name: str
    arity: int
    operands: Operands
    lowering: Lowering
    llvm_name: str = ""  # "exp" -> llvm.exp.f32; libm name without the f suffix


def _float(name: str, arity: int = 1, llvm: str | None = None) -> Intrinsic:
    return Intrinsic(name, arity, Operands.FLOAT, Lowering.LLVM_INTRINSIC, llvm or name)


def _libm(name: str, arity: int = 1, symbol: str | None = None) -> Intrinsic:
    return Intrinsic(name, arity, Operands.FLOAT, Lowering.LIBM, symbol or name)


def _expanded(name: str, arity: int, operands: Operands) -> Intrinsic:
    return Intrinsic(name, arity, operands, Lowering.EXPANDED)


_TABLE = [
    _float("exp"),
    _float("exp2"),
    _float("log"),
    _float("log2"),
    _float("log10"),
    _float("sqrt"),
    _float("fabs"),
    _float("floor"),
    _float("ceil"),
    _float("trunc"),
    _float("round", llvm="roundeven"),
    _float("nearbyint"),
    _float("sin"),
    _float("cos"),
    _float("pow", 2),
    _float("copysign", 2),
    _libm("exp10"),
    _libm("log1p"),
    _libm("expm1"),
    _libm("tan"),
    _libm("tanh"),
    _libm("asin"),
    _libm("acos"),
    _libm("atan"),
    _libm("sinh"),
    _libm("cosh"),
    _libm("asinh"),
    _libm("acosh"),
    _libm("atanh"),
    _libm("erf"),
    _libm("atan2", 2),
    _libm("fmod", 2),
    _libm("hypot", 2),
    _libm("nextafter", 2),
    _libm("ldexp", 2),
    _expanded("rsqrt", 1, Operands.FLOAT),
    _expanded("sigmoid", 1, Operands.FLOAT),
    _expanded("isnan", 1, Operands.FLOAT_TO_BOOL),
    _expanded("isinf", 1, Operands.FLOAT_TO_BOOL),
    _expanded("isfinite", 1, Operands.FLOAT_TO_BOOL),
    _expanded("if_then_else", 3, Operands.SPECIAL),
    _expanded("bitwise_and", 2, Operands.INTEGER),
    _expanded("bitwise_or", 2, Operands.INTEGER),
    _expanded("bitwise_xor", 2, Operands.INTEGER),
    _expanded("bitwise_not", 1, Operands.INTEGER),
    _expanded("shift_left", 2, Operands.INTEGER),
    _expanded("shift_right", 2, Operands.INTEGER),
    _expanded("popcount", 1, Operands.INTEGER),
    _expanded("likely", 1, Operands.SPECIAL),
]

INTRINSICS: dict[str, Intrinsic] = {entry.name: entry for entry in _TABLE}

#: float-to-float math functions exported as ``tir.<name>`` / ``te.<name>``
UNARY_FLOAT_MATH = tuple(
    entry.name for entry in _TABLE if entry.operands is Operands.FLOAT and entry.arity == 1
)
