"""``Domain``: the ranges of loop / iter variables plus predicates that hold on them.

>>> Domain({i: Range.from_min_extent(0, (n + 3) // 4), j: Range.from_min_extent(0, 4)},
...        predicates=[i * 4 + j < n])

Variables not in ``ranges`` are *free*: bounds stay symbolic in them (outer loops, shape
variables). A ``SizeVar`` is known to be non-negative; every extent is assumed to be at
least 1 (an empty loop touches nothing, so any answer is sound for it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UserError
from ..ir import op
from ..ir.expr import PrimExpr, Var
from ..ir.range import Range
from .affine import expr_key


class ArithError(UserError):
    """Base class of the errors of ``stir_core.arith``."""


class DomainError(ArithError, TypeError):
    """A domain was given something that is not a variable, a range or a predicate."""


class Domain:
    """Ranges of variables and predicates; immutable (``bind``/``with_predicates`` copy)."""

    __slots__ = ("_key", "predicates", "ranges")

    def __init__(
        self, ranges: Mapping[Var, Range] | None = None, predicates: Iterable[Any] = ()
    ) -> None:
        self.ranges: dict[Var, Range] = {}
        for var, rng in (ranges or {}).items():
            self.ranges[_check_var(var)] = _check_range(var, rng)
        self.predicates: tuple[PrimExpr, ...] = tuple(_check_predicate(p) for p in predicates)
        self._key: Any = None

    def bind(self, var: Var, rng: Range) -> Domain:
        """A copy with ``var`` ranging over ``rng``."""
        return Domain({**self.ranges, var: rng}, self.predicates)

    def with_predicates(self, predicates: Iterable[Any]) -> Domain:
        """A copy that also assumes ``predicates``."""
        return Domain(self.ranges, (*self.predicates, *predicates))

    def key(self) -> Any:
        """A structural key (variables by identity), for caches."""
        if self._key is None:
            ranges = tuple(
                (id(v), expr_key(r.min), expr_key(r.extent)) for v, r in self.ranges.items()
            )
            self._key = (ranges, tuple(expr_key(p) for p in self.predicates))
        return self._key

    def __repr__(self) -> str:
        parts = [f"{v.name}: [{r.min}, {r.min} + {r.extent})" for v, r in self.ranges.items()]
        parts += [str(p) for p in self.predicates]
        return "Domain(" + ", ".join(parts) + ")"


def _check_var(var: Any) -> Var:
    as_expr = getattr(var, "as_prim_expr", None)  # an IterVar stands for its var
    var = as_expr() if as_expr is not None else var
    if not isinstance(var, Var):
        raise DomainError(f"domain keys must be variables, got {var!r}")
    if not (var.dtype.is_integer and var.dtype.is_scalar):
        raise DomainError(f"domain variable {var.name} must be a scalar integer, not {var.dtype}")
    return var


def _check_range(var: Any, rng: Any) -> Range:
    if not isinstance(rng, Range):
        raise DomainError(f"the domain of {var} must be a Range, got {rng!r}")
    for part in (rng.min, rng.extent):
        if not (part.dtype.is_integer and part.dtype.is_scalar):
            raise DomainError(f"the range of {var} has a non-integer bound {part}")
    return rng


def _check_predicate(predicate: Any) -> PrimExpr:
    expr = op.convert(predicate)
    if not expr.dtype.is_bool:
        raise DomainError(f"a domain predicate must be a boolean expression, got {expr}")
    return expr


def as_domain(domain: Domain | Mapping[Var, Range] | None) -> Domain:
    """Accept a ``Domain``, a ``{var: Range}`` mapping or ``None``."""
    if domain is None:
        return Domain()
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, Mapping):
        return Domain(domain)
    raise DomainError(f"expected a Domain or a mapping of Var to Range, got {domain!r}")
