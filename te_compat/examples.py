"""Built-in example operators, written exactly as TVM users write them.

Each ``Example`` builds its tensors with the classic TE API, makes random inputs and computes
the numpy reference. The demo (``te-compat demo``), the benchmarks and the end-to-end tests
all use these, so they stay one definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import te, tir


@dataclass(frozen=True)
class Example:
    """``tensors()`` returns the argument tensors in calling order (inputs, then output)."""

    name: str
    description: str
    tensors: Callable[[], list[te.Tensor]]
    inputs: Callable[[np.random.Generator], list[np.ndarray]]
    reference: Callable[..., np.ndarray]
    rtol: float = 1e-5


def elementwise(n: int = 1 << 20) -> Example:
    """``C = exp(A) * B + 1`` over ``n`` elements."""

    def tensors() -> list[te.Tensor]:
        a = te.placeholder((n,), name="A", dtype="float32")
        b = te.placeholder((n,), name="B", dtype="float32")
        c = te.compute((n,), lambda i: te.exp(a[i]) * b[i] + 1.0, name="C")
        return [a, b, c]

    def inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [rng.standard_normal(n, dtype=np.float32) for _ in range(2)]

    return Example(
        "elementwise", f"exp(A)*B+1, n={n}", tensors, inputs, lambda a, b: np.exp(a) * b + 1
    )


def matmul(n: int = 512) -> Example:
    """``C[i, j] = sum_k A[i, k] * B[k, j]`` for square ``n x n`` matrices."""

    def tensors() -> list[te.Tensor]:
        a = te.placeholder((n, n), name="A", dtype="float32")
        b = te.placeholder((n, n), name="B", dtype="float32")
        k = te.reduce_axis((0, n), name="k")
        c = te.compute((n, n), lambda i, j: te.sum(a[i, k] * b[k, j], axis=k), name="C")
        return [a, b, c]

    def inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [rng.standard_normal((n, n), dtype=np.float32) for _ in range(2)]

    return Example("matmul", f"{n}x{n}x{n} float32", tensors, inputs, np.matmul, rtol=1e-3)


def conv2d_nchw(
    batch: int = 1,
    channels: int = 32,
    filters: int = 32,
    size: int = 28,
    kernel: int = 3,
    pad: int = 1,
) -> Example:
    """Direct NCHW convolution, stride 1, zero padding through ``if_then_else``."""
    out_size = size + 2 * pad - kernel + 1

    def tensors() -> list[te.Tensor]:
        data = te.placeholder((batch, channels, size, size), name="data")
        weight = te.placeholder((filters, channels, kernel, kernel), name="weight")
        padded = te.compute(
            (batch, channels, size + 2 * pad, size + 2 * pad),
            lambda n, c, y, x: tir.if_then_else(
                tir.all(y >= pad, y - pad < size, x >= pad, x - pad < size),
                data[n, c, y - pad, x - pad],
                tir.const(0.0, "float32"),
            ),
            name="pad",
        )
        rc = te.reduce_axis((0, channels), name="rc")
        ry = te.reduce_axis((0, kernel), name="ry")
        rx = te.reduce_axis((0, kernel), name="rx")
        conv = te.compute(
            (batch, filters, out_size, out_size),
            lambda n, f, y, x: te.sum(
                padded[n, rc, y + ry, x + rx] * weight[f, rc, ry, rx], axis=[rc, ry, rx]
            ),
            name="conv",
        )
        return [data, weight, conv]

    def inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [
            rng.standard_normal((batch, channels, size, size), dtype=np.float32),
            rng.standard_normal((filters, channels, kernel, kernel), dtype=np.float32),
        ]

    def reference(data: np.ndarray, weight: np.ndarray) -> np.ndarray:
        padded = np.pad(data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel, kernel), (2, 3))
        return np.einsum("ncyxij,fcij->nfyx", windows, weight, optimize=True)

    description = f"N={batch} C={channels} F={filters} {size}x{size} k={kernel} pad={pad}"
    return Example("conv2d", description, tensors, inputs, reference, rtol=1e-3)


def softmax(rows: int = 1024, cols: int = 1024) -> Example:
    """Row softmax in four stages: max, exp, sum, divide."""

    def tensors() -> list[te.Tensor]:
        x = te.placeholder((rows, cols), name="X")
        k1 = te.reduce_axis((0, cols), name="k1")
        k2 = te.reduce_axis((0, cols), name="k2")
        row_max = te.compute((rows,), lambda i: te.max(x[i, k1], axis=k1), name="row_max")
        expo = te.compute((rows, cols), lambda i, j: te.exp(x[i, j] - row_max[i]), name="exp")
        row_sum = te.compute((rows,), lambda i: te.sum(expo[i, k2], axis=k2), name="row_sum")
        out = te.compute((rows, cols), lambda i, j: expo[i, j] / row_sum[i], name="softmax")
        return [x, out]

    def inputs(rng: np.random.Generator) -> list[np.ndarray]:
        return [rng.standard_normal((rows, cols), dtype=np.float32)]

    def reference(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return Example("softmax", f"{rows}x{cols} float32", tensors, inputs, reference)


def all_examples() -> list[Example]:
    """The demo's operators at their default sizes."""
    return [elementwise(), matmul(), conv2d_nchw(), softmax()]
