"""``s.cache_read`` / ``s.cache_write`` / ``s.rfactor``: new stages, as classic TVM made them.

Each calls the S-TIR primitive (``cache_read``, ``cache_write``, ``rfactor``) and builds the
classic view of the result: a new operation and stage (``A.shared``, ``C.local``, ``B.rf``)
whose axes are fresh IterVars mapped to the new block's loops, and the rewritten bodies of
the stages it touches (readers read the cache; the cached stage copies from it).

>>> AA = s.cache_read(A, "shared", [C])       # sch.cache_read(C, <A's index>, "shared")
>>> CC = s.cache_write(C, "local")            # sch.cache_write(C, 0, "local")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stir_core.errors import UserError
from stir_core.ir import BufferLoad, IRMutator, IterVar, PrimExpr, Range, Var, op, substitute

from ..te.tensor import ComputeOp, Tensor
from .itervar import copy_axis
from .stage import Stage

if TYPE_CHECKING:
    from .schedule import Schedule


class CacheError(UserError, ValueError):
    """``cache_read``/``cache_write`` asked for something classic TVM refused too."""


class _Redirect(IRMutator):
    """Loads of ``old`` become loads of ``new`` (same indices)."""

    def __init__(self, old: Tensor, new: Tensor) -> None:
        self.old, self.new = old.buffer, new

    def visit_BufferLoad(self, node: BufferLoad) -> PrimExpr:
        node = self.generic_visit(node)
        return self.new.load(node.indices) if node.buffer is self.old else node


def _cache_op(
    name: str,
    axis: tuple[IterVar, ...],
    body: PrimExpr,
    inputs: list[Tensor],
    reduce_axis: tuple[IterVar, ...] = (),
) -> ComputeOp:
    return ComputeOp(name, "", {}, axis, (body,), reduce_axis, inputs)


def _reader_stages(sch: Schedule, readers: Any) -> list[Stage]:
    items = readers if isinstance(readers, (list, tuple)) else [readers]
    return [item if isinstance(item, Stage) else sch[item] for item in items]


def cache_read(sch: Schedule, tensor: Tensor, scope: str, readers: Any) -> Tensor:
    """A ``scope`` copy of ``tensor`` read by ``readers`` instead (TVM's ``cache_read``)."""
    stages = _reader_stages(sch, readers)
    axis = tuple(copy_axis(iv, "") for iv in _plain_axes(tensor))
    cache_op = _cache_op(
        f"{tensor.op.name}.{scope}", axis, tensor.load([iv.var for iv in axis]), [tensor]
    )
    cache = cache_op.output(0)
    first = stages[0]
    index = _read_index(sch, first, tensor)
    block = sch.sch.cache_read(first.block, index, scope, [s.block for s in stages])
    for stage in stages:
        stage.body = tuple(_Redirect(tensor, cache).visit(b) for b in stage.body)
    new = Stage(sch, cache_op, block)
    new.scope = scope
    sch.add_stage(new, before=min(stages, key=sch.stages.index))
    new.rebind_loops()
    return cache


def cache_write(
    sch: Schedule, tensor: Tensor | Sequence[Tensor], scope: str
) -> Tensor | list[Tensor]:
    """Compute ``tensor``'s stage into a ``scope`` buffer, then copy it out (TVM's
    ``cache_write``); the original stage becomes the copy, the returned tensor the compute.
    Given a list (``s.cache_write([C], "local")``), returns a list, as TVM does."""
    if isinstance(tensor, (list, tuple)):
        if len(tensor) != 1:
            raise CacheError(
                f"cache_write of {len(tensor)} outputs of one stage is not supported yet: "
                "S-TIR's cache_write and compute_at handle blocks writing one buffer"
            )
        return [_cache_write_one(sch, tensor[0], scope)]
    return _cache_write_one(sch, tensor, scope)


def _cache_write_one(sch: Schedule, tensor: Tensor, scope: str) -> Tensor:
    stage = sch[tensor]
    if stage.records or stage.attach_type != "root":
        raise CacheError(
            f"cache_write of {tensor.name!r}: call it before scheduling the stage (it already "
            "has loop transformations or an attach point)"
        )
    axis = tuple(copy_axis(iv, ".c") for iv in stage.axis)
    reduce_axis = tuple(copy_axis(iv, ".c") for iv in stage.reduce_axis)
    vmap = {
        old.var: new.var
        for old, new in zip(stage.axis + stage.reduce_axis, axis + reduce_axis, strict=True)
    }
    body = substitute(stage.body[tensor.value_index], vmap)
    cache_op = _cache_op(
        f"{stage.op.name}.{scope}", axis, body, stage.op.input_tensors, reduce_axis
    )
    cache = cache_op.output(0)
    copy_block = sch.sch.cache_write(stage.block, 0, scope)
    new = Stage(sch, cache_op, stage.block)
    new.scope = scope
    sch.add_stage(new, before=stage)
    new.rebind_loops()
    stage.block, stage.reduce_axis = copy_block, ()
    stage.body = (cache.load([iv.var for iv in stage.axis]),)
    stage.all_iter_vars = list(stage.axis)
    stage.leaf_iter_vars = list(stage.axis)
    stage.iter_index = list(range(len(stage.axis)))
    stage.rebind_loops()
    return cache


def _plain_axes(tensor: Tensor) -> list[IterVar]:
    return [
        IterVar(Var(f"ax{k}", d.dtype), Range(op.const(0, d.dtype), d))
        for k, d in enumerate(tensor.shape)
    ]


def _read_index(sch: Schedule, stage: Stage, tensor: Tensor) -> int:
    block = sch.sch.get(stage.block)
    for index, region in enumerate(block.reads):
        if region.buffer is tensor.buffer:
            return index
    raise CacheError(f"cache_read: stage {stage.op.name!r} does not read {tensor.name!r}")
