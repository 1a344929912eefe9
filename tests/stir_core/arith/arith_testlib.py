"""Brute-force helpers shared by the arith tests: enumerate a domain, check a bound."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

from stir_core.arith import Bound, Domain, bound, linearize
from stir_core.arith.affine import expr_key
from stir_core.arith.evaluate import evaluate
from stir_core.ir import PrimExpr, Range, Var, substitute


def points(domain: Domain, env: Mapping[Var, int] | None = None) -> Iterator[dict[Var, int]]:
    """Every point of ``domain`` (ranges may depend on earlier variables), given values of
    the free variables in ``env``, filtered by the domain's predicates."""
    env = dict(env or {})
    order = list(domain.ranges)
    yield from _walk(domain, order, env)


def _walk(domain: Domain, order: Sequence[Var], env: dict[Var, int]) -> Iterator[dict[Var, int]]:
    if not order:
        if all(evaluate(p, env) for p in domain.predicates):
            yield dict(env)
        return
    var, rest = order[0], order[1:]
    rng = domain.ranges[var]
    low = evaluate(rng.min, env)
    for value in range(low, low + evaluate(rng.extent, env)):
        env[var] = value
        yield from _walk(domain, rest, env)
    env.pop(var, None)


def values(expr: PrimExpr, domain: Domain, env: Mapping[Var, int] | None = None) -> list[int]:
    return [evaluate(expr, point) for point in points(domain, env)]


def check_bound(
    expr: PrimExpr, domain: Domain, env: Mapping[Var, int] | None = None
) -> tuple[Bound, bool]:
    """Assert soundness (and exactness when claimed); return the bound and its exactness."""
    result = bound(expr, domain)
    env = dict(env or {})
    seen = values(expr, domain, env)
    if not seen:
        return result, result.exact
    low, high = evaluate(result.min, env), evaluate(result.max, env)
    assert low <= min(seen) and max(seen) <= high, (expr, domain, env, result, min(seen), max(seen))
    if result.exact:
        assert (low, high) == (min(seen), max(seen)), (expr, domain, env, result, seen)
    return result, result.exact


def same(actual: PrimExpr, expected: PrimExpr) -> bool:
    """Structurally identical (variables by identity)."""
    return expr_key(actual) == expr_key(expected)


def same_value(actual: PrimExpr, expected: PrimExpr) -> bool:
    """Equal as linear forms (order of terms ignored)."""
    return linearize(actual).same(linearize(expected))


def rng(lo: int | PrimExpr, extent: int | PrimExpr) -> Range:
    return Range.from_min_extent(lo, extent)


def grid(names: Sequence[str]) -> list[Var]:
    return [Var(n) for n in names]


def substituted(expr: PrimExpr, env: Mapping[Var, int]) -> PrimExpr:
    return substitute(expr, dict(env))


__all__ = ["check_bound", "grid", "itertools", "points", "rng", "same", "same_value", "values"]
