"""Compacted intermediates end to end: NS-TIR allocation sizes, in-bounds accesses
(the test interpreter checks every one) and numerics against numpy, natively too."""

import numpy as np
import pytest
from compact_cases import conv_reference, conv_tile, tiled
from lower_cases import axis, block, nest, nodes_of, root_func
from lower_interp import run

from stir_core.analysis import verify
from stir_core.codegen import build
from stir_core.ir import (
    Allocate,
    Broadcast,
    ForKind,
    IntImm,
    PrimFunc,
    Ramp,
    SizeVar,
    Var,
    buffer_store,
    decl_buffer,
    realize,
    seq,
)
from stir_core.ir.op import const
from stir_core.lower import lower

RNG = np.random.default_rng(7)


def _native(func: PrimFunc, *arrays: np.ndarray) -> None:
    build(func)(*arrays)


@pytest.fixture(params=[run, _native], ids=["interpreter", "llvm"])
def execute(request):
    return request.param


def _lowered(func: PrimFunc) -> PrimFunc:
    lowered = lower(func, check=True)
    verify(lowered)
    return lowered


def _sizes(func: PrimFunc) -> dict[str, int]:
    """Allocated elements per buffer name (constant sizes only)."""
    return {
        a.buffer.name: a.buffer.shape[0].value
        for a in nodes_of(func.body, Allocate)
        if isinstance(a.buffer.shape[0], IntImm)
    }


@pytest.mark.parametrize("kind", [ForKind.SERIAL, ForKind.PARALLEL])
def test_tiled_intermediate_runs_in_a_tile(execute, kind):
    lowered = _lowered(tiled(kind=kind).func)
    assert _sizes(lowered) == {"B": 8 * 64}
    a = RNG.standard_normal((64, 64)).astype("float32")
    c = np.full_like(a, np.nan)
    execute(lowered, a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_storage_align_pads_the_compacted_rows(execute):
    lowered = _lowered(tiled(b_attrs={"align_constraints": ((0, 16, 1),)}).func)
    assert _sizes(lowered) == {"B": 8 * 65}
    a = RNG.standard_normal((64, 64)).astype("float32")
    c = np.full_like(a, np.nan)
    execute(lowered, a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


@pytest.mark.parametrize("rows", [5, 8, 13])
def test_symbolic_rows_run_with_partial_tiles(execute, rows):
    lowered = _lowered(tiled(SizeVar("n"), 64).func)
    a = RNG.standard_normal((rows, 64)).astype("float32")
    c = np.full_like(a, np.nan)
    execute(lowered, a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_padded_conv_tile_matches_numpy(execute):
    case = conv_tile(channels=2, size=8, out_channels=3)
    lowered = _lowered(case.func)
    assert _sizes(lowered) == {"Pad": 2 * 6 * 6}
    a = RNG.standard_normal((2, 8, 8)).astype("float32")
    w = RNG.standard_normal((3, 2, 3, 3)).astype("float32")
    o = np.full((3, 8, 8), np.nan, "float32")
    execute(lowered, a, w, o)
    np.testing.assert_allclose(o, conv_reference(a, w), rtol=1e-4, atol=1e-5)


def _prefix_sums() -> PrimFunc:
    """``T[i] += A[i, k]`` and ``D[i, k] = T[i]`` under the same loop k: T accumulates
    across k, so it must be allocated under i (one element), not under k."""
    A, D = decl_buffer((4, 8), name="A"), decl_buffer((4, 8), name="D")
    T = decl_buffer((4,), name="T")
    vi, vk = axis("vi", 4), axis("vk", 8, reduce=True)
    acc = block(
        "T",
        (vi, vk),
        buffer_store(T, T[vi] + A[vi, vk], (vi,)),
        init=buffer_store(T, 0.0, (vi,)),
        reads=(T, A),
        writes=(T,),
    )
    wi, wk = axis("wi", 4), axis("wk", 8)
    copy = block("D", (wi, wk), buffer_store(D, T[wi], (wi, wk)), reads=(T,), writes=(D,))
    i, k = Var("i"), Var("k")
    body = nest([(i, 4), (k, 8)], seq([realize(acc, (i, k)), realize(copy, (i, k))]))
    return root_func((A, D), body, allocs=(T,))


def test_accumulator_is_kept_above_its_reduction_loop(execute):
    lowered = _lowered(_prefix_sums())
    assert _sizes(lowered) == {"T": 1}
    a = RNG.standard_normal((4, 8)).astype("float32")
    d = np.full_like(a, np.nan)
    execute(lowered, a, d)
    np.testing.assert_allclose(d, np.cumsum(a, axis=1), rtol=1e-5)


def _vector_tiles() -> PrimFunc:
    """B (64,) written and read 8 lanes at a time under loop i0."""
    A, C = decl_buffer((64,), name="A"), decl_buffer((64,), name="C")
    B = decl_buffer((64,), name="B")
    vi, wi = axis("vi", 8), axis("wi", 8)
    ramp = Ramp(vi.var.dtype.with_lanes(8), vi.var * 8, IntImm(vi.var.dtype, 1), 8)
    two = Broadcast(B.dtype.with_lanes(8), const(2.0, "float32"), 8)
    write = block("B", (vi,), buffer_store(B, A[ramp] * two, (ramp,)), reads=(A,), writes=(B,))
    wramp = Ramp(wi.var.dtype.with_lanes(8), wi.var * 8, IntImm(wi.var.dtype, 1), 8)
    read = block("C", (wi,), buffer_store(C, B[wramp], (wramp,)), reads=(B,), writes=(C,))
    i0 = Var("i0")
    body = nest([(i0, 8)], seq([realize(write, (i0,)), realize(read, (i0,))]))
    return root_func((A, C), body, allocs=(B,))


def test_vector_accesses_are_compacted_to_their_lanes():
    lowered = _lowered(_vector_tiles())
    assert _sizes(lowered) == {"B": 8}
    a = RNG.standard_normal(64).astype("float32")
    c = np.full_like(a, np.nan)
    _native(lowered, a, c)
    np.testing.assert_allclose(c, a * 2, rtol=1e-6)
