"""Blocks: the unit of scheduling in S-TIR.

A ``BlockRealize`` places a ``Block`` in a loop nest: it binds each block iter var to an
``iter_value`` (an expression of the surrounding loop variables) and runs the block only where
``predicate`` holds. The block itself is self-contained: its body refers only to its own iter
vars (never to outer loop variables), and it declares what it touches.

S-TIR invariants (checked by ``verify``):

1. Every function body is one ``BlockRealize`` of the root block (``name_hint == "root"``,
   no iter vars); intermediate buffers are the root block's (or an inner block's)
   ``alloc_buffers``.
2. A block's body and init use only its iter vars, variables bound inside the block, and
   shape variables of the function; never the loop variables outside it.
3. ``len(iter_values) == len(block.iter_vars)``; each iter value has its iter var's dtype
   and lies in the iter var's domain for every point of the loops around it where the
   predicate holds.
4. ``reads``/``writes`` cover every load/store of the body and init (as regions over the
   iter vars' domains).
5. ``init`` is present only in blocks with at least one reduction (``IterType.REDUCE``) iter
   var; spatial iter values do not depend on the loops bound to reduction iter vars.
6. Loop variables and block iter vars are each defined once; every buffer used is a
   parameter of the function or allocated by an enclosing block.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from .buffer import Buffer, BufferRegion
from .expr import ExprOp, PrimExpr, Var
from .node import Node, ir_node
from .op import const
from .range import Range
from .stmt import Stmt


class IterType(enum.Enum):
    """TVM's IterVar types: spatial (``S``, data parallel), reduction (``R``), and the
    classic-TE kinds kept for ``te_compat`` (ordered, opaque, unrolled, vectorized...)."""

    DATA_PAR = 0
    THREAD_INDEX = 1
    COMM_REDUCE = 2
    ORDERED = 3
    OPAQUE = 4
    UNROLLED = 5
    VECTORIZED = 6
    PARALLELIZED = 7
    TENSORIZED = 8

    @property
    def letter(self) -> str:
        return {IterType.DATA_PAR: "S", IterType.COMM_REDUCE: "R"}.get(self, "O")


SPATIAL = IterType.DATA_PAR
REDUCE = IterType.COMM_REDUCE


@ir_node
class IterVar(Node, ExprOp):
    """A variable with its domain and kind (TVM's ``tir.IterVar``).

    It takes part in arithmetic as its ``var``: ``k * 2`` where ``k = te.reduce_axis(...)``.
    """

    var: Var
    dom: Range
    iter_type: IterType = IterType.DATA_PAR
    thread_tag: str = ""

    def as_prim_expr(self) -> Var:
        return self.var

    __hash__ = object.__hash__
    __eq__ = ExprOp.__eq__
    __ne__ = ExprOp.__ne__


@ir_node
class Block(Stmt):
    """See the module docstring for the invariants."""

    name_hint: str
    iter_vars: tuple[IterVar, ...]
    reads: tuple[BufferRegion, ...]
    writes: tuple[BufferRegion, ...]
    body: Stmt
    init: Stmt | None = None
    alloc_buffers: tuple[Buffer, ...] = ()
    annotations: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_reduction(self) -> bool:
        return any(iv.iter_type is IterType.COMM_REDUCE for iv in self.iter_vars)


@ir_node
class BlockRealize(Stmt):
    iter_values: tuple[PrimExpr, ...]
    predicate: PrimExpr
    block: Block


def realize(
    block: Block, iter_values: tuple[PrimExpr, ...] = (), predicate: Any = True
) -> BlockRealize:
    """A ``BlockRealize`` of ``block`` (predicate ``True`` unless given)."""
    cond = const(True) if predicate is True else predicate
    return BlockRealize(tuple(iter_values), cond, block)
