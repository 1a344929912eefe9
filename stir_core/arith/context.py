"""Compiling a ``Domain`` for the engine: ranges as linear forms, predicates sorted into
range tightenings (one domain variable), joint constraints (several) and facts (none).

>>> ctx = context(Domain({i: Range(0, n)}, [i >= 2]))
>>> ctx.ranges[key(i)]    # (2, n - 1) as linear forms; facts: n >= 1
"""

from __future__ import annotations

from typing import Any

from ..ir.expr import FloorDiv, IntImm, Var
from .affine import Lin, lin_floordiv_const, linearize
from .domain import Domain
from .engine import (
    Ctx,
    _max_opt,
    _min_opt,
    _var_cache,
    atom_vars,
    hi_min,
    lin_dtype,
    lo_max,
    prove_nonneg,
)
from .predicate import condition_lins

_contexts: dict[Any, Ctx] = {}


def clear_caches() -> None:
    _contexts.clear()
    _var_cache.clear()


def context(domain: Domain) -> Ctx:
    """The compiled context of ``domain`` (cached by the domain's structural key)."""
    key = domain.key()
    ctx = _contexts.get(key)
    if ctx is None:
        ctx = _build(domain)
        if len(_contexts) > 4096:
            _contexts.clear()
        _contexts[key] = ctx
    return ctx


def _build(domain: Domain) -> Ctx:
    ctx = Ctx(domain)
    facts = Ctx(None, prove_mode=True)
    ctx.facts = facts
    for var, rng in domain.ranges.items():
        lo = linearize(rng.min)
        extent = linearize(rng.extent)
        ctx.ranges[("var", id(var))] = (lo, lo.add(extent).shift(-1))
        _add_fact(facts, extent.shift(-1))
    _compute_deps(ctx)
    pending = [g for p in domain.predicates for g in condition_lins(p)]
    for g in pending:
        _add_predicate(ctx, g)
    _compute_deps(ctx)
    return ctx


def _same_end(a: Lin | None, b: Lin | None) -> bool:
    return a is b or (a is not None and b is not None and a.same(b))


def reachable(child: Ctx, parent: Ctx) -> bool:
    """Whether ``child`` (``parent`` plus conditions) has a point wherever ``parent`` has
    one: its tightened ranges are provably non-empty and it adds no other constraint."""
    if len(child.joint) != len(parent.joint):
        return False
    if child.facts.fact_ranges != parent.facts.fact_ranges:
        return False
    if len(child.facts.fact_lins) != len(parent.facts.fact_lins):
        return False
    for key, (lo, hi) in child.ranges.items():
        parent_lo, parent_hi = parent.ranges.get(key, (None, None))
        if _same_end(lo, parent_lo) and _same_end(hi, parent_hi):
            continue
        if lo is not None and hi is not None and not prove_nonneg(hi.sub(lo), child.facts):
            return False
    return True


def _compute_deps(ctx: Ctx) -> None:
    direct: dict[Any, set[Any]] = {}
    for key, (lo, hi) in ctx.ranges.items():
        found: set[Any] = set()
        for end in (lo, hi):
            for k, a, _ in end.items() if end is not None else ():
                found |= {v for v in atom_vars(k, a) if v in ctx.ranges}
        direct[key] = found
    for key in ctx.ranges:
        seen, todo = {key}, list(direct[key])
        while todo:
            k = todo.pop()
            if k not in seen:
                seen.add(k)
                todo.extend(direct.get(k, ()))
        ctx.deps[key] = frozenset(seen)


def _add_fact(facts: Ctx, g: Lin) -> None:
    """Record ``g >= 0`` over free atoms (``(n + 3) // 4 >= 1`` also gives ``n >= 1``)."""
    if len(g.terms) != 1:
        if g.terms:
            facts.fact_lins.append(g)
        return
    key, atom, coef = next(iter(g.items()))
    low, high = facts.fact_ranges.get(key, (None, None))
    if coef > 0:  # coef * atom >= -const
        low = _max_opt(low, -(g.const // coef))
    else:
        high = _min_opt(high, g.const // -coef)
    facts.fact_ranges[key] = (low, high)
    facts.atom_cache.clear()
    if isinstance(atom, FloorDiv) and isinstance(atom.b, IntImm) and atom.b.value > 0:
        inner, divisor = linearize(atom.a), atom.b.value
        if coef > 0 and low is not None:  # x // c >= low  =>  x >= c * low
            _add_fact(facts, inner.shift(-divisor * low))
        if coef < 0 and high is not None:  # x // c <= high  =>  x <= c * high + c - 1
            _add_fact(facts, inner.scale(-1).shift(divisor * high + divisor - 1))


def _add_predicate(ctx: Ctx, g: Lin) -> None:
    bounded = [(k, a, c) for k, a, c in g.items() if ctx.bounds_atom(k, a)]
    if not bounded:
        _add_fact(ctx.facts, g)
        return
    if len(bounded) == 1 and isinstance(bounded[0][1], Var):
        key, _, coef = bounded[0]
        rest = g.without(key)
        if not any(ctx.bounds_atom(k, a) for k, a, _ in rest.items()):
            _tighten(ctx, key, coef, rest)
            return
    ctx.joint.append(g)


def _tighten(ctx: Ctx, key: Any, coef: int, rest: Lin) -> None:
    """``coef * v + rest >= 0`` narrows the range of ``v``."""
    lo, hi = ctx.ranges[key]
    dtype = lin_dtype(rest)
    if coef > 0:  # v >= ceil(-rest / coef) = -floor(rest / coef)
        bound = lin_floordiv_const(rest, coef, dtype).scale(-1)
        ctx.ranges[key] = (lo_max(lo, bound, ctx.facts), hi)
    else:  # v <= floor(rest / -coef)
        bound = lin_floordiv_const(rest, -coef, dtype)
        ctx.ranges[key] = (lo, hi_min(hi, bound, ctx.facts))
