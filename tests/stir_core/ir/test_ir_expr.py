"""Expressions: operator overloading, promotion, literal folding, and every dtype error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stir_core.errors import DataTypeError, IRTypeError
from stir_core.ir import (
    EQ,
    Add,
    And,
    BufferLoad,
    Call,
    Cast,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    IterVar,
    Mul,
    Not,
    Or,
    Range,
    Select,
    Sub,
    Var,
    buffer_store,
    decl_buffer,
    op,
    structural_equal,
)


def test_operators_build_nodes():
    i, j = Var("i"), Var("j")
    assert isinstance(i + j, Add) and isinstance(i - j, Sub) and isinstance(i * j, Mul)
    assert isinstance(i // j, FloorDiv) and isinstance(i % j, FloorMod)
    assert isinstance(1 - i, Sub) and (1 - i).a.value == 1
    comparison = i == j
    assert isinstance(comparison, EQ) and comparison.dtype == "bool"
    assert (i < j).dtype == "bool" and (i != j).dtype == "bool"
    assert isinstance((i < j) & (j < 3), And) and isinstance((i < j) | (j < 3), Or)
    assert isinstance(~(i < j), Not)
    assert isinstance(i & j, Call) and (i & j).op == "bitwise_and"
    assert (i << 2).op == "shift_left" and (i ^ j).op == "bitwise_xor"


def test_literals_adopt_the_other_operand_dtype():
    x64, h, i = Var("x", "int64"), Var("h", "float16"), Var("i")
    assert (x64 + 1).dtype == "int64" and (x64 + 1).b.dtype == "int64"
    assert (h * 2.0).dtype == "float16"
    assert (2 * h).a.dtype == "float16"
    assert (i * 0.5).dtype == "float32" and isinstance((i * 0.5).a, Cast)
    assert (x64 * np.int8(3)).dtype == "int64"
    assert op.const(2**40).dtype == "int64"


def test_typed_operands_are_promoted():
    i, x64 = Var("i"), Var("x", "int64")
    mixed = i + x64
    assert mixed.dtype == "int64" and isinstance(mixed.a, Cast)
    assert (Var("c", "int8") + Var("f", "float32")).dtype == "float32"
    assert (Var("u", "uint32") + i).dtype == "uint32"
    assert (Var("b", "bool") + i).dtype == "int32"


def test_constant_folding():
    i = Var("i")
    assert isinstance(op.const(1) + 2, IntImm) and (op.const(1) + 2).value == 3
    assert i * 1 is i and i + 0 is i and 0 + i is i and i - 0 is i
    assert isinstance(i * 0, IntImm) and (i * 0).value == 0
    assert op.floordiv(7, -2).value == -4 and op.floormod(7, -2).value == -1
    assert op.truncdiv(7, -2).value == -3 and op.truncmod(-7, 2).value == -1
    assert i // 1 is i and op.floormod(i, 1).value == 0
    assert (op.const(2.0) * 3.0).value == 6.0
    assert op.less(1, 2).value == 1 and op.less(1, 2).dtype == "bool"
    assert (-op.const(2)).value == -2
    overflow = op.const(2**31 - 1) + 1
    assert isinstance(overflow, Add)  # kept, as TVM does, instead of wrapping


def test_logic_folding_and_select():
    i = Var("i")
    cond = i < 4
    assert op.logical_and(True, cond) is cond and op.logical_or(False, cond) is cond
    assert op.logical_and(False, cond).value == 0 and op.logical_or(True, cond).value == 1
    assert op.logical_not(op.const(True)).value == 0
    assert op.if_then_else(True, i, 0) is i
    assert op.if_then_else(cond, i, 0).op == "if_then_else"
    assert isinstance(op.select(cond, i, 0), Select)


def test_cast_and_math():
    i = Var("i")
    assert op.cast("int32", i) is i
    assert isinstance(op.cast("float32", i), Cast)
    assert op.cast("int64", op.const(3)).dtype == "int64"
    assert op.cast("float32", 3).value == 3.0
    assert i.astype("int64").dtype == "int64"
    exp = op.call_math("exp", 1)
    assert exp.dtype == "float32" and exp.args[0].value == 1.0
    assert op.call_intrin(None, "isnan", op.const(1.0)).dtype == "bool"
    assert isinstance(abs(i), Select) and abs(op.const(-3)).value == 3
    assert abs(Var("f", "float32")).op == "fabs"
    assert (Var("f", "float32") ** 2.0).op == "pow"


def test_iter_var_takes_part_as_its_var():
    iv = IterVar(Var("k"), Range.from_min_extent(0, 4))
    expr = iv * 2
    assert isinstance(expr, Mul) and expr.a is iv.var


def test_structural_comparison_not_python_equality():
    i = Var("i")
    assert structural_equal(i + 1, i + 1)
    with pytest.raises(IRTypeError, match="Python bool"):
        bool(i == 1)
    with pytest.raises(IRTypeError, match="Python bool"):
        if i < 3:
            pass
    with pytest.raises(IRTypeError, match="not a Python integer"):
        range(i)


def test_integer_true_division_is_refused():
    i = Var("i")
    with pytest.raises(IRTypeError, match="integer / integer is ambiguous"):
        i / 2
    with pytest.raises(IRTypeError, match="ambiguous"):
        4 / i
    assert (Var("f", "float32") / 2).dtype == "float32"
    assert (i / 2.0).dtype == "float32"


def test_float_floordiv_and_bad_kinds_are_refused():
    f = Var("f", "float32")
    with pytest.raises(IRTypeError, match="floordiv"):
        f // 2
    with pytest.raises(IRTypeError, match="floormod"):
        f % 2
    with pytest.raises(IRTypeError, match="truncdiv"):
        op.truncdiv(f, 2)
    with pytest.raises(IRTypeError, match="pow"):
        Var("i") ** 2
    with pytest.raises(IRTypeError, match="bitwise_and"):
        f & f
    with pytest.raises(IRTypeError, match="<<"):
        f << 1
    with pytest.raises(IRTypeError, match="boolean"):
        op.logical_and(Var("i"), True)
    with pytest.raises(IRTypeError, match="exp needs float"):
        op.call_intrin(None, "exp", Var("i"))
    with pytest.raises(IRTypeError, match="\\+ needs number"):
        Var("p", "handle") + Var("q", "handle")


def test_division_by_constant_zero():
    for fn in (op.floordiv, op.floormod, op.truncdiv, op.truncmod):
        with pytest.raises(IRTypeError, match="constant zero"):
            fn(Var("i"), 0)


def test_bad_constants_and_dtypes():
    with pytest.raises(DataTypeError):
        op.const(1, "float33")
    with pytest.raises(DataTypeError):
        Var("x", "int7")
    with pytest.raises(IRTypeError, match="does not fit"):
        op.const(300, "int8")
    with pytest.raises(IRTypeError, match="non-integer"):
        op.const(1.5, "int32")
    with pytest.raises(IRTypeError, match="cannot convert"):
        op.convert("text")
    with pytest.raises(IRTypeError, match="cannot cast"):
        op.cast("handle", Var("i"))


def test_unknown_intrinsic_and_arity():
    with pytest.raises(IRTypeError, match="unknown intrinsic"):
        op.call_intrin(None, "frobnicate", 1.0)
    with pytest.raises(IRTypeError, match="takes 1 argument"):
        op.call_intrin(None, "exp", 1.0, 2.0)


def test_buffer_access_checks():
    a = decl_buffer((4, 8), name="A")
    i = Var("i")
    load = a[i, 2]
    assert isinstance(load, BufferLoad) and load.dtype == "float32"
    with pytest.raises(IRTypeError, match="2 dimension\\(s\\) but was indexed with 1"):
        a[i]
    with pytest.raises(IRTypeError, match="must be an integer"):
        a[i, 0.5]
    with pytest.raises(IRTypeError, match="2 dimension\\(s\\) but the store has 3"):
        buffer_store(a, 1.0, (i, i, i))
    store = buffer_store(a, 1, (i, 0))
    assert isinstance(store.value, FloatImm) and store.value.dtype == "float32"
    with pytest.raises(IRTypeError, match="shape of buffer"):
        decl_buffer((4.5,), name="B")


def test_float_constant_values():
    assert math.isinf(op.const(float("inf")).value)
    assert op.const(np.float16(1.5)).dtype == "float16"
    assert op.const(True).dtype == "bool" and op.const(True).value == 1
