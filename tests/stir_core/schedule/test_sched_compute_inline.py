"""compute_inline, reverse_compute_inline."""

from __future__ import annotations

from collections.abc import Callable

from test_sched_common import (
    block,
    bound_nest,
    fails_unchanged,
    matmul,
    new_schedule,
    point,
    root,
    verify_trace_roundtrip,
)

from stir_core.ir import (
    REDUCE,
    SPATIAL,
    PrimFunc,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    op,
    seq,
)
from stir_core.schedule import (
    BodyAnalysisError,
    ConsumerLoadPatternError,
    NonSingleProducerError,
    NotSingleWriteBlockError,
    NotSpatialBlockError,
    OnlyLeafError,
    OutputBlockError,
)

N = 16
A = decl_buffer((N, N), "float32", "A")
B = decl_buffer((N, N), "float32", "B")
C = decl_buffer((N, N), "float32", "C")
AXES = [("i", N, SPATIAL), ("j", N, SPATIAL)]

Make = Callable[[Var, Var], tuple]


def _scale(vi: Var, vj: Var) -> tuple:
    return buffer_store(B, A[vi, vj] * 2.0, (vi, vj)), None, [point(A, vi, vj)], [point(B, vi, vj)]


def _plus_one(vi: Var, vj: Var) -> tuple:
    return buffer_store(C, B[vi, vj] + 1.0, (vi, vj)), None, [point(B, vi, vj)], [point(C, vi, vj)]


def _fused(vi: Var, vj: Var) -> tuple:
    body = buffer_store(C, A[vi, vj] * 2.0 + 1.0, (vi, vj))
    return body, None, [point(A, vi, vj)], [point(C, vi, vj)]


def _two_stage(make_b: Make = _scale, make_c: Make = _plus_one) -> PrimFunc:
    blk_b, _ = block("B", AXES, make_b)
    blk_c, _ = block("C", AXES, make_c)
    return root(seq([bound_nest(blk_b), bound_nest(blk_c)]), [A, C], [B])


def _one_stage(name: str, make: Make) -> PrimFunc:
    blk, _ = block(name, AXES, make)
    return root(bound_nest(blk), [A, C])


def test_compute_inline_elementwise() -> None:
    func = _two_stage()
    sch = new_schedule(func)
    sch.compute_inline(sch.get_block("B"))
    assert_structural_equal(sch.mod["main"], _one_stage("C", _fused))
    assert sch.get_producers(sch.get_block("C")) == []
    verify_trace_roundtrip(sch, func)


def test_reverse_compute_inline_elementwise() -> None:
    func = _two_stage()
    sch = new_schedule(func)
    sch.reverse_compute_inline(sch.get_block("C"))
    assert_structural_equal(sch.mod["main"], _one_stage("B", _fused))
    verify_trace_roundtrip(sch, func)


def test_compute_inline_into_reduction() -> None:
    """B = A * 2; D[i] = sum_j B[i, j]  ->  D[i] = sum_j A[i, j] * 2."""
    d = decl_buffer((N,), "float32", "D")

    def make_sum(load: Callable[[Var, Var], object], read: object) -> Callable[..., tuple]:
        def make(vi: Var, vk: Var) -> tuple:
            body = buffer_store(d, d[vi] + load(vi, vk), (vi,))
            init = buffer_store(d, op.const(0.0), (vi,))
            return body, init, [point(d, vi), point(read, vi, vk)], [point(d, vi)]  # type: ignore[arg-type]

        return make

    axes = [("i", N, SPATIAL), ("k", N, REDUCE)]
    blk_b, _ = block("B", AXES, _scale)
    blk_d, _ = block("D", axes, make_sum(lambda i, k: B[i, k], B))
    func = root(seq([bound_nest(blk_b), bound_nest(blk_d)]), [A, d], [B])
    sch = new_schedule(func)
    sch.compute_inline(sch.get_block("B"))
    inlined, _ = block("D", axes, make_sum(lambda i, k: A[i, k] * 2.0, A))
    assert_structural_equal(sch.mod["main"], root(bound_nest(inlined), [A, d]))
    verify_trace_roundtrip(sch, func)


def test_compute_inline_errors() -> None:
    sch = new_schedule(matmul())
    c = sch.get_block("C")
    with fails_unchanged(sch, NotSpatialBlockError):
        sch.compute_inline(c)
    sch = new_schedule(_two_stage())
    c = sch.get_block("C")
    with fails_unchanged(sch, OutputBlockError):
        sch.compute_inline(c)


def test_compute_inline_body_must_be_a_plain_store() -> None:
    def row_only(vi: Var, vj: Var) -> tuple:
        body = buffer_store(B, A[vi, vj], (vi, 0))
        return body, None, [point(A, vi, vj)], [point(B, vi, 0)]

    sch = new_schedule(_two_stage(make_b=row_only))
    b = sch.get_block("B")
    with fails_unchanged(sch, BodyAnalysisError):
        sch.compute_inline(b)


def test_compute_inline_single_write_and_only_leaf() -> None:
    def two_writes(vi: Var, vj: Var) -> tuple:
        body = buffer_store(B, A[vi, vj], (vi, vj))
        return body, None, [point(A, vi, vj)], [point(B, vi, vj), point(C, vi, vj)]

    sch = new_schedule(_two_stage(make_b=two_writes))
    b = sch.get_block("B")
    with fails_unchanged(sch, NotSingleWriteBlockError):
        sch.compute_inline(b)
    blk_b, _ = block("B", AXES, _scale)
    lonely = new_schedule(root(bound_nest(blk_b), [A, C], [B]))
    b = lonely.get_block("B")
    with fails_unchanged(lonely, OnlyLeafError):
        lonely.compute_inline(b)


def test_reverse_compute_inline_errors() -> None:
    sch = new_schedule(_two_stage())
    b = sch.get_block("B")
    with fails_unchanged(sch, NonSingleProducerError):
        sch.reverse_compute_inline(b)
    sch = new_schedule(matmul())
    c = sch.get_block("C")
    with fails_unchanged(sch, NotSpatialBlockError):
        sch.reverse_compute_inline(c)

    def transposed_too(vi: Var, vj: Var) -> tuple:
        body = buffer_store(C, B[vi, vj] + B[vj, vi], (vi, vj))
        return body, None, [point(B, 0, 0)], [point(C, vi, vj)]

    sch = new_schedule(_two_stage(make_c=transposed_too))
    c = sch.get_block("C")
    with fails_unchanged(sch, ConsumerLoadPatternError):
        sch.reverse_compute_inline(c)


def test_reverse_compute_inline_output_producer() -> None:
    """The producer writes a parameter: its buffer cannot disappear."""
    blk_b, _ = block("B", AXES, _scale)
    blk_c, _ = block("C", AXES, _plus_one)
    func = root(seq([bound_nest(blk_b), bound_nest(blk_c)]), [A, B, C])
    sch = new_schedule(func)
    c = sch.get_block("C")
    with fails_unchanged(sch, OutputBlockError):
        sch.reverse_compute_inline(c)
