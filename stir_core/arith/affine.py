"""Linear forms: ``Lin`` = integer combination of *atoms* plus a constant.

An atom is any integer expression that is not a sum or a product by a constant: a ``Var``,
a ``FloorDiv``, a ``Min``, a product of two variables... ``linearize`` turns an expression
into a ``Lin`` (distributing products, folding constants, cancelling terms) and ``render``
turns a ``Lin`` back into the expression a person would write.

>>> render(linearize(i * 4 + j - i * 4 + 1))
j + 1
>>> render(linearize((i * 8 + j + 9) // 4))   # identity: i*8 and 8 leave the division
i * 2 + (j + 1) // 4 + 2

Atoms are identified by ``expr_key``: a structural key in which variables and buffers are
keyed by identity, so two ``FloorDiv(i, 4)`` built separately are the same atom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..ir import op
from ..ir.buffer import Buffer
from ..ir.dtype import DataType
from ..ir.expr import (
    Add,
    Cast,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    Let,
    Mul,
    PrimExpr,
    StringImm,
    Sub,
    Var,
)
from ..ir.functor import substitute
from ..ir.node import Node

Key = tuple[Any, ...]


def expr_key(node: Any) -> Any:
    """A hashable structural key; ``Var`` and ``Buffer`` are keyed by identity."""
    if isinstance(node, Var):
        return ("var", id(node))
    if isinstance(node, IntImm):
        return ("int", node.value)
    if isinstance(node, (FloatImm, StringImm)):
        return ("imm", node.dtype, node.value)
    if isinstance(node, Buffer):
        return ("buffer", id(node))
    if isinstance(node, Node):
        return (type(node).__name__, *(expr_key(v) for v in node.field_values()))
    if isinstance(node, tuple):
        return tuple(expr_key(v) for v in node)
    if isinstance(node, dict):
        return tuple(sorted((k, repr(v)) for k, v in node.items()))
    return node


class Lin:
    """``sum(coef * atom) + const`` with integer coefficients; treat as immutable."""

    __slots__ = ("const", "terms")

    def __init__(self, terms: dict[Any, tuple[PrimExpr, int]] | None = None, const: int = 0):
        self.terms: dict[Any, tuple[PrimExpr, int]] = terms if terms is not None else {}
        self.const = const

    @staticmethod
    def of_atom(atom: PrimExpr, coef: int = 1) -> Lin:
        return Lin({expr_key(atom): (atom, coef)}, 0)

    @property
    def is_const(self) -> bool:
        return not self.terms

    def items(self) -> Iterator[tuple[Any, PrimExpr, int]]:
        for key, (atom, coef) in self.terms.items():
            yield key, atom, coef

    def add(self, other: Lin, scale: int = 1) -> Lin:
        """``self + scale * other``."""
        terms = dict(self.terms)
        for key, atom, coef in other.items():
            total = terms.get(key, (atom, 0))[1] + scale * coef
            if total:
                terms[key] = (terms.get(key, (atom, 0))[0], total)
            else:
                terms.pop(key, None)
        return Lin(terms, self.const + scale * other.const)

    def sub(self, other: Lin) -> Lin:
        return self.add(other, -1)

    def scale(self, factor: int) -> Lin:
        if factor == 0:
            return Lin()
        return Lin({k: (a, c * factor) for k, a, c in self.items()}, self.const * factor)

    def shift(self, amount: int) -> Lin:
        return Lin(self.terms, self.const + amount)

    def without(self, key: Any) -> Lin:
        return Lin({k: v for k, v in self.terms.items() if k != key}, self.const)

    def coef_gcd(self) -> int:
        """gcd of the atom coefficients (0 for a constant)."""
        result = 0
        for _, _, coef in self.items():
            result = _gcd(result, coef)
        return result

    def key(self) -> Any:
        return (tuple(sorted((repr(k), c) for k, _, c in self.items())), self.const)

    def same(self, other: Lin) -> bool:
        return self.sub(other).is_const and self.const == other.const


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def const_lin(value: int) -> Lin:
    return Lin(None, value)


# ------------------------------------------------------------------------ linearize


def _is_int(expr: PrimExpr) -> bool:
    return expr.dtype.is_integer and expr.dtype.is_scalar


def linearize(expr: PrimExpr) -> Lin:
    """The linear form of an integer expression (non-linear parts become atoms)."""
    rule = _LINEAR_RULES.get(type(expr))
    if rule is not None:
        return rule(expr)
    return Lin.of_atom(canonical_atom(expr))


def _lin_int(expr: IntImm) -> Lin:
    return const_lin(int(expr.value))


def _lin_add(expr: Add) -> Lin:
    return linearize(expr.a).add(linearize(expr.b))


def _lin_sub(expr: Sub) -> Lin:
    return linearize(expr.a).sub(linearize(expr.b))


def _lin_mul(expr: Mul) -> Lin:
    return lin_mul(linearize(expr.a), linearize(expr.b))


def _lin_cast(expr: Cast) -> Lin:
    inner = expr.value
    if _is_int(inner) and _is_int(expr) and _widens(inner.dtype, expr.dtype):
        return linearize(inner)
    return Lin.of_atom(canonical_atom(expr))


def _widens(src: DataType, dst: DataType) -> bool:
    if src.kind is dst.kind:
        return dst.bits >= src.bits
    return src.is_uint and dst.is_int and dst.bits > src.bits


def _lin_let(expr: Let) -> Lin:
    return linearize(substitute(expr.body, {expr.var: expr.value}))


def _lin_floordiv(expr: FloorDiv) -> Lin:
    divisor = linearize(expr.b)
    if divisor.is_const and divisor.const > 0:
        return lin_floordiv_const(linearize(expr.a), divisor.const, expr.dtype)
    return Lin.of_atom(canonical_atom(expr))


def _lin_floormod(expr: FloorMod) -> Lin:
    divisor = linearize(expr.b)
    if divisor.is_const and divisor.const > 0:
        return lin_floormod_const(linearize(expr.a), divisor.const, expr.dtype)
    return Lin.of_atom(canonical_atom(expr))


_LINEAR_RULES: dict[type, Callable[[Any], Lin]] = {
    IntImm: _lin_int,
    Add: _lin_add,
    Sub: _lin_sub,
    Mul: _lin_mul,
    Cast: _lin_cast,
    Let: _lin_let,
    FloorDiv: _lin_floordiv,
    FloorMod: _lin_floormod,
}


def split_multiple(lin: Lin, divisor: int) -> tuple[Lin, Lin]:
    """``lin = divisor * quotient + rest`` with the coefficients and constant of ``rest`` in
    ``[0, divisor)``."""
    quotient: dict[Any, tuple[PrimExpr, int]] = {}
    rest: dict[Any, tuple[PrimExpr, int]] = {}
    for key, atom, coef in lin.items():
        high, low = divmod(coef, divisor)
        if high:
            quotient[key] = (atom, high)
        if low:
            rest[key] = (atom, low)
    high, low = divmod(lin.const, divisor)
    return Lin(quotient, high), Lin(rest, low)


def lin_floordiv_const(lin: Lin, divisor: int, dtype: DataType) -> Lin:
    """``lin // divisor`` (divisor > 0), pulling out the terms that are exact multiples
    and the multiples in the constant (other terms stay whole inside the division, so no
    atom is split in two correlated parts)."""
    quotient: dict[Any, tuple[PrimExpr, int]] = {}
    rest: dict[Any, tuple[PrimExpr, int]] = {}
    for key, atom, coef in lin.items():
        if coef % divisor:
            rest[key] = (atom, coef)
        else:
            quotient[key] = (atom, coef // divisor)
    high, low = divmod(lin.const, divisor)
    if not rest:
        return Lin(quotient, high)
    inner = render(Lin(rest, low), dtype)
    return Lin(quotient, high).add(Lin.of_atom(FloorDiv(dtype, inner, _c(divisor, dtype))))


def lin_floormod_const(lin: Lin, divisor: int, dtype: DataType) -> Lin:
    """``lin % divisor`` (divisor > 0), dropping every exact multiple."""
    _, rest = split_multiple(lin, divisor)
    if rest.is_const:
        return rest
    return Lin.of_atom(FloorMod(dtype, render(rest, dtype), _c(divisor, dtype)))


def lin_mul(a: Lin, b: Lin) -> Lin:
    """The product, expanded into monomial atoms (``(i + 1) * n -> i * n + n``)."""
    if b.is_const:
        return a.scale(b.const)
    if a.is_const:
        return b.scale(a.const)
    result = a.scale(b.const).add(b.scale(a.const)).shift(-a.const * b.const)
    for _, atom_a, coef_a in a.items():
        for _, atom_b, coef_b in b.items():
            result = result.add(Lin.of_atom(monomial(atom_a, atom_b), coef_a * coef_b))
    return result


def factors(atom: PrimExpr) -> list[PrimExpr]:
    """The factors of a monomial atom (``[atom]`` for anything else)."""
    if isinstance(atom, Mul):
        return factors(atom.a) + factors(atom.b)
    return [atom]


def monomial(a: PrimExpr, b: PrimExpr) -> PrimExpr:
    """The canonical product of two atoms."""
    return monomial_of(factors(a) + factors(b))


def monomial_of(parts: list[PrimExpr]) -> PrimExpr:
    """The canonical product of atoms (factors ordered by key)."""
    parts = sorted(parts, key=lambda f: repr(expr_key(f)))
    result = parts[0]
    for part in parts[1:]:
        result = op.mul(result, part)
    return result


def canonical_atom(expr: PrimExpr) -> PrimExpr:
    """``expr`` with every integer sub-expression in linear canonical form."""
    changes: dict[str, Any] = {}
    for name in expr._field_names:
        value = getattr(expr, name)
        if isinstance(value, PrimExpr):
            new = canonical(value)
        elif isinstance(value, tuple) and any(isinstance(v, PrimExpr) for v in value):
            new = tuple(canonical(v) if isinstance(v, PrimExpr) else v for v in value)
            new = value if all(x is y for x, y in zip(new, value, strict=True)) else new
        else:
            continue
        if new is not value:
            changes[name] = new
    return expr.replace(**changes) if changes else expr


def canonical(expr: PrimExpr) -> PrimExpr:
    """Integer expressions rendered from their linear form; others canonicalized inside."""
    if isinstance(expr, (Var, IntImm, FloatImm, StringImm)):
        return expr
    if _is_int(expr):
        return render(linearize(expr), expr.dtype)
    return canonical_atom(expr)


# --------------------------------------------------------------------------- render


def _c(value: int, dtype: DataType) -> PrimExpr:
    return op.const(value, dtype)


def _term(atom: PrimExpr, coef: int, dtype: DataType) -> PrimExpr:
    atom = op.cast(dtype, atom) if atom.dtype != dtype else atom
    return atom if coef == 1 else op.mul(atom, _c(coef, dtype))


def render(lin: Lin, dtype: DataType | str = "int32") -> PrimExpr:
    """The expression of ``lin`` in ``dtype``: positive terms first, constant last
    (``i * 4 + j - k + 3``, ``n - 1``, ``3 - i``)."""
    dtype = DataType(dtype)
    items = [(atom, coef) for _, atom, coef in lin.items()]
    positive = [item for item in items if item[1] > 0]
    negative = [item for item in items if item[1] < 0]
    if positive:
        result = _term(*positive[0], dtype)
        positive = positive[1:]
    elif lin.const > 0 or not negative:
        return _render_from_const(lin.const, negative, dtype)
    else:
        atom, coef = negative.pop(0)
        result = _term(atom, coef, dtype)
    for atom, coef in positive:
        result = op.add(result, _term(atom, coef, dtype))
    for atom, coef in negative:
        result = op.sub(result, _term(atom, -coef, dtype))
    if lin.const > 0:
        return op.add(result, _c(lin.const, dtype))
    if lin.const < 0:
        return op.sub(result, _c(-lin.const, dtype))
    return result


def _render_from_const(
    const: int, negative: list[tuple[PrimExpr, int]], dtype: DataType
) -> PrimExpr:
    result = _c(const, dtype)
    for atom, coef in negative:
        result = op.sub(result, _term(atom, -coef, dtype))
    return result
