"""Scheduled kernels (TensorIR primitives on ``te.create_prim_func`` output) against numpy.

The schedules are written as a TVM user would (TVM's "How to optimize GEMM on CPU" and the
TensorIR blitz course), with ``tvm.tir.Schedule``:

* matmul 1024: a register-blocked micro-kernel. ``B`` is packed into ``[j // 32, k, j % 32]``
  (``cache_read`` + ``transform_layout``) so the kernel reads it contiguously; ``C`` is
  accumulated in a ``local`` 8 x 32 tile (``cache_write`` + ``reverse_compute_at``), which
  LLVM keeps in 16 zmm registers: per ``k`` step 8 broadcasts of ``A`` and 2 vector loads of
  packed ``B`` feed 16 FMAs. Rows are blocked by 64 (the ``A`` block stays in L2 while the
  ``j`` tiles sweep packed ``B``), ``k`` is split by 4 and unrolled, the 8 tile rows are
  unrolled, the 32 tile columns vectorized, the 64-row blocks run in parallel.
* conv2d (NCHW): the same idea over (filters, x): a ``local`` tile of 8 filters x one output
  row (28 lanes: 16 + 8 + 4), the reduction over (rc, ry, rx) outside it with ``rx``
  unrolled, the 8 filters unrolled and ``x`` vectorized; (filter block, row) fused and run
  in parallel; the padding stage in parallel over channels, its rows vectorized.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import te_compat as tvm
from stir_core.ir import PrimFunc
from te_compat import examples, te

from .runners import kernel_runners

#: matmul micro-kernel: MR x NR accumulator tile, K_UNROLL, MC-row blocks
MR, NR, K_UNROLL, MC = 8, 32, 4, 64
#: conv2d: filters per accumulator tile
CONV_FILTERS = 8
#: timed runs per benchmark (the kernels take milliseconds: more rounds, steadier medians)
ROUNDS = 20


def schedule_matmul(func: PrimFunc) -> PrimFunc:
    sch = tvm.tir.Schedule(func)
    c = sch.get_block("C")
    packed = sch.cache_read(c, 1, "global")
    sch.transform_layout(packed, ("write", 0), lambda k, j: (j // NR, k, j % NR))
    i, j, k = sch.get_loops(c)
    i_block, i_tile, i_inner = sch.split(i, factors=[None, MC // MR, MR])
    j_tile, j_inner = sch.split(j, factors=[None, NR])
    k_outer, k_inner = sch.split(k, factors=[None, K_UNROLL])
    sch.reorder(i_block, j_tile, i_tile, k_outer, k_inner, i_inner, j_inner)
    local = sch.cache_write(c, 0, "local")
    sch.reverse_compute_at(local, i_tile)
    init = sch.decompose_reduction(c, k_outer)
    sch.vectorize(sch.get_loops(init)[-1])
    sch.unroll(k_inner)
    sch.unroll(i_inner)
    sch.vectorize(j_inner)
    sch.vectorize(sch.get_loops(local)[-1])
    sch.parallel(i_block)
    packed_rows, _ = sch.get_loops(packed)
    sch.parallel(packed_rows)
    return sch.mod["main"]


def schedule_conv2d(func: PrimFunc) -> PrimFunc:
    sch = tvm.tir.Schedule(func)
    conv, pad = sch.get_block("conv"), sch.get_block("pad")
    n, f, y, x, rc, ry, rx = sch.get_loops(conv)
    f_block, f_inner = sch.split(f, factors=[None, CONV_FILTERS])
    sch.reorder(n, f_block, y, rc, ry, rx, f_inner, x)
    local = sch.cache_write(conv, 0, "local")
    sch.reverse_compute_at(local, y)
    init = sch.decompose_reduction(conv, rc)
    sch.vectorize(sch.get_loops(init)[-1])
    sch.unroll(rx)
    sch.unroll(f_inner)
    sch.vectorize(x)
    sch.vectorize(sch.get_loops(local)[-1])
    sch.parallel(sch.fuse(f_block, y))
    _, channels, _, pad_x = sch.get_loops(pad)
    sch.parallel(channels)
    sch.vectorize(pad_x)
    return sch.mod["main"]


CASES: dict[str, tuple[Callable[[], examples.Example], Callable[[PrimFunc], PrimFunc]]] = {
    "matmul1024": (lambda: examples.matmul(1024), schedule_matmul),
    "conv2d": (examples.conv2d_nchw, schedule_conv2d),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, tuple]:
    make, scheduler = CASES[request.param]
    example = make()
    module = tvm.build(scheduler(te.create_prim_func(example.tensors())), target="llvm")
    return request.param, kernel_runners(module, example)


def test_ours(benchmark, case) -> None:
    name, (ours, _) = case
    benchmark.group = f"scheduled {name}"
    benchmark.pedantic(ours, rounds=ROUNDS, warmup_rounds=2)


def test_numpy(benchmark, case) -> None:
    name, (_, reference) = case
    benchmark.group = f"scheduled {name}"
    benchmark.pedantic(reference, rounds=ROUNDS, warmup_rounds=2)
