"""S-TIR built by hand for the lowering tests (te_compat is not used here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Block,
    BlockRealize,
    Buffer,
    BufferRegion,
    For,
    ForKind,
    IterVar,
    Node,
    PrimFunc,
    Range,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
    post_order_visit,
    realize,
    seq,
)
from stir_core.ir.op import const, convert


def nest(loops: Sequence[tuple[Var, Any]], body: Stmt, kind: ForKind = ForKind.SERIAL) -> Stmt:
    """``for v0 in range(e0): for v1 in range(e1): ... body`` (outermost first)."""
    for var, extent in reversed(loops):
        extent = convert(extent)
        body = For(var, const(0, extent.dtype), extent, kind, body)
    return body


def axis(name: str, extent: Any, reduce: bool = False) -> IterVar:
    return IterVar(Var(name), Range.from_min_extent(0, extent), REDUCE if reduce else SPATIAL)


def block(
    name: str,
    iter_vars: Sequence[IterVar],
    body: Stmt,
    *,
    init: Stmt | None = None,
    allocs: Sequence[Buffer] = (),
    reads: Sequence[Buffer] = (),
    writes: Sequence[Buffer] = (),
) -> Block:
    """A block reading/writing the whole of the given buffers."""
    return Block(
        name,
        tuple(iter_vars),
        tuple(BufferRegion.full(b) for b in reads),
        tuple(BufferRegion.full(b) for b in writes),
        body,
        init=init,
        alloc_buffers=tuple(allocs),
    )


def root_func(
    params: Sequence[Buffer | Var], body: Stmt, allocs: Sequence[Buffer] = ()
) -> PrimFunc:
    return PrimFunc(tuple(params), realize(block("root", (), body, allocs=allocs)))


@dataclass
class Reduction:
    """``C[i] = sum_k A[i, k]`` over a (4, 8) A, with an init."""

    func: PrimFunc
    A: Buffer
    C: Buffer
    i: Var
    k: Var
    vi: IterVar
    vk: IterVar
    update: Stmt
    init: Stmt
    realize: BlockRealize


def reduction() -> Reduction:
    A, C = decl_buffer((4, 8), name="A"), decl_buffer((4,), name="C")
    i, k = Var("i"), Var("k")
    vi, vk = axis("vi", 4), axis("vk", 8, reduce=True)
    update = _store(C, C[vi] + A[vi, vk], vi)
    init = _store(C, 0.0, vi)
    blk = block("C", (vi, vk), update, init=init, reads=(A, C), writes=(C,))
    br = realize(blk, (i, k))
    func = root_func((A, C), nest([(i, 4), (k, 8)], br))
    return Reduction(func, A, C, i, k, vi, vk, update, init, br)


@dataclass
class Chain:
    """``B = A * 2; C = B + 1`` elementwise on 2-D buffers, B an intermediate of the root."""

    func: PrimFunc
    A: Buffer
    B: Buffer
    C: Buffer
    loops_b: tuple[Var, Var]
    loops_c: tuple[Var, Var]
    block_b: Block
    block_c: Block


def chain(shape: Sequence[Any] = (4, 6), b_scope: str = "global", **b_attrs: Any) -> Chain:
    A, C = decl_buffer(shape, name="A"), decl_buffer(shape, name="C")
    B = decl_buffer(shape, name="B", scope=b_scope).replace(**b_attrs)
    vi, vj = axis("vi", shape[0]), axis("vj", shape[1])
    block_b = block("B", (vi, vj), _store(B, A[vi, vj] * 2.0, vi, vj), reads=(A,), writes=(B,))
    wi, wj = axis("wi", shape[0]), axis("wj", shape[1])
    block_c = block("C", (wi, wj), _store(C, B[wi, wj] + 1.0, wi, wj), reads=(B,), writes=(C,))
    i, j, i2, j2 = Var("i"), Var("j"), Var("i2"), Var("j2")
    body = seq(
        [
            nest([(i, shape[0]), (j, shape[1])], realize(block_b, (i, j))),
            nest([(i2, shape[0]), (j2, shape[1])], realize(block_c, (i2, j2))),
        ]
    )
    func = root_func((A, C), body, allocs=(B,))
    return Chain(func, A, B, C, (i, j), (i2, j2), block_b, block_c)


def _store(buffer: Buffer, value: Any, *indices: Any) -> Stmt:
    return buffer_store(buffer, value, indices)


def find_block(func: PrimFunc, name: str) -> Block:
    found: list[Block] = []
    post_order_visit(
        func.body,
        lambda n: found.append(n) if isinstance(n, Block) and n.name_hint == name else None,
    )
    assert len(found) == 1, f"{len(found)} blocks named {name}"
    return found[0]


def nodes_of(node: Node, cls: type) -> list[Any]:
    """Every node of class ``cls`` below ``node`` (children first)."""
    found: list[Any] = []
    post_order_visit(node, lambda n: found.append(n) if isinstance(n, cls) else None)
    return found
