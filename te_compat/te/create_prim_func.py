"""``te.create_prim_func``: a TE graph becomes one S-TIR ``PrimFunc``.

Each compute stage becomes one block named after the stage, under its own loop nest (the
stage's axes, then its reduction axes); block iter vars are bound to the plain loop vars
(``T.axis.remap``). Intermediate tensors are ``alloc_buffers`` of the root block. Block
``reads``/``writes`` are the accessed regions with the block iter vars fixed
(``stir_core.arith.region``).

Before (TE)::

    k = te.reduce_axis((0, 64), "k")
    C = te.compute((32, 16), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")

After ``create_prim_func([A, B, C])``::

    for i, j, k in T.grid(32, 16, 64):
        with T.block("C"):
            v_i, v_j, v_k = T.axis.remap("SSR", [i, j, k])
            T.reads(A[v_i, v_k], B[v_k, v_j])
            T.writes(C[v_i, v_j])
            with T.init():
                C[v_i, v_j] = T.float32(0)
            C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]

The reduction output is not listed in ``reads`` (TVM's convention: a reduction block's
update implicitly reads what it writes). A ``where=`` condition guards the update; a tuple
reducer (argmax) computes every combined value into a ``LetStmt`` before storing any.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from stir_core.arith import region
from stir_core.errors import UserError, internal_check
from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Block,
    Buffer,
    BufferLoad,
    BufferRegion,
    For,
    ForKind,
    IfThenElse,
    IntImm,
    IRVisitor,
    IterVar,
    LetStmt,
    PrimExpr,
    PrimFunc,
    Range,
    Stmt,
    Var,
    buffer_load,
    buffer_store,
    op,
    realize,
    seq,
    substitute,
)

from .reduce import Reduce
from .tensor import ComputeOp, Operation, PlaceholderOp, Tensor, ops_in_order


class CreatePrimFuncError(UserError, ValueError):
    """The argument list of ``create_prim_func`` does not describe a complete function."""


def create_prim_func(
    ops: Sequence[Tensor | Var] | Tensor, index_dtype_override: str | None = None
) -> PrimFunc:
    """The S-TIR function computing the graph of ``ops``; its params are ``ops`` in order.

    ``ops`` lists the tensors passed by the caller (every placeholder, and the outputs),
    and optionally scalar ``Var`` parameters. Other computed tensors become intermediates.
    """
    args = list(ops) if isinstance(ops, (list, tuple)) else [ops]
    tensors = _check_args(args)
    stages = ops_in_order([t.op for t in tensors])
    _check_placeholders(stages, tensors)
    computes = [s for s in stages if isinstance(s, ComputeOp)]
    if not computes:
        raise CreatePrimFuncError("create_prim_func: the arguments contain no compute stage")
    given = {id(t) for t in tensors}
    intermediates = tuple(
        t.buffer for stage in computes for t in stage.outputs if id(t) not in given
    )
    names = _UniqueNames()
    body = seq([_stage_stmt(stage, names.make(stage.name)) for stage in computes])
    root = Block("root", (), (), (), body, alloc_buffers=intermediates)
    params = tuple(a.buffer if isinstance(a, Tensor) else a for a in args)
    return PrimFunc(params, realize(root), {"global_symbol": "main", "tir.noalias": True})


def _check_args(args: list[Any]) -> list[Tensor]:
    seen: set[int] = set()
    for arg in args:
        if not isinstance(arg, (Tensor, Var)):
            raise CreatePrimFuncError(
                f"create_prim_func: arguments must be te tensors or tir Vars, got "
                f"{type(arg).__name__} {arg!r}"
            )
        if id(arg) in seen:
            raise CreatePrimFuncError(f"create_prim_func: argument {arg!r} is given twice")
        seen.add(id(arg))
    return [a for a in args if isinstance(a, Tensor)]


def _check_placeholders(stages: list[Operation], tensors: list[Tensor]) -> None:
    given = {id(t) for t in tensors}
    for stage in stages:
        if isinstance(stage, PlaceholderOp) and id(stage.output(0)) not in given:
            raise CreatePrimFuncError(
                f"create_prim_func: placeholder {stage.name!r} is used but is not in the "
                "argument list; pass every input tensor"
            )


class _UniqueNames:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def make(self, name: str) -> str:
        count = self.counts.get(name, 0)
        self.counts[name] = count + 1
        return name if count == 0 else f"{name}_{count}"


# ------------------------------------------------------------------------ one stage


def _stage_stmt(stage: ComputeOp, block_name: str) -> Stmt:
    """The loop nest and block of one compute stage."""
    axes = stage.axis + stage.reduce_axis
    loop_vars = tuple(Var(iv.var.name, iv.var.dtype) for iv in axes)
    block_vars = tuple(Var(f"v_{iv.var.name}", iv.var.dtype) for iv in axes)
    vmap = {iv.var: bv for iv, bv in zip(axes, block_vars, strict=True)}
    iter_vars = tuple(
        IterVar(bv, iv.dom, SPATIAL if n < len(stage.axis) else REDUCE)
        for n, (iv, bv) in enumerate(zip(axes, block_vars, strict=True))
    )
    outputs = tuple(t.buffer for t in stage.outputs)
    indices = block_vars[: len(stage.axis)]
    if stage.reduce_axis:
        init, body = _reduction(stage, outputs, indices, vmap)
    else:
        init = None
        body = seq(
            [
                buffer_store(buf, substitute(expr, vmap), indices)
                for buf, expr in zip(outputs, stage.body, strict=True)
            ]
        )
    writes = tuple(_point_region(buf, indices) for buf in outputs)
    reads = _read_regions([s for s in (body, init) if s is not None], set(outputs))
    block = Block(block_name, iter_vars, reads, writes, body, init, annotations=dict(stage.attrs))
    stmt: Stmt = realize(block, loop_vars)
    for loop_var, iv in reversed(list(zip(loop_vars, axes, strict=True))):
        stmt = For(loop_var, iv.dom.min, iv.dom.extent, ForKind.SERIAL, stmt)
    return stmt


def _reduction(
    stage: ComputeOp,
    outputs: tuple[Buffer, ...],
    indices: tuple[Var, ...],
    vmap: dict[Var, Var],
) -> tuple[Stmt, Stmt]:
    """``(init, update)`` of a reduction block; the update is guarded by ``where=``."""
    reduce_node = stage.body[0]
    internal_check(isinstance(reduce_node, Reduce), f"stage {stage.name} is not a reduction")
    reduce_node = cast(Reduce, reduce_node)
    combiner = reduce_node.combiner
    sources = [substitute(src, vmap) for src in reduce_node.source]
    accumulators = [buffer_load(buf, indices) for buf in outputs]
    combined = combiner(accumulators, sources)
    start = reduce_node.init or combiner.identity_element
    init = seq(
        [
            buffer_store(buf, substitute(v, vmap), indices)
            for buf, v in zip(outputs, start, strict=True)
        ]
    )
    if len(outputs) == 1:
        update: Stmt = buffer_store(outputs[0], combined[0], indices)
    else:
        temps = [Var(f"v_{buf.name}", buf.dtype) for buf in outputs]
        update = seq([buffer_store(buf, t, indices) for buf, t in zip(outputs, temps, strict=True)])
        for temp, value in reversed(list(zip(temps, combined, strict=True))):
            update = LetStmt(temp, value, update)
    condition = substitute(reduce_node.condition, vmap)
    if not (isinstance(condition, IntImm) and condition.value):
        update = IfThenElse(condition, update)
    return init, update


def _point_region(buffer: Buffer, indices: Sequence[PrimExpr]) -> BufferRegion:
    return BufferRegion(buffer, tuple(Range(i, op.const(1, i.dtype)) for i in indices))


class _LoadCollector(IRVisitor):
    """Index tuples of every load, grouped by buffer in order of first use."""

    def __init__(self, skip: set[Buffer]) -> None:
        self.skip = skip
        self.accesses: dict[Buffer, list[tuple[PrimExpr, ...]]] = {}

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        if node.buffer not in self.skip:
            self.accesses.setdefault(node.buffer, []).append(node.indices)
        self.generic_visit(node)


def _read_regions(stmts: list[Stmt], skip: set[Buffer]) -> tuple[BufferRegion, ...]:
    collector = _LoadCollector(skip)
    for stmt in stmts:
        collector.visit(stmt)
    return tuple(
        BufferRegion(buf, region(accesses, {}).clamp(BufferRegion.full(buf).region).ranges)
        for buf, accesses in collector.accesses.items()
    )
