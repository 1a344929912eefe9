"""A faithful model of classic TVM's InferBound, used only to compare with the exact bounds.

``classic_infer_bound(s)`` returns, for every IterVar of every stage (root and leaf), the
``Range`` that TVM 0.19's ``tvm.te.schedule.InferBound`` computed. Where each rule comes from
(apache/tvm, src/te/schedule/ unless noted):

* stage order and the outer loop -- ``bound.cc: InferBound``: stages from the last
  (outputs) to the first; for each, ``InferRootBound`` then ``PassDownDomain``; at the end
  every range is simplified with the root ranges bound (``analyzer.Simplify``).
* outputs and placeholders -- ``bound.cc: InferRootBound``: root ranges are the axes' domains.
* the consumer's loops -- ``bound.cc: InferRootBound``: leaves of each consumer, innermost
  first; those inside the producer's attach point (``found_attach`` false) are relaxed to
  their whole range, the attach point and loops outside it stay a single point (the loop
  variable, or the bound thread variable), a leaf of extent 1 is the point ``min``.
  ``NeedRelax`` decides for thread-bound loops by storage rank (``InferStorageScope``):
  global memory relaxes every thread, shared relaxes threadIdx but not blockIdx, local
  relaxes none, warp relaxes threadIdx.x.
* the consumer's attach path -- ``bound.cc: InferRootBound`` (``relax_set``): loops of the
  consumer's own attach path that need relaxing are relaxed in the root ranges' ends.
* leaves to roots -- ``message_passing.cc: PassUpDomain`` (``propagate.py``).
* the requests -- ``compute_op.cc: ComputeOpNode::PropBoundToInputs``: every load of the
  producer's tensors in the consumer body (after ``InjectInline`` of inlined stages) is
  evaluated by interval arithmetic (``arith::EvalSet``, ``intervals.py``), ignoring the
  conditions of ``if_then_else``/``Select`` guards; an interval covering the whole shape is
  replaced by the shape.
* the hull -- ``compute_op.cc: ComputeOpNode::GatherBound``: the union of all requests per
  dimension, as a range (``CoverRange``); reduction axes keep their domain.
* roots to leaves -- ``message_passing.cc: PassDownDomain`` (``propagate.py``), with the
  rounding of non-divisible splits.
"""

from __future__ import annotations

from stir_core import arith
from stir_core.ir import BufferLoad, IntImm, IterVar, Range, op, post_order_visit

from ..classic.itervar import STORAGE_RANK, ThreadScope, contains
from ..classic.schedule import Schedule
from ..classic.stage import Stage
from ..te.tensor import ComputeOp, tensor_of_buffer
from .graph import GraphContext, build_context, storage_rank, thread_tag
from .intervals import Interval, eval_set, prove, union
from .propagate import RangeMap, SetMap, pass_down_domain, pass_up_domain

TensorDom = dict[int, list[list[Interval]]]


def classic_infer_bound(sch: Schedule) -> dict[IterVar, Range]:
    """The ranges classic TVM's InferBound gave every IterVar of ``sch``."""
    ctx = build_context(sch)
    rmap: RangeMap = {}
    for stage in reversed(ctx.stages):
        infer_root_bound(stage, ctx, rmap)
        pass_down_domain(stage, rmap, ctx)
    domain = {
        iv.var: rng
        for stage in ctx.stages
        for iv in stage.root_iter_vars
        if (rng := rmap.get(iv)) is not None
    }
    return {iv: _simplified(rng, domain) for iv, rng in rmap.items()}


def _simplified(rng: Range, domain: dict) -> Range:
    try:
        return Range(arith.simplify(rng.min, domain), arith.simplify(rng.extent, domain))
    except arith.ArithError:
        return Range(arith.simplify(rng.min), arith.simplify(rng.extent))


def _is_one(expr: object) -> bool:
    folded = arith.simplify(expr)
    return isinstance(folded, IntImm) and folded.value == 1


def need_relax(iv: IterVar, found_attach: bool, ctx: GraphContext, rank: int) -> bool:
    """``bound.cc: NeedRelax``."""
    tag = thread_tag(iv, ctx)
    if not tag or tag == "pipeline":
        return not found_attach
    scope = ThreadScope.of(tag)
    if rank == STORAGE_RANK["warp"] and scope.rank == 1 and scope.dim_index == 0:
        return True
    return rank <= scope.rank


def infer_root_bound(stage: Stage, ctx: GraphContext, rmap: RangeMap) -> None:
    """``bound.cc: InferRootBound``: the root ranges of ``stage`` from its consumers."""
    consumers = ctx.consumers.get(stage, [])
    if stage.is_output or not isinstance(stage.op, ComputeOp) or not consumers:
        for iv in stage.root_iter_vars:
            rmap[iv] = iv.dom
        return
    rank = storage_rank(stage, ctx)
    tmap: TensorDom = {}
    for consumer in consumers:
        dom_map = _consumer_domain(stage, consumer, ctx, rmap, rank)
        _prop_bound_to_inputs(stage, consumer, ctx, dom_map, tmap)
    _gather_bound(stage, tmap, rmap)


def _consumer_domain(
    stage: Stage, consumer: Stage, ctx: GraphContext, rmap: RangeMap, rank: int
) -> dict:
    """The set of each root variable of ``consumer`` while ``stage`` is computed once."""
    stage_attach = ctx.attach_path[stage]
    up_state: SetMap = {}
    found = False
    for iv in reversed(consumer.leaf_iter_vars):
        found = found or contains(stage_attach, iv)
        vrange = rmap[iv]
        if _is_one(vrange.extent):
            up_state[iv] = Interval.point(vrange.min)
        elif not need_relax(iv, found, ctx, rank):
            bound = ctx.bind_map.get(iv)
            up_state[iv] = Interval.point((iv if bound is None else bound).var)
        else:
            up_state[iv] = Interval.from_range(vrange)
    relax: dict = {}
    for iv in ctx.attach_path[consumer]:
        found = found or contains(stage_attach, iv)
        if need_relax(iv, found, ctx, rank):
            relax[iv.var] = Interval.from_range(rmap[iv])
            if iv in ctx.bind_map:
                relax[ctx.bind_map[iv].var] = Interval.from_range(rmap[iv])
    pass_up_domain(consumer, rmap, up_state)
    dom_map = {}
    for iv in consumer.root_iter_vars:
        rng = up_state[iv].cover_range(iv.dom) if iv in up_state else iv.dom
        if relax:
            last = op.sub(op.add(rng.min, rng.extent), 1)
            dom_map[iv.var] = Interval(eval_set(rng.min, relax).min, eval_set(last, relax).max)
        else:
            dom_map[iv.var] = Interval.from_range(rng)
    return dom_map


def _prop_bound_to_inputs(
    stage: Stage, consumer: Stage, ctx: GraphContext, dom_map: dict, tmap: TensorDom
) -> None:
    """``ComputeOpNode::PropBoundToInputs``: the intervals of the loads of ``stage``."""
    outputs = {t.buffer: t for t in stage.op.outputs}

    def visit(node: object) -> None:
        if not isinstance(node, BufferLoad) or node.buffer not in outputs:
            return
        tensor = tensor_of_buffer(node.buffer)
        assert tensor is not None
        dims = tmap.setdefault(tensor.value_index, [[] for _ in node.indices])
        for dim, index in enumerate(node.indices):
            dims[dim].append(_clamped(eval_set(index, dom_map), tensor.shape[dim]))

    for body in ctx.body(consumer):
        post_order_visit(body, visit)


def _clamped(interval: Interval, extent: object) -> Interval:
    """Replace a request covering the whole dimension by the dimension (both ends)."""
    low, high = op.const(0, "int32"), op.sub(extent, 1)
    if not interval.bounded:
        return Interval(low, high)
    if prove(op.greater_equal(low, interval.min)) and prove(op.less_equal(high, interval.max)):
        return Interval(low, high)
    return interval


def _gather_bound(stage: Stage, tmap: TensorDom, rmap: RangeMap) -> None:
    """``ComputeOpNode::GatherBound``: the hull of every request, per axis."""
    for dim, iv in enumerate(stage.axis):
        requests = [req for dims in tmap.values() for req in dims[dim]]
        rmap[iv] = union(requests).cover_range(iv.dom)
    for iv in stage.reduce_axis:
        rmap[iv] = iv.dom
