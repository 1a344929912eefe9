"""Property tests: bounds against brute-force enumeration of every point.

Sound on every example; exact on the stated classes (affine, division/modulo by constants,
min/max of independent operands, single-variable guards of select/if_then_else whose two
branches are both reachable). ``STIR_FUZZ_EXAMPLES=2000`` runs longer.
"""

from __future__ import annotations

from collections import Counter

import pytest
from arith_strategies import CLASSES, EXAMPLES, SLOW_EXAMPLES, STRATEGIES, domains
from arith_testlib import check_bound, points
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stir_core.arith import Domain
from stir_core.arith.evaluate import evaluate
from stir_core.ir import Call, PrimExpr, Select

_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _branches_reachable(expr: PrimExpr, domain: Domain) -> bool:
    condition = expr.condition if isinstance(expr, Select) else expr.args[0]  # type: ignore[attr-defined]
    seen = {bool(evaluate(condition, point)) for point in points(domain)}
    return seen == {True, False}


def _expected_exact(kind: str, expr: PrimExpr, domain: Domain) -> bool:
    if kind == "select":
        assert isinstance(expr, (Select, Call))
        return _branches_reachable(expr, domain)
    return kind != "random"


@pytest.mark.parametrize("kind", CLASSES)
@_SETTINGS
@given(data=st.data())
def test_bound_is_sound_and_exact_on_its_class(kind: str, data: st.DataObject) -> None:
    domain = data.draw(domains())
    expr = data.draw(STRATEGIES[kind])
    _, exact = check_bound(expr, domain)
    if _expected_exact(kind, expr, domain):
        assert exact, (kind, expr, domain)


@pytest.mark.slow
def test_exactness_fractions_per_class() -> None:
    """Prints the fraction of exact answers per class (quoted in the report)."""
    stats: Counter[tuple[str, bool]] = Counter()

    @settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), kind=st.sampled_from(CLASSES))
    def run(data: st.DataObject, kind: str) -> None:
        domain = data.draw(domains())
        expr = data.draw(STRATEGIES[kind])
        _, exact = check_bound(expr, domain)
        stats[(kind, exact)] += 1

    run()
    print()
    for kind in CLASSES:
        total = stats[(kind, True)] + stats[(kind, False)]
        if total:
            print(
                f"exact {kind:7s}: {stats[(kind, True)]}/{total} = "
                f"{stats[(kind, True)] / total:.1%}"
            )
    assert sum(stats.values()) > 0
