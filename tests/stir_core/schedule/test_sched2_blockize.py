"""blockize, tensorize and the TensorIntrin registry."""

from __future__ import annotations

import pytest
from test_sched2_helpers import run, schedule
from test_sched_common import (
    block,
    bound_nest,
    fails_unchanged,
    point,
    root,
    verify_trace_roundtrip,
)

from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Block,
    For,
    ForKind,
    PrimFunc,
    Var,
    buffer_store,
    decl_buffer,
    op,
    realize,
    to_text,
)
from stir_core.schedule import (
    BlockizeError,
    TensorIntrin,
    TensorIntrinError,
    TensorizeMismatchError,
)


def _desc(n: int) -> PrimFunc:
    a, b, c = (decl_buffer((n, n), "float32", name) for name in "ABC")

    def make(vi: Var, vj: Var, vk: Var) -> tuple:
        body = buffer_store(c, c[vi, vj] + a[vi, vk] * b[vk, vj], (vi, vj))
        return (
            body,
            None,
            [point(c, vi, vj), point(a, vi, vk), point(b, vk, vj)],
            [point(c, vi, vj)],
        )

    blk, _ = block("update", [("i", n, SPATIAL), ("j", n, SPATIAL), ("k", n, REDUCE)], make)
    return root(bound_nest(blk), [a, b, c])


def _impl(n: int) -> PrimFunc:
    a, b, c = (decl_buffer((n, n), "float32", name) for name in "ABC")
    i, j, k = Var("i"), Var("j"), Var("k")
    store = buffer_store(c, c[i, j] + a[i, k] * b[k, j], (i, j))
    inner = For(j, op.const(0), op.const(n), ForKind.VECTORIZED, store)
    body = For(
        i,
        op.const(0),
        op.const(n),
        ForKind.SERIAL,
        For(k, op.const(0), op.const(n), ForKind.UNROLLED, inner),
    )
    return PrimFunc((a, b, c), realize(Block("root", (), (), (), body)))


TensorIntrin.register("test_sched2_mma4", _desc(4), _impl(4), override=True)


def _tiled(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    i0, i1 = sch.split(i, factors=[None, 4])
    j0, j1 = sch.split(j, factors=[None, 4])
    k0, k1 = sch.split(k, factors=[None, 4])
    sch.reorder(i0, j0, k0, i1, j1, k1)
    sch.decompose_reduction(c, k0)
    return c, i1


def test_blockize_outer_block() -> None:
    sch, example, func = schedule("matmul")
    _, i1 = _tiled(sch)
    outer = sch.blockize(i1)
    node = sch.get(outer)
    assert node.name_hint == "C_o" and [iv.dom.extent.value for iv in node.iter_vars] == [4] * 3
    assert "A[v_i_o * 4:v_i_o * 4 + 4, v_k_o * 4:v_k_o * 4 + 4]" in to_text(sch.mod["main"])
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_tensorize_loop_and_block() -> None:
    for via_block in (False, True):
        sch, example, func = schedule("matmul")
        _, i1 = _tiled(sch)
        target = sch.blockize(i1) if via_block else i1
        sch.tensorize(target, "test_sched2_mma4")
        text = to_text(sch.mod["main"])
        assert "T.vectorized(4)" in text and 'T.block("C")' not in text
        run(sch.mod["main"], example)
        verify_trace_roundtrip(sch, func)


def test_errors() -> None:
    sch, _, _ = schedule("matmul")
    c, i1 = _tiled(sch)
    i0 = sch.get_loops(c)[0]
    with fails_unchanged(sch, BlockizeError):
        sch.blockize(i0)  # holds the init block too
    with fails_unchanged(sch, TensorIntrinError):
        sch.tensorize(i1, "no_such_intrinsic")
    TensorIntrin.register("test_sched2_mma2", _desc(2), _impl(2), override=True)
    with fails_unchanged(sch, TensorizeMismatchError):
        sch.tensorize(i1, "test_sched2_mma2")
    with pytest.raises(TensorIntrinError):
        TensorIntrin.register("test_sched2_mma4", _desc(4), _impl(4))
    with pytest.raises(TensorIntrinError):
        TensorIntrin.register("test_sched2_bad", _desc(4), _desc(4), override=True)
