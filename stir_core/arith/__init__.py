"""Exact integer bounds, access regions and simplification (replaces TVM's InferBound).

Public API (``domain`` is a ``Domain``, a ``{Var: Range}`` mapping or ``None``)::

    Domain(ranges, predicates=())          variable ranges + conditions that hold
    bound(expr, domain) -> Bound           Bound(min, max, exact), inclusive max
    region(accesses, domain) -> Region     per-dimension Range of the hull, exact flags
    simplify(expr, domain) -> PrimExpr     folds, normalises, drops proven guards/min/max
    can_prove(condition, domain) -> bool

Results are ``PrimExpr``s symbolic in the free variables (outer loops, shape variables),
written as a person would (``n - 1``, ``i * 4 + 3``). Answers are always sound; ``exact``
flags the ones proven tight. Affine forms, division and modulo by constants or positive
symbols, min/max, select/if_then_else and products of signed ranges are handled by
``engine.py``/``rules.py`` without sympy; sympy (``sympy_bridge.py``) proves the
polynomial inequalities left over.
"""

from .affine import Lin, linearize, render
from .bound import ArithTypeError, Bound, bound, can_prove, clear_caches, const_int_bound
from .domain import ArithError, Domain, DomainError, as_domain
from .region import Access, Region, RegionError, is_unbounded, region
from .simplify import simplify

__all__ = [
    "Access",
    "ArithError",
    "ArithTypeError",
    "Bound",
    "Domain",
    "DomainError",
    "Lin",
    "Region",
    "RegionError",
    "as_domain",
    "bound",
    "can_prove",
    "clear_caches",
    "const_int_bound",
    "linearize",
    "is_unbounded",
    "region",
    "render",
    "simplify",
]
