"""decompose_reduction, rfactor: IR, numerics, trace, errors."""

from __future__ import annotations

from test_sched2_helpers import run, schedule
from test_sched_common import (
    fails_unchanged,
    new_schedule,
    row_sum,
    verify_trace_roundtrip,
    with_body,
)

from stir_core.ir import ForKind, to_text
from stir_core.schedule import (
    FactorAxisOutOfRangeError,
    LoopHeightError,
    LoopPositionError,
    NotReductionBlockError,
    NotReductionLoopError,
    NotSingleChildBlockError,
    ReducerPatternError,
)


def test_decompose_reduction_matmul_vectorized() -> None:
    sch, example, func = schedule("matmul")
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    j0, j1 = sch.split(j, factors=[None, 4])
    sch.reorder(i, j0, k, j1)
    init = sch.decompose_reduction(c, k)
    sch.vectorize(j1)
    assert sch.get(init).name_hint == "C_init" and sch.get(c).init is None
    init_loops = [sch.get(lp) for lp in sch.get_loops(init)]
    assert [lp.loop_var.name for lp in init_loops] == ["i", "j_0", "j_1_init"]
    assert init_loops[-1].kind is ForKind.SERIAL
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_decompose_reduction_keeps_spatial_predicate() -> None:
    sch, example, func = schedule("conv2d")
    conv = sch.get_block("conv")
    _, _, y, *_ = sch.get_loops(conv)
    _y0, _ = sch.split(y, factors=[None, 3])  # 8 rows in tiles of 3: a predicate
    loops = sch.get_loops(conv)
    sch.decompose_reduction(conv, loops[5])  # rc
    assert to_text(sch.mod["main"]).count("T.where") == 2
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_rfactor_softmax_sum_and_max() -> None:
    sch, example, func = schedule("softmax")
    for name, axis in (("row_sum", 0), ("row_max", -1)):
        blk = sch.get_block(name)
        _, k = sch.get_loops(blk)
        _, k1 = sch.split(k, factors=[None, 4])  # 10 columns: a predicate on the rf block
        rf = sch.rfactor(k1, axis)
        assert sch.get(rf).name_hint == name + "_rf"
        assert sch.get(blk).name_hint == name
    buffers = {b.name: b for b in sch.mod["main"].body.block.alloc_buffers}
    assert [int(d) for d in buffers["row_sum_rf"].shape] == [4, 6]
    assert [int(d) for d in buffers["row_max_rf"].shape] == [6, 4]
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_rfactor_matmul_then_parallel() -> None:
    sch, example, func = schedule("matmul")
    c = sch.get_block("C")
    _i, _j, k = sch.get_loops(c)
    k0, _k1 = sch.split(k, factors=[4, None])
    rf = sch.rfactor(k0, 2)
    assert sch.get(rf).writes[0].buffer.shape[2].value == 4
    sch.parallel(sch.get_loops(rf)[0])
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_errors() -> None:
    sch, _, _ = schedule("softmax")
    blk, expo = sch.get_block("row_sum"), sch.get_block("exp")
    i, k = sch.get_loops(blk)
    ei, ej = sch.get_loops(expo)
    with fails_unchanged(sch, LoopPositionError):
        sch.decompose_reduction(blk, ei)
    with fails_unchanged(sch, NotReductionBlockError):
        sch.decompose_reduction(expo, ei)
    sch.reorder(k, i)
    with fails_unchanged(sch, LoopHeightError):
        sch.decompose_reduction(blk, i)
    with fails_unchanged(sch, NotReductionLoopError):
        sch.rfactor(i, 0)
    with fails_unchanged(sch, FactorAxisOutOfRangeError):
        sch.rfactor(k, 3)
    with fails_unchanged(sch, NotReductionBlockError):
        sch.rfactor(ej, 0)
    sch.compute_at(sch.get_block("row_max"), ei)
    with fails_unchanged(sch, NotSingleChildBlockError):
        sch.rfactor(ei, 0)


def test_error_reducer_pattern() -> None:
    func = row_sum(8, 4)
    top = func.body.block
    nest = top.body
    blk = nest.body.body.block
    store = blk.body.replace(value=blk.body.value.b)  # B[vi] = A[vi, vk]: not a reducer
    new_blk = blk.replace(body=store)
    new_nest = nest.replace(body=nest.body.replace(body=nest.body.body.replace(block=new_blk)))
    sch = new_schedule(with_body(func, new_nest))
    _, k = sch.get_loops(sch.get_block("B"))
    with fails_unchanged(sch, ReducerPatternError):
        sch.rfactor(k, 0)
