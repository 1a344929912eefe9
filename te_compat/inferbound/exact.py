"""``tvm.te.schedule.InferBound(s)``: every IterVar's range, read from the scheduled S-TIR.

A leaf IterVar's range is its loop's (``min``, ``extent``) as the S-TIR schedule built it:
``compute_at`` made the producer's loops cover exactly the region its consumers need
(``stir_core.arith.region``). A root IterVar's range is the exact hull of its block iter
value while the stage's own loops vary (under the realize predicate), symbolic in the loops
outside the attach point, as TVM's ranges were. Loop variables are renamed to the classic
IterVars' variables, so ``bounds[A1.op.axis[0]].min`` reads ``i_outer * 8``.
"""

from __future__ import annotations

from stir_core import arith
from stir_core.ir import BlockRealize, For, IterVar, PrimExpr, Range, Var, substitute

from ..classic.schedule import Schedule
from ..classic.stage import Stage


def exact_infer_bound(sch: Schedule) -> dict[IterVar, Range]:
    """The exact range of every IterVar of every (non-inlined) compute stage."""
    renames = _loop_renames(sch)
    result: dict[IterVar, Range] = {}
    for stage in sch.stages:
        if stage.block is None or stage.attach_type == "inline":
            for iv in stage.root_iter_vars:
                result[iv] = iv.dom
            continue
        if not stage.in_stir:
            continue
        loops = {iv: sch.sch.get(loop) for iv, loop in stage.loops.loops.items()}
        for iv, loop in loops.items():
            result[iv] = _renamed(Range(loop.min, loop.extent), renames)
            if iv in stage.bind_map:
                result[stage.bind_map[iv]] = result[iv]
        for iv, rng in _root_ranges(sch, stage, loops).items():
            result[iv] = _renamed(rng, renames)
    return result


def _loop_renames(sch: Schedule) -> dict[Var, PrimExpr]:
    renames: dict[Var, PrimExpr] = {}
    for stage in sch.stages:
        if stage.block is None or stage.attach_type == "inline":
            continue
        for iv, loop in stage.loops.loops.items():
            renames[sch.sch.get(loop).loop_var] = iv.var
    return renames


def _renamed(rng: Range, renames: dict[Var, PrimExpr]) -> Range:
    return Range(substitute(rng.min, renames), substitute(rng.extent, renames))


def _root_ranges(sch: Schedule, stage: Stage, loops: dict[IterVar, For]) -> dict[IterVar, Range]:
    """The hull of each block iter value over the stage's own loops."""
    block = sch.sch.get(stage.block)
    realize = sch.sch.state.index_of(stage.block).realize[block]
    assert isinstance(realize, BlockRealize)
    ranges = {loop.loop_var: Range(loop.min, loop.extent) for loop in loops.values()}
    domain = arith.Domain(ranges, (realize.predicate,))
    roots = stage.root_iter_vars
    result: dict[IterVar, Range] = {}
    for iv, position in zip(roots, stage.iter_index, strict=True):
        block_iv, value = block.iter_vars[position], realize.iter_values[position]
        try:
            found = arith.region([[value]], domain).clamp([block_iv.dom]).ranges[0]
        except arith.ArithError:
            found = block_iv.dom
        result[iv] = found
    return result
