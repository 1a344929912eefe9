"""cache_write of several buffers of one block, and compute_at of a block writing several
buffers (the outputs of a multi-output ``te.compute``)."""

from __future__ import annotations

import numpy as np
import pytest
from test_sched_common import block, bound_nest, new_schedule, point, root, verify_trace_roundtrip

from stir_core.codegen import build
from stir_core.ir import SPATIAL, PrimFunc, buffer_store, decl_buffer, seq
from stir_core.schedule.cache import CacheRegionMismatchError
from stir_core.schedule.compute_at import OutputBlockComputeAtError
from stir_core.schedule.regions import AccessPatternError
from te_compat import te

N, M = 16, 12


def _two_outputs(shift: int = 0) -> PrimFunc:
    """B0, B1 = A * 2, A + 3 in one block; C[i, j] = B0[i, j] + B1[i, j + shift]."""
    a = te.placeholder((N, M), name="A")
    b0, b1 = te.compute((N, M), lambda i, j: (a[i, j] * 2, a[i, j] + 3), name="B")
    c = te.compute((N, M - shift), lambda i, j: b0[i, j] + b1[i, j + shift], name="C")
    return te.create_prim_func([a, c])


def _run(func: PrimFunc, shift: int = 0) -> None:
    a = np.random.default_rng(0).random((N, M)).astype("float32")
    c = np.zeros((N, M - shift), "float32")
    build(func)(a, c)
    np.testing.assert_allclose(c, a[:, : M - shift] * 2 + a[:, shift:] + 3, rtol=1e-5)


def test_cache_write_of_two_buffers_makes_one_copy_block() -> None:
    func = _two_outputs()
    sch = new_schedule(func)
    copy = sch.cache_write(sch.get_block("B"), [0, 1], "local")
    node = sch.get(copy)
    assert node.name_hint == "B_v0_local"
    assert [r.buffer.name for r in node.writes] == ["B_v0", "B_v1"]
    assert [r.buffer.name for r in sch.get(sch.get_block("B")).writes] == [
        "B_v0_local",
        "B_v1_local",
    ]
    _run(sch.mod["main"])
    verify_trace_roundtrip(sch, func)


def test_compute_at_of_a_two_buffer_block_under_its_copy() -> None:
    sch = new_schedule(_two_outputs())
    block = sch.get_block("B")
    copy = sch.cache_write(block, [0, 1], "local")
    outer, _ = sch.split(sch.get_loops(copy)[0], [None, 4])
    sch.compute_at(block, outer)
    assert len(sch.get_loops(block)) == 3
    _run(sch.mod["main"])


def test_compute_at_of_a_two_buffer_block_under_its_consumer() -> None:
    sch = new_schedule(_two_outputs())
    outer, _ = sch.split(sch.get_loops(sch.get_block("C"))[1], [None, 4])
    sch.compute_at(sch.get_block("B"), outer)
    _run(sch.mod["main"])


def test_compute_at_refuses_buffers_read_over_different_ranges() -> None:
    sch = new_schedule(_two_outputs(shift=2))
    outer, _ = sch.split(sch.get_loops(sch.get_block("C"))[1], [None, 5])
    with pytest.raises(AccessPatternError, match="different ranges"):
        sch.compute_at(sch.get_block("B"), outer)


def test_compute_at_refuses_a_block_writing_an_output_among_several() -> None:
    a = te.placeholder((N, M), name="A")
    b0, b1 = te.compute((N, M), lambda i, j: (a[i, j] * 2, a[i, j] + 3), name="B")
    c = te.compute((N, M), lambda i, j: b0[i, j] + b1[i, j], name="C")
    sch = new_schedule(te.create_prim_func([a, b1, c]))
    loop = sch.get_loops(sch.get_block("C"))[0]
    with pytest.raises(OutputBlockComputeAtError, match="'B'"):
        sch.compute_at(sch.get_block("B"), loop)


def test_cache_write_refuses_buffers_of_different_shapes() -> None:
    a = decl_buffer((4, 4), "float32", "A")
    b0 = decl_buffer((4, 4), "float32", "B0")
    b1 = decl_buffer((4, 8), "float32", "B1")

    def make(vi, vj):  # type: ignore[no-untyped-def]
        body = seq(
            [
                buffer_store(b0, a.vload((vi, vj)), (vi, vj)),
                buffer_store(b1, a.vload((vi, vj)), (vi, vj)),
            ]
        )
        return body, None, [point(a, vi, vj)], [point(b0, vi, vj), point(b1, vi, vj)]

    blk, _ = block("B", [("i", 4, SPATIAL), ("j", 4, SPATIAL)], make)
    sch = new_schedule(root(bound_nest(blk), [a, b0, b1]))
    with pytest.raises(CacheRegionMismatchError, match="different shapes"):
        sch.cache_write(sch.get_block("B"), [0, 1], "local")


def test_cache_write_refuses_buffers_written_over_different_regions() -> None:
    a = decl_buffer((4, 4), "float32", "A")
    b0 = decl_buffer((4, 4), "float32", "B0")
    b1 = decl_buffer((4, 4), "float32", "B1")

    def make(vi, vj):  # type: ignore[no-untyped-def]
        body = seq(
            [
                buffer_store(b0, a.vload((vi, vj)), (vi, vj)),
                buffer_store(b1, a.vload((vi, vj)), (vj, vi)),
            ]
        )
        return body, None, [point(a, vi, vj)], [point(b0, vi, vj), point(b1, vj, vi)]

    blk, _ = block("B", [("i", 2, SPATIAL), ("j", 4, SPATIAL)], make)
    sch = new_schedule(root(bound_nest(blk), [a, b0, b1]))
    with pytest.raises(CacheRegionMismatchError, match="different regions"):
        sch.cache_write(sch.get_block("B"), [0, 1], "local")
