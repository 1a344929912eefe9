"""The ``tir`` namespace: TVM-signature node constructors, constants, helpers."""

import pytest

from stir_core.errors import IRTypeError
from stir_core.ir import Call, FloatImm, IntImm, intrin
from te_compat import te, tir


def test_node_aliases_build_and_match_nodes():
    x, y = tir.Var("x", "int32"), tir.Var("y", "int32")
    add = tir.Add(x, y)
    assert isinstance(add, tir.Add) and not isinstance(add, tir.Sub)
    sel = tir.Select(x < y, x, y)
    assert isinstance(sel, tir.Select)
    assert sel.condition.dtype == "bool"
    assert isinstance(tir.FloorDiv(x, 4), tir.FloorDiv)
    assert isinstance(tir.Cast("float32", x), tir.Cast)
    assert isinstance(tir.And(x < y, y > 0), tir.And)
    assert issubclass(type(add), tir.Add)


def test_constants():
    assert isinstance(tir.IntImm("int64", 5), IntImm)
    assert isinstance(tir.FloatImm("float32", 0.5), FloatImm)
    assert tir.const(1).dtype == "int32"
    assert tir.const(1.5).dtype == "float32"
    assert tir.const(2**40).dtype == "int64"
    assert tir.const(0, "float16").dtype == "float16"


def test_div_family():
    i = te.var("i")
    f = te.var("f", "float32")
    assert isinstance(tir.floordiv(i, 4), tir.FloorDiv)
    assert isinstance(tir.floormod(i, 4), tir.FloorMod)
    assert isinstance(tir.indexdiv(i, 4), tir.FloorDiv)
    assert isinstance(tir.indexmod(i, 4), tir.FloorMod)
    assert isinstance(tir.truncdiv(i, 4), tir.Div)
    assert isinstance(tir.truncmod(i, 4), tir.Mod)
    assert isinstance(tir.div(i, 4), tir.Div)
    assert isinstance(tir.div(f, 2.0), tir.Div) and tir.div(f, 2.0).dtype == "float32"


def test_all_any():
    i = te.var("i")
    both = tir.all(i > 0, i < 5, i != 3)
    assert isinstance(both, tir.And)
    either = tir.any(i < 0, i > 5)
    assert isinstance(either, tir.Or)
    assert tir.all(i > 0) is not None
    with pytest.raises(tir.TirArgumentError, match=r"tir.all needs"):
        tir.all()


def test_if_then_else_is_a_lazy_call():
    i = te.var("i")
    e = tir.if_then_else(i > 0, 1.0, 2.0)
    assert isinstance(e, Call) and e.op == "if_then_else" and e.dtype == "float32"


UNARY = [name for name in intrin.UNARY_FLOAT_MATH if hasattr(tir, name)]


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_float_intrinsic_is_exported(name):
    x = te.var("x", "float32")
    e = getattr(tir, name)(x)
    assert isinstance(e, Call) and e.op == name and e.dtype == "float32"


def test_unary_table_is_covered():
    assert set(UNARY) == set(intrin.UNARY_FLOAT_MATH)


def test_math_on_python_number_and_int_errors():
    assert tir.exp(1.0).dtype == "float32"
    with pytest.raises(IRTypeError, match="exp needs float"):
        tir.exp(te.var("i"))
    with pytest.raises(tir.TirArgumentError, match=r"tir.pow takes 2"):
        tir.pow(te.var("x", "float32"))


def test_predicates_and_binary_math():
    x = te.var("x", "float32")
    assert tir.isnan(x).dtype == "bool"
    assert tir.power(x, 2).op == "pow"
    assert tir.fmod(x, 3).dtype == "float32"
    assert tir.abs(te.var("i")).dtype == "int32"


def test_astype_and_call_intrin():
    x = te.var("x", "float32")
    assert x.astype("int32").dtype == "int32"
    assert tir.call_intrin("float32", "tir.exp", x).op == "exp"
    assert tir.Call("float32", "tir.sqrt", [x]).op == "sqrt"
