"""Scheduled kernels (TensorIR primitives on ``te.create_prim_func`` output) against numpy.

* matmul 1024: 32x32 output tiles, B packed into ``[j // 32, k, j % 32]`` (``cache_read`` +
  ``transform_layout``), the init decomposed, the inner ``j`` vectorized, ``k`` unrolled by
  4, the tile rows in parallel.
* conv2d: output channels in parallel with the reduction loops moved outside the output
  row's ``x`` loop, which is vectorized; the init decomposed; padding in parallel.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stir_core.codegen import build
from stir_core.ir import PrimFunc
from stir_core.schedule import Schedule
from te_compat import examples, te

from .runners import kernel_runners


def schedule_matmul(func: PrimFunc, tile: int = 32) -> PrimFunc:
    sch = Schedule(func)
    c = sch.get_block("C")
    packed = sch.cache_read(c, 1, "global")
    sch.transform_layout(packed, ("write", 0), lambda k, j: (j // tile, k, j % tile))
    i, j, k = sch.get_loops(c)
    i0, i1 = sch.split(i, factors=[None, tile])
    j0, j1 = sch.split(j, factors=[None, tile])
    k0, k1 = sch.split(k, factors=[None, 4])
    sch.reorder(i0, j0, k0, i1, k1, j1)
    local = sch.cache_write(c, 0, "local")
    sch.reverse_compute_at(local, j0)
    sch.decompose_reduction(c, k0)
    sch.vectorize(j1)
    sch.unroll(k1)
    sch.parallel(i0)
    pk, _ = sch.get_loops(packed)
    sch.parallel(pk)
    return sch.mod["main"]


def schedule_conv2d(func: PrimFunc) -> PrimFunc:
    sch = Schedule(func)
    conv, pad = sch.get_block("conv"), sch.get_block("pad")
    _, f, y, x, rc, ry, rx = sch.get_loops(conv)
    sch.reorder(f, y, rc, ry, rx, x)
    sch.decompose_reduction(conv, rc)
    sch.vectorize(x)
    sch.parallel(f)
    sch.parallel(sch.get_loops(pad)[1])
    return sch.mod["main"]


CASES: dict[str, tuple[Callable[[], examples.Example], Callable[[PrimFunc], PrimFunc]]] = {
    "matmul1024": (lambda: examples.matmul(1024), schedule_matmul),
    "conv2d": (examples.conv2d_nchw, schedule_conv2d),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, tuple]:
    make, scheduler = CASES[request.param]
    example = make()
    kernel = build(scheduler(te.create_prim_func(example.tensors())))
    return request.param, kernel_runners(kernel, example)


def test_ours(benchmark, case) -> None:
    name, (ours, _) = case
    benchmark.group = f"scheduled {name}"
    benchmark.pedantic(ours, rounds=5, warmup_rounds=1)


def test_numpy(benchmark, case) -> None:
    name, (_, reference) = case
    benchmark.group = f"scheduled {name}"
    benchmark.pedantic(reference, rounds=5, warmup_rounds=1)
