"""Kernels that LLVM itself once miscompiled, kept so a pipeline change cannot bring the bug back.

LLVM 22.1's loop interleaving advanced a periodic index (``f % 16``) as if it were ``f`` in a
loop that stores then reloads ``C[f]`` (a fused, reordered matmul; found by the schedule fuzz
test). ``target.pipeline_options`` turns interleaving off.
"""

from __future__ import annotations

import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import build
from stir_core.codegen.target import pipeline_options
from stir_core.ir import op

SERIAL = ir.ForKind.SERIAL


def fused_reordered_matmul(n: int) -> ir.PrimFunc:
    """``for k, f: if k == 0: C[f] = 0;  C[f] += A[f // n, k] * B[k, f % n]`` on flat buffers."""
    a = ir.decl_buffer((n * n,), "float32", "A")
    b = ir.decl_buffer((n * n,), "float32", "B")
    c = ir.decl_buffer((n * n,), "float32", "C")
    k, f = ir.Var("k"), ir.Var("f")
    row, col = op.floordiv(f, n), op.floormod(f, n)
    init = ir.IfThenElse(op.equal(k, 0), ir.buffer_store(c, 0.0, [f]))
    update = ir.buffer_store(c, c[f] + a[row * n + k] * b[k * n + col], [f])
    inner = ir.For(f, op.const(0), op.const(n * n), SERIAL, ir.seq([init, update]))
    return ir.PrimFunc((a, b, c), ir.For(k, op.const(0), op.const(n), SERIAL, inner))


@pytest.mark.parametrize("n", [8, 16, 32])
def test_fused_reordered_matmul_matches_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.full((n, n), np.nan, np.float32)
    build(fused_reordered_matmul(n))(a.ravel(), b.ravel(), c.ravel())
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)


def test_pipeline_keeps_loop_interleaving_off() -> None:
    assert pipeline_options().loop_interleaving is False
