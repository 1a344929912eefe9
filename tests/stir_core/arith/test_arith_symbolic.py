"""Symbolic bounds (in terms of ``n``), checked by substituting several ``n`` and
enumerating every point."""

from __future__ import annotations

from collections import Counter

import pytest
from arith_strategies import CLASSES, EXAMPLES, SLOW_EXAMPLES, STRATEGIES, VARS
from arith_testlib import check_bound, rng, same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stir_core.arith import Domain, bound
from stir_core.ir import FloorDiv, SizeVar, Var, op

n = SizeVar("n")
i, j, k = VARS
N_VALUES = (1, 2, 3, 5, 8)


def symbolic_domain(lo: int, width: int) -> Domain:
    return Domain({i: rng(0, n), j: rng(0, 4), k: rng(lo, n + width)})


def check_all_n(expr: object, domain: Domain) -> bool:
    exact = True
    for value in N_VALUES:
        _, this_exact = check_bound(expr, domain, {n: value})  # type: ignore[arg-type]
        exact = exact and this_exact
    return exact


@pytest.mark.parametrize(
    ("expr", "expected_max", "expected_exact"),
    [
        (i * 4 + j, n * 4 - 1, True),
        (i - k, n - 1, True),
        ((i * 4 + j) // 4, n - 1, True),
        ((i * 4 + j) % 4, 3, True),
        (op.minimum(i * 4 + j, n - 1), n - 1, True),
        (op.maximum(i, 2), op.maximum(n - 1, 2), True),
        # the else branch is empty when n <= 2: sound, not claimed exact
        (op.select(i < 2, i, 0), op.minimum(n - 1, 1), False),
    ],
)
def test_hand_written_symbolic_bounds(
    expr: object, expected_max: object, expected_exact: bool
) -> None:
    domain = symbolic_domain(0, 0)
    result = bound(expr, domain)
    assert same(result.max, op.convert(expected_max)), result
    assert result.exact == expected_exact
    assert check_all_n(expr, domain) == expected_exact


def test_split_with_guard_symbolic() -> None:
    outer, inner = Var("io"), Var("ii")
    domain = Domain({outer: rng(0, (n + 7) // 8), inner: rng(0, 8)}, [outer * 8 + inner < n])
    result = bound(outer * 8 + inner, domain)
    assert same(result.max, n - 1) and result.exact
    assert check_all_n(outer * 8 + inner, domain)
    unguarded = bound(outer * 8 + inner, Domain({outer: rng(0, (n + 7) // 8), inner: rng(0, 8)}))
    assert same(unguarded.max, (n + 7) // 8 * 8 - 1) and unguarded.exact


@pytest.mark.parametrize("kind", CLASSES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_symbolic_bounds_are_sound(kind: str, data: st.DataObject) -> None:
    domain = symbolic_domain(data.draw(st.integers(-2, 2)), data.draw(st.integers(0, 2)))
    expr = data.draw(STRATEGIES[kind])
    exact = check_all_n(expr, domain)
    if kind == "affine" or (kind == "divmod" and isinstance(expr, FloorDiv)):
        assert exact, expr


@pytest.mark.slow
def test_symbolic_exactness_fractions() -> None:
    stats: Counter[tuple[str, bool]] = Counter()

    @settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), kind=st.sampled_from(CLASSES))
    def run(data: st.DataObject, kind: str) -> None:
        domain = symbolic_domain(data.draw(st.integers(-2, 2)), data.draw(st.integers(0, 2)))
        stats[(kind, check_all_n(data.draw(STRATEGIES[kind]), domain))] += 1

    run()
    print()
    for kind in CLASSES:
        total = stats[(kind, True)] + stats[(kind, False)]
        if total:
            print(f"symbolic exact {kind:7s}: {stats[(kind, True)]}/{total}")
    assert sum(stats.values()) > 0
