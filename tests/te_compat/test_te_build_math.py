"""Compiled elementwise kernels vs numpy: every math intrinsic, casts, integer division."""

import math

import numpy as np
import pytest

import te_compat as tvm
from stir_core.ir import intrin
from te_compat import te, tir

RNG = np.random.default_rng(7)


def run_elementwise(fcompute, inputs, out_dtype=None):
    """Build ``out[i] = fcompute(A0[i], A1[i], ...)`` and run it on ``inputs``."""
    n = inputs[0].shape[0]
    holders = [te.placeholder((n,), dtype=str(x.dtype), name=f"A{k}") for k, x in enumerate(inputs)]
    out = te.compute((n,), lambda i: fcompute(*(h[i] for h in holders)), name="out")
    if out_dtype is not None:
        assert out.dtype == out_dtype
    f = tvm.build(te.create_prim_func([*holders, out]), target="llvm")
    result = tvm.nd.empty((n,), out.dtype, tvm.cpu(0))
    f(*(tvm.nd.array(x, tvm.cpu(0)) for x in inputs), result)
    return result.numpy()


def uniform(low, high, n=64, dtype="float32"):
    return RNG.uniform(low, high, n).astype(dtype)


_erf = np.vectorize(math.erf)

# name -> (numpy reference, input range)
UNARY = {
    "exp": (np.exp, (-3, 3)),
    "exp2": (np.exp2, (-3, 3)),
    "exp10": (lambda x: np.power(10.0, x), (-2, 2)),
    "expm1": (np.expm1, (-2, 2)),
    "log": (np.log, (0.1, 5)),
    "log2": (np.log2, (0.1, 5)),
    "log10": (np.log10, (0.1, 5)),
    "log1p": (np.log1p, (-0.5, 3)),
    "sqrt": (np.sqrt, (0, 9)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 9)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-6, 6)),
    "fabs": (np.abs, (-3, 3)),
    "floor": (np.floor, (-3, 3)),
    "ceil": (np.ceil, (-3, 3)),
    "trunc": (np.trunc, (-3, 3)),
    "round": (np.round, (-3, 3)),
    "nearbyint": (np.rint, (-3, 3)),
    "sin": (np.sin, (-3, 3)),
    "cos": (np.cos, (-3, 3)),
    "tan": (np.tan, (-1.2, 1.2)),
    "tanh": (np.tanh, (-3, 3)),
    "sinh": (np.sinh, (-3, 3)),
    "cosh": (np.cosh, (-3, 3)),
    "asin": (np.arcsin, (-0.95, 0.95)),
    "acos": (np.arccos, (-0.95, 0.95)),
    "atan": (np.arctan, (-3, 3)),
    "asinh": (np.arcsinh, (-3, 3)),
    "acosh": (np.arccosh, (1.05, 5)),
    "atanh": (np.arctanh, (-0.95, 0.95)),
    "erf": (_erf, (-2, 2)),
}


def test_every_unary_intrinsic_has_a_reference():
    assert set(UNARY) == set(intrin.UNARY_FLOAT_MATH)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_math_float32(name):
    reference, (low, high) = UNARY[name]
    x = uniform(low, high)
    got = run_elementwise(getattr(tir, name), [x], "float32")
    np.testing.assert_allclose(got, reference(x.astype("float64")), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "erf", "sigmoid", "floor"])
def test_unary_math_float64(name):
    reference, (low, high) = UNARY[name]
    x = uniform(low, high, dtype="float64")
    got = run_elementwise(getattr(te, name), [x], "float64")
    np.testing.assert_allclose(got, reference(x), rtol=1e-12, atol=1e-14)


BINARY = {
    "pow": (np.power, (0.1, 3)),
    "power": (np.power, (0.1, 3)),
    "atan2": (np.arctan2, (-3, 3)),
    "fmod": (np.fmod, (-5, 5)),
    "hypot": (np.hypot, (-3, 3)),
    "copysign": (np.copysign, (-3, 3)),
    "nextafter": (np.nextafter, (-3, 3)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_math(name):
    reference, (low, high) = BINARY[name]
    x, y = uniform(low, high), uniform(low, high)
    got = run_elementwise(getattr(tir, name), [x, y], "float32")
    np.testing.assert_allclose(got, reference(x, y), rtol=2e-5, atol=2e-6)


def test_ldexp():
    x = uniform(-3, 3)
    e = RNG.integers(-4, 5, 64).astype("float32")
    got = run_elementwise(tir.ldexp, [x, e])
    np.testing.assert_allclose(got, np.ldexp(x, e.astype("int32")), rtol=1e-6)


def test_float_predicates():
    x = np.array([0.0, np.nan, np.inf, -np.inf, 1.5, -2.0], dtype="float32")
    for name, reference in (("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite)):
        predicate = getattr(te, name)
        got = run_elementwise(lambda v: predicate(v).astype("int8"), [x], "int8")  # noqa: B023
        np.testing.assert_array_equal(got, reference(x).astype("int8"))


def test_abs_int_and_float():
    xi = RNG.integers(-50, 50, 64).astype("int32")
    np.testing.assert_array_equal(run_elementwise(te.abs, [xi], "int32"), np.abs(xi))
    xf = uniform(-3, 3)
    np.testing.assert_array_equal(run_elementwise(te.abs, [xf], "float32"), np.abs(xf))


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("float32", "int32"),
        ("float32", "float64"),
        ("int32", "float32"),
        ("int8", "int32"),
        ("int32", "int8"),
        ("float64", "float32"),
        ("int32", "uint8"),
        ("uint8", "float32"),
        ("int64", "int32"),
    ],
)
def test_casts(src, dst):
    if np.dtype(src).kind == "f":
        x = uniform(-100, 100, dtype=src)
    else:
        info = np.iinfo(src)
        x = RNG.integers(max(info.min, -300), min(info.max, 300), 64).astype(src)
    got = run_elementwise(lambda v: v.astype(dst), [x], dst)
    np.testing.assert_array_equal(got, x.astype(dst))


def test_mixed_dtype_promotion():
    a = RNG.integers(-10, 10, 64).astype("int32")
    b = uniform(-1, 1)
    got = run_elementwise(lambda x, y: x.astype("float32") * y + 1, [a, b], "float32")
    np.testing.assert_allclose(got, a * b + 1, rtol=1e-6)


def test_integer_division_family():
    a = RNG.integers(-100, 100, 64).astype("int32")
    b = RNG.choice([-7, -3, 3, 5], 64).astype("int32")
    cases = {
        tir.floordiv: a // b,
        tir.floormod: a % b,
        tir.indexdiv: a // b,
        tir.indexmod: a % b,
        tir.truncdiv: (np.trunc(a / b)).astype("int32"),
        tir.truncmod: np.fmod(a, b),
        tir.div: (np.trunc(a / b)).astype("int32"),
    }
    for fn, expected in cases.items():
        np.testing.assert_array_equal(run_elementwise(fn, [a, b], "int32"), expected)


def test_python_operators_on_indices_are_floor_semantics():
    a = RNG.integers(-100, 100, 64).astype("int32")
    got = run_elementwise(lambda x: x // 4 + x % 4 * 100, [a], "int32")
    np.testing.assert_array_equal(got, a // 4 + a % 4 * 100)


def test_select_min_max_and_logic():
    x, y = uniform(-2, 2), uniform(-2, 2)

    def body(a, b):
        return tir.Select(tir.all(a > 0, b > 0), tir.max(a, b), tir.min(a, b) - 1.0)

    got = run_elementwise(body, [x, y], "float32")
    expected = np.where((x > 0) & (y > 0), np.maximum(x, y), np.minimum(x, y) - 1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
