"""Interval rules for non-linear atoms: division, modulo, min/max, select, products.

Each rule returns a sound ``Iv``; ``exact`` is set only when the rule proves that both
ends are attained (monotone functions of an exact interval, independent operands of
min/max, modulo over an operand that covers a full period, guarded branches that are
both reachable).

>>> interval of (i * 4 + j) % 8 over i in [0, 4), j in [0, 4): [0, 7], exact
>>> interval of (i * 4) % 8 over i in [0, 4):                  [0, 4], exact (lattice 4)
"""

from __future__ import annotations

from collections.abc import Callable
from math import gcd
from typing import Any

from ..ir.expr import (
    NE,
    And,
    Call,
    Cast,
    CmpOp,
    Div,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mod,
    Mul,
    Not,
    Or,
    PrimExpr,
    Select,
)
from .affine import (
    Lin,
    const_lin,
    factors,
    lin_floordiv_const,
    lin_mul,
    linearize,
    split_multiple,
)
from .engine import (
    UNBOUNDED,
    Ctx,
    Iv,
    expr_interval,
    hi_max,
    hi_min,
    is_contiguous,
    lin_dtype,
    lin_interval,
    lo_max,
    lo_min,
    prove_nonneg,
    var_terms,
)
from .predicate import condition_lins, negate
from .symdiv import lin_floordiv_sym


def interval_of_atom(atom: PrimExpr, ctx: Ctx) -> Iv:
    """The interval of one atom (never a plain variable) over ``ctx``."""
    rule = _RULES.get(type(atom))
    if isinstance(atom, Call):
        rule = _CALL_RULES.get(atom.op)
    iv = rule(atom, ctx) if rule is not None else UNBOUNDED
    if iv.lo is None and atom.dtype.is_uint:
        return Iv(const_lin(0), iv.hi, False)
    return iv


def _floordiv_ends(iv: Iv, divisor: int) -> Iv:
    """``iv // divisor`` (monotone, so exact when ``iv`` is)."""
    if divisor > 0:
        lo = None if iv.lo is None else lin_floordiv_const(iv.lo, divisor, lin_dtype(iv.lo))
        hi = None if iv.hi is None else lin_floordiv_const(iv.hi, divisor, lin_dtype(iv.hi))
        return Iv(lo, hi, iv.exact)
    flipped = Iv(
        None if iv.hi is None else iv.hi.scale(-1), None if iv.lo is None else iv.lo.scale(-1), True
    )
    result = _floordiv_ends(flipped, -divisor)
    return Iv(result.lo, result.hi, iv.exact and result.exact)


def _const_value(expr: PrimExpr) -> int | None:
    lin = linearize(expr)
    return lin.const if lin.is_const else None


def _free_divisor(divisor: PrimExpr, ctx: Ctx) -> Lin | None:
    """The divisor's form when it is free of the domain and provably >= 1."""
    lin = linearize(divisor)
    if any(ctx.bounds_atom(k, a) for k, a, _ in lin.items()):
        return None
    return lin if prove_nonneg(lin.shift(-1), ctx.facts) else None


def _floordiv(atom: FloorDiv, ctx: Ctx) -> Iv:
    ivx = expr_interval(atom.a, ctx)
    constant = _const_value(atom.b)
    if constant is not None:
        return _floordiv_ends(ivx, constant)
    divisor = _free_divisor(atom.b, ctx)
    if divisor is not None:
        lo = None if ivx.lo is None else lin_floordiv_sym(ivx.lo, divisor, ctx.facts)
        hi = None if ivx.hi is None else lin_floordiv_sym(ivx.hi, divisor, ctx.facts)
        return Iv(lo, hi, ivx.exact)
    ivd = expr_interval(atom.b, ctx)
    positive = ivd.lo is not None and prove_nonneg(ivd.lo.shift(-1), ctx.facts)
    if positive and ivx.lo is not None and prove_nonneg(ivx.lo, ctx.facts):
        hi = None if ivx.hi is None else lin_floordiv_sym(ivx.hi, ivd.lo, ctx.facts)
        return Iv(const_lin(0), hi, False)
    return UNBOUNDED


def _same_period(ivx: Iv, divisor: Lin, ctx: Ctx) -> Lin | None:
    """``q`` when ``x // divisor == q`` on the whole interval."""
    if ivx.lo is None or ivx.hi is None:
        return None
    q_lo = lin_floordiv_sym(ivx.lo, divisor, ctx.facts)
    q_hi = lin_floordiv_sym(ivx.hi, divisor, ctx.facts)
    return q_lo if q_lo.same(q_hi) else None


def _floormod(atom: FloorMod, ctx: Ctx) -> Iv:
    constant = _const_value(atom.b)
    if constant is not None and constant < 0:
        return Iv(const_lin(constant + 1), const_lin(0), False)
    divisor = const_lin(constant) if constant is not None else _free_divisor(atom.b, ctx)
    if divisor is None:
        ivd = expr_interval(atom.b, ctx)
        if ivd.lo is not None and ivd.hi is not None and prove_nonneg(ivd.lo.shift(-1), ctx):
            return Iv(const_lin(0), ivd.hi.shift(-1), False)
        return UNBOUNDED
    ivx = expr_interval(atom.a, ctx)
    q = _same_period(ivx, divisor, ctx)
    if q is not None:
        shift = lin_mul(q, divisor)
        return Iv(ivx.lo.sub(shift), ivx.hi.sub(shift), ivx.exact)  # type: ignore[union-attr]
    x = linearize(atom.a)
    if divisor.is_const and divisor.const <= _MAX_RESIDUE_DIVISOR:
        exact_set = _residue_set(x, divisor.const, ctx)
        if exact_set is not None:
            return Iv(const_lin(min(exact_set)), const_lin(max(exact_set)), True)
    return _residues(x, divisor, ivx, ctx)


_MAX_RESIDUE_DIVISOR = 256


def _residue_set(x: Lin, divisor: int, ctx: Ctx) -> set[int] | None:
    """The exact set of ``x % divisor`` when ``x`` is affine in independent variables with
    constant ranges: the sum-set of each term's residues (at most ``divisor`` each)."""
    terms = var_terms(x, ctx)
    if terms is None or any(ctx.bounds_atom(k, a) is False for k, a, _ in x.items()):
        return None
    residues = {x.const % divisor}
    for key, coef in terms:
        lo, hi = ctx.ranges[key]
        if not (coef.is_const and lo is not None and hi is not None):
            return None
        if not (lo.is_const and hi.is_const) or hi.const < lo.const:
            return None
        count = min(hi.const - lo.const + 1, divisor)
        mine = {(coef.const * (lo.const + t)) % divisor for t in range(count)}
        residues = {(a + b) % divisor for a in residues for b in mine}
    return residues


def _residues(x: Lin, divisor: Lin, ivx: Iv, ctx: Ctx) -> Iv:
    """``x % d`` over a full period: the residues ``r, r + g, ..., d - g + r`` where ``g``
    is the gcd of ``x``'s coefficients and ``d``; exact when ``x / g`` is contiguous and
    spans at least ``d / g`` values."""
    g = gcd(x.coef_gcd(), divisor.const) if divisor.is_const else 1
    g = g or 1
    r = x.const % g
    top = divisor.shift(r - g)
    reduced, rest = split_multiple(x.shift(-r), g)
    exact = not rest.terms and rest.const == 0 and is_contiguous(reduced, ctx)
    if exact:
        span = expr_span(reduced, ctx)
        need = divisor.const // g if divisor.is_const else None
        exact = span is not None and (
            prove_nonneg(span.shift(-need), ctx.facts)
            if need is not None
            else prove_nonneg(span.sub(divisor), ctx.facts)
        )
    return Iv(const_lin(r), top, exact)


def expr_span(lin: Lin, ctx: Ctx) -> Lin | None:
    """Number of values of a contiguous ``lin``: ``hi - lo + 1``."""
    iv = _lin_box(lin, ctx)
    if iv.lo is None or iv.hi is None:
        return None
    return iv.hi.sub(iv.lo).shift(1)


def _lin_box(lin: Lin, ctx: Ctx) -> Iv:
    return lin_interval(lin, ctx)


def _truncdiv(atom: Div, ctx: Ctx) -> Iv:
    if not atom.dtype.is_integer:
        return UNBOUNDED
    ivx = expr_interval(atom.a, ctx)
    constant = _const_value(atom.b)
    if constant and constant > 0 and ivx.lo is not None and prove_nonneg(ivx.lo, ctx.facts):
        return _floordiv_ends(ivx, constant)
    return UNBOUNDED


def _truncmod(atom: Mod, ctx: Ctx) -> Iv:
    constant = _const_value(atom.b)
    if not constant:
        return UNBOUNDED
    ivx = expr_interval(atom.a, ctx)
    if ivx.lo is not None and prove_nonneg(ivx.lo, ctx.facts):
        return _floormod(FloorMod(atom.dtype, atom.a, atom.b), ctx)
    top = abs(constant) - 1
    return Iv(const_lin(-top), const_lin(top), False)


def _independent(a: PrimExpr, b: PrimExpr, ctx: Ctx) -> bool:
    seen: set[Any] = set()
    for expr in (a, b):
        mine: set[Any] = set()
        for key, atom, _ in linearize(expr).items():
            mine |= ctx.closure(key, atom)
        if seen & mine:
            return False
        seen |= mine
    return True


def _minmax(atom: Min | Max, ctx: Ctx) -> Iv:
    is_min = isinstance(atom, Min)
    a, b = linearize(atom.a), linearize(atom.b)
    if prove_nonneg(b.sub(a), ctx):  # a <= b everywhere
        return expr_interval(atom.a if is_min else atom.b, ctx)
    if prove_nonneg(a.sub(b), ctx):
        return expr_interval(atom.b if is_min else atom.a, ctx)
    iva, ivb = expr_interval(atom.a, ctx), expr_interval(atom.b, ctx)
    both = iva.exact and ivb.exact
    if is_min:
        lo, hi = lo_min(iva.lo, ivb.lo, ctx.facts), hi_min(iva.hi, ivb.hi, ctx.facts)
    else:
        lo, hi = lo_max(iva.lo, ivb.lo, ctx.facts), hi_max(iva.hi, ivb.hi, ctx.facts)
    return Iv(lo, hi, both and _independent(atom.a, atom.b, ctx))


def select_interval(condition: PrimExpr, then: PrimExpr, other: PrimExpr, ctx: Ctx) -> Iv:
    """The hull of both branches, each bounded under its guard."""
    flipped = negate(condition)
    if prove_condition(condition, ctx):
        return expr_interval(then, ctx)
    if flipped is not None and prove_condition(flipped, ctx):
        return expr_interval(other, ctx)
    then_ctx = ctx.conditioned(condition)
    other_ctx = ctx.conditioned(flipped) if flipped is not None else ctx
    ivt, ivo = expr_interval(then, then_ctx), expr_interval(other, other_ctx)
    exact = (
        ivt.exact
        and ivo.exact
        and _context.reachable(then_ctx, ctx)
        and _context.reachable(other_ctx, ctx)
    )
    lo, hi = lo_min(ivt.lo, ivo.lo, ctx.facts), hi_max(ivt.hi, ivo.hi, ctx.facts)
    return Iv(lo, hi, exact and flipped is not None)


def prove_condition(condition: PrimExpr, ctx: Ctx) -> bool:
    """Whether ``condition`` holds everywhere in ``ctx`` (``False``: not proven)."""
    if isinstance(condition, IntImm):
        return bool(condition.value)
    if isinstance(condition, And):
        return prove_condition(condition.a, ctx) and prove_condition(condition.b, ctx)
    if isinstance(condition, Or):
        return prove_condition(condition.a, ctx) or prove_condition(condition.b, ctx)
    if isinstance(condition, Not):
        flipped = negate(condition.a)
        return flipped is not None and prove_condition(flipped, ctx)
    if isinstance(condition, NE):
        a, b = condition.a, condition.b
        return prove_condition(a < b, ctx) or prove_condition(a > b, ctx)
    if isinstance(condition, CmpOp) and condition.a.dtype.is_integer:
        return all(prove_nonneg(g, ctx) for g in condition_lins(condition))
    return False


def _select(atom: Select, ctx: Ctx) -> Iv:
    return select_interval(atom.condition, atom.true_value, atom.false_value, ctx)


def _if_then_else(atom: Call, ctx: Ctx) -> Iv:
    condition, then, other = atom.args
    return select_interval(condition, then, other, ctx)


def _signed(iv: Iv, ctx: Ctx) -> tuple[int, Iv] | None:
    """``(+1, iv)`` if ``iv >= 0``, ``(-1, -iv)`` if ``iv <= 0``, else ``None``."""
    if iv.lo is not None and prove_nonneg(iv.lo, ctx.facts):
        return 1, iv
    if iv.hi is not None and prove_nonneg(iv.hi.scale(-1), ctx.facts):
        lo = None if iv.hi is None else iv.hi.scale(-1)
        hi = None if iv.lo is None else iv.lo.scale(-1)
        return -1, Iv(lo, hi, iv.exact)
    return None


def _product(atom: Mul, ctx: Ctx) -> Iv:
    parts = factors(atom)
    ivs = [expr_interval(p, ctx) for p in parts]
    if all(iv.lo is not None and iv.hi is not None for iv in ivs):
        if all(iv.lo.is_const and iv.hi.is_const for iv in ivs):  # type: ignore[union-attr]
            return _const_product(ivs, _all_independent(parts, ctx))
    signed = [_signed(iv, ctx) for iv in ivs]
    if any(s is None or s[1].hi is None for s in signed):
        return UNBOUNDED
    sign, lo, hi = 1, const_lin(1), const_lin(1)
    for s, iv in signed:  # type: ignore[misc]
        sign, lo, hi = sign * s, lin_mul(lo, iv.lo), lin_mul(hi, iv.hi)
    exact = all(iv.exact for iv in ivs) and _all_independent(parts, ctx)
    return Iv(lo, hi, exact) if sign > 0 else Iv(hi.scale(-1), lo.scale(-1), exact)


def _const_product(ivs: list[Iv], independent: bool) -> Iv:
    lo = hi = 1
    for iv in ivs:
        corners = [x * y for x in (lo, hi) for y in (iv.lo.const, iv.hi.const)]  # type: ignore[union-attr]
        lo, hi = min(corners), max(corners)
    exact = independent and all(iv.exact for iv in ivs)
    return Iv(const_lin(lo), const_lin(hi), exact)


def _all_independent(parts: list[PrimExpr], ctx: Ctx) -> bool:
    return all(_independent(a, b, ctx) for i, a in enumerate(parts) for b in parts[i + 1 :])


def _cast(atom: Cast, ctx: Ctx) -> Iv:
    inner = atom.value
    if not (inner.dtype.is_integer and atom.dtype.is_integer):
        return UNBOUNDED
    iv = expr_interval(inner, ctx)
    low, high = atom.dtype.min_value(), atom.dtype.max_value()
    fits = (
        iv.lo is not None
        and iv.hi is not None
        and prove_nonneg(iv.lo.shift(-int(low)), ctx.facts)
        and prove_nonneg(iv.hi.scale(-1).shift(int(high)), ctx.facts)
    )
    return iv if fits else UNBOUNDED


def _shift_right(atom: Call, ctx: Ctx) -> Iv:
    amount = _const_value(atom.args[1])
    if amount is None or not 0 <= amount < 63:
        return UNBOUNDED
    return _floordiv_ends(expr_interval(atom.args[0], ctx), 1 << amount)


def _bitwise_and(atom: Call, ctx: Ctx) -> Iv:
    masks = [_const_value(a) for a in atom.args]
    known = [m for m in masks if m is not None and m >= 0]
    if not known:
        return UNBOUNDED
    return Iv(const_lin(0), const_lin(min(known)), False)


_RULES: dict[type, Callable[[Any, Ctx], Iv]] = {
    FloorDiv: _floordiv,
    FloorMod: _floormod,
    Div: _truncdiv,
    Mod: _truncmod,
    Min: _minmax,
    Max: _minmax,
    Select: _select,
    Mul: _product,
    Cast: _cast,
}

_CALL_RULES: dict[str, Callable[[Any, Ctx], Iv]] = {
    "if_then_else": _if_then_else,
    "shift_right": _shift_right,
    "bitwise_and": _bitwise_and,
}


from . import context as _context  # noqa: E402  (mutual: context -> engine -> rules)
