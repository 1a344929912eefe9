"""Hand-built S-TIR as ``compute_at`` leaves it, for the plan/compact buffer tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lower_cases import axis, block, nest, root_func

from stir_core.ir import (
    Block,
    Buffer,
    BufferRegion,
    ForKind,
    IterVar,
    PrimFunc,
    Range,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
    realize,
    seq,
)
from stir_core.ir.op import floordiv, if_then_else, logical_and


def bound_axis(name: str, extent: Any, value: Any, reduce: bool = False) -> tuple[IterVar, Any]:
    return axis(name, extent, reduce), value


@dataclass
class Tiled:
    """``B = A * 2`` computed at loop ``i0`` of ``C = B + 1`` (row tiles of ``tile``)."""

    func: PrimFunc
    A: Buffer
    B: Buffer
    C: Buffer
    i0: Var
    block_b: Block
    block_c: Block


def _realized(name: str, bindings: Sequence[tuple[IterVar, Any]], body: Stmt, **kw: Any) -> Stmt:
    ivs = [iv for iv, _ in bindings]
    values = tuple(value for _, value in bindings)
    predicate = kw.pop("predicate", True)
    return realize(block(name, ivs, body, **kw), values, predicate)


def tiled(
    rows: Any = 64,
    cols: Any = 64,
    tile: int = 8,
    kind: ForKind = ForKind.SERIAL,
    b_attrs: dict[str, Any] | None = None,
) -> Tiled:
    """The S-TIR of ``compute_at(B, i0)``: B's block under ``i0`` with iter value
    ``i0 * tile + ax0`` (and a predicate when ``tile`` may not divide ``rows``)."""
    A, C = decl_buffer((rows, cols), name="A"), decl_buffer((rows, cols), name="C")
    B = decl_buffer((rows, cols), name="B").replace(**(b_attrs or {}))
    i0, ax0, ax1, i1, j = Var("i0"), Var("ax0"), Var("ax1"), Var("i1"), Var("j")
    exact = isinstance(rows, int) and rows % tile == 0
    outer = rows // tile if exact else floordiv(rows + tile - 1, tile)
    vi, vj = axis("v_i", rows), axis("v_j", cols)
    store_b = buffer_store(B, A[vi, vj] * 2.0, (vi, vj))
    pb = True if exact else i0 * tile + ax0 < rows
    rb = realize(block("B", (vi, vj), store_b, reads=(A,), writes=(B,)), (i0 * tile + ax0, ax1), pb)
    wi, wj = axis("v_i", rows), axis("v_j", cols)
    store_c = buffer_store(C, B[wi, wj] + 1.0, (wi, wj))
    pc = True if exact else i0 * tile + i1 < rows
    rc = realize(block("C", (wi, wj), store_c, reads=(B,), writes=(C,)), (i0 * tile + i1, j), pc)
    body = seq([nest([(ax0, tile), (ax1, cols)], rb), nest([(i1, tile), (j, cols)], rc)])
    func = root_func((A, C), nest([(i0, outer)], body, kind), allocs=(B,))
    return Tiled(func, A, B, C, i0, rb.block, rc.block)


@dataclass
class Conv:
    """3x3 conv of a zero-padded (C, H, W) input, Pad computed at a 4x4 output tile."""

    func: PrimFunc
    Pad: Buffer
    shape: tuple[int, int, int, int]


def conv_tile(channels: int = 2, size: int = 8, out_channels: int = 3) -> Conv:
    """``Out[k, h, w] = sum Pad[rc, h + rh, w + rw] * W[k, rc, rh, rw]`` with loops
    ``k, h0, w0`` outside, Pad's block under ``w0`` over ``(channels, 6, 6)``."""
    A = decl_buffer((channels, size, size), name="A")
    Wt = decl_buffer((out_channels, channels, 3, 3), name="W")
    Out = decl_buffer((out_channels, size, size), name="O")
    Pad = decl_buffer((channels, size + 2, size + 2), name="Pad")
    k, h0, w0 = Var("k"), Var("h0"), Var("w0")
    ax0, ax1, ax2 = Var("ax0"), Var("ax1"), Var("ax2")
    pc, ph, pw = axis("v_c", channels), axis("v_h", size + 2), axis("v_w", size + 2)
    inside = logical_and(
        logical_and(1 <= ph.var, ph.var < size + 1), logical_and(1 <= pw.var, pw.var < size + 1)
    )
    value = if_then_else(inside, A[pc, ph - 1, pw - 1], 0.0)
    pad_store = buffer_store(Pad, value, (pc, ph, pw))
    pad = _realized(
        "Pad",
        [(pc, ax0), (ph, h0 * 4 + ax1), (pw, w0 * 4 + ax2)],
        pad_store,
        reads=(A,),
        writes=(Pad,),
    )
    h1, w1, rc, rh, rw = Var("h1"), Var("w1"), Var("rc"), Var("rh"), Var("rw")
    vk, vh, vw = axis("v_k", out_channels), axis("v_h", size), axis("v_w", size)
    vrc, vrh, vrw = axis("v_rc", channels, True), axis("v_rh", 3, True), axis("v_rw", 3, True)
    update = Out[vk, vh, vw] + Pad[vrc, vh + vrh, vw + vrw] * Wt[vk, vrc, vrh, vrw]
    conv = _realized(
        "O",
        [(vk, k), (vh, h0 * 4 + h1), (vw, w0 * 4 + w1), (vrc, rc), (vrh, rh), (vrw, rw)],
        buffer_store(Out, update, (vk, vh, vw)),
        init=buffer_store(Out, 0.0, (vk, vh, vw)),
        reads=(Out, Pad, Wt),
        writes=(Out,),
    )
    tile = seq(
        [
            nest([(ax0, channels), (ax1, 6), (ax2, 6)], pad),
            nest([(h1, 4), (w1, 4), (rc, channels), (rh, 3), (rw, 3)], conv),
        ]
    )
    loops = [(k, out_channels), (h0, size // 4), (w0, size // 4)]
    func = root_func((A, Wt, Out), nest(loops, tile), allocs=(Pad,))
    return Conv(func, Pad, (channels, size, out_channels, 3))


def region_of(buffer: Buffer, *ranges: tuple[Any, Any]) -> BufferRegion:
    return BufferRegion(buffer, tuple(Range.from_min_extent(lo, ext) for lo, ext in ranges))


def _point(buffer: Buffer, *ivs: IterVar) -> BufferRegion:
    return region_of(buffer, *((iv.var, 1) for iv in ivs))


def point_chain(rows: Any, cols: Any) -> PrimFunc:
    """``B = A * 2; C = B + 1`` in two loop nests, with exact point regions (what
    ``te.create_prim_func`` gives), ready for ``compute_at``."""
    A, B, C = (decl_buffer((rows, cols), name=name) for name in "ABC")
    vi, vj, wi, wj = axis("vi", rows), axis("vj", cols), axis("wi", rows), axis("wj", cols)
    block_b = Block(
        "B",
        (vi, vj),
        (_point(A, vi, vj),),
        (_point(B, vi, vj),),
        buffer_store(B, A[vi, vj] * 2.0, (vi, vj)),
    )
    block_c = Block(
        "C",
        (wi, wj),
        (_point(B, wi, wj),),
        (_point(C, wi, wj),),
        buffer_store(C, B[wi, wj] + 1.0, (wi, wj)),
    )
    i, j, i2, j2 = Var("i"), Var("j"), Var("i2"), Var("j2")
    body = seq(
        [
            nest([(i, rows), (j, cols)], realize(block_b, (i, j))),
            nest([(i2, rows), (j2, cols)], realize(block_c, (i2, j2))),
        ]
    )
    return root_func((A, C), body, allocs=(B,))


def point_matmul(n: int = 16) -> PrimFunc:
    """``C = A @ B`` (n x n) with point regions and an init, ready for scheduling."""
    A, B, C = (decl_buffer((n, n), name=name) for name in "ABC")
    vi, vj, vk = axis("vi", n), axis("vj", n), axis("vk", n, reduce=True)
    update = buffer_store(C, C[vi, vj] + A[vi, vk] * B[vk, vj], (vi, vj))
    blk = Block(
        "C",
        (vi, vj, vk),
        (_point(C, vi, vj), _point(A, vi, vk), _point(B, vk, vj)),
        (_point(C, vi, vj),),
        update,
        init=buffer_store(C, 0.0, (vi, vj)),
    )
    i, j, k = Var("i"), Var("j"), Var("k")
    return root_func((A, B, C), nest([(i, n), (j, n), (k, n)], realize(blk, (i, j, k))))


def point_conv(channels: int = 2, size: int = 8, out_channels: int = 3) -> PrimFunc:
    """Zero padding then a 3x3 conv, as two loop nests with point regions."""
    A = decl_buffer((channels, size, size), name="A")
    Wt = decl_buffer((out_channels, channels, 3, 3), name="W")
    Out = decl_buffer((out_channels, size, size), name="O")
    Pad = decl_buffer((channels, size + 2, size + 2), name="Pad")
    pc, ph, pw = axis("v_c", channels), axis("v_h", size + 2), axis("v_w", size + 2)
    inside = logical_and(
        logical_and(1 <= ph.var, ph.var < size + 1), logical_and(1 <= pw.var, pw.var < size + 1)
    )
    value = if_then_else(inside, A[pc, ph - 1, pw - 1], 0.0)
    shifted = region_of(A, (pc.var, 1), (ph.var - 1, 1), (pw.var - 1, 1))
    pad = Block(
        "Pad",
        (pc, ph, pw),
        (shifted,),
        (_point(Pad, pc, ph, pw),),
        buffer_store(Pad, value, (pc, ph, pw)),
    )
    vk, vh, vw = axis("v_k", out_channels), axis("v_h", size), axis("v_w", size)
    vrc, vrh, vrw = axis("v_rc", channels, True), axis("v_rh", 3, True), axis("v_rw", 3, True)
    window = region_of(Pad, (vrc.var, 1), (vh.var + vrh.var, 1), (vw.var + vrw.var, 1))
    update = Out[vk, vh, vw] + Pad[vrc, vh + vrh, vw + vrw] * Wt[vk, vrc, vrh, vrw]
    conv = Block(
        "O",
        (vk, vh, vw, vrc, vrh, vrw),
        (_point(Out, vk, vh, vw), window, _point(Wt, vk, vrc, vrh, vrw)),
        (_point(Out, vk, vh, vw),),
        buffer_store(Out, update, (vk, vh, vw)),
        init=buffer_store(Out, 0.0, (vk, vh, vw)),
    )
    c, h, w = Var("c"), Var("h"), Var("w")
    loops = [Var(name) for name in ("k", "oh", "ow", "rc", "rh", "rw")]
    extents = [out_channels, size, size, channels, 3, 3]
    body = seq(
        [
            nest([(c, channels), (h, size + 2), (w, size + 2)], realize(pad, (c, h, w))),
            nest(list(zip(loops, extents, strict=True)), realize(conv, tuple(loops))),
        ]
    )
    return root_func((A, Wt, Out), body, allocs=(Pad,))


def conv_reference(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    padded = np.pad(a, ((0, 0), (1, 1), (1, 1)))
    size = a.shape[1]
    out = np.zeros((w.shape[0], size, size), "float32")
    for rh in range(3):
        for rw in range(3):
            window = padded[:, rh : rh + size, rw : rw + size]
            out += np.einsum("chw,kc->khw", window, w[:, :, rh, rw])
    return out
