"""simplify(): hand-written rewrites, and value preservation on random expressions."""

from __future__ import annotations

import pytest
from arith_strategies import EXAMPLES, STRATEGIES, domains
from arith_testlib import points, rng, same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stir_core.arith import Access, Domain, RegionError, bound, region, simplify
from stir_core.arith.evaluate import evaluate
from stir_core.ir import Evaluate, For, ForKind, IfThenElse, Var, decl_buffer, op

i, j, n = Var("i"), Var("j"), Var("n")
DOM = Domain({i: rng(0, n), j: rng(0, 4)})
A = decl_buffer((64,), "float32", "A")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (i * 4 + j - i * 4, j),
        ((i * 4 + j) // 4, i),
        ((i * 4 + j) % 4, j),
        (op.minimum(j, 3), j),
        (op.maximum(i * 4 + j, 0), i * 4 + j),
        (op.minimum(i * 4 + j, n * 4 - 1), i * 4 + j),
        (op.add(op.const(2), op.const(3)), op.const(5)),
        (i * 4 + j < n * 4, op.const(True)),
        (j >= 4, op.const(False)),
        (op.if_then_else(j < 4, i, 7), i),
        (op.select(j > 3, i, j), j),
        ((i * n + j) // n, i + j // n),  # n >= 1 (an extent): i leaves the division
    ],
)
def test_simplify_rewrites(before: object, after: object) -> None:
    assert same(simplify(before, DOM), op.convert(after))


def test_simplify_keeps_what_cannot_be_proven() -> None:
    guarded = op.if_then_else(i * 4 + j < n, i, 0)
    assert simplify(guarded, DOM) is guarded
    assert same(simplify(op.minimum(i, 3), DOM), op.minimum(i, 3))


def test_simplify_picks_proven_branch_of_non_constant_values() -> None:
    """A proven guard selects its branch even when that branch is a load (no bool())."""
    data = decl_buffer((16,), "float32", "data")
    load = data[i]
    fallback = op.const(0.0, "float32")
    dom = Domain({i: rng(0, 4)})
    assert simplify(op.if_then_else(i < 8, load, fallback), dom) is load
    assert simplify(op.select(i >= 4, fallback, load), dom) is load


def test_simplify_symbolic_divisor_with_known_sign() -> None:
    m = Var("m")
    dom = Domain({i: rng(0, m), j: rng(0, n)})
    assert same(simplify((i * n + j) // n, dom), i)
    assert same(simplify((i * n + j) % n, dom), j)


def test_simplify_statement_drops_divisible_split_guard() -> None:
    body = IfThenElse(i * 4 + j < 64, Evaluate(i * 4 + j))
    inner = For(j, op.const(0), op.const(4), ForKind.SERIAL, body)
    loop = For(i, op.const(0), op.const(16), ForKind.SERIAL, inner)
    result = simplify(loop)
    assert isinstance(result.body.body, Evaluate)


def test_region_of_correlated_accesses() -> None:
    dom = Domain({i: rng(0, 8), j: rng(0, 3)})
    result = region([(i + j,), (i - j,)], dom)
    assert (result.ranges[0].min.value, result.ranges[0].extent.value) == (-2, 12)
    assert result.exact == (True,)


def test_region_with_guarded_access() -> None:
    dom = Domain({i: rng(0, 10)})
    guard = op.logical_and(i >= 1, i < 9)
    result = region([Access((i - 1,), guard)], dom)
    assert (result.ranges[0].min.value, result.ranges[0].extent.value) == (0, 8)
    assert result.all_exact


def test_region_symbolic_and_errors() -> None:
    result = region([(i * 4 + j,), (i * 4 + j + 1,)], DOM)
    assert same(result.ranges[0].extent, n * 4 + 1)
    with pytest.raises(RegionError, match="at least one"):
        region([], DOM)
    with pytest.raises(RegionError, match="numbers of indices"):
        region([(i,), (i, j)], DOM)


@pytest.mark.parametrize("kind", ["divmod", "minmax", "select", "random"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_simplify_preserves_values(kind: str, data: st.DataObject) -> None:
    domain = data.draw(domains())
    expr = data.draw(STRATEGIES[kind])
    simple = simplify(expr, domain)
    for point in points(domain):
        assert evaluate(simple, point) == evaluate(expr, point), (expr, simple, point)


def test_unbounded_region_dimension_is_clamped_to_the_given_limits() -> None:
    """A data-dependent index has no bound: ``clamp`` replaces it with the buffer extent,
    bounded dimensions stay exact."""
    index_buffer = decl_buffer((8,), "int32", "idx")
    hull = region([[index_buffer[i], i + 1]], Domain({i: rng(0, 4)}))
    assert hull.exact == (False, True)
    clamped = hull.clamp([rng(0, 16), rng(0, 5)])
    assert same(clamped.ranges[0].min, op.const(0)) and same(clamped.ranges[0].extent, op.const(16))
    assert same(clamped.ranges[1].min, op.const(1)) and same(clamped.ranges[1].extent, op.const(4))
    with pytest.raises(RegionError):
        hull.clamp([rng(0, 16)])


def test_a_predicate_on_an_atom_that_cannot_be_applied_makes_the_bound_inexact() -> None:
    """``f % 3`` under ``f % 3 < 2`` is really [0, 1]; the bound [0, 2] is sound but must not
    claim to be exact (``verify`` trusts exact bounds to reject IR)."""
    f = Var("f")
    dom = Domain({f: rng(0, 3)}, predicates=[op.floormod(f, 3) < 2])
    found = bound(op.floormod(f, 3), dom)
    assert found.min.value == 0 and found.max.value >= 1 and not found.exact
