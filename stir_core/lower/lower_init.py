"""``lower_init``: a block's reduction ``init`` becomes a guarded statement of its body.

TVM's ``LowerInitBlock``. The init runs at the first step of the reduction, i.e. where
every reduction iter var equals the minimum of its domain; the block stays a block.

Before::

    with T.block("C"):
        vi, vk = T.axis.remap("SR", [i, k])
        with T.init():
            C[vi] = T.float32(0)
        C[vi] = C[vi] + A[vi, vk]

After::

    with T.block("C"):
        vi, vk = T.axis.remap("SR", [i, k])
        if vk == 0:
            C[vi] = T.float32(0)
        C[vi] = C[vi] + A[vi, vk]
"""

from __future__ import annotations

from functools import reduce

from ..ir import Block, IfThenElse, IRMutator, IterType, PrimExpr, PrimFunc, seq
from ..ir.op import equal, logical_and
from .errors import InitWithoutReductionError


def lower_init(func: PrimFunc) -> PrimFunc:
    """Replace every block ``init`` by ``if <first reduction step>: init`` before the body."""
    return func.replace(body=_LowerInit().visit(func.body))


def first_reduction_step(block: Block) -> PrimExpr:
    """``rv0 == min0 and rv1 == min1 ...`` over the block's reduction iter vars."""
    conditions = [
        equal(iv.var, iv.dom.min) for iv in block.iter_vars if iv.iter_type is IterType.COMM_REDUCE
    ]
    if not conditions:
        raise InitWithoutReductionError(
            f"block {block.name_hint!r} has an init but no reduction iter var"
        )
    return reduce(logical_and, conditions)


class _LowerInit(IRMutator):
    def visit_Block(self, block: Block) -> Block:
        block = self.generic_visit(block)
        if block.init is None:
            return block
        guarded = IfThenElse(first_reduction_step(block), block.init)
        return block.replace(init=None, body=seq([guarded, block.body]))
