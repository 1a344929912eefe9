"""split, fuse, reorder, add_unit_loop."""

from __future__ import annotations

from test_sched_common import (
    elementwise,
    fails_unchanged,
    leaf_blocks,
    matmul,
    new_schedule,
    renest,
    verify_trace_roundtrip,
    with_body,
)

from stir_core.ir import For, ForKind, PrimFunc, Var, assert_structural_equal, op, realize, seq
from stir_core.schedule import (
    BlockBetweenLoopsError,
    DependentLoopError,
    DuplicateLoopError,
    EmptyLoopListError,
    HasAnnotationOrThreadBindingError,
    LoopNotInChainError,
    MixedIterTypeFuseError,
    NonPositiveFactorError,
    NotAdjacentLoopsError,
    NotSingleInferFactorError,
    RootBlockError,
    WrongFactorProductError,
)


def test_split_divisible_infers_factor() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, _, _ = sch.get_loops(sch.get_block("C"))
    outs = sch.split(i, factors=[None, 32])
    assert [sch.get(loop).loop_var.name for loop in outs] == ["i_0", "i_1"]
    (blk,) = leaf_blocks(func)
    spec = [("i_0", 4), ("i_1", 32), ("j", 128), ("k", 128)]
    expected = renest(blk, spec, lambda i0, i1, j, k: (i0 * 32 + i1, j, k))
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    verify_trace_roundtrip(sch, func)


def test_split_three_factors() -> None:
    func = matmul()
    sch = new_schedule(func)
    _, _, k = sch.get_loops(sch.get_block("C"))
    sch.split(k, factors=[4, None, 8])
    (blk,) = leaf_blocks(func)
    spec = [("i", 128), ("j", 128), ("k_0", 4), ("k_1", 4), ("k_2", 8)]
    expected = renest(blk, spec, lambda i, j, k0, k1, k2: (i, j, k0 * 32 + k1 * 8 + k2))
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    verify_trace_roundtrip(sch, func)


def test_split_non_divisible_adds_predicate() -> None:
    func = elementwise(100, 16)
    sch = new_schedule(func)
    i, _ = sch.get_loops(sch.get_block("B"))
    sch.split(i, factors=[None, 32])
    blk_b, blk_c = leaf_blocks(func)
    spec = [("i_0", 4), ("i_1", 32), ("j", 16)]
    split_b = renest(
        blk_b, spec, lambda i0, i1, j: (i0 * 32 + i1, j), lambda i0, i1, j: i0 * 32 + i1 < 100
    )
    rest = renest(blk_c, [("i", 100), ("j", 16)], lambda i, j: (i, j))
    assert_structural_equal(sch.mod["main"], with_body(func, seq([split_b, rest])))
    verify_trace_roundtrip(sch, func)


def test_split_unit_factor_not_preserved() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, _, _ = sch.get_loops(sch.get_block("C"))
    sch.split(i, factors=[1, 128], preserve_unit_iters=False)
    (blk,) = leaf_blocks(func)
    spec = [("i_0", 1), ("i_1", 128), ("j", 128), ("k", 128)]
    expected = renest(blk, spec, lambda i0, i1, j, k: (i1, j, k))
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    verify_trace_roundtrip(sch, func)


def test_split_errors_leave_schedule_unchanged() -> None:
    sch = new_schedule(matmul())
    i, j, _ = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, NotSingleInferFactorError):
        sch.split(i, factors=[None, None])
    with fails_unchanged(sch, NonPositiveFactorError):
        sch.split(i, factors=[0, None])
    with fails_unchanged(sch, WrongFactorProductError):
        sch.split(i, factors=[4, 16])
    sch.annotate(j, "pragma", 1)
    with fails_unchanged(sch, HasAnnotationOrThreadBindingError):
        sch.split(j, factors=[None, 4])


def test_fuse_two_loops() -> None:
    func = elementwise(128, 64)
    sch = new_schedule(func)
    i, j = sch.get_loops(sch.get_block("C"))
    fused = sch.fuse(i, j)
    assert sch.get(fused).loop_var.name == "i_j_fused"
    blk_b, blk_c = leaf_blocks(func)
    first = renest(blk_b, [("i", 128), ("j", 64)], lambda i, j: (i, j))
    second = renest(blk_c, [("i_j_fused", 8192)], lambda f: (f // 64, f % 64))
    assert_structural_equal(sch.mod["main"], with_body(func, seq([first, second])))
    verify_trace_roundtrip(sch, func)


def test_fuse_three_loops_from_a_list() -> None:
    func = matmul(8)
    sch = new_schedule(func)
    i, j, _ = sch.get_loops(sch.get_block("C"))
    i0, i1 = sch.split(i, factors=[2, 4])
    sch.fuse([i0, i1, j])
    (blk,) = leaf_blocks(func)

    def values(f: Var, k: Var) -> tuple:
        return ((f // 32) * 4 + op.floormod(f // 8, 4), f % 8, k)

    expected = renest(blk, [("i_0_i_1_j_fused", 64), ("k", 8)], values)
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    verify_trace_roundtrip(sch, func)


def test_fuse_errors() -> None:
    sch = new_schedule(matmul())
    i, j, k = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, NotAdjacentLoopsError):
        sch.fuse(i, k)
    with fails_unchanged(sch, NotAdjacentLoopsError):
        sch.fuse(j, i)
    with fails_unchanged(sch, EmptyLoopListError):
        sch.fuse()
    with fails_unchanged(sch, MixedIterTypeFuseError):
        sch.fuse(j, k)


def test_reorder_matmul() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, _, k = sch.get_loops(sch.get_block("C"))
    sch.reorder(k, i)
    (blk,) = leaf_blocks(func)
    spec = [("k", 128), ("j", 128), ("i", 128)]
    expected = renest(blk, spec, lambda k, j, i: (i, j, k))
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    assert [sch.get(loop).loop_var.name for loop in sch.get_loops(sch.get_block("C"))] == [
        "k",
        "j",
        "i",
    ]
    verify_trace_roundtrip(sch, func)


def test_reorder_after_split_keeps_other_loops() -> None:
    func = matmul()
    sch = new_schedule(func)
    i, j, _ = sch.get_loops(sch.get_block("C"))
    i0, i1 = sch.split(i, factors=[None, 16])
    j0, j1 = sch.split(j, factors=[None, 16])
    sch.reorder(i0, j0, i1, j1)
    names = [sch.get(loop).loop_var.name for loop in sch.get_loops(sch.get_block("C"))]
    assert names == ["i_0", "j_0", "i_1", "j_1", "k"]
    verify_trace_roundtrip(sch, func)


def test_reorder_errors() -> None:
    sch = new_schedule(elementwise())
    bi, bj = sch.get_loops(sch.get_block("B"))
    ci, _ = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, LoopNotInChainError):
        sch.reorder(bi, ci)
    with fails_unchanged(sch, DuplicateLoopError):
        sch.reorder(bj, bj)
    with fails_unchanged(sch, EmptyLoopListError):
        sch.reorder()


def _shared_outer_loop() -> PrimFunc:
    """for i: (for j: B[i, j] = A[i, j] * 2) then (for j: C[i, j] = B[i, j] + 1)."""
    func = elementwise(8, 8)
    blk_b, blk_c = leaf_blocks(func)
    i = Var("i")
    inner = [renest(b, [("j", 8)], lambda j: (i, j)) for b in (blk_b, blk_c)]
    return with_body(func, For(i, op.const(0), op.const(8), ForKind.SERIAL, seq(inner)))


def test_reorder_across_a_sequence_fails() -> None:
    sch = new_schedule(_shared_outer_loop())
    i, j = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, BlockBetweenLoopsError):
        sch.reorder(j, i)


def _triangle() -> PrimFunc:
    """for i in range(8): for j in range(i + 1): B[i, j] = A[i, j] * 2."""
    func = elementwise(8, 8)
    blk_b = leaf_blocks(func)[0]
    i, j = Var("i"), Var("j")
    inner = For(j, op.const(0), i + 1, ForKind.SERIAL, realize(blk_b, (i, j)))
    return with_body(func, For(i, op.const(0), op.const(8), ForKind.SERIAL, inner))


def test_dependent_loops_cannot_be_fused_or_reordered() -> None:
    sch = new_schedule(_triangle())
    i, j = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, DependentLoopError):
        sch.fuse(i, j)
    with fails_unchanged(sch, DependentLoopError):
        sch.reorder(j, i)


def test_add_unit_loop_above_block_and_loop() -> None:
    func = matmul()
    sch = new_schedule(func)
    blk_rv = sch.get_block("C")
    i, _, _ = sch.get_loops(blk_rv)
    u_block = sch.add_unit_loop(blk_rv)
    u_loop = sch.add_unit_loop(i)
    assert sch.get(u_block).loop_var.name == "u"
    assert len(sch.get_loops(blk_rv)) == 5
    (blk,) = leaf_blocks(func)
    spec = [("u", 1), ("i", 128), ("j", 128), ("k", 128), ("u", 1)]
    expected = renest(blk, spec, lambda u0, i, j, k, u1: (i, j, k))
    assert_structural_equal(sch.mod["main"], with_body(func, expected))
    assert sch.get(u_loop).extent.value == 1
    verify_trace_roundtrip(sch, func)
    root = sch.get_block("root")
    with fails_unchanged(sch, RootBlockError):
        sch.add_unit_loop(root)


GOLDEN_SPLIT_PARALLEL = """\
# from tvm.script import tir as T

@T.prim_func
def main(A: T.Buffer((10, 4), "float32"), C: T.Buffer((10, 4), "float32")):
    # with T.block("root"):
    B = T.alloc_buffer((10, 4))
    for i_0, i_1 in T.grid(3, 4):
        for j in T.parallel(4):
            with T.block("B"):
                vi = T.axis.spatial(10, i_0 * 4 + i_1)
                vj = T.axis.spatial(4, j)
                T.where(i_0 * 4 + i_1 < 10)
                T.reads(A[vi, vj])
                T.writes(B[vi, vj])
                B[vi, vj] = A[vi, vj] * T.float32(2.0)
    for i, j_1 in T.grid(10, 4):
        with T.block("C"):
            vi_1, vj_1 = T.axis.remap("SS", [i, j_1])
            T.reads(B[vi_1, vj_1])
            T.writes(C[vi_1, vj_1])
            C[vi_1, vj_1] = B[vi_1, vj_1] + T.float32(1.0)"""


def test_split_golden_text() -> None:
    sch = new_schedule(elementwise(10, 4))
    i, j = sch.get_loops(sch.get_block("B"))
    sch.split(i, factors=[None, 4])
    sch.parallel(j)
    assert str(sch.func).strip() == GOLDEN_SPLIT_PARALLEL
