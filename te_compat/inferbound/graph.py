"""The stage graph of the classic InferBound (src/te/schedule/graph.cc, bound.cc).

``GraphContext`` holds what ``InferBound`` prepares before it runs: the consumers of each
operation (``CreateReadGraph`` / ``FeedGraph``), the attach path of each stage
(``CreateAttachPath``), the thread bindings (``bind_map``) and the bodies with inlined stages
substituted (what ``schedule.normalize`` / ``InjectInline`` does before bound inference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stir_core.ir import (
    Buffer,
    BufferLoad,
    IRMutator,
    IterVar,
    PrimExpr,
    post_order_visit,
    substitute,
)

from ..classic.itervar import STORAGE_RANK, ThreadScope, default_storage_rank
from ..classic.schedule import Schedule
from ..classic.stage import Stage
from ..te.tensor import ComputeOp, tensor_of_buffer


class _Inline(IRMutator):
    """Replace loads of inlined tensors by their (recursively inlined) bodies."""

    def __init__(self, inlined: dict[Buffer, Stage]) -> None:
        self.inlined = inlined

    def visit_BufferLoad(self, node: BufferLoad) -> PrimExpr:
        node = self.generic_visit(node)
        tensor = tensor_of_buffer(node.buffer)
        stage = self.inlined.get(node.buffer)
        if tensor is None or stage is None:
            return node
        vmap = {iv.var: index for iv, index in zip(stage.axis, node.indices, strict=True)}
        return self.visit(substitute(stage.body[tensor.value_index], vmap))


@dataclass
class GraphContext:
    """Everything InferBound reads besides the ranges being computed."""

    stages: list[Stage]
    bodies: dict[Stage, tuple[PrimExpr, ...]] = field(default_factory=dict)
    consumers: dict[Stage, list[Stage]] = field(default_factory=dict)
    attach_path: dict[Stage, list[IterVar]] = field(default_factory=dict)
    bind_map: dict[IterVar, IterVar] = field(default_factory=dict)

    def body(self, stage: Stage) -> tuple[PrimExpr, ...]:
        return self.bodies.get(stage, ())


def build_context(sch: Schedule) -> GraphContext:
    """``InferBound``'s preparation: read graph, attach paths, bind map, inlined bodies."""
    live = [s for s in sch.stages if s.attach_type != "inline"]
    ctx = GraphContext(live)
    inliner = _Inline(_writers([s for s in sch.stages if s.attach_type == "inline"]))
    for stage in live:
        if isinstance(stage.op, ComputeOp):
            ctx.bodies[stage] = tuple(inliner.visit(b) for b in stage.body)
        ctx.bind_map.update(stage.bind_map)
    writers = _writers(live)
    for stage in live:
        for producer in _producers(ctx, stage, writers):
            ctx.consumers.setdefault(producer, []).append(stage)
    for stage in live:
        ctx.attach_path[stage] = attach_path(stage)
    return ctx


def _writers(stages: list[Stage]) -> dict[Buffer, Stage]:
    """The stage writing each tensor's buffer (rfactor's ``B.repl`` writes ``B``)."""
    return {t.buffer: s for s in stages for t in s.op.outputs}


def _producers(ctx: GraphContext, stage: Stage, writers: dict[Buffer, Stage]) -> list[Stage]:
    found: dict[Stage, None] = {}

    def record(node: object) -> None:
        if isinstance(node, BufferLoad) and node.buffer in writers:
            found[writers[node.buffer]] = None

    for body in ctx.body(stage):
        post_order_visit(body, record)
    return list(found)


def attach_path(stage: Stage) -> list[IterVar]:
    """``CreateAttachPath``: the attach IterVar and every leaf outside it, then the attach
    stage's own path, innermost first."""
    path: list[IterVar] = []
    current: Stage | None = stage
    while current is not None and current.attach_type == "scope":
        parent, ivar = current.attach_stage, current.attach_ivar
        assert parent is not None and ivar is not None
        leaves = parent.leaf_iter_vars
        position = next(k for k, iv in enumerate(leaves) if iv is ivar)
        path.extend(reversed(leaves[: position + 1]))
        current = parent
    return path


def storage_rank(stage: Stage, ctx: GraphContext) -> int:
    """``InferStorageScope``: the stage's scope, else the default for the threads it is
    attached inside (global, shared under blockIdx, local under threadIdx)."""
    if stage.scope:
        return STORAGE_RANK.get(stage.scope.split(".")[0], 0)
    ranks = [-1]
    for iv in ctx.attach_path[stage]:
        tag = thread_tag(iv, ctx)
        if tag and tag != "pipeline":
            ranks.append(ThreadScope.of(tag).rank)
    return default_storage_rank(max(ranks))


def thread_tag(iv: IterVar, ctx: GraphContext) -> str:
    bound = ctx.bind_map.get(iv)
    return bound.thread_tag if bound is not None else iv.thread_tag
