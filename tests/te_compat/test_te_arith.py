"""tvm.arith / tvm.ir through te_compat, answered by stir_core.arith."""

from __future__ import annotations

import pytest

from stir_core.arith.affine import expr_key
from stir_core.ir import Range as StirRange
from stir_core.ir import SizeVar, Var, op
from te_compat import arith as tvm_arith
from te_compat import ir as tvm_ir

i, j, n = Var("i"), Var("j"), Var("n")


def test_range_constructors() -> None:
    r = tvm_ir.Range(2, 10)
    assert isinstance(r, StirRange) and isinstance(r, tvm_ir.Range)
    assert (r.min.value, r.extent.value) == (2, 8)
    assert tvm_ir.Range(5).extent.value == 5 and tvm_ir.Range(5).min.value == 0
    assert tvm_ir.Range.from_min_extent(3, 4).extent.value == 4


def test_analyzer_bind_simplify_and_prove() -> None:
    ana = tvm_arith.Analyzer()
    ana.bind(i, tvm_ir.Range(0, 16))
    ana.bind(j, tvm_ir.Range(0, 4))
    assert expr_key(ana.simplify((i * 4 + j) // 4)) == expr_key(i)
    assert ana.can_prove(i * 4 + j < 64)
    assert not ana.can_prove(i * 4 + j < 63)
    bound = ana.const_int_bound(i * 4 + j)
    assert (bound.min_value, bound.max_value) == (0, 63)


def test_int_set_with_interval_sets_and_ranges() -> None:
    ana = tvm_arith.Analyzer()
    ana.bind(i, tvm_ir.Range(0, 16))
    s = ana.int_set(i * 4 + j, {j: tvm_arith.IntervalSet(0, 3)})
    assert (s.min_value.value, s.max_value.value) == (0, 63)
    symbolic = tvm_arith.int_set(i - 1, {i: tvm_ir.Range(0, n)})
    assert expr_key(symbolic.max_value) == expr_key(n - 2)


def test_const_int_bound_infinities_and_size_vars() -> None:
    ana = tvm_arith.Analyzer()
    bound = ana.const_int_bound(SizeVar("m"))
    assert bound.min_value == 0 and bound.max_value == 2**31 - 1
    wide = ana.const_int_bound(Var("w", "int64"))
    assert wide.min_value == tvm_arith.ConstIntBound.NEG_INF


def test_constraint_scope_and_expression_binding() -> None:
    ana = tvm_arith.Analyzer()
    ana.bind(i, tvm_ir.Range(0, 100))
    with ana.constraint_scope(i < 10):
        assert ana.can_prove(i < 10)
    assert not ana.can_prove(i < 10)
    ana.bind(j, i * 2)
    assert ana.can_prove(j < 200)
    assert ana.modular_set(i * 4 + 2).coeff == 4


def test_bind_errors() -> None:
    ana = tvm_arith.Analyzer()
    with pytest.raises(tvm_arith.AnalyzerBindError, match="variable"):
        ana.bind(op.const(1), tvm_ir.Range(0, 4))
    with pytest.raises(tvm_arith.AnalyzerBindError, match="Range or IntervalSet"):
        ana.int_set(i, {i: (0, 4)})


def test_can_prove_on_free_variables_answers_instead_of_failing() -> None:
    """A free (unbound) variable has no range: residues of it are simply not provable."""
    m = Var("m")
    analyzer = tvm_arith.Analyzer()
    assert not analyzer.can_prove(op.floormod(m, 8) == 0)
    assert analyzer.can_prove(op.floormod(m * 8, 8) == 0)
