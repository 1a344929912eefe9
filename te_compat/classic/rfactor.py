"""``s.rfactor(B, ki, factor_axis=0)``: a reduction split into a partial-reduction stage.

Classic TVM (``Schedule::rfactor``) made a new stage ``B.rf`` whose axes are ``B``'s axes
with the factored reduction leaf ``ki`` inserted at ``factor_axis`` as a data-parallel axis,
reducing over the other leaves derived from the same reduction axis (``ko``) and the
untouched reduction axes; ``B``'s stage became ``B.repl``, reducing ``B.rf`` over ``ki.v``.
Here ``sch.rfactor(loop_of_ki, factor_axis)`` does the same on S-TIR, then the loops of
both blocks are put in the classic order (axes, then reduction axes)::

    k = te.reduce_axis((0, m), "k")                 for i, k_1, k_0 ...:  B_rf[k_1, i] += ...
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k))
    ko, ki = s[B].split(k, factor=16)        ->     for k_1, i, k_0 in T.grid(16, n, ...):
    BF = s.rfactor(B, ki)                               B_rf[k_1, i] += A[i, k_0 * 16 + k_1]
                                                    for i, k_1 in T.grid(n, 16):
                                                        B[i] += B_rf[k_1, i]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stir_core import arith
from stir_core.errors import UserError
from stir_core.ir import IterType, IterVar, PrimExpr, Range, Var, op, substitute
from stir_core.schedule import LoopRV, ScheduleError

from ..te.reduce import Reduce
from ..te.tensor import ComputeOp, Tensor
from .itervar import Fuse, LoopMap, Split, contains
from .loops import LoopRecord
from .stage import Stage

if TYPE_CHECKING:
    from .schedule import Schedule


class RFactorError(UserError, ValueError):
    """``rfactor`` was asked for something classic TVM (or this port) refuses."""


def rfactor(
    sch: Schedule, tensor: Tensor, axis: IterVar, factor_axis: int = 0
) -> Tensor | list[Tensor]:
    """The factored tensor(s) of ``tensor``'s reduction over the leaf ``axis``."""
    stage = sch[tensor]
    reduce_op = _check(stage, axis)
    touched = _touched(stage, axis)
    extents = _leaf_extents(stage)
    ndim = len(stage.axis)
    position = factor_axis if factor_axis >= 0 else ndim + 1 + factor_axis
    if not 0 <= position <= ndim:
        raise RFactorError(
            f"rfactor of {tensor.name!r}: factor_axis {factor_axis} is out of range for {ndim} axes"
        )
    leaves = list(stage.leaf_iter_vars)
    factor_op, sources = _factor_op(stage, reduce_op, axis, touched, extents, position)
    try:
        rf_block = sch.sch.rfactor(stage.loops[axis], position) if stage.in_stir else None
    except ScheduleError as err:
        # Kept for the bounds comparison; lower/build report it (Schedule.to_prim_func).
        sch.failures.append(f"rfactor of stage {stage.op.name!r}: {err}")
        rf_block = None
    factor_stage = Stage(sch, factor_op, rf_block or stage.block)
    sch.add_stage(factor_stage, before=stage)
    kept = [iv for iv in leaves if iv is axis or iv.iter_type is IterType.DATA_PAR]
    wb_loops = dict(zip(kept, _innermost(sch, stage.block, len(kept)), strict=True))
    _revamp(sch, stage, reduce_op, factor_op, axis, extents[axis], position)
    if rf_block is None:
        factor_stage.in_stir = stage.in_stir = False
        stage.loops = LoopMap(stage.op.name)
    else:
        rf_loops = dict(zip(leaves, _innermost(sch, rf_block, len(leaves)), strict=True))
        factor_stage.adopt_loops([rf_loops[iv] for iv in sources])
        stage.adopt_loops([wb_loops[iv] for iv in [*_spatial(leaves), axis]])
        factor_stage.bind_iter_index()
        stage.bind_iter_index()
    outputs = list(factor_op.outputs)
    return outputs[0] if len(outputs) == 1 else outputs


def _check(stage: Stage, axis: IterVar) -> Reduce:
    name = stage.op.name
    if not isinstance(axis, IterVar) or not contains(stage.leaf_iter_vars, axis):
        raise RFactorError(f"rfactor of {name!r}: the axis is not a leaf IterVar of the stage")
    if axis.iter_type is not IterType.COMM_REDUCE:
        raise RFactorError(
            f"rfactor of {name!r}: {axis.var.name!r} is not a reduction axis (can only factor "
            "reduction axes)"
        )
    body = stage.body[0] if stage.body else None
    if not isinstance(body, Reduce):
        raise RFactorError(f"rfactor of {name!r}: the stage is not a reduction")
    if any(isinstance(r, LoopRecord) for r in stage.records):
        raise RFactorError(
            f"rfactor of {name!r}: call it before parallel/vectorize/unroll/bind/pragma of the "
            "stage (classic TVM drops them)"
        )
    spatial_touched = [r for r in stage.relations if _parent_of(r).iter_type is IterType.DATA_PAR]
    if spatial_touched:
        raise RFactorError(
            f"rfactor of {name!r}: split/fuse the data-parallel axes after rfactor (classic "
            "TVM resets the stage's relations)"
        )
    return body


def _parent_of(rel: Split | Fuse) -> IterVar:
    return rel.parent if isinstance(rel, Split) else rel.outer


def _touched(stage: Stage, axis: IterVar) -> list[IterVar]:
    """``PassUpBitMaskOr`` then ``PassDownBitMaskOr`` from ``axis`` (identity set)."""
    marked: list[IterVar] = [axis]

    def mark(*ivs: IterVar) -> None:
        marked.extend(iv for iv in ivs if not contains(marked, iv))

    for rel in reversed(stage.relations):
        if isinstance(rel, Split) and (contains(marked, rel.outer) or contains(marked, rel.inner)):
            mark(rel.parent)
        elif isinstance(rel, Fuse) and contains(marked, rel.fused):
            mark(rel.outer, rel.inner)
    for rel in stage.relations:
        if isinstance(rel, Split) and contains(marked, rel.parent):
            mark(rel.outer, rel.inner)
        elif isinstance(rel, Fuse) and (contains(marked, rel.outer) or contains(marked, rel.inner)):
            mark(rel.fused)
    return marked


def _ceil_div(a: PrimExpr, b: PrimExpr) -> PrimExpr:
    return arith.simplify(op.floordiv(op.add(a, op.sub(b, 1)), b))


def _leaf_extents(stage: Stage) -> dict[IterVar, PrimExpr]:
    """The extent of every IterVar of the stage, as S-TIR's ``split``/``fuse`` make them."""
    extents = {iv: iv.dom.extent for iv in stage.root_iter_vars}
    for rel in stage.relations:
        if isinstance(rel, Split):
            parent = extents[rel.parent]
            if rel.factor is not None:
                extents[rel.outer], extents[rel.inner] = _ceil_div(parent, rel.factor), rel.factor
            else:
                assert rel.nparts is not None
                extents[rel.outer], extents[rel.inner] = rel.nparts, _ceil_div(parent, rel.nparts)
        else:
            extents[rel.fused] = arith.simplify(op.mul(extents[rel.outer], extents[rel.inner]))
    return extents


def _index_map(stage: Stage, values: dict[IterVar, PrimExpr], extents: dict) -> None:
    """``PassUpIndex``: the value of every parent from the values of its leaves."""
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            if rel.outer in values and rel.inner in values:
                outer = op.mul(values[rel.outer], extents[rel.inner])
                values[rel.parent] = op.add(outer, values[rel.inner])
        elif rel.fused in values:
            values[rel.outer] = op.floordiv(values[rel.fused], extents[rel.inner])
            values[rel.inner] = op.floormod(values[rel.fused], extents[rel.inner])


def _factor_op(
    stage: Stage,
    reduce_op: Reduce,
    axis: IterVar,
    touched: list[IterVar],
    extents: dict[IterVar, PrimExpr],
    position: int,
) -> tuple[ComputeOp, list[IterVar]]:
    """The ``B.rf`` operation (``axis`` becomes a data-parallel axis at ``position``) and,
    for each of its root IterVars, the leaf of ``stage`` whose loop it takes."""
    zero = op.const(0, axis.var.dtype)
    factor_iv = IterVar(Var(axis.var.name, axis.var.dtype), Range(zero, extents[axis]))
    new_axis = list(stage.axis)
    new_axis.insert(position, factor_iv)
    copies = {
        iv: IterVar(Var(iv.var.name, iv.var.dtype), Range(zero, extents[iv]), iv.iter_type)
        for iv in stage.leaf_iter_vars
        if contains(touched, iv) and iv is not axis
    }
    values: dict[IterVar, PrimExpr] = {iv: c.var for iv, c in copies.items()}
    values[axis] = factor_iv.var
    _index_map(stage, values, extents)
    vsub = {iv.var: values[iv] for iv in stage.reduce_axis if contains(touched, iv)}
    checks = [
        op.less(values[iv], iv.dom.extent)
        for iv in stage.reduce_axis
        if contains(touched, iv) and not _provable(values[iv], iv, copies, factor_iv)
    ]
    condition = reduce_op.condition
    for check in checks:
        condition = op.logical_and(condition, check)
    reduce_axis = [iv for iv in stage.reduce_axis if not contains(touched, iv)]
    reduce_axis += list(copies.values())
    sources = tuple(substitute(src, vsub) for src in reduce_op.source)
    body = tuple(
        Reduce(
            b.dtype,
            reduce_op.combiner,
            sources,
            tuple(reduce_axis),
            substitute(condition, vsub),
            b.value_index,
        )
        for b in stage.body
    )
    inputs = stage.op.input_tensors
    factor_op = ComputeOp(
        f"{stage.op.name}.rf", stage.op.tag, {}, tuple(new_axis), body, tuple(reduce_axis), inputs
    )
    sources = list(stage.axis)
    sources.insert(position, axis)
    sources += [iv for iv in stage.reduce_axis if not contains(touched, iv)] + list(copies)
    return factor_op, sources


def _provable(value: PrimExpr, root: IterVar, copies: dict, factor: IterVar) -> bool:
    """Whether ``value < root.extent`` holds for every value of the new axes."""
    domain = {c.var: c.dom for c in copies.values()} | {factor.var: factor.dom}
    try:
        return arith.can_prove(op.less(value, root.dom.extent), domain)
    except arith.ArithError:
        return False


def _innermost(sch: Schedule, block: object, count: int) -> list[LoopRV]:
    loops = sch.sch.get_loops(block)
    return loops[len(loops) - count :]


def _revamp(
    sch: Schedule,
    stage: Stage,
    reduce_op: Reduce,
    factor_op: ComputeOp,
    axis: IterVar,
    extent: PrimExpr,
    position: int,
) -> None:
    """``B``'s stage becomes ``B.repl``: ``B[ax...] = reduce(B.rf[..., ki.v, ...], ki.v)``."""
    old = stage.op
    assert isinstance(old, ComputeOp)
    zero = op.const(0, axis.var.dtype)
    new_axis = tuple(
        IterVar(Var(f"ax{j}", iv.var.dtype), iv.dom) for j, iv in enumerate(stage.axis)
    )
    red = IterVar(
        Var(f"{axis.var.name}.v", axis.var.dtype), Range(zero, extent), IterType.COMM_REDUCE
    )
    indices: list[PrimExpr] = [iv.var for iv in new_axis]
    indices.insert(position, red.var)
    sources = tuple(t.load(indices) for t in factor_op.outputs)
    body = tuple(
        Reduce(b.dtype, reduce_op.combiner, sources, (red,), op.const(True), b.value_index)
        for b in stage.body
    )
    repl = ComputeOp(
        f"{old.name}.repl", old.tag, old.attrs, new_axis, body, (red,), list(factor_op.outputs)
    )
    repl.outputs = old.outputs  # the user's tensors stay the outputs (TVM's ReplaceDataFlow)
    sch.stage_map[repl] = stage
    stage.reset(repl)


def _spatial(leaves: list[IterVar]) -> list[IterVar]:
    return [iv for iv in leaves if iv.iter_type is IterType.DATA_PAR]
