"""reverse_compute_at generalised: consumers of several buffers made under the loop, and
stencils along dimensions the loop does not tile (regions from stir_core.arith)."""

from __future__ import annotations

import numpy as np
from test_sched2_helpers import points
from test_sched_common import fails_unchanged, new_schedule, verify_trace_roundtrip

from stir_core.codegen import build
from stir_core.ir import PrimFunc, to_text
from stir_core.schedule import AccessPatternError, Schedule
from te_compat import te

N, M = 12, 10


def _check(func: PrimFunc, expected: np.ndarray, x: np.ndarray) -> None:
    out = np.zeros(expected.shape, dtype="float32")
    build(func)(x, out)
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def _runs_once(sch: Schedule, name: str) -> None:
    """Brute force: every iteration of block ``name`` runs exactly once."""
    seen = [
        tuple(env[iv.var] for iv in node.block.iter_vars)
        for node, env in points(sch.mod["main"].body.block.body)
        if node.block.name_hint == name
    ]
    assert len(seen) == len(set(seen))
    block = sch.get(sch.get_block(name))
    assert len(seen) == int(np.prod([int(iv.dom.extent) for iv in block.iter_vars]))


def test_consumer_of_two_buffers_made_under_the_loop() -> None:
    """E = B * D where B and D are both made per tile of rows."""
    a = te.placeholder((N, M), name="A")
    b = te.compute((N, M), lambda i, j: a[i, j] * 2.0, name="B")
    d = te.compute((N, M), lambda i, j: b[i, j] + 1.0, name="D")
    e = te.compute((N, M), lambda i, j: b[i, j] * d[i, j], name="E")
    func = te.create_prim_func([a, e])
    sch = new_schedule(func)
    i0, _ = sch.split(sch.get_loops(sch.get_block("B"))[0], factors=[None, 4])
    sch.reverse_compute_at(sch.get_block("D"), i0)
    sch.reverse_compute_at(sch.get_block("E"), i0)
    text = to_text(sch.mod["main"])
    assert "v_i_2 = T.axis.spatial(12, i_0 * 4 + ax0_1)" in text, text
    _runs_once(sch, "E")
    x = np.random.default_rng(1).standard_normal((N, M), dtype=np.float32)
    _check(sch.mod["main"], (x * 2) * (x * 2 + 1), x)
    verify_trace_roundtrip(sch, func)


def _stencil(along_rows: bool) -> tuple[PrimFunc, te.Tensor]:
    a = te.placeholder((N, M), name="A")
    b = te.compute((N, M), lambda i, j: a[i, j] * 2.0, name="B")
    if along_rows:
        c = te.compute((N - 1, M), lambda i, j: b[i, j] + b[i + 1, j], name="C")
    else:
        c = te.compute((N, M - 1), lambda i, j: b[i, j] + b[i, j + 1], name="C")
    return te.create_prim_func([a, c]), c


def test_stencil_along_an_untiled_dimension() -> None:
    func, _ = _stencil(along_rows=False)
    sch = new_schedule(func)
    i0, _ = sch.split(sch.get_loops(sch.get_block("B"))[0], factors=[None, 5])
    sch.reverse_compute_at(sch.get_block("C"), i0)
    _runs_once(sch, "C")
    x = np.random.default_rng(2).standard_normal((N, M), dtype=np.float32)
    _check(sch.mod["main"], x[:, :-1] * 2 + x[:, 1:] * 2, x)
    verify_trace_roundtrip(sch, func)


def test_stencil_along_the_tiled_dimension_is_refused() -> None:
    func, _ = _stencil(along_rows=True)
    sch = new_schedule(func)
    i0, _ = sch.split(sch.get_loops(sch.get_block("B"))[0], factors=[None, 4])
    c = sch.get_block("C")
    with fails_unchanged(sch, AccessPatternError):
        sch.reverse_compute_at(c, i0)
