"""The bound engine: extremes of linear forms over a domain, and a prover.

``extreme(lin, upper, ctx)`` eliminates the atoms that depend on the domain one at a time:
a domain variable is replaced by the end of its range that pushes ``lin`` in the wanted
direction (exact, also for ranges that depend on outer variables: those are eliminated
later), any other atom by the matching end of its own interval (``rules.py``). The result
is a ``Lin`` over free atoms only, or ``None`` for "unbounded". Exactness is lost only when
two atoms share a domain variable (``i + i // 4``) or an atom's own bound is inexact.

``prove_nonneg(lin, ctx)`` first takes the minimum over the domain, then proves the
remaining free form non-negative from *facts* (``SizeVar >= 0``, extents ``>= 1``,
predicates on free variables) with case splits on min/max and, for products, sympy.

Joint predicates (``i * 4 + j < n``) tighten a form that is a multiple of theirs.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

from ..ir.dtype import DataType
from ..ir.expr import FloorDiv, IntImm, Max, Min, PrimExpr, SizeVar, Var
from ..ir.functor import post_order_visit
from .affine import (
    Lin,
    const_lin,
    expr_key,
    factors,
    lin_floordiv_const,
    lin_mul,
    linearize,
    monomial_of,
    render,
)
from .domain import Domain


class Iv(NamedTuple):
    """An interval of integer values; ``None`` ends are infinite."""

    lo: Lin | None
    hi: Lin | None
    exact: bool


UNBOUNDED = Iv(None, None, False)
_MAX_STEPS = 256
_var_cache: dict[Any, dict[Any, Var]] = {}


def atom_vars(key: Any, atom: PrimExpr) -> dict[Any, Var]:
    """The variables inside ``atom`` (keyed as in ``expr_key``)."""
    found = _var_cache.get(key)
    if found is None:
        found = {}

        def collect(node: Any) -> None:
            if isinstance(node, Var):
                found[("var", id(node))] = node

        post_order_visit(atom, collect)
        if len(_var_cache) > 100_000:
            _var_cache.clear()
        _var_cache[key] = found
    return found


def lin_dtype(lin: Lin) -> DataType:
    """int64 if any atom is 64-bit, else int32."""
    for _, atom, _ in lin.items():
        if atom.dtype.bits == 64:
            return DataType("int64")
    return DataType("int32")


class Ctx:
    """A domain compiled for the engine (built by ``context(domain)``)."""

    def __init__(self, domain: Domain | None, prove_mode: bool = False) -> None:
        self.domain = domain
        self.prove_mode = prove_mode
        #: bounded variable key -> (lowest, highest) value as linear forms
        self.ranges: dict[Any, tuple[Lin | None, Lin | None]] = {}
        #: domain variable key -> keys of the domain variables its range depends on
        self.deps: dict[Any, frozenset[Any]] = {}
        #: predicates ``g >= 0`` over several domain variables
        self.joint: list[Lin] = []
        #: predicates over free atoms: constant bounds, and general forms
        self.fact_ranges: dict[Any, tuple[int | None, int | None]] = {}
        self.fact_lins: list[Lin] = []
        self.facts: Ctx = self
        self.atom_cache: dict[Any, Iv] = {}

    # ---------------------------------------------------------------- queries

    def bounds_atom(self, key: Any, atom: PrimExpr) -> bool:
        """Whether ``atom`` is eliminated (depends on the domain) or kept symbolic."""
        if self.prove_mode:
            return True
        return any(k in self.ranges for k in atom_vars(key, atom))

    def closure(self, key: Any, atom: PrimExpr) -> frozenset[Any]:
        """Domain variables ``atom`` depends on, through ranges too."""
        result: set[Any] = set()
        for k in atom_vars(key, atom):
            if k in self.ranges:
                result |= self.deps.get(k, frozenset({k}))
        return frozenset(result)

    def var_range(self, key: Any, atom: PrimExpr) -> tuple[Lin | None, Lin | None]:
        if key in self.ranges:
            return self.ranges[key]
        low = 0 if isinstance(atom, SizeVar) or atom.dtype.is_uint else None
        fact = self.fact_ranges.get(key, (None, None))
        return _const_lin(_max_opt(low, fact[0])), _const_lin(fact[1])

    def conditioned(self, condition: PrimExpr) -> Ctx:
        """This context assuming ``condition`` as well."""
        base = self.domain if self.domain is not None else Domain()
        return _context.context(base.with_predicates([condition]))


def _max_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _min_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _const_lin(value: int | None) -> Lin | None:
    return None if value is None else const_lin(value)


# ------------------------------------------------------------------ extremes


def extreme(lin: Lin, upper: bool, ctx: Ctx) -> tuple[Lin | None, bool]:
    """The largest (``upper``) or smallest value of ``lin`` over ``ctx``, and exactness."""
    exact = True
    for _ in range(_MAX_STEPS):
        pending = [(k, a, c) for k, a, c in lin.items() if ctx.bounds_atom(k, a)]
        if not pending:
            return lin, exact
        key, atom, coef = _pick(pending, ctx)
        want_upper = upper == (coef > 0)
        replacement = _relax_floordiv(atom, coef, want_upper) if ctx.prove_mode else None
        if replacement is not None:
            lin = lin.without(key).add(replacement)
            continue
        if isinstance(atom, Var):
            end = ctx.var_range(key, atom)[1 if want_upper else 0]
        else:
            end, atom_exact = _atom_end(key, atom, want_upper, pending, ctx)
            exact = exact and atom_exact
        if end is None:
            return None, False
        lin = lin.without(key).add(end, coef)
    return None, False


def _atom_end(
    key: Any, atom: PrimExpr, want_upper: bool, pending: list[Any], ctx: Ctx
) -> tuple[Lin | None, bool]:
    iv = atom_interval(key, atom, ctx)
    exact = iv.exact and not _shares(key, atom, pending, ctx)
    return (iv.hi if want_upper else iv.lo), exact


def _relax_floordiv(atom: PrimExpr, coef: int, want_upper: bool) -> Lin | None:
    """A replacement for ``coef * atom`` when ``atom = x // c`` and ``c | coef``:
    ``(x - c + 1) / c <= x // c <= x / c`` keeps the correlation with ``x`` (so that
    ``4 * ((n + 3) // 4) >= n`` is provable)."""
    if not isinstance(atom, FloorDiv) or not isinstance(atom.b, IntImm):
        return None
    divisor = atom.b.value
    if divisor <= 0 or coef % divisor:
        return None
    x = linearize(atom.a)
    end = x if want_upper else x.shift(1 - divisor)
    return end.scale(coef // divisor)


def _pick(pending: list[Any], ctx: Ctx) -> tuple[Any, PrimExpr, int]:
    for item in pending:
        if not isinstance(item[1], Var):
            return item
    for item in pending:
        if not any(item[0] in ctx.deps.get(o[0], ()) for o in pending if o is not item):
            return item
    return pending[0]


def _shares(key: Any, atom: PrimExpr, pending: list[Any], ctx: Ctx) -> bool:
    mine = ctx.closure(key, atom)
    return any(o[0] != key and mine & ctx.closure(o[0], o[1]) for o in pending)


def lin_interval(lin: Lin, ctx: Ctx) -> Iv:
    """The interval of ``lin`` over ``ctx``, tightened by joint predicates."""
    lo, lo_exact = extreme(lin, False, ctx)
    hi, hi_exact = extreme(lin, True, ctx)
    iv = Iv(lo, hi, lo_exact and hi_exact)
    if ctx.joint and not ctx.prove_mode:
        iv = joint_tighten(lin, iv, ctx)
    return iv


def expr_interval(expr: PrimExpr, ctx: Ctx) -> Iv:
    return lin_interval(linearize(expr), ctx)


def atom_interval(key: Any, atom: PrimExpr, ctx: Ctx) -> Iv:
    cached = ctx.atom_cache.get(key)
    if cached is None:
        cached = _rules.interval_of_atom(atom, ctx)
        if ctx.prove_mode:
            fact = ctx.fact_ranges.get(key)
            if fact is not None:
                cached = _intersect_const(cached, fact)
        ctx.atom_cache[key] = cached
    return cached


def _intersect_const(iv: Iv, fact: tuple[int | None, int | None]) -> Iv:
    lo = iv.lo if fact[0] is None else lo_max(iv.lo, const_lin(fact[0]), None)
    hi = iv.hi if fact[1] is None else hi_min(iv.hi, const_lin(fact[1]), None)
    return Iv(lo, hi, False)


# ------------------------------------------------------------ joint predicates


def _direct_vars(lin: Lin, ctx: Ctx) -> set[Any]:
    return {k for k, a, _ in lin.items() if isinstance(a, Var) and k in ctx.ranges}


def _depends_on(lin: Lin, ctx: Ctx) -> set[Any]:
    """Domain variables ``lin`` depends on, directly or through atoms (``f % 3``)."""
    found: set[Any] = set()
    for key, atom, _ in lin.items():
        found |= ctx.closure(key, atom)
    return found


def joint_tighten(lin: Lin, iv: Iv, ctx: Ctx) -> Iv:
    """Use predicates ``g >= 0`` where ``q * lin + p * g`` is free of the domain. A predicate
    on the same variables that this rule cannot apply (``f % 3 < 2`` for ``f % 3``) leaves
    the answer sound but no longer exact."""
    mine = _direct_vars(lin, ctx)
    lo, hi, exact, used = iv.lo, iv.hi, iv.exact, 0
    for g in ctx.joint:
        theirs = _direct_vars(g, ctx)
        if not mine & theirs:
            if _depends_on(lin, ctx) & _depends_on(g, ctx):
                exact = False
            continue
        used += 1
        match = _match(lin, g, ctx, next(iter(theirs)))
        if match is None:
            exact = False
            continue
        q, p, rest = match
        if p > 0:  # q * lin = rest - p * g <= rest
            hi = hi_min(hi, _div_floor(rest, q), ctx.facts)
        else:  # q * lin = rest + |p| * g >= rest
            lo = lo_max(lo, _div_floor(rest.scale(-1), q).scale(-1), ctx.facts)
        exact = exact and q == 1 and is_contiguous(lin, ctx)
    return Iv(lo, hi, exact and used <= 1)


def _match(lin: Lin, g: Lin, ctx: Ctx, anchor: Any) -> tuple[int, int, Lin] | None:
    coef_g = g.terms[anchor][1]
    coef_l = lin.terms.get(anchor, (None, 0))[1]
    if coef_l == 0:
        return None
    ratio = Fraction(-coef_l, coef_g)  # lin + ratio * g cancels the anchor
    q, p = ratio.denominator, ratio.numerator
    rest = lin.scale(q).add(g, p)
    if any(ctx.bounds_atom(k, a) for k, a, _ in rest.items()):
        return None
    return q, p, rest


def _div_floor(lin: Lin, q: int) -> Lin:
    return lin if q == 1 else lin_floordiv_const(lin, q, lin_dtype(lin))


def var_terms(lin: Lin, ctx: Ctx) -> list[tuple[Any, Lin]] | None:
    """``lin`` as ``sum(coef_v * v)`` over independent domain variables, with
    coefficients that may be symbolic (``i * n``), or ``None`` when it is not that."""
    coefs: dict[Any, Lin] = {}
    for key, atom, coef in lin.items():
        if not ctx.bounds_atom(key, atom):
            continue
        parts = factors(atom)
        bounded = [p for p in parts if ctx.bounds_atom(expr_key(p), p)]
        if len(bounded) != 1 or not isinstance(bounded[0], Var):
            return None
        var_key = expr_key(bounded[0])
        if var_key not in ctx.ranges:  # a free variable (prove mode): no range to use
            return None
        if ctx.deps.get(var_key, frozenset({var_key})) != {var_key}:
            return None
        rest = [p for p in parts if p is not bounded[0]]
        coef_lin = Lin.of_atom(monomial_of(rest), coef) if rest else const_lin(coef)
        coefs[var_key] = coefs.get(var_key, Lin()).add(coef_lin)
    return list(coefs.items())


def is_contiguous(lin: Lin, ctx: Ctx) -> bool:
    """Whether ``lin`` takes every integer between its extremes over the domain box:
    with the terms in some order, each |coefficient| is at most 1 + the span so far."""
    terms = var_terms(lin, ctx)
    if terms is None:
        return False
    spans: list[tuple[Lin, Lin]] = []
    for key, coef in terms:
        lo, hi = ctx.ranges[key]
        if lo is None or hi is None:
            return False
        if not coef.is_const and not prove_nonneg(coef, ctx.facts):
            if not prove_nonneg(coef.scale(-1), ctx.facts):
                return False
            coef = coef.scale(-1)
        spans.append((coef if not coef.is_const else const_lin(abs(coef.const)), hi.sub(lo)))
    spans.sort(key=lambda item: (not item[0].is_const, item[0].const))
    reach = const_lin(0)
    for coef, span in spans:
        if not prove_nonneg(reach.shift(1).sub(coef), ctx.facts):
            return False
        reach = reach.add(lin_mul(coef, span))
    return True


# ---------------------------------------------------------------- symbolic min/max


def _pick_end(a: Lin, b: Lin, facts: Ctx | None, want_min: bool) -> Lin | None:
    """``a`` or ``b`` when one provably is the min (``want_min``) / max, else ``None``."""
    diff = b.sub(a)
    if diff.is_const:
        return a if (diff.const >= 0) == want_min else b
    if facts is None:
        return None
    if prove_nonneg(diff, facts):
        return a if want_min else b
    if prove_nonneg(diff.scale(-1), facts):
        return b if want_min else a
    return None


def sym_min(a: Lin, b: Lin, facts: Ctx | None) -> Lin:
    picked = _pick_end(a, b, facts, True)
    if picked is not None:
        return picked
    dtype = lin_dtype(a.add(b))
    return Lin.of_atom(Min(dtype, render(a, dtype), render(b, dtype)))


def sym_max(a: Lin, b: Lin, facts: Ctx | None) -> Lin:
    picked = _pick_end(a, b, facts, False)
    if picked is not None:
        return picked
    dtype = lin_dtype(a.add(b))
    return Lin.of_atom(Max(dtype, render(a, dtype), render(b, dtype)))


def lo_min(a: Lin | None, b: Lin | None, facts: Ctx | None) -> Lin | None:
    """The smaller of two lower ends (``None`` = minus infinity)."""
    return None if a is None or b is None else sym_min(a, b, facts)


def hi_max(a: Lin | None, b: Lin | None, facts: Ctx | None) -> Lin | None:
    return None if a is None or b is None else sym_max(a, b, facts)


def hi_min(a: Lin | None, b: Lin | None, facts: Ctx | None) -> Lin | None:
    """The smaller of two upper ends (``None`` = plus infinity)."""
    if a is None or b is None:
        return b if a is None else a
    return sym_min(a, b, facts)


def lo_max(a: Lin | None, b: Lin | None, facts: Ctx | None) -> Lin | None:
    if a is None or b is None:
        return b if a is None else a
    return sym_max(a, b, facts)


# ------------------------------------------------------------------------ prover


def prove_nonneg(lin: Lin, ctx: Ctx, depth: int = 0) -> bool:
    """Whether ``lin >= 0`` everywhere in ``ctx`` (``False`` means "not proven")."""
    if lin.is_const:
        return lin.const >= 0
    if depth > 6:
        return False
    split = _split_minmax(lin, ctx, depth)
    if split is not None:
        return split
    low, _ = extreme(lin, False, ctx)
    if low is None:
        return ctx.prove_mode and _prove_with_facts(lin, ctx, depth)
    if low.is_const:
        return low.const >= 0
    if not ctx.prove_mode:
        return prove_nonneg(low, ctx.facts, depth + 1)
    return _prove_with_facts(low, ctx, depth)


def _split_minmax(lin: Lin, ctx: Ctx, depth: int) -> bool | None:
    """``rest + k * min(a, b) >= 0``: for ``k > 0`` both ``rest + k*a`` and ``rest + k*b``
    must be; for ``k < 0`` one suffices (max is the mirror image)."""
    for key, atom, coef in lin.items():
        if isinstance(atom, (Min, Max)):
            rest = lin.without(key)
            a = rest.add(linearize(atom.a), coef)
            b = rest.add(linearize(atom.b), coef)
            if isinstance(atom, Min) == (coef > 0):
                return prove_nonneg(a, ctx, depth + 1) and prove_nonneg(b, ctx, depth + 1)
            return prove_nonneg(a, ctx, depth + 1) or prove_nonneg(b, ctx, depth + 1)
    return None


def _prove_with_facts(lin: Lin, ctx: Ctx, depth: int) -> bool:
    for fact in ctx.fact_lins:
        remaining = lin.sub(fact)
        if len(remaining.terms) < len(lin.terms) and prove_nonneg(remaining, ctx, depth + 1):
            return True
    return _sympy.nonneg_by_shift(lin, lambda key, atom: _const_low(key, atom, ctx))


def _const_low(key: Any, atom: PrimExpr, ctx: Ctx) -> int | None:
    if isinstance(atom, Var):
        low = ctx.var_range(key, atom)[0]
    else:
        low = atom_interval(key, atom, ctx).lo
    return low.const if low is not None and low.is_const else None


from . import context as _context  # noqa: E402
from . import rules as _rules  # noqa: E402  (mutual: the rules call the engine)
from . import sympy_bridge as _sympy  # noqa: E402
