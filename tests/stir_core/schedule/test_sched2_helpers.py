"""Workloads and checks shared by the ``test_sched2_*`` tests (no tests here).

Workloads come from TE (``te_compat``) so they are what users write; ``run`` builds a
function and compares it with the example's numpy reference; ``points`` enumerates a loop
nest by brute force (for region checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from stir_core.analysis import verify
from stir_core.arith.evaluate import evaluate
from stir_core.codegen import build
from stir_core.ir import BlockRealize, For, PrimFunc, SeqStmt, Stmt
from stir_core.schedule import Schedule
from te_compat import te
from te_compat.examples import Example, conv2d_nchw, matmul, softmax


def chain(n: int = 24, m: int = 20) -> Example:
    """A fused elementwise chain: ``B = A * 2``, ``C = B + 1``, ``D = C * C - A``."""

    def tensors() -> list[te.Tensor]:
        a = te.placeholder((n, m), name="A")
        b = te.compute((n, m), lambda i, j: a[i, j] * 2.0, name="B")
        c = te.compute((n, m), lambda i, j: b[i, j] + 1.0, name="C")
        d = te.compute((n, m), lambda i, j: c[i, j] * c[i, j] - a[i, j], name="D")
        return [a, d]

    def inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [rng.standard_normal((n, m), dtype=np.float32)]

    return Example("chain", "elementwise chain", tensors, inputs, lambda a: (a * 2 + 1) ** 2 - a)


WORKLOADS: dict[str, Callable[[], Example]] = {
    "matmul": lambda: matmul(16),
    "conv2d": lambda: conv2d_nchw(1, 2, 3, 8, 3, 1),
    "softmax": lambda: softmax(6, 10),
    "chain": chain,
}


def prim_func(example: Example) -> PrimFunc:
    return te.create_prim_func(example.tensors())


def schedule(name: str) -> tuple[Schedule, Example, PrimFunc]:
    example = WORKLOADS[name]()
    func = prim_func(example)
    return Schedule(func, debug_mask="all"), example, func


def run(func: PrimFunc, example: Example, seed: int = 0) -> None:
    """Verify, build and run ``func``; compare with the example's numpy reference."""
    verify(func)
    inputs = example.inputs(np.random.default_rng(seed))
    out = example.tensors()[-1]
    output = np.zeros([int(d) for d in out.shape], dtype=out.dtype)
    build(func)(*inputs, output)
    np.testing.assert_allclose(
        output, example.reference(*inputs), rtol=example.rtol, atol=example.rtol
    )


def points(stmt: Stmt, env: dict[Any, int] | None = None) -> Iterator[tuple[BlockRealize, dict]]:
    """Every (realize, env with loop and iter var values) executed in ``stmt``."""
    env = dict(env or {})
    if isinstance(stmt, For):
        low = evaluate(stmt.min, env)
        for value in range(low, low + evaluate(stmt.extent, env)):
            yield from points(stmt.body, {**env, stmt.loop_var: value})
    elif isinstance(stmt, SeqStmt):
        for item in stmt.seq:
            yield from points(item, env)
    elif isinstance(stmt, BlockRealize) and evaluate(stmt.predicate, env):
        values = [evaluate(v, env) for v in stmt.iter_values]
        inner = {iv.var: v for iv, v in zip(stmt.block.iter_vars, values, strict=True)}
        yield stmt, {**env, **inner}
