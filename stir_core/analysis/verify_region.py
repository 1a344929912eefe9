"""Containment checks of ``verify`` with ``stir_core.arith`` (invariants 3 and 4).

A check fails only when arith's bound of the expression is exact and its ends cannot be
proven inside the allowed range: an expression arith cannot bound exactly is accepted (the
check never rejects valid IR because of a weak proof).

    iter value  i_0 * 4 + i_1 over i_0 < 32, i_1 < 4   where  i_0 * 4 + i_1 < 126
    bound [0, 125] (exact) inside the domain [0, 126) of v_i: accepted
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .. import arith
from ..ir.block import Block, BlockRealize
from ..ir.buffer import BufferRegion
from ..ir.expr import PrimExpr, Var
from ..ir.op import add, greater_equal, less
from ..ir.printer_scan import vars_in
from ..ir.range import Range

Fail = Callable[[str, object], None]


def outside(expr: PrimExpr, rng: Range, over: arith.Domain, facts: arith.Domain) -> bool:
    """Whether ``expr`` (its vars ranging ``over``) provably leaves ``rng`` for ``facts``."""
    found = arith.bound(expr, over)
    if not found.exact:
        return False
    low_ok = arith.can_prove(greater_equal(found.min, rng.min), facts)
    return not (low_ok and arith.can_prove(less(found.max, add(rng.min, rng.extent)), facts))


def check_binding(realize: BlockRealize, scope: Mapping[Var, Range], fail: Fail) -> None:
    """Invariant 3: each iter value lies in its iter var's domain where the predicate holds."""
    domain = arith.Domain(scope, predicates=[realize.predicate])
    for iv, value in zip(realize.block.iter_vars, realize.iter_values, strict=True):
        if outside(value, iv.dom, domain, domain):
            found = arith.bound(value, domain)
            fail(
                f"block {realize.block.name_hint!r}: iter value {value} of {iv.var.name} ranges "
                f"over [{found.min}, {found.max}], outside its domain [{iv.dom.min}, "
                f"{add(iv.dom.min, iv.dom.extent)})",
                realize,
            )


def check_region(
    block: Block,
    regions: tuple[BufferRegion, ...],
    indices: tuple[PrimExpr, ...],
    loops: Mapping[Var, Range],
    access: object,
    fail: Fail,
) -> None:
    """Invariant 4: the access at ``indices`` (inner ``loops``) lies in one of ``regions``."""
    if any(index.dtype.lanes != 1 for index in indices):
        return
    over = arith.Domain(loops)
    facts = arith.Domain({iv.var: iv.dom for iv in block.iter_vars})
    for region in regions:
        pairs = zip(indices, region.region, strict=True)
        if not any(outside(index, rng, over, facts) for index, rng in pairs):
            return
    name = regions[0].buffer.name
    fail(f"block {block.name_hint!r} accesses {name} outside its declared region of {name}", access)


def uses_only(indices: tuple[PrimExpr, ...], allowed: Mapping[int, Var]) -> bool:
    """Whether every variable of ``indices`` is one of ``allowed`` (by identity)."""
    return all(id(var) in allowed for var in vars_in(indices))
