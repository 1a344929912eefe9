"""``tvm.arith``: ``Analyzer``, ``IntervalSet``, ``ConstIntBound``, answered by
``stir_core.arith`` (exact, sympy-backed bounds).

>>> ana = tvm.arith.Analyzer()
>>> ana.bind(i, tvm.ir.Range(0, 16))
>>> ana.simplify((i * 4 + 3) // 4)
i
>>> s = ana.int_set(i * 4 + j, {j: tvm.arith.IntervalSet(0, 3)})
>>> s.min_value, s.max_value
(0, 63)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from stir_core import arith
from stir_core.arith.domain import ArithError
from stir_core.ir import PrimExpr, Range, Var, op, substitute


class AnalyzerBindError(ArithError, TypeError):
    """``Analyzer.bind``/``int_set`` got something that is not a Range, IntervalSet or
    expression."""


@dataclass(frozen=True)
class ConstIntBound:
    """Constant bounds (TVM's ``arith.ConstIntBound``); infinities are ``POS_INF``/``NEG_INF``."""

    min_value: int
    max_value: int

    POS_INF = (1 << 63) - 1
    NEG_INF = -POS_INF


@dataclass(frozen=True)
class ModularSet:
    """``coeff * k + base`` (TVM's ``arith.ModularSet``)."""

    coeff: int
    base: int


class IntervalSet:
    """``[min_value, max_value]`` (inclusive), TVM's ``arith.IntervalSet``."""

    def __init__(self, min_value: Any, max_value: Any, exact: bool = True) -> None:
        self.min_value: PrimExpr = op.convert(min_value)
        self.max_value: PrimExpr = op.convert(max_value)
        self.exact = exact

    def to_range(self) -> Range:
        extent = arith.simplify(op.add(op.sub(self.max_value, self.min_value), 1))
        return Range(self.min_value, extent)

    def is_nothing(self) -> bool:
        return arith.can_prove(op.less(self.max_value, self.min_value))

    def is_single_point(self) -> bool:
        return arith.can_prove(op.equal(self.max_value, self.min_value))

    def __repr__(self) -> str:
        return f"IntervalSet[{self.min_value}, {self.max_value}]"


def _as_range(value: Any) -> Range:
    if isinstance(value, Range):
        return value
    if isinstance(value, IntervalSet):
        return value.to_range()
    dom = getattr(value, "dom", None)  # an IterVar
    if isinstance(dom, Range):
        return dom
    raise AnalyzerBindError(f"expected a Range or IntervalSet, got {value!r}")


def _as_var(var: Any) -> Var:
    as_expr = getattr(var, "as_prim_expr", None)
    var = as_expr() if as_expr is not None else var
    if not isinstance(var, Var):
        raise AnalyzerBindError(f"expected a variable, got {var!r}")
    return var


class Analyzer:
    """TVM's ``arith.Analyzer``: variable ranges and constraints, then queries."""

    def __init__(self) -> None:
        self._ranges: dict[Var, Range] = {}
        self._values: dict[Var, PrimExpr] = {}
        self._constraints: list[PrimExpr] = []

    # ------------------------------------------------------------ knowledge

    def bind(self, var: Any, value: Any, allow_override: bool = False) -> None:
        """``var`` ranges over a ``Range``/``IntervalSet``, or equals an expression."""
        var = _as_var(var)
        if isinstance(value, (Range, IntervalSet)) or hasattr(value, "dom"):
            self._ranges[var] = _as_range(value)
        else:
            self._values[var] = op.convert(value)

    def update(self, var: Any, info: Any, override: bool = False) -> None:
        self.bind(var, info, allow_override=override)

    @contextmanager
    def constraint_scope(self, constraint: Any) -> Iterator[None]:
        """``with analyzer.constraint_scope(i < n):`` assume ``constraint`` inside."""
        self._constraints.append(op.convert(constraint))
        try:
            yield
        finally:
            self._constraints.pop()

    def _domain(self, dom_map: Mapping[Any, Any] | None = None) -> arith.Domain:
        ranges = dict(self._ranges)
        for var, value in (dom_map or {}).items():
            ranges[_as_var(var)] = _as_range(value)
        return arith.Domain(ranges, self._constraints)

    def _prepare(self, expr: Any) -> PrimExpr:
        return substitute(op.convert(expr), self._values)

    # --------------------------------------------------------------- queries

    def simplify(self, expr: Any, steps: int = 2) -> PrimExpr:
        return arith.simplify(self._prepare(expr), self._domain())

    rewrite_simplify = simplify
    canonical_simplify = simplify

    def int_set(self, expr: Any, dom_map: Mapping[Any, Any] | None = None) -> IntervalSet:
        """The interval of ``expr`` as the bound and mapped variables vary."""
        found = arith.bound(self._prepare(expr), self._domain(dom_map))
        return IntervalSet(found.min, found.max, found.exact)

    def const_int_bound(self, expr: Any) -> ConstIntBound:
        low, high = arith.const_int_bound(self._prepare(expr), self._domain())
        return ConstIntBound(
            ConstIntBound.NEG_INF if low is None else low,
            ConstIntBound.POS_INF if high is None else high,
        )

    def modular_set(self, expr: Any) -> ModularSet:
        lin = arith.linearize(self._prepare(expr))
        coeff = lin.coef_gcd()
        return ModularSet(coeff, lin.const % coeff if coeff else lin.const)

    def can_prove(self, cond: Any, strength: Any = None) -> bool:
        return arith.can_prove(self._prepare(cond), self._domain())

    def can_prove_equal(self, a: Any, b: Any) -> bool:
        return self.can_prove(op.equal(a, b))


def int_set(expr: Any, dom_map: Mapping[Any, Any] | None = None) -> IntervalSet:
    """``tvm.arith`` module-level helper: ``Analyzer().int_set(expr, dom_map)``."""
    return Analyzer().int_set(expr, dom_map)


__all__ = [
    "Analyzer",
    "AnalyzerBindError",
    "ConstIntBound",
    "IntervalSet",
    "ModularSet",
    "int_set",
]
