"""Unscheduled kernels (straight from ``te.create_prim_func``) against numpy.

These set the baseline: no tiling, no threads, only what LLVM's O3 does on plain loops.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from te_compat import examples

from .runners import build_example

CASES: dict[str, Callable[[], examples.Example]] = {
    "matmul1024": lambda: examples.matmul(1024),
    "conv2d": examples.conv2d_nchw,
    "softmax": examples.softmax,
    "elementwise": examples.elementwise,
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, tuple]:
    return request.param, build_example(CASES[request.param]())


def test_ours(benchmark, case) -> None:
    name, (ours, _) = case
    benchmark.group = f"unscheduled {name}"
    benchmark.pedantic(ours, rounds=5, warmup_rounds=1)


def test_numpy(benchmark, case) -> None:
    name, (_, reference) = case
    benchmark.group = f"unscheduled {name}"
    benchmark.pedantic(reference, rounds=5, warmup_rounds=1)
