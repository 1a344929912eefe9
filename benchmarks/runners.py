"""Build an example kernel and return runners for it and for its numpy reference."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import te_compat as tvm
from te_compat import te
from te_compat.examples import Example

#: extra lines for the end-of-run summary (``conftest.py``), e.g. the bound-query share
SUMMARY: list[str] = []


def build_example(
    example: Example, seed: int = 0
) -> tuple[Callable[[], object], Callable[[], object]]:
    """``(run_ours, run_numpy)`` for an example; checks our result against numpy first."""
    tensors = example.tensors()
    module = tvm.build(te.create_prim_func(tensors), target="llvm")
    return kernel_runners(module, example, seed)


def kernel_runners(
    module: Callable[..., object], example: Example, seed: int = 0
) -> tuple[Callable[[], object], Callable[[], object]]:
    """Runners for an already-built module; asserts it matches the numpy reference."""
    tensors = example.tensors()
    inputs = example.inputs(np.random.default_rng(seed))
    out_tensor = tensors[-1]
    output = np.empty([int(d) for d in out_tensor.shape], dtype=out_tensor.dtype)
    module(*inputs, output)
    np.testing.assert_allclose(
        output, example.reference(*inputs), rtol=example.rtol, atol=example.rtol
    )
    return (lambda: module(*inputs, output)), (lambda: example.reference(*inputs))
