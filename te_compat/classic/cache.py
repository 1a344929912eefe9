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


def _reader_stages(sch: Schedule, readers: Any) -> list[Stage]:
    items = readers if isinstance(readers, (list, tuple)) else [readers]
    return [item if isinstance(item, Stage) else sch[item] for item in items]


def cache_read(sch: Schedule, tensor: Tensor, scope: str, readers: Any) -> Tensor:
    """A ``scope`` copy of ``tensor`` read by ``readers`` instead (TVM's ``cache_read``)."""
    stages = _reader_stages(sch, readers)
    axis = tuple(copy_axis(iv, "") for iv in _plain_axes(tensor))
    body = tensor.load([iv.var for iv in axis])
    cache_op = ComputeOp(f"{tensor.op.name}.{scope}", "", {}, axis, (body,), (), [tensor])
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
    Given a list (``s.cache_write([C], "local")``, or every output of a multi-output stage
    ``s.cache_write([B0, B1], "local")``), returns a list, as TVM does."""
    tensors = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    if not tensors:
        raise CacheError("cache_write: no tensor given")
    stage = sch[tensors[0]]
    _check_all_outputs(stage, tensors)
    caches = _cache_write_stage(sch, stage, scope)
    return caches if isinstance(tensor, (list, tuple)) else caches[0]


def _check_all_outputs(stage: Stage, tensors: list[Tensor]) -> None:
    outputs = list(stage.op.outputs)
    given = [t.value_index if t.op is stage.op else -1 for t in tensors]
    if given != list(range(len(outputs))):
        raise CacheError(
            f"cache_write of stage {stage.op.name!r}: give all its outputs "
            f"({', '.join(t.name for t in outputs)}) in order, got "
            f"{', '.join(t.name for t in tensors)}"
        )


def _cache_write_stage(sch: Schedule, stage: Stage, scope: str) -> list[Tensor]:
    """The cache stage computing every output of ``stage``; ``stage`` copies them out."""
    if stage.records or stage.attach_type != "root":
        raise CacheError(
            f"cache_write of stage {stage.op.name!r}: call it before scheduling the stage "
            "(it already has loop transformations or an attach point)"
        )
    axis = tuple(copy_axis(iv, ".c") for iv in stage.axis)
    reduce_axis = tuple(copy_axis(iv, ".c") for iv in stage.reduce_axis)
    vmap = {
        old.var: new.var
        for old, new in zip(stage.axis + stage.reduce_axis, axis + reduce_axis, strict=True)
    }
    bodies = tuple(substitute(body, vmap) for body in stage.body)
    cache_op = ComputeOp(
        f"{stage.op.name}.{scope}", "", {}, axis, bodies, reduce_axis, stage.op.input_tensors
    )
    caches = list(cache_op.outputs)
    indices = list(range(len(caches)))
    copy_block = sch.sch.cache_write(stage.block, indices if len(indices) > 1 else 0, scope)
    new = Stage(sch, cache_op, stage.block)
    new.scope = scope
    sch.add_stage(new, before=stage)
    new.rebind_loops()
    stage.block, stage.reduce_axis = copy_block, ()
    stage.body = tuple(cache.load([iv.var for iv in stage.axis]) for cache in caches)
    stage.all_iter_vars = list(stage.axis)
    stage.leaf_iter_vars = list(stage.axis)
    stage.iter_index = list(range(len(stage.axis)))
    stage.rebind_loops()
    return caches


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
