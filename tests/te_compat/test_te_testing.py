"""``tvm.testing.assert_allclose`` as TVM tutorials call it."""

from __future__ import annotations

import numpy as np
import pytest

import te_compat as tvm


def test_assert_allclose_accepts_nd_arrays_and_numpy() -> None:
    a = np.arange(4, dtype="float32")
    tvm.testing.assert_allclose(tvm.nd.array(a), a)
    tvm.testing.assert_allclose(a + 1e-6, a, rtol=1e-5, atol=1e-5)


def test_assert_allclose_reports_mismatch_and_shape() -> None:
    a = np.arange(4, dtype="float32")
    with pytest.raises(AssertionError):
        tvm.testing.assert_allclose(a + 1.0, a)
    with pytest.raises(AssertionError):
        tvm.testing.assert_allclose(a.reshape(2, 2), a)
