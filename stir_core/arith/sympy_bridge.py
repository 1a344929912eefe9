"""The sympy side: conversion both ways and the polynomial positivity check.

Sympy runs only past the fast paths, for products of symbols (``m * n - n >= 0`` given
``m, n >= 1``). Each stir ``Var`` maps to its own ``Symbol`` (unique name, ``integer=True``,
``nonnegative=True`` for a ``SizeVar``): identity, not the name, decides which symbol.

>>> symbols = SymbolMap()
>>> to_sympy((i * 4 + j) // 4, symbols)
floor(i_0 + j_1/4)
>>> from_sympy(to_sympy(n - 1, symbols), symbols)
n - 1
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import sympy

from ..errors import InternalError
from ..ir import op
from ..ir.dtype import DataType
from ..ir.expr import (
    Add,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Mul,
    PrimExpr,
    SizeVar,
    Sub,
    Var,
)
from .affine import Lin, expr_key, factors


class SymbolMap:
    """A two-way map between stir atoms (by ``expr_key``) and sympy symbols."""

    def __init__(self) -> None:
        self.by_key: dict[Any, sympy.Symbol] = {}
        self.by_symbol: dict[sympy.Symbol, PrimExpr] = {}

    def symbol(self, atom: PrimExpr, nonnegative: bool = False) -> sympy.Symbol:
        key = expr_key(atom)
        found = self.by_key.get(key)
        if found is None:
            name = atom.name if isinstance(atom, Var) else "t"
            nonneg = nonnegative or isinstance(atom, SizeVar) or atom.dtype.is_uint
            found = sympy.Symbol(f"{name}_{len(self.by_key)}", integer=True, nonnegative=nonneg)
            self.by_key[key] = found
            self.by_symbol[found] = atom
        return found


_TO_SYMPY: dict[type, Callable[[Any, Callable[[PrimExpr], Any]], Any]] = {
    Add: lambda e, f: f(e.a) + f(e.b),
    Sub: lambda e, f: f(e.a) - f(e.b),
    Mul: lambda e, f: f(e.a) * f(e.b),
    FloorDiv: lambda e, f: sympy.floor(f(e.a) / f(e.b)),
    FloorMod: lambda e, f: sympy.Mod(f(e.a), f(e.b)),
    Min: lambda e, f: sympy.Min(f(e.a), f(e.b)),
    Max: lambda e, f: sympy.Max(f(e.a), f(e.b)),
    IntImm: lambda e, f: sympy.Integer(e.value),
}


def to_sympy(expr: PrimExpr, symbols: SymbolMap) -> Any:
    """The sympy expression of an integer expression; unknown parts become symbols."""
    rule = _TO_SYMPY.get(type(expr))
    if rule is None:
        return symbols.symbol(expr)
    return rule(expr, lambda e: to_sympy(e, symbols))


def from_sympy(value: Any, symbols: SymbolMap, dtype: DataType | str = "int32") -> PrimExpr:
    """Back to a stir expression (integer sums, products, floor, Mod, Min, Max)."""
    dtype = DataType(dtype)
    back = _FROM_SYMPY.get(value.func) if not value.is_Symbol else None
    if value.is_Symbol:
        return symbols.by_symbol[value]
    if value.is_Integer:
        return op.const(int(value), dtype)
    if back is None:
        raise InternalError(f"cannot convert the sympy expression {value} back to stir IR")
    return back(value, lambda v: from_sympy(v, symbols, dtype))


def _from_floor(value: Any, convert: Callable[[Any], PrimExpr]) -> PrimExpr:
    numerator, denominator = sympy.fraction(sympy.together(value.args[0]))
    return op.floordiv(convert(numerator), convert(denominator))


_FROM_SYMPY: dict[Any, Callable[[Any, Callable[[Any], PrimExpr]], PrimExpr]] = {
    sympy.Add: lambda v, f: reduce(op.add, [f(a) for a in v.args]),
    sympy.Mul: lambda v, f: reduce(op.mul, [f(a) for a in v.args]),
    sympy.floor: _from_floor,
    sympy.Mod: lambda v, f: op.floormod(f(v.args[0]), f(v.args[1])),
    sympy.Min: lambda v, f: reduce(op.minimum, [f(a) for a in v.args]),
    sympy.Max: lambda v, f: reduce(op.maximum, [f(a) for a in v.args]),
}

_shift_cache: dict[Any, bool] = {}


def nonneg_by_shift(lin: Lin, low: Callable[[Any, PrimExpr], int | None]) -> bool:
    """Whether a polynomial is non-negative given constant lower bounds of its factors:
    write each factor as ``low + s`` with ``s >= 0``, expand, and check that every
    coefficient is non-negative. Only used for forms with products (else ``False``)."""
    if not any(isinstance(atom, Mul) for _, atom, _ in lin.items()):
        return False
    symbols = SymbolMap()
    lows: dict[Any, int] = {}
    total = sympy.Integer(lin.const)
    for _, atom, coef in lin.items():
        term = sympy.Integer(coef)
        for factor in factors(atom):
            key = expr_key(factor)
            if key not in lows:
                found = low(key, factor)
                if found is None:
                    return False
                lows[key] = found
            term *= lows[key] + symbols.symbol(factor, nonnegative=True)
        total += term
    cache_key = (lin.key(), tuple(sorted((repr(k), v) for k, v in lows.items())))
    if cache_key not in _shift_cache:
        poly = sympy.Poly(sympy.expand(total), *symbols.by_symbol)
        _shift_cache[cache_key] = all(c >= 0 for c in poly.coeffs())
    return _shift_cache[cache_key]
