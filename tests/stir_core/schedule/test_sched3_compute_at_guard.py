"""compute_at keeps the moved block's T.where and loop-invariant symbolic extents
(regressions reported by the te_compat rfactor tests)."""

from __future__ import annotations

import numpy as np
from test_sched_common import new_schedule

from stir_core.codegen import build
from stir_core.ir import IntImm, to_text
from stir_core.schedule import BlockRV, LoopRV, Schedule
from te_compat import te


def _row_sum_rfactor(n: object, m: object) -> tuple[Schedule, BlockRV, list[LoopRV]]:
    a = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), "k")
    b = te.compute((n,), lambda i: te.sum(a[i, k], axis=k), name="B")
    sch = new_schedule(te.create_prim_func([a, b]))
    block = sch.get_block("B")
    _, k = sch.get_loops(block)
    _, k1 = sch.split(k, factors=[None, 16])
    rf = sch.rfactor(k1, 0)
    return sch, rf, sch.get_loops(sch.get_block("B"))


def test_compute_at_keeps_the_split_guard() -> None:
    """70 = 5 x 16 with guard k_0 * 16 + k_1 < 70: the moved rfactor block keeps it."""
    sch, rf, loops = _row_sum_rfactor(40, 70)
    sch.compute_at(rf, loops[-1])
    assert "T.where(" in to_text(sch.mod["main"]).split('T.block("B_rf")')[1].split("T.reads")[0]
    a = np.random.default_rng(0).random((40, 70)).astype("float32")
    b = np.zeros(40, "float32")
    build(sch.mod["main"])(a, b)
    np.testing.assert_allclose(b, a.sum(1), rtol=1e-4)


def test_compute_at_keeps_a_symbolic_extent() -> None:
    n, m = te.var("n"), te.var("m")
    sch, rf, loops = _row_sum_rfactor(n, m)
    sch.compute_at(rf, loops[-1])
    extents = [sch.get(lp).extent for lp in sch.get_loops(rf)]
    assert not any(isinstance(e, IntImm) and e.value == 2**31 - 1 for e in extents), extents
    a = np.random.default_rng(1).random((6, 37)).astype("float32")
    b = np.zeros(6, "float32")
    build(sch.mod["main"])(a, b)
    np.testing.assert_allclose(b, a.sum(1), rtol=1e-4)
