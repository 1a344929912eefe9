"""Bound queries of a real schedule: a conv2d whose padded input is computed at the
output's tile loop, and the share of compile time they take (issue 3).

The pipeline, timed per phase with cold caches (``stir_core.arith.clear_caches`` and the
kernel cache cleared first)::

    create   te.create_prim_func(conv2d NCHW 64 -> 64 channels, 56 x 56, 3 x 3, pad 1)
    schedule y and x split by 8, reorder (n, f, yo, xo, yi, xi, rc, ry, rx),
             compute_at(pad, xo)           -> a 64 x 10 x 10 padded tile per output tile
    lower    stir_core.lower.lower (compaction, flattening, simplification)
    build    stir_core.codegen.build (LLVM O3 + JIT)

``ArithTimer`` wraps every ``stir_core.arith`` entry point (the public functions, wherever
they were imported, and the methods of ``Domain``/``Region``) with a timer that counts only
the outermost call, so time spent inside arith is counted once. The share printed at the
end of a pytest run (``conftest.py``) is arith time / schedule+lower+build time, the
median over the benchmark's rounds. Run ``python -m benchmarks.bench_bounds`` for the
per-phase table.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from types import FunctionType
from typing import Any

import numpy as np

import stir_core.arith as arith
import te_compat as tvm
from stir_core.codegen import Kernel, build, clear_cache
from stir_core.ir import PrimFunc
from stir_core.lower import lower
from te_compat import examples, te

from .runners import SUMMARY

TILE = 8
PHASES = ("create", "schedule", "lower", "build")
#: the phases whose arith share issue 3 asks for
COMPILE = ("schedule", "lower", "build")
_SKIP = {"clear_caches"}


class ArithTimer:
    """Seconds spent in ``stir_core.arith`` while ``active()``, outermost calls only."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return function(*args, **kwargs)
            self._depth += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
                self._depth -= 1

        return timed

    @contextmanager
    def active(self) -> Iterator[ArithTimer]:
        patches = _entry_points()
        saved = [(owner, name, getattr(owner, name)) for owner, name in patches]
        wrapped: dict[int, Callable[..., Any]] = {}
        for owner, name, original in saved:
            if id(original) not in wrapped:
                wrapped[id(original)] = self.wrap(original)
            setattr(owner, name, wrapped[id(original)])
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


def _entry_points() -> list[tuple[Any, str]]:
    """(module or class, attribute) of every arith entry point reachable from outside."""
    functions = {
        id(value)
        for name, value in vars(arith).items()
        if isinstance(value, FunctionType) and not name.startswith("_") and name not in _SKIP
    }
    found: list[tuple[Any, str]] = []
    for module_name, module in list(sys.modules.items()):
        inside = module_name.startswith("stir_core.arith.")
        if module is None or inside or not module_name.startswith(("stir_core", "te_compat")):
            continue
        for name, value in list(vars(module).items()):
            if id(value) in functions:
                found.append((module, name))
    for cls in (arith.Domain, arith.Region):
        for name, value in vars(cls).items():
            if isinstance(value, FunctionType) and (name == "__init__" or name[0] != "_"):
                found.append((cls, name))
    return found


def conv2d_example() -> examples.Example:
    return examples.conv2d_nchw(batch=1, channels=64, filters=64, size=56)


def schedule_conv2d(func: PrimFunc) -> PrimFunc:
    """Output tiles of TILE x TILE, the padded input computed per tile."""
    sch = tvm.tir.Schedule(func)
    conv, pad = sch.get_block("conv"), sch.get_block("pad")
    n, f, y, x, rc, ry, rx = sch.get_loops(conv)
    yo, yi = sch.split(y, factors=[None, TILE])
    xo, xi = sch.split(x, factors=[None, TILE])
    sch.reorder(n, f, yo, xo, yi, xi, rc, ry, rx)
    sch.compute_at(pad, xo)
    return sch.mod["main"]


def run_pipeline(example: examples.Example) -> tuple[Kernel, dict[str, tuple[float, float]]]:
    """Cold run of every phase: ``{phase: (seconds, arith seconds)}`` and the kernel."""
    arith.clear_caches()
    clear_cache()
    timer = ArithTimer()
    phases: dict[str, tuple[float, float]] = {}
    value: Any = example
    steps: dict[str, Callable[[Any], Any]] = {
        "create": lambda ex: te.create_prim_func(ex.tensors()),
        "schedule": schedule_conv2d,
        "lower": lower,
        "build": build,
    }
    with timer.active():
        for phase in PHASES:
            before, start = timer.seconds, time.perf_counter()
            value = steps[phase](value)
            phases[phase] = (time.perf_counter() - start, timer.seconds - before)
    return value, phases


def arith_share(phases: dict[str, tuple[float, float]]) -> float:
    """Arith time / total time over the schedule, lower and build phases."""
    total = sum(phases[p][0] for p in COMPILE)
    return sum(phases[p][1] for p in COMPILE) / total


def check_kernel(kernel: Kernel, example: examples.Example) -> None:
    inputs = example.inputs(np.random.default_rng(0))
    out = np.empty([int(d) for d in example.tensors()[-1].shape], np.float32)
    kernel(*inputs, out)
    np.testing.assert_allclose(out, example.reference(*inputs), rtol=1e-3, atol=1e-3)


def test_bounds_conv2d(benchmark: Any) -> None:
    example = conv2d_example()
    kernel, _ = run_pipeline(example)
    check_kernel(kernel, example)
    assert "T.allocate([6400]" in kernel.func.script()  # a 64 x 10 x 10 tile of pad
    runs: list[dict[str, tuple[float, float]]] = []
    benchmark.group = "bounds conv2d compute_at"
    benchmark.pedantic(lambda: runs.append(run_pipeline(example)[1]), rounds=5)
    SUMMARY.append(_summary_line(runs))


def _summary_line(runs: list[dict[str, tuple[float, float]]]) -> str:
    compile_ms = statistics.median(sum(r[p][0] for p in COMPILE) for r in runs) * 1e3
    arith_ms = statistics.median(sum(r[p][1] for p in COMPILE) for r in runs) * 1e3
    share = statistics.median(arith_share(r) for r in runs)
    per_phase = ", ".join(
        f"{p} {statistics.median(r[p][1] / r[p][0] for r in runs):.0%}" for p in COMPILE
    )
    return (
        f"bound queries (stir_core.arith) in conv2d compute_at schedule+lower+build: "
        f"{arith_ms:.1f} ms of {compile_ms:.1f} ms = {share:.0%} (per phase: {per_phase}; "
        f"median of {len(runs)} cold runs)"
    )


def main() -> None:
    example = conv2d_example()
    runs = [run_pipeline(example)[1] for _ in range(7)]
    print(f"{'phase':10s} {'total ms':>10s} {'arith ms':>10s} {'share':>7s}")
    for phase in PHASES:
        total = statistics.median(r[phase][0] for r in runs) * 1e3
        spent = statistics.median(r[phase][1] for r in runs) * 1e3
        print(f"{phase:10s} {total:10.1f} {spent:10.1f} {spent / total:7.0%}")
    print(_summary_line(runs))


if __name__ == "__main__":
    main()
