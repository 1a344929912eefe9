"""Floor division of a linear form by a symbolic divisor (``(i * n + j) // n``).

Terms that are multiples of the divisor leave the division; the rest stays inside unless
its range proves the quotient constant:

>>> lin_floordiv_sym(linearize(m * n - 1), linearize(n), facts)   # n >= 1
m - 1
"""

from __future__ import annotations

from typing import Any

from ..ir.expr import FloorDiv, PrimExpr
from .affine import Lin, expr_key, factors, lin_floordiv_const, monomial_of, render
from .engine import Ctx, lin_dtype, prove_nonneg


def lin_floordiv_sym(lin: Lin, divisor: Lin, facts: Ctx) -> Lin:
    """``lin // divisor`` for a divisor provably >= 1 (free of the domain)."""
    if divisor.is_const:
        return lin_floordiv_const(lin, divisor.const, lin_dtype(lin))
    quotient, rest = _split(lin, divisor)
    if rest.is_const and rest.const == 0:
        return quotient
    upper = divisor.sub(rest).shift(-1)  # rest <= divisor - 1
    if prove_nonneg(rest, facts) and prove_nonneg(upper, facts):
        return quotient
    if prove_nonneg(rest.add(divisor), facts) and prove_nonneg(rest.scale(-1).shift(-1), facts):
        return quotient.shift(-1)
    dtype = lin_dtype(lin.add(divisor))
    atom = FloorDiv(dtype, render(rest, dtype), render(divisor, dtype))
    return quotient.add(Lin.of_atom(atom))


def _split(lin: Lin, divisor: Lin) -> tuple[Lin, Lin]:
    """``lin = divisor * quotient + rest`` taking out the monomials that contain the
    divisor (a single atom with coefficient 1 and no constant)."""
    if divisor.const != 0 or len(divisor.terms) != 1:
        return Lin(), lin
    d_key, _d_atom, d_coef = next(iter(divisor.items()))
    if d_coef != 1:
        return Lin(), lin
    quotient, rest = Lin(), Lin(None, lin.const)
    for key, atom, coef in lin.items():
        other = _without_factor(atom, d_key)
        if other is None:
            rest = rest.add(Lin({key: (atom, coef)}))
        else:
            quotient = quotient.add(other.scale(coef))
    return quotient, rest


def _without_factor(atom: PrimExpr, d_key: Any) -> Lin | None:
    parts = factors(atom)
    keys = [expr_key(p) for p in parts]
    if d_key not in keys:
        return None
    del parts[keys.index(d_key)]
    if not parts:
        return Lin(None, 1)
    return Lin.of_atom(monomial_of(parts))
