"""Every primitive, built and run natively, against numpy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from test_sched_common import elementwise, matmul, new_schedule, row_sum

from stir_core.codegen import build
from stir_core.ir import PrimFunc
from stir_core.schedule import Schedule

RNG = np.random.default_rng(0)


def _rand(*shape: int) -> np.ndarray:
    return RNG.random(shape, dtype=np.float32)


def check_matmul(func: PrimFunc, n: int) -> None:
    a, b, c = _rand(n, n), _rand(n, n), np.zeros((n, n), np.float32)
    build(func)(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def check_elementwise(func: PrimFunc, n: int, m: int) -> None:
    a, c = _rand(n, m), np.zeros((n, m), np.float32)
    build(func)(a, c)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def check_row_sum(func: PrimFunc, n: int, m: int) -> None:
    a, b = _rand(n, m), np.zeros((n,), np.float32)
    build(func)(a, b)
    np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


def _tile(sch: Schedule) -> None:
    i, j, k = sch.get_loops(sch.get_block("C"))
    i0, i1 = sch.split(i, factors=[None, 8])
    j0, j1 = sch.split(j, factors=[None, 8])
    k0, k1 = sch.split(k, factors=[None, 5])  # 48 = 10 * 5 - 2: needs the predicate
    sch.reorder(i0, j0, k0, i1, k1, j1)
    sch.parallel(sch.fuse(i0, j0))
    sch.vectorize(j1)
    sch.unroll(k1)


def _fuse_all_spatial(sch: Schedule) -> None:
    i, j, _ = sch.get_loops(sch.get_block("C"))
    sch.fuse(i, j)


def _reorder_and_unit(sch: Schedule) -> None:
    i, j, k = sch.get_loops(sch.get_block("C"))
    sch.reorder(k, j, i)
    sch.add_unit_loop(sch.get_block("C"))
    sch.annotate(i, "pragma_note", "x")


MATMUL_SCHEDULES: dict[str, Callable[[Schedule], None]] = {
    "tile": _tile,
    "fuse": _fuse_all_spatial,
    "reorder_unit_annotate": _reorder_and_unit,
}


@pytest.mark.parametrize("name", sorted(MATMUL_SCHEDULES))
def test_matmul_schedules(name: str) -> None:
    sch = new_schedule(matmul(48))
    MATMUL_SCHEDULES[name](sch)
    check_matmul(sch.mod["main"], 48)


def test_elementwise_split_non_divisible_and_inline() -> None:
    sch = new_schedule(elementwise(30, 20))
    i, j = sch.get_loops(sch.get_block("B"))
    sch.split(i, factors=[None, 7])
    sch.vectorize(j)
    check_elementwise(sch.mod["main"], 30, 20)
    sch.compute_inline(sch.get_block("B"))
    check_elementwise(sch.mod["main"], 30, 20)


def test_elementwise_reverse_inline_parallel() -> None:
    sch = new_schedule(elementwise(30, 20))
    sch.reverse_compute_inline(sch.get_block("C"))
    i, j = sch.get_loops(sch.get_block("B"))
    sch.parallel(sch.fuse(i, j))
    check_elementwise(sch.mod["main"], 30, 20)


def test_row_sum_split_reduction() -> None:
    sch = new_schedule(row_sum(24, 50))
    i, k = sch.get_loops(sch.get_block("B"))
    k0, k1 = sch.split(k, factors=[8, None])
    sch.reorder(k0, i)
    sch.unroll(k1)
    check_row_sum(sch.mod["main"], 24, 50)
