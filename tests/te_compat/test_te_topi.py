"""The small ``topi`` subset, compiled and checked against numpy."""

import numpy as np
import pytest

import te_compat as tvm
from te_compat import te, topi

RNG = np.random.default_rng(5)
DEV = tvm.cpu(0)


def run(inputs, output, arrays):
    f = tvm.build(te.create_prim_func([*inputs, output]))
    shape = topi.utils.get_const_tuple(output.shape)
    out = tvm.nd.empty(shape, output.dtype, DEV)
    f(*(tvm.nd.array(a, DEV) for a in arrays), out)
    return out.numpy()


def randn(*shape):
    return RNG.standard_normal(shape).astype("float32")


@pytest.mark.parametrize(
    ("op", "reference"),
    [
        (topi.add, np.add),
        (topi.subtract, np.subtract),
        (topi.multiply, np.multiply),
        (topi.divide, np.divide),
        (topi.maximum, np.maximum),
        (topi.minimum, np.minimum),
    ],
)
def test_broadcast_binary(op, reference):
    A = te.placeholder((4, 1, 5), name="A")
    B = te.placeholder((3, 1), name="B")
    C = op(A, B)
    assert topi.utils.get_const_tuple(C.shape) == (4, 3, 5)
    assert C.op.tag == topi.tag.BROADCAST and C.op.name == f"T_{op.__name__}"
    a, b = randn(4, 1, 5), randn(3, 1) + 3.0
    np.testing.assert_allclose(run([A, B], C, [a, b]), reference(a, b), rtol=1e-6)


def test_broadcast_with_scalar():
    A = te.placeholder((6,), name="A")
    C = topi.multiply(A, 2.0)
    a = randn(6)
    np.testing.assert_allclose(run([A], C, [a]), a * 2, rtol=1e-6)


def test_broadcast_mismatch():
    with pytest.raises(topi.BroadcastError, match="cannot broadcast"):
        topi.add(te.placeholder((3,)), te.placeholder((4,)))


@pytest.mark.parametrize(
    ("op", "reference"),
    [(topi.exp, np.exp), (topi.sqrt, np.sqrt), (topi.tanh, np.tanh), (topi.negative, np.negative)],
)
def test_elementwise(op, reference):
    A = te.placeholder((3, 4), name="A")
    B = op(A)
    assert B.op.tag == topi.tag.ELEMWISE
    a = np.abs(randn(3, 4))
    np.testing.assert_allclose(run([A], B, [a]), reference(a), rtol=1e-6)


def test_cast_and_relu():
    A = te.placeholder((8,), name="A")
    a = randn(8) * 10
    np.testing.assert_array_equal(run([A], topi.cast(A, "int32"), [a]), a.astype("int32"))
    np.testing.assert_array_equal(run([A], topi.nn.relu(A), [a]), np.maximum(a, 0))


def test_pad():
    A = te.placeholder((2, 3), name="A")
    P = topi.nn.pad(A, [1, 0], [2, 1], pad_value=-1.0)
    assert P.op.tag == "injective,pad" and P.op.name == "PadInput"
    a = randn(2, 3)
    expected = np.pad(a, ((1, 2), (0, 1)), constant_values=-1.0)
    np.testing.assert_array_equal(run([A], P, [a]), expected)


def test_conv2d_nchw():
    data = te.placeholder((1, 3, 8, 8), name="data")
    kernel = te.placeholder((4, 3, 3, 3), name="kernel")
    out = topi.nn.conv2d_nchw(data, kernel, stride=1, padding=1, dilation=1)
    assert out.op.tag == "conv2d_nchw"
    assert topi.utils.get_const_tuple(out.shape) == (1, 4, 8, 8)
    d, k = randn(1, 3, 8, 8), randn(4, 3, 3, 3)
    padded = np.pad(d, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    expected = np.einsum("ncyxij,fcij->nfyx", windows, k)
    np.testing.assert_allclose(run([data, kernel], out, [d, k]), expected, rtol=1e-4, atol=1e-4)


def test_get_pad_tuple():
    assert topi.nn.get_pad_tuple(1, (3, 3)) == (1, 1, 1, 1)
    assert topi.nn.get_pad_tuple((1, 2), (3, 3)) == (1, 2, 1, 2)
    assert topi.nn.get_pad_tuple("SAME", (4, 4)) == (2, 2, 1, 1)
    assert topi.nn.get_pad_tuple("VALID", (3, 3)) == (0, 0, 0, 0)
    with pytest.raises(topi.nn.PaddingError, match="FULL"):
        topi.nn.get_pad_tuple("FULL", (3, 3))


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax(axis):
    X = te.placeholder((4, 6), name="X")
    Y = topi.nn.softmax(X, axis=axis)
    assert Y.op.name == "T_softmax_norm"
    x = randn(4, 6) * 3
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(run([X], Y, [x]), e / e.sum(axis=axis, keepdims=True), rtol=1e-5)


def test_get_const_int_refuses_symbols():
    with pytest.raises(topi.utils.NotConstantError, match="constant integer"):
        topi.utils.get_const_int(te.var("n"))
