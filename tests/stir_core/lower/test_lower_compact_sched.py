"""Schedules with compute_at / cache_read, lowered: the intermediates are allocated per
tile with the tile's size, and the kernels match numpy (test interpreter and native)."""

import numpy as np
import pytest
from compact_cases import conv_reference, point_chain, point_conv, point_matmul
from lower_cases import nodes_of
from lower_interp import run

from stir_core.analysis import verify
from stir_core.codegen import build
from stir_core.ir import Allocate, PrimFunc, SizeVar, structural_equal
from stir_core.ir.op import minimum
from stir_core.lower import lower
from stir_core.schedule import Schedule

RNG = np.random.default_rng(11)


def _native(func: PrimFunc, *arrays: np.ndarray) -> None:
    build(func)(*arrays)


@pytest.fixture(params=[run, _native], ids=["interpreter", "llvm"])
def execute(request):
    return request.param


def _lowered(sch: Schedule) -> tuple[PrimFunc, dict[str, object]]:
    lowered = lower(sch.func)
    verify(lowered)
    sizes = {a.buffer.name: a.buffer.shape[0] for a in nodes_of(lowered.body, Allocate)}
    return lowered, sizes


def _tiled_chain(rows) -> Schedule:
    sch = Schedule(point_chain(rows, 64))
    i, _ = sch.get_loops(sch.get_block("C"))
    i0, _ = sch.split(i, factors=[None, 8])
    sch.compute_at(sch.get_block("B"), i0)
    return sch


def test_compute_at_row_tiles(execute):
    lowered, sizes = _lowered(_tiled_chain(64))
    assert sizes["B"].value == 8 * 64  # was 64 * 64
    a = RNG.standard_normal((64, 64)).astype("float32")
    c = np.full_like(a, np.nan)
    execute(lowered, a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_compute_at_row_tiles_of_symbolic_rows(execute):
    n = SizeVar("n")
    lowered, sizes = _lowered(_tiled_chain(n))
    assert structural_equal(sizes["B"], (minimum(7, n - 1) + 1) * 64)
    for rows in (3, 16, 21):
        a = RNG.standard_normal((rows, 64)).astype("float32")
        c = np.full_like(a, np.nan)
        execute(lowered, a, c)
        np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_cache_read_at_a_row_tile_of_matmul(execute):
    sch = Schedule(point_matmul(16))
    block = sch.get_block("C")
    cached = sch.cache_read(block, 1, "local")
    i, _, _ = sch.get_loops(block)
    i0, _ = sch.split(i, factors=[None, 4])
    sch.compute_at(cached, i0)
    lowered, sizes = _lowered(sch)
    assert sizes["A_local"].value == 4 * 16  # was 16 * 16
    a, b = (RNG.standard_normal((16, 16)).astype("float32") for _ in range(2))
    c = np.full_like(a, np.nan)
    execute(lowered, a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-5)


def test_padded_input_at_an_output_tile_of_conv(execute):
    sch = Schedule(point_conv(channels=2, size=8, out_channels=3))
    _, oh, ow, _, _, _ = sch.get_loops(sch.get_block("O"))
    h0, h1 = sch.split(oh, factors=[None, 4])
    w0, w1 = sch.split(ow, factors=[None, 4])
    sch.reorder(h0, w0, h1, w1)
    sch.compute_at(sch.get_block("Pad"), w0)
    lowered, sizes = _lowered(sch)
    assert sizes["Pad"].value == 2 * 6 * 6  # was 2 * 10 * 10
    a = RNG.standard_normal((2, 8, 8)).astype("float32")
    w = RNG.standard_normal((3, 2, 3, 3)).astype("float32")
    o = np.full((3, 8, 8), np.nan, "float32")
    execute(lowered, a, w, o)
    np.testing.assert_allclose(o, conv_reference(a, w), rtol=1e-4, atol=1e-5)
