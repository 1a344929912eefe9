"""The sympy bridge (identity-keyed symbols, round trip) and the evaluator's errors."""

from __future__ import annotations

import pytest
import sympy
from arith_testlib import same_value

from stir_core.arith.evaluate import EvaluateError, evaluate
from stir_core.arith.sympy_bridge import SymbolMap, from_sympy, to_sympy
from stir_core.errors import InternalError
from stir_core.ir import SizeVar, Var, decl_buffer, op


def test_symbols_are_keyed_by_identity() -> None:
    first, second = Var("n"), Var("n")
    symbols = SymbolMap()
    a, b = to_sympy(first, symbols), to_sympy(second, symbols)
    assert a != b and a.is_integer
    assert to_sympy(SizeVar("s"), symbols).is_nonnegative


def test_round_trip() -> None:
    i, n = Var("i"), Var("n")
    symbols = SymbolMap()
    for expr in (n - 1, i * 4 + 3, op.minimum(i, n), (i + 3) // 4, i % n):
        back = from_sympy(to_sympy(expr, symbols), symbols)
        for i_value in range(-3, 5):
            for n_value in range(1, 4):
                env = {i: i_value, n: n_value}
                assert evaluate(back, env) == evaluate(expr, env), (expr, back)
    assert same_value(from_sympy(to_sympy(n - 1, symbols), symbols), n - 1)


def test_from_sympy_refuses_unknown_functions() -> None:
    with pytest.raises(InternalError, match="cannot convert"):
        from_sympy(sympy.sin(sympy.Symbol("x")), SymbolMap())


def test_evaluate_errors() -> None:
    with pytest.raises(EvaluateError, match="no value"):
        evaluate(Var("free") + 1, {})
    with pytest.raises(EvaluateError, match="does not support"):
        evaluate(decl_buffer((4,), "int32", "t")[0], {})
