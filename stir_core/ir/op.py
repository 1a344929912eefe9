"""Checked expression constructors: conversion, type promotion, literal folding.

Every operator of ``ExprOp`` lands here. Python scalars adopt the dtype of the other
operand (``x_int64 + 1`` is int64, ``a_f16 * 2.0`` stays float16, ``i * 0.5`` is float32);
two typed expressions are promoted as TVM's ``BinaryOpMatchTypes`` does. Constant
operands are folded like TVM's ``TryConstFold`` (``1 + 2 -> 3``, ``x * 1 -> x``).

>>> i = Var("i")
>>> (i * 4 + 0) // 4
FloorDiv(...)   # printed as (i * 4) // 4
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import IRTypeError
from .dtype import DataType, promote
from .expr import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    And,
    Call,
    Cast,
    Div,
    ExprOp,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mod,
    Mul,
    Not,
    Or,
    PrimExpr,
    Select,
    Sub,
)
from .intrin import INTRINSICS, Operands

# --------------------------------------------------------------------------- constants


def const(value: Any, dtype: str | DataType | None = None) -> PrimExpr:
    """A constant: ``const(1)`` is int32, ``const(1.0)`` float32, ``const(True)`` bool."""
    if dtype is None:
        dtype = _literal_dtype(value)
    dtype = DataType(dtype)
    if dtype.is_float:
        return FloatImm(dtype, float(value))
    if isinstance(value, float) and not float(value).is_integer():
        raise IRTypeError(f"cannot make a {dtype} constant from the non-integer {value!r}")
    as_int = int(value)
    if dtype.is_bool:
        return IntImm(dtype, int(bool(as_int)))
    low, high = dtype.min_value(), dtype.max_value()
    if not low <= as_int <= high:
        raise IRTypeError(f"constant {as_int} does not fit in {dtype}")
    return IntImm(dtype, as_int)


def _literal_dtype(value: Any) -> DataType:
    if isinstance(value, (bool, np.bool_)):
        return DataType("bool")
    if isinstance(value, np.generic):
        return DataType(value.dtype)
    if isinstance(value, numbers.Integral):
        return DataType("int32" if -(2**31) <= int(value) < 2**31 else "int64")
    if isinstance(value, numbers.Real):
        return DataType("float32")
    raise IRTypeError(f"cannot convert {value!r} of type {type(value).__name__} to an expression")


def convert(value: Any) -> PrimExpr:
    """Turn a Python number, an expression or an ``IterVar``-like object into a PrimExpr."""
    if isinstance(value, PrimExpr):
        return value
    as_expr = getattr(value, "as_prim_expr", None)
    if as_expr is not None:
        return as_expr()
    return const(value)


def _is_literal(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, ExprOp)


def _literal_like(value: Any, other: PrimExpr) -> PrimExpr:
    """A Python scalar takes the dtype of the expression it is combined with."""
    target = other.dtype.element_of()
    is_float_literal = isinstance(value, (float, np.floating))
    if target.is_float or (not is_float_literal and target.is_integer):
        return const(value, target)
    if target.is_bool and isinstance(value, (bool, np.bool_)):
        return const(value, target)
    return const(value)


def match_operands(a: Any, b: Any) -> tuple[PrimExpr, PrimExpr]:
    """Convert both operands and cast them to their common dtype."""
    if _is_literal(a) and not _is_literal(b):
        b = convert(b)
        a = _literal_like(a, b)
    elif _is_literal(b) and not _is_literal(a):
        a = convert(a)
        b = _literal_like(b, a)
    else:
        a, b = convert(a), convert(b)
    if a.dtype == b.dtype:
        return a, b
    common = promote(a.dtype, b.dtype)
    return cast(common, a), cast(common, b)


def _value(expr: PrimExpr) -> int | float | None:
    return expr.value if isinstance(expr, (IntImm, FloatImm)) else None


def _is_const(expr: PrimExpr, number: int) -> bool:
    value = _value(expr)
    return value is not None and value == number


# ------------------------------------------------------------------------ arithmetic


def _fold(
    node: Callable[[DataType, PrimExpr, PrimExpr], PrimExpr],
    a: PrimExpr,
    b: PrimExpr,
    fn: Callable[[Any, Any], Any],
) -> PrimExpr:
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None and a.dtype.is_scalar:
        result = fn(va, vb)
        if a.dtype.is_integer and not a.dtype.min_value() <= result <= a.dtype.max_value():
            return node(a.dtype, a, b)  # overflow: keep the operation, as TVM does
        return const(result, a.dtype)
    return node(a.dtype, a, b)


def _require(kind: str, op_name: str, *operands: PrimExpr) -> None:
    for operand in operands:
        dtype = operand.dtype
        ok = {
            "integer": dtype.is_integer or dtype.is_bool,
            "float": dtype.is_float,
            "number": not dtype.is_handle,
            "bool": dtype.is_bool,
        }[kind]
        if not ok:
            raise IRTypeError(f"{op_name} needs {kind} operands, got {operand} of dtype {dtype}")


def add(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", "+", a, b)
    if _is_const(a, 0):
        return b
    if _is_const(b, 0):
        return a
    return _fold(Add, a, b, lambda x, y: x + y)


def sub(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", "-", a, b)
    if _is_const(b, 0):
        return a
    return _fold(Sub, a, b, lambda x, y: x - y)


def mul(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", "*", a, b)
    if _is_const(a, 1):
        return b
    if _is_const(b, 1):
        return a
    if a.dtype.is_integer and (_is_const(a, 0) or _is_const(b, 0)):
        return const(0, a.dtype)
    return _fold(Mul, a, b, lambda x, y: x * y)


def neg(a: Any) -> PrimExpr:
    a = convert(a)
    value = _value(a)
    if value is not None:
        return const(-value, a.dtype)
    return mul(a, -1)


def true_div(a: Any, b: Any) -> PrimExpr:
    """``a / b``. Two integers are refused, as TVM does: the rounding would be ambiguous."""
    if _is_integer_operand(a) and _is_integer_operand(b):
        raise IRTypeError(
            "integer / integer is ambiguous: call floordiv/floormod (//, %), "
            "truncdiv/truncmod, or indexdiv/indexmod explicitly"
        )
    a, b = match_operands(a, b)
    _require("float", "/", a, b)
    if _is_const(b, 1):
        return a
    return _fold(Div, a, b, lambda x, y: x / y)


def _is_integer_operand(value: Any) -> bool:
    if isinstance(value, (bool, numbers.Integral)) and not isinstance(value, ExprOp):
        return True
    if _is_literal(value):
        return False
    expr = convert(value)
    return expr.dtype.is_integer or expr.dtype.is_bool


def _check_divisor(b: PrimExpr, op_name: str) -> None:
    if _is_const(b, 0):
        raise IRTypeError(f"{op_name} by the constant zero")


def floordiv(a: Any, b: Any) -> PrimExpr:
    """Division rounding toward minus infinity; integers only (as TVM)."""
    a, b = match_operands(a, b)
    _require("integer", "floordiv (//)", a, b)
    _check_divisor(b, "floordiv")
    if _is_const(b, 1):
        return a
    return _fold(FloorDiv, a, b, lambda x, y: x // y)


def floormod(a: Any, b: Any) -> PrimExpr:
    """Remainder of ``floordiv``; integers only (as TVM)."""
    a, b = match_operands(a, b)
    _require("integer", "floormod (%)", a, b)
    _check_divisor(b, "floormod")
    if _is_const(b, 1):
        return const(0, a.dtype)
    return _fold(FloorMod, a, b, lambda x, y: x % y)


def truncdiv(a: Any, b: Any) -> PrimExpr:
    """Division rounding toward zero (C semantics); integers only."""
    a, b = match_operands(a, b)
    _require("integer", "truncdiv", a, b)
    _check_divisor(b, "truncdiv")
    if _is_const(b, 1):
        return a
    return _fold(Div, a, b, lambda x, y: int(x / y) if y else 0)


def truncmod(a: Any, b: Any) -> PrimExpr:
    """Remainder of ``truncdiv``: its sign follows ``a``."""
    a, b = match_operands(a, b)
    _require("integer", "truncmod", a, b)
    _check_divisor(b, "truncmod")
    return _fold(Mod, a, b, lambda x, y: int(math.fmod(x, y)))


def minimum(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", "min", a, b)
    return _fold(Min, a, b, min)


def maximum(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", "max", a, b)
    return _fold(Max, a, b, max)


def power(a: Any, b: Any) -> PrimExpr:
    """``a ** b``: floats only, as TVM."""
    a, b = match_operands(a, b)
    _require("float", "** (pow)", a, b)
    return Call(a.dtype, "pow", (a, b))


def abs_(a: Any) -> PrimExpr:
    a = convert(a)
    _require("number", "abs", a)
    if a.dtype.is_float:
        return Call(a.dtype, "fabs", (a,))
    if a.dtype.is_uint or a.dtype.is_bool:
        return a
    value = _value(a)
    if value is not None:
        return const(abs(value), a.dtype)
    return Select(a.dtype, greater_equal(a, 0), a, neg(a))


# ------------------------------------------------------------------------ comparisons


def _compare(node: type, a: Any, b: Any, fn: Callable[[Any, Any], bool]) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("number", node.__name__, a, b)
    bool_type = DataType("bool").with_lanes(a.dtype.lanes)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return const(fn(va, vb), "bool")
    return node(bool_type, a, b)


def equal(a: Any, b: Any) -> PrimExpr:
    return _compare(EQ, a, b, lambda x, y: x == y)


def not_equal(a: Any, b: Any) -> PrimExpr:
    return _compare(NE, a, b, lambda x, y: x != y)


def less(a: Any, b: Any) -> PrimExpr:
    return _compare(LT, a, b, lambda x, y: x < y)


def less_equal(a: Any, b: Any) -> PrimExpr:
    return _compare(LE, a, b, lambda x, y: x <= y)


def greater(a: Any, b: Any) -> PrimExpr:
    return _compare(GT, a, b, lambda x, y: x > y)


def greater_equal(a: Any, b: Any) -> PrimExpr:
    return _compare(GE, a, b, lambda x, y: x >= y)


# ------------------------------------------------------------------------------ logic


def _as_bool(value: Any, op_name: str) -> PrimExpr:
    expr = convert(value)
    if not expr.dtype.element_of().is_bool:
        raise IRTypeError(f"{op_name} needs boolean operands, got {expr} of dtype {expr.dtype}")
    return expr


def logical_and(a: Any, b: Any) -> PrimExpr:
    a, b = _as_bool(a, "and"), _as_bool(b, "and")
    for x, y in ((a, b), (b, a)):
        if isinstance(x, IntImm):
            return y if x.value else x
    return And(a.dtype, a, b)


def logical_or(a: Any, b: Any) -> PrimExpr:
    a, b = _as_bool(a, "or"), _as_bool(b, "or")
    for x, y in ((a, b), (b, a)):
        if isinstance(x, IntImm):
            return x if x.value else y
    return Or(a.dtype, a, b)


def logical_not(a: Any) -> PrimExpr:
    a = _as_bool(a, "not")
    if isinstance(a, IntImm):
        return const(not a.value, "bool")
    return Not(a.dtype, a)


def _bitwise(name: str, a: Any, b: Any, logical: Callable[[Any, Any], PrimExpr]) -> PrimExpr:
    a, b = match_operands(a, b)
    if a.dtype.element_of().is_bool:
        return logical(a, b)
    _require("integer", name, a, b)
    return Call(a.dtype, name, (a, b))


def bitwise_and(a: Any, b: Any) -> PrimExpr:
    """``a & b``: logical and on bools, bitwise and on integers; floats are refused."""
    return _bitwise("bitwise_and", a, b, logical_and)


def bitwise_or(a: Any, b: Any) -> PrimExpr:
    return _bitwise("bitwise_or", a, b, logical_or)


def bitwise_xor(a: Any, b: Any) -> PrimExpr:
    return _bitwise("bitwise_xor", a, b, not_equal)


def bitwise_not(a: Any) -> PrimExpr:
    a = convert(a)
    if a.dtype.element_of().is_bool:
        return logical_not(a)
    _require("integer", "bitwise_not (~)", a)
    return Call(a.dtype, "bitwise_not", (a,))


def shift_left(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("integer", "<<", a, b)
    return Call(a.dtype, "shift_left", (a, b))


def shift_right(a: Any, b: Any) -> PrimExpr:
    a, b = match_operands(a, b)
    _require("integer", ">>", a, b)
    return Call(a.dtype, "shift_right", (a, b))


# ---------------------------------------------------------------- selection and casts


def _branches(true_value: Any, false_value: Any) -> tuple[PrimExpr, PrimExpr]:
    return match_operands(true_value, false_value)


def select(condition: Any, true_value: Any, false_value: Any) -> PrimExpr:
    """``Select``: both branches may be evaluated (use ``if_then_else`` to guard loads)."""
    condition = _as_bool(condition, "select condition")
    t, f = _branches(true_value, false_value)
    return Select(t.dtype, condition, t, f)


def if_then_else(condition: Any, true_value: Any, false_value: Any) -> PrimExpr:
    """Only the taken branch is evaluated: safe around out-of-bounds loads."""
    condition = _as_bool(condition, "if_then_else condition")
    t, f = _branches(true_value, false_value)
    if isinstance(condition, IntImm):
        return t if condition.value else f
    return Call(t.dtype, "if_then_else", (condition, t, f))


def cast(dtype: str | DataType, value: Any) -> PrimExpr:
    dtype = DataType(dtype)
    if _is_literal(value):
        return const(value, dtype)
    value = convert(value)
    if value.dtype == dtype:
        return value
    if value.dtype.is_handle or dtype.is_handle:
        raise IRTypeError(f"cannot cast {value} of dtype {value.dtype} to {dtype}")
    literal = _value(value)
    if literal is not None and dtype.is_scalar:
        if dtype.is_float or dtype.is_bool:
            return const(literal if dtype.is_float else bool(literal), dtype)
        if float(literal).is_integer() and dtype.min_value() <= literal <= dtype.max_value():
            return const(int(literal), dtype)
    return Cast(dtype, value)


def call_intrin(dtype: str | DataType | None, name: str, *args: Any) -> PrimExpr:
    """Call the intrinsic ``name`` (see ``intrin.INTRINSICS``), checking arity and kinds."""
    info = INTRINSICS.get(name)
    if info is None:
        raise IRTypeError(f"unknown intrinsic {name!r}")
    if len(args) != info.arity:
        raise IRTypeError(f"{name} takes {info.arity} argument(s), got {len(args)}")
    if info.arity == 2 and info.operands is not Operands.SPECIAL:
        operands = list(match_operands(*args))
    else:
        operands = [convert(arg) for arg in args]
    if info.operands in (Operands.FLOAT, Operands.FLOAT_TO_BOOL):
        _require("float", name, *operands)
    elif info.operands is Operands.INTEGER:
        _require("integer", name, *operands)
    if info.operands is Operands.FLOAT_TO_BOOL:
        result = DataType("bool").with_lanes(operands[0].dtype.lanes)
    else:
        result = DataType(dtype) if dtype is not None else operands[0].dtype
    return Call(result, name, tuple(operands))


def call_math(name: str, x: Any) -> PrimExpr:
    """``exp(x)``-style call: a Python number becomes float32, as in TVM."""
    expr = x if not _is_literal(x) else const(float(x))
    return call_intrin(None, name, expr)
