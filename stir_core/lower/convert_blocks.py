"""``convert_blocks``: remove ``BlockRealize``/``Block``, keeping only their computation.

Each block iter var is replaced by its iter value, a predicate other than ``True`` becomes
an ``IfThenElse`` around the body, and reads/writes/annotations are dropped. Runs after
``lower_init`` and ``alloc_buffers``, which empty ``init`` and ``alloc_buffers``.

Before::

    for i in range(10):
        with T.block("B"):
            T.where(i < 9)
            vi = T.axis.spatial(9, i)
            B[vi] = A[vi] + T.float32(1)

After::

    for i in range(10):
        if i < 9:
            B[i] = A[i] + T.float32(1)
"""

from __future__ import annotations

from ..ir import (
    Block,
    BlockRealize,
    IfThenElse,
    IntImm,
    IRMutator,
    PrimExpr,
    PrimFunc,
    Stmt,
    substitute,
)
from .errors import IterValueCountError, PassOrderError


def convert_blocks(func: PrimFunc) -> PrimFunc:
    """Replace every block by its body with iter vars bound to their iter values."""
    return func.replace(body=_ConvertBlocks().visit(func.body))


def is_const_true(expr: PrimExpr) -> bool:
    """``expr`` is the constant ``True`` (or a non-zero integer constant)."""
    return isinstance(expr, IntImm) and expr.value != 0


def _check_lowered(block: Block) -> None:
    if block.init is not None:
        raise PassOrderError(
            f"block {block.name_hint!r} still has an init: run lower_init before convert_blocks"
        )
    if block.alloc_buffers:
        names = ", ".join(buffer.name for buffer in block.alloc_buffers)
        raise PassOrderError(
            f"block {block.name_hint!r} still allocates {names}: run alloc_buffers before "
            "convert_blocks"
        )


def _check_iter_values(realize: BlockRealize) -> None:
    block = realize.block
    if len(realize.iter_values) != len(block.iter_vars):
        raise IterValueCountError(
            f"block {block.name_hint!r} has {len(block.iter_vars)} iter var(s) but its "
            f"realize binds {len(realize.iter_values)} value(s)"
        )


class _ConvertBlocks(IRMutator):
    def visit_BlockRealize(self, realize: BlockRealize) -> Stmt:
        block = realize.block
        _check_lowered(block)
        _check_iter_values(realize)
        bindings = {
            iv.var: value for iv, value in zip(block.iter_vars, realize.iter_values, strict=True)
        }
        body = substitute(self.visit(block.body), bindings)
        if is_const_true(realize.predicate):
            return body
        return IfThenElse(realize.predicate, body)
