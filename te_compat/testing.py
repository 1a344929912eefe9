"""``tvm.testing``: the assertion helpers TVM tutorials and operator tests use.

>>> tvm.testing.assert_allclose(c.numpy(), a.numpy() + b.numpy(), rtol=1e-5)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .runtime import NDArray


def _as_numpy(value: Any) -> np.ndarray:
    return value.numpy() if isinstance(value, NDArray) else np.asarray(value)


def assert_allclose(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 1e-7) -> None:
    """TVM's version: numpy's ``assert_allclose`` with TVM's defaults, also on ``tvm.nd`` arrays;
    the shapes must match exactly (no broadcasting)."""
    actual_np, desired_np = _as_numpy(actual), _as_numpy(desired)
    np.testing.assert_equal(actual_np.shape, desired_np.shape)
    np.testing.assert_allclose(actual_np, desired_np, rtol=rtol, atol=atol, verbose=True)
