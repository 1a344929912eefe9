"""Hypothesis strategies: random index expressions over random small domains, by class."""

from __future__ import annotations

from typing import Any

from arith_testlib import rng
from fuzz_budget import examples
from hypothesis import strategies as st

from stir_core.arith import Domain
from stir_core.ir import PrimExpr, Var, op

VARS = (Var("i"), Var("j"), Var("k"))
#: examples per property test: small by default, STIR_FUZZ_EXAMPLES for long runs
EXAMPLES = examples(40)
SLOW_EXAMPLES = examples(300)
CLASSES = ("affine", "divmod", "minmax", "select", "random")


@st.composite
def domains(draw: Any) -> Domain:
    return Domain({v: rng(draw(st.integers(-3, 3)), draw(st.integers(1, 5))) for v in VARS})


@st.composite
def affine(draw: Any, variables: tuple[Var, ...] = VARS) -> PrimExpr:
    expr: Any = op.const(draw(st.integers(-5, 5)))
    for var in variables:
        coef = draw(st.integers(-4, 4))
        if coef:
            expr = op.add(expr, op.mul(var, coef))
    return op.convert(expr)


@st.composite
def divmod_expr(draw: Any) -> PrimExpr:
    x = draw(affine())
    divisor = draw(st.integers(1, 6))
    return op.floordiv(x, divisor) if draw(st.booleans()) else op.floormod(x, divisor)


@st.composite
def minmax_expr(draw: Any) -> PrimExpr:
    """min/max of affine forms over disjoint variables (the exact class)."""
    split = draw(st.integers(0, len(VARS)))
    a, b = draw(affine(VARS[:split])), draw(affine(VARS[split:]))
    return op.minimum(a, b) if draw(st.booleans()) else op.maximum(a, b)


@st.composite
def select_expr(draw: Any) -> PrimExpr:
    guard_var = draw(st.sampled_from(VARS))
    threshold = draw(st.integers(-3, 6))
    compare = draw(st.sampled_from((op.less, op.greater_equal, op.less_equal)))
    make = draw(st.sampled_from((op.select, op.if_then_else)))
    return make(compare(guard_var, threshold), draw(affine()), draw(affine()))


def _leaf() -> st.SearchStrategy[PrimExpr]:
    return st.one_of(st.sampled_from(VARS), st.integers(-4, 6).map(op.const))


def _node(children: st.SearchStrategy[PrimExpr]) -> st.SearchStrategy[PrimExpr]:
    pair = st.tuples(children, children)
    small = st.integers(1, 5)
    return st.one_of(
        pair.map(lambda p: op.add(*p)),
        pair.map(lambda p: op.sub(*p)),
        st.tuples(children, st.integers(-3, 3)).map(lambda p: op.mul(*p)),
        pair.map(lambda p: op.mul(*p)),
        st.tuples(children, small).map(lambda p: op.floordiv(*p)),
        st.tuples(children, small).map(lambda p: op.floormod(*p)),
        pair.map(lambda p: op.minimum(*p)),
        pair.map(lambda p: op.maximum(*p)),
        st.tuples(children, children, children).map(
            lambda t: op.select(op.less(t[0], 2), t[1], t[2])
        ),
    )


random_expr = st.recursive(_leaf(), _node, max_leaves=8)

STRATEGIES = {
    "affine": affine(),
    "divmod": divmod_expr(),
    "minmax": minmax_expr(),
    "select": select_expr(),
    "random": random_expr,
}
