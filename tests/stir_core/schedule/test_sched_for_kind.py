"""parallel, vectorize, unroll."""

from __future__ import annotations

from test_sched_common import (
    elementwise,
    fails_unchanged,
    leaf_blocks,
    matmul,
    new_schedule,
    renest,
    row_sum,
    verify_trace_roundtrip,
    with_body,
)

from stir_core.ir import For, ForKind, PrimFunc, Var, assert_structural_equal, op, realize
from stir_core.schedule import (
    LoopCarriedDependenceError,
    LoopNotStartWithZeroError,
    ReductionLoopError,
)


def test_kinds_on_matmul() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, j, k = sch.get_loops(sch.get_block("C"))
    sch.parallel(i)
    sch.vectorize(j)
    sch.unroll(k)
    (blk,) = leaf_blocks(func)
    kinds = {"i": ForKind.PARALLEL, "j": ForKind.VECTORIZED, "k": ForKind.UNROLLED}
    spec = [("i", 128), ("j", 128), ("k", 128)]
    expected = renest(blk, spec, lambda i, j, k: (i, j, k), kinds=kinds)
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    verify_trace_roundtrip(sch, func)


def test_reduction_loop_cannot_be_parallel_or_vectorized() -> None:
    sch = new_schedule(row_sum())
    _, k = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, ReductionLoopError):
        sch.parallel(k)
    with fails_unchanged(sch, ReductionLoopError):
        sch.vectorize(k)
    sch.unroll(k)


def test_fused_reduction_loop_is_detected() -> None:
    sch = new_schedule(matmul())
    _, _, k = sch.get_loops(sch.get_block("C"))
    k0, _ = sch.split(k, factors=[None, 4])
    with fails_unchanged(sch, ReductionLoopError):
        sch.parallel(k0)


def _broadcast_rows() -> PrimFunc:
    """for i: for j: B[j] = A[i, j] * 2, iterations of i write the same elements."""
    func = elementwise(8, 8)
    blk_b = leaf_blocks(func)[0]
    i = Var("i")
    inner = renest(blk_b, [("j", 8)], lambda j: (op.const(0), j))
    return with_body(func, For(i, op.const(0), op.const(8), ForKind.SERIAL, inner))


def test_parallel_needs_independent_iterations() -> None:
    sch = new_schedule(_broadcast_rows())
    i, _ = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, LoopCarriedDependenceError):
        sch.parallel(i)
    with fails_unchanged(sch, LoopCarriedDependenceError):
        sch.vectorize(i)  # every lane would store to the same element


def _shifted_loop() -> PrimFunc:
    func = elementwise(8, 8)
    blk_b = leaf_blocks(func)[0]
    i, j = Var("i"), Var("j")
    inner = For(j, op.const(0), op.const(8), ForKind.SERIAL, realize(blk_b, (i - 1, j)))
    return with_body(func, For(i, op.const(1), op.const(8), ForKind.SERIAL, inner))


def test_loop_must_start_at_zero() -> None:
    sch = new_schedule(_shifted_loop())
    i, _ = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, LoopNotStartWithZeroError):
        sch.parallel(i)
    with fails_unchanged(sch, LoopNotStartWithZeroError):
        sch.vectorize(i)
