"""compute_at, reverse_compute_at: IR, exact regions (brute force), numerics, errors."""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
from test_sched2_helpers import chain, points, prim_func, run
from test_sched_common import (
    block,
    bound_nest,
    elementwise,
    fails_unchanged,
    new_schedule,
    point,
    root,
    verify_trace_roundtrip,
)

from stir_core.arith.evaluate import evaluate
from stir_core.ir import SPATIAL, Var, buffer_store, decl_buffer, seq, to_text
from stir_core.schedule import (
    AccessPatternError,
    IncompleteReductionError,
    InsertionPositionError,
    LoopPositionError,
    NoConsumerUnderLoopError,
    NotCompleteBlockError,
    OutputBlockComputeAtError,
    RegionNotCoveredError,
)
from stir_core.schedule.checks import loads_in
from te_compat import te
from te_compat.examples import Example, conv2d_nchw

GOLDEN_COMPUTE_AT = """\
    for i_0 in range(8):
        for ax0, ax1 in T.grid(4, 16):
            with T.block("B"):
                vi = T.axis.spatial(32, i_0 * 4 + ax0)
                vj = T.axis.spatial(16, ax1)
                T.reads(A[vi, vj])
                T.writes(B[vi, vj])
                B[vi, vj] = A[vi, vj] * T.float32(2.0)
        for i_1, j in T.grid(4, 16):
            with T.block("C"):"""


def test_compute_at_elementwise_golden_and_roundtrip() -> None:
    func = elementwise(32, 16)
    sch = new_schedule(func)
    i, _ = sch.get_loops(sch.get_block("C"))
    i0, _ = sch.split(i, factors=[None, 4])
    sch.compute_at(sch.get_block("B"), i0)
    assert GOLDEN_COMPUTE_AT in to_text(sch.mod["main"])
    verify_trace_roundtrip(sch, func)
    assert [lp.extent.value for lp in map(sch.get, sch.get_loops(sch.get_block("B")))] == [
        8,
        4,
        16,
    ]


def _conv_schedule(size: int, tile: int) -> tuple:
    example = conv2d_nchw(1, 2, 3, size, 3, 1)
    func = prim_func(example)
    sch = new_schedule(func)
    conv = sch.get_block("conv")
    _, _, y, x, *_ = sch.get_loops(conv)
    y0, y1 = sch.split(y, factors=[None, tile])
    x0, x1 = sch.split(x, factors=[None, tile])
    sch.reorder(y0, x0, y1, x1)
    sch.compute_at(sch.get_block("pad"), x0)
    return sch, example, func


def _written_and_read(sch) -> tuple[dict, dict]:
    """Per point of the loops around the pad tile: pad elements written (list), read (set)."""
    outer = [sch.get(lp).loop_var for lp in sch.get_loops(sch.get_block("pad"))[:4]]
    written: dict = defaultdict(list)
    read: dict = defaultdict(set)
    for node, env in points(sch.mod["main"].body.block.body):
        key = tuple(env[v] for v in outer)
        blk = node.block
        if blk.name_hint == "pad":
            written[key].append(tuple(evaluate(r.min, env) for r in blk.writes[0].region))
            continue
        for load in loads_in(blk.body):
            if load.buffer.name == "pad":
                read[key].add(tuple(evaluate(i, env) for i in load.indices))
    return written, read


def _box(ranges: list[range]) -> set[tuple[int, ...]]:
    return set(itertools.product(*ranges))


def test_compute_at_conv_region_is_exact_tile() -> None:
    sch, example, func = _conv_schedule(8, 4)
    pad_loops = [sch.get(lp) for lp in sch.get_loops(sch.get_block("pad"))]
    assert [lp.extent.value for lp in pad_loops[-3:]] == [2, 6, 6]  # channels, 6x6 tile
    written, read = _written_and_read(sch)
    assert written and written.keys() == read.keys()
    for key, elements in written.items():
        assert len(elements) == len(set(elements))  # each element computed once per tile
        box = [range(min(d), max(d) + 1) for d in zip(*read[key], strict=True)]
        assert set(elements) == _box(box)  # exactly the hull of what the tile reads
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_compute_at_conv_uneven_tile_needs_predicate() -> None:
    sch, example, _ = _conv_schedule(8, 3)
    text = to_text(sch.mod["main"])
    assert "T.where" in text
    written, read = _written_and_read(sch)
    for key, elements in written.items():
        assert read[key] <= set(elements)
        assert all(0 <= y < 10 and 0 <= x < 10 for _, _, y, x in elements)
    run(sch.mod["main"], example)


def test_compute_at_chain_twice_and_index() -> None:
    example = chain(24, 20)
    func = prim_func(example)
    sch = new_schedule(func)
    i, _j = sch.get_loops(sch.get_block("D"))
    i0, _ = sch.split(i, factors=[None, 5])
    sch.compute_at(sch.get_block("C"), i0)
    sch.compute_at(sch.get_block("B"), i0, index=-2)
    names = [b.name_hint for b in map(sch.get, sch.get_child_blocks(sch.get_block("root")))]
    assert names == ["B", "C", "D"]
    assert "T.where" in to_text(sch.mod["main"])  # 24 rows in tiles of 5
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_reverse_compute_at_elementwise_and_preserve_unit_loops() -> None:
    func = elementwise(32, 16)
    sch = new_schedule(func)
    i, _j = sch.get_loops(sch.get_block("B"))
    _i0, i1 = sch.split(i, factors=[None, 4])
    sch.reverse_compute_at(sch.get_block("C"), i1, preserve_unit_loops=True)
    loops = [sch.get(lp) for lp in sch.get_loops(sch.get_block("C"))]
    assert [lp.extent.value for lp in loops] == [8, 4, 1, 16]
    example = Example(
        "e",
        "",
        lambda: [],
        lambda rng: [rng.random((32, 16), dtype=np.float32)],
        lambda a: a * 2 + 1,
    )
    _run_plain(sch.mod["main"], example, (32, 16))
    verify_trace_roundtrip(sch, func)


def _run_plain(func, example: Example, shape: tuple[int, ...]) -> None:
    from stir_core.codegen import build

    (a,) = example.inputs(np.random.default_rng(1))
    out = np.zeros(shape, np.float32)
    build(func)(a, out)
    np.testing.assert_allclose(out, example.reference(a), rtol=1e-6)


def _matmul_relu(n: int = 16) -> tuple:
    a = te.placeholder((n, n), name="A")
    b = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    c = te.compute((n, n), lambda i, j: te.sum(a[i, k] * b[k, j], axis=k), name="C")
    d = te.compute((n, n), lambda i, j: te.max(c[i, j], 0.0), name="D")
    return te.create_prim_func([a, b, d])


def test_reverse_compute_at_after_reduction() -> None:
    func = _matmul_relu()
    sch = new_schedule(func)
    i, _j, k = sch.get_loops(sch.get_block("C"))
    sch.reverse_compute_at(sch.get_block("D"), i)
    loops = [sch.get(lp) for lp in sch.get_loops(sch.get_block("D"))]
    assert [lp.extent.value for lp in loops] == [16, 16]
    from stir_core.codegen import build

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 16, 16), dtype=np.float32)
    out = np.zeros((16, 16), np.float32)
    build(sch.mod["main"])(a, b, out)
    np.testing.assert_allclose(out, np.maximum(a @ b, 0), rtol=1e-4, atol=1e-5)
    relu = sch.get_block("D")
    with fails_unchanged(sch, IncompleteReductionError):
        sch.reverse_compute_at(relu, k)


# ------------------------------------------------------------------------------- errors


def test_errors_placement_output_consumer_index() -> None:
    sch = new_schedule(prim_func(chain(24, 20)))
    b, c, d = (sch.get_block(name) for name in "BCD")
    b_loops, d_loops = sch.get_loops(b), sch.get_loops(d)
    with fails_unchanged(sch, LoopPositionError):
        sch.compute_at(b, b_loops[0])
    with fails_unchanged(sch, OutputBlockComputeAtError):
        sch.compute_at(d, b_loops[0])
    with fails_unchanged(sch, NoConsumerUnderLoopError):
        sch.compute_at(b, d_loops[0])
    with fails_unchanged(sch, InsertionPositionError):
        sch.compute_at(c, d_loops[0], index=3)
    with fails_unchanged(sch, NoConsumerUnderLoopError):
        sch.reverse_compute_at(d, b_loops[0])


def test_error_access_pattern_after_layout_change() -> None:
    sch = new_schedule(elementwise(32, 16))
    sch.transform_layout(sch.get_block("B"), ("write", 0), lambda i, j: (j, i))
    i, _ = sch.get_loops(sch.get_block("C"))
    sch.compute_at(sch.get_block("B"), i)  # (j, i) is still a permutation of iter vars
    sch2 = new_schedule(elementwise(32, 16))
    sch2.transform_layout(sch2.get_block("B"), ("write", 0), lambda i, j: (i // 4, j, i % 4))
    i2, _ = sch2.get_loops(sch2.get_block("C"))
    producer = sch2.get_block("B")
    with fails_unchanged(sch2, AccessPatternError):
        sch2.compute_at(producer, i2)


def _partial_producer() -> tuple:
    """B is computed for rows [0, 8) only but C reads rows [0, 16)."""
    a, b, c = (decl_buffer((16, 4), "float32", n) for n in "ABC")

    def make_b(vi: Var, vj: Var) -> tuple:
        return (
            buffer_store(b, a[vi, vj] + 1.0, (vi, vj)),
            None,
            [point(a, vi, vj)],
            [point(b, vi, vj)],
        )

    def make_c(vi: Var, vj: Var) -> tuple:
        return (
            buffer_store(c, b[vi, vj] * 3.0, (vi, vj)),
            None,
            [point(b, vi, vj)],
            [point(c, vi, vj)],
        )

    blk_b, _ = block("B", [("i", 8, SPATIAL), ("j", 4, SPATIAL)], make_b)
    blk_c, _ = block("C", [("i", 16, SPATIAL), ("j", 4, SPATIAL)], make_c)
    blk_b2, _ = block("B2", [("i", 16, SPATIAL), ("j", 4, SPATIAL)], make_b)
    partial = root(seq([bound_nest(blk_b), bound_nest(blk_c)]), [a, c], [b])
    two_writers = root(
        seq([bound_nest(blk_b2), bound_nest(blk_b2.replace(name_hint="B3")), bound_nest(blk_c)]),
        [a, c],
        [b],
    )
    return partial, two_writers


def test_errors_region_not_covered_and_not_complete() -> None:
    partial, two_writers = _partial_producer()
    sch = new_schedule(partial)
    b, c = sch.get_block("B"), sch.get_block("C")
    (i, _), (bi, _) = sch.get_loops(c), sch.get_loops(b)
    with fails_unchanged(sch, RegionNotCoveredError):
        sch.compute_at(b, i)
    with fails_unchanged(sch, RegionNotCoveredError):
        sch.reverse_compute_at(c, bi)
    sch = new_schedule(two_writers)
    b2 = sch.get_block("B2")
    i, _ = sch.get_loops(sch.get_block("C"))
    with fails_unchanged(sch, NotCompleteBlockError):
        sch.compute_at(b2, i)


def test_reverse_compute_at_refuses_to_drop_padding_instances() -> None:
    """Found by the fuzz test: padding reads ``data`` only inside the guard, so moving it under
    the copy of ``data`` would compute the interior rows only; the border would never run."""
    example = conv2d_nchw(1, 2, 3, 8, 3, 1)
    sch = new_schedule(te.create_prim_func(example.tensors()))
    sch.cache_read(sch.get_block("pad"), 0, "global")
    copy_loop = sch.get_loops(sch.get_block("data_global"))[0]
    pad = sch.get_block("pad")
    with fails_unchanged(sch, RegionNotCoveredError, match="padding"):
        sch.reverse_compute_at(pad, copy_loop)
    run(sch.mod["main"], example)


def test_fusing_the_parts_of_a_non_divisible_split_keeps_valid_ir() -> None:
    """Found by the fuzz test: split 2 channels by 3, fuse n with the outer part, then with the
    inner part; ``T.where(f % 3 < 2)`` keeps ``v_c`` in range (verify used to reject it)."""
    example = conv2d_nchw(1, 2, 3, 8, 3, 1)
    sch = new_schedule(te.create_prim_func(example.tensors()))
    n, c, _, _ = sch.get_loops(sch.get_block("pad"))
    c0, c1 = sch.split(c, factors=[None, 3])
    sch.fuse(sch.fuse(n, c0), c1)
    assert "T.where(" in sch.mod["main"].script()
    run(sch.mod["main"], example)
