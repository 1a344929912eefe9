"""Kernels that LLVM itself once miscompiled, kept so a pipeline change cannot bring the bug back.

LLVM 22.1's loop vectorizer advanced a periodic index (``f % 16``) as if it were ``f`` in a
loop that stores then reloads ``C[f]`` (a fused, reordered matmul; found twice by the schedule
fuzz test: through interleaving, then through vectorization plus unrolling of a guarded split).
``target.pipeline_options`` turns LLVM's loop vectorizer and interleaving off.
"""

from __future__ import annotations

import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import build
from stir_core.codegen.target import pipeline_options
from stir_core.ir import op

SERIAL = ir.ForKind.SERIAL


def fused_reordered_matmul(n: int, split: int = 1) -> ir.PrimFunc:
    """``for k, f: if k == 0: C[x] = 0;  C[x] += A[f // n, k] * B[k, f % n]`` on flat buffers,
    ``x = f // n * n + f % n``; with ``split > 1`` the ``f`` loop is split by ``split``
    under a guard ``f < n * n`` (as a non-divisible schedule split makes it)."""
    a = ir.decl_buffer((n * n,), "float32", "A")
    b = ir.decl_buffer((n * n,), "float32", "B")
    c = ir.decl_buffer((n * n,), "float32", "C")
    k, outer, lane = ir.Var("k"), ir.Var("f0"), ir.Var("f1")
    f = outer * split + lane
    row, col = op.floordiv(f, n), op.floormod(f, n)
    x = row * n + col
    init = ir.IfThenElse(op.equal(k, 0), ir.buffer_store(c, 0.0, [x]))
    update = ir.buffer_store(c, c[x] + a[row * n + k] * b[k * n + col], [x])
    body = ir.IfThenElse(op.less(f, n * n), ir.seq([init, update]))
    lanes = ir.For(lane, op.const(0), op.const(split), SERIAL, body)
    outers = ir.For(outer, op.const(0), op.const((n * n + split - 1) // split), SERIAL, lanes)
    return ir.PrimFunc((a, b, c), ir.For(k, op.const(0), op.const(n), SERIAL, outers))


@pytest.mark.parametrize(("n", "split"), [(8, 1), (16, 1), (32, 1), (16, 3), (16, 5)])
def test_fused_reordered_matmul_matches_numpy(n: int, split: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.full((n, n), np.nan, np.float32)
    build(fused_reordered_matmul(n, split))(a.ravel(), b.ravel(), c.ravel())
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4)


def test_pipeline_keeps_llvm_loop_vectorizer_off() -> None:
    options = pipeline_options()
    assert options.loop_interleaving is False and options.loop_vectorization is False
