"""Compiled TE operators vs numpy, written as a TVM user writes them."""

import numpy as np
import pytest

import te_compat as tvm
from stir_core.analysis import verify
from stir_core.errors import UserError
from te_compat import te

RNG = np.random.default_rng(11)
DEV = tvm.cpu(0)


def build(args):
    func = te.create_prim_func(args)
    verify(func)
    return tvm.build(func, target="llvm")


def nd(x):
    return tvm.nd.array(x, DEV)


def randn(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def test_elementwise():
    n = 1000
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: te.exp(A[i]) * B[i] + 1.0, name="C")
    f = build([A, B, C])
    a, b = randn(n), randn(n)
    c = tvm.nd.empty((n,), "float32", DEV)
    f(nd(a), nd(b), c)
    np.testing.assert_allclose(c.numpy(), np.exp(a) * b + 1, rtol=1e-5, atol=1e-6)


def test_broadcast_row_and_column():
    n, m = 7, 5
    A = te.placeholder((n, m), name="A")
    row = te.placeholder((m,), name="row")
    col = te.placeholder((n, 1), name="col")
    C = te.compute((n, m), lambda i, j: A[i, j] * row[j] - col[i, 0], name="C")
    f = build([A, row, col, C])
    a, r, c = randn(n, m), randn(m), randn(n, 1)
    out = tvm.nd.empty((n, m), "float32", DEV)
    f(nd(a), nd(r), nd(c), out)
    np.testing.assert_allclose(out.numpy(), a * r - c, rtol=1e-5)


def test_numpy_arrays_can_be_passed_directly():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1.0, name="B")
    f = build([A, B])
    a, b = randn(4), np.zeros(4, "float32")
    f(a, b)
    np.testing.assert_allclose(b, a + 1, rtol=1e-6)


def test_matmul():
    n, m, red = 33, 17, 64
    A = te.placeholder((n, red), name="A")
    B = te.placeholder((red, m), name="B")
    k = te.reduce_axis((0, red), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    f = build([A, B, C])
    a, b = randn(n, red), randn(red, m)
    c = tvm.nd.empty((n, m), "float32", DEV)
    f(nd(a), nd(b), c)
    np.testing.assert_allclose(c.numpy(), a @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("reducer", "reference"), [(te.sum, np.sum), (te.max, np.max), (te.min, np.min)]
)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_row_reductions(reducer, reference, dtype):
    n, m = 6, 9
    A = te.placeholder((n, m), dtype=dtype, name="A")
    k = te.reduce_axis((0, m), name="k")
    R = te.compute((n,), lambda i: reducer(A[i, k], axis=k), name="R")
    f = build([A, R])
    a = RNG.integers(-50, 50, (n, m)).astype(dtype)
    r = tvm.nd.empty((n,), dtype, DEV)
    f(nd(a), r)
    np.testing.assert_allclose(r.numpy(), reference(a, axis=1), rtol=1e-5)


def test_full_reduction_over_two_axes():
    A = te.placeholder((5, 7), name="A")
    i = te.reduce_axis((0, 5), name="i")
    j = te.reduce_axis((0, 7), name="j")
    S = te.compute((1,), lambda _: te.sum(A[i, j], axis=[i, j]), name="S")
    f = build([A, S])
    a = randn(5, 7)
    s = tvm.nd.empty((1,), "float32", DEV)
    f(nd(a), s)
    np.testing.assert_allclose(s.numpy(), [a.sum()], rtol=1e-5)


def test_reduction_with_where():
    A = te.placeholder((4, 10), name="A")
    k = te.reduce_axis((0, 10), name="k")
    S = te.compute((4,), lambda i: te.sum(A[i, k], axis=k, where=A[i, k] > 0), name="S")
    f = build([A, S])
    a = randn(4, 10)
    s = tvm.nd.empty((4,), "float32", DEV)
    f(nd(a), s)
    np.testing.assert_allclose(s.numpy(), np.where(a > 0, a, 0).sum(axis=1), rtol=1e-5)


def test_reduction_with_init():
    A = te.placeholder((3, 4), name="A")
    B = te.placeholder((3,), name="B")
    k = te.reduce_axis((0, 4), name="k")
    S = te.compute((3,), lambda i: te.sum(A[i, k], axis=k, init=B[i]), name="S")
    f = build([A, B, S])
    a, b = randn(3, 4), randn(3)
    s = tvm.nd.empty((3,), "float32", DEV)
    f(nd(a), nd(b), s)
    np.testing.assert_allclose(s.numpy(), b + a.sum(axis=1), rtol=1e-5)


def test_argmax_tuple_reducer():
    def fcombine(x, y):
        lhs = tvm.tir.Select((x[1] >= y[1]), x[0], y[0])
        rhs = tvm.tir.Select((x[1] >= y[1]), x[1], y[1])
        return lhs, rhs

    def fidentity(t0, t1):
        return tvm.tir.const(-1, t0), tvm.te.min_value(t1)

    argmax = te.comm_reducer(fcombine, fidentity, name="argmax")
    n, m = te.var("n"), te.var("m")
    idx = te.placeholder((n, m), name="idx", dtype="int32")
    val = te.placeholder((n, m), name="val", dtype="int32")
    k = te.reduce_axis((0, m), "k")
    T0, T1 = te.compute((n,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")
    f = build([idx, val, T0, T1])
    rows, cols = 8, 13
    values = RNG.permutation(rows * cols).reshape(rows, cols).astype("int32")
    indices = np.tile(np.arange(cols, dtype="int32"), (rows, 1))
    t0, t1 = tvm.nd.empty((rows,), "int32", DEV), tvm.nd.empty((rows,), "int32", DEV)
    f(nd(indices), nd(values), t0, t1)
    np.testing.assert_array_equal(t0.numpy(), values.argmax(axis=1))
    np.testing.assert_array_equal(t1.numpy(), values.max(axis=1))


def conv2d_nchw(batch, in_channel, out_channel, size, kernel, pad, stride):
    """The TVM tutorial's direct convolution: padding through if_then_else."""
    A = te.placeholder((batch, in_channel, size, size), name="A")
    W = te.placeholder((out_channel, in_channel, kernel, kernel), name="W")
    out_size = (size - kernel + 2 * pad) // stride + 1
    Apad = te.compute(
        (batch, in_channel, size + 2 * pad, size + 2 * pad),
        lambda nn, cc, yy, xx: tvm.tir.if_then_else(
            tvm.tir.all(yy >= pad, yy - pad < size, xx >= pad, xx - pad < size),
            A[nn, cc, yy - pad, xx - pad],
            tvm.tir.const(0.0, "float32"),
        ),
        name="Apad",
    )
    rc = te.reduce_axis((0, in_channel), name="rc")
    ry = te.reduce_axis((0, kernel), name="ry")
    rx = te.reduce_axis((0, kernel), name="rx")
    B = te.compute(
        (batch, out_channel, out_size, out_size),
        lambda nn, ff, yy, xx: te.sum(
            Apad[nn, rc, yy * stride + ry, xx * stride + rx] * W[ff, rc, ry, rx],
            axis=[rc, ry, rx],
        ),
        name="B",
    )
    return A, W, B, out_size


def conv2d_reference(a, w, pad, stride):
    padded = np.pad(a, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kernel = w.shape[2]
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel, kernel), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    return np.einsum("ncyxij,fcij->nfyx", windows, w)


@pytest.mark.parametrize(("pad", "stride"), [(1, 1), (2, 2), (0, 1)])
def test_conv2d_nchw_with_padding(pad, stride):
    A, W, B, out_size = conv2d_nchw(2, 3, 4, 9, 3, pad, stride)
    f = build([A, W, B])
    a, w = randn(2, 3, 9, 9), randn(4, 3, 3, 3)
    b = tvm.nd.empty((2, 4, out_size, out_size), "float32", DEV)
    f(nd(a), nd(w), b)
    np.testing.assert_allclose(b.numpy(), conv2d_reference(a, w, pad, stride), rtol=1e-4, atol=1e-4)


def test_softmax_multi_stage():
    n, m = 5, 12
    X = te.placeholder((n, m), name="X")
    k1 = te.reduce_axis((0, m), name="k1")
    k2 = te.reduce_axis((0, m), name="k2")
    row_max = te.compute((n,), lambda i: te.max(X[i, k1], axis=k1), name="row_max")
    expo = te.compute((n, m), lambda i, j: te.exp(X[i, j] - row_max[i]), name="expo")
    row_sum = te.compute((n,), lambda i: te.sum(expo[i, k2], axis=k2), name="row_sum")
    Y = te.compute((n, m), lambda i, j: expo[i, j] / row_sum[i], name="Y")
    f = build([X, Y])
    x = randn(n, m) * 5
    y = tvm.nd.empty((n, m), "float32", DEV)
    f(nd(x), y)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y.numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-5)


def test_multi_output_compute():
    A = te.placeholder((10,), name="A")
    X, Y = te.compute((10,), lambda i: (A[i] * 2.0, (A[i] * 10.0).astype("int32")), name="XY")
    f = build([A, X, Y])
    a = randn(10)
    x, y = tvm.nd.empty((10,), "float32", DEV), tvm.nd.empty((10,), "int32", DEV)
    f(nd(a), x, y)
    np.testing.assert_allclose(x.numpy(), a * 2, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), (a * 10).astype("int32"))


def test_symbolic_vector_add_built_once_called_with_several_lengths():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute(A.shape, lambda i: A[i] + B[i], name="C")
    f = build([A, B, C])
    for length in (1, 7, 1024, 3):
        a, b = randn(length), randn(length)
        c = tvm.nd.array(np.zeros(length, dtype="float32"), DEV)
        f(nd(a), nd(b), c)
        np.testing.assert_allclose(c.numpy(), a + b, rtol=1e-6)


def test_symbolic_shape_mismatch_is_rejected_before_running():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute(A.shape, lambda i: A[i] * 2.0, name="B")
    f = build([A, B])
    with pytest.raises(UserError):
        f(nd(randn(4)), tvm.nd.empty((5,), "float32", DEV))


def test_scalar_parameter():
    alpha = te.var("alpha", "float32")
    A = te.placeholder((6,), name="A")
    B = te.compute((6,), lambda i: A[i] * alpha, name="B")
    f = build([A, alpha, B])
    a = randn(6)
    b = tvm.nd.empty((6,), "float32", DEV)
    f(nd(a), 2.5, b)
    np.testing.assert_allclose(b.numpy(), a * 2.5, rtol=1e-6)


def test_index_arithmetic_transpose_and_reshape():
    A = te.placeholder((4, 6), name="A")
    T = te.compute((6, 4), lambda i, j: A[j, i], name="T")
    R = te.compute((24,), lambda i: A[i // 6, i % 6], name="R")
    f = build([A, T, R])
    a = randn(4, 6)
    t, r = tvm.nd.empty((6, 4), "float32", DEV), tvm.nd.empty((24,), "float32", DEV)
    f(nd(a), t, r)
    np.testing.assert_array_equal(t.numpy(), a.T)
    np.testing.assert_array_equal(r.numpy(), a.reshape(-1))


def test_rank_zero_tensors():
    A = te.placeholder((), name="A")
    B = te.compute((), lambda: A() * 2.0 + 1.0, name="B")
    f = build([A, B])
    b = np.zeros((), "float32")
    f(np.array(3.0, "float32"), b)
    assert b == 7.0


def test_int64_symbolic_shape():
    n = te.var("n", "int64")
    X = te.placeholder((n, 3), name="X")
    Y = te.compute(X.shape, lambda i, j: X[i, j] * 2.0 + j.astype("float32"), name="Y")
    assert Y.op.axis[0].var.dtype == "int64"
    f = build([X, Y])
    x = randn(5, 3)
    y = np.zeros((5, 3), "float32")
    f(x, y)
    np.testing.assert_allclose(y, x * 2 + np.arange(3, dtype="float32"), rtol=1e-6)


def test_gather_reads_the_whole_indexed_tensor():
    """``A[idx[i]]``: per block instance the read is the point ``A[idx[v_i]]`` (as TVM);
    relaxed over loops it is unbounded, and clamps to all of A (see Region.clamp)."""
    a = te.placeholder((16,), name="A")
    idx = te.placeholder((4,), name="idx", dtype="int32")
    out = te.compute((4,), lambda i: a[idx[i]] * 2.0, name="out")
    func = te.create_prim_func([a, idx, out])
    verify(func)
    assert "T.reads(A[idx[v_i]], idx[v_i])" in func.script()
    sch = tvm.tir.Schedule(func)
    sch.cache_read(sch.get_block("out"), 0, "local")
    assert "for ax0 in range(16):" in sch.mod["main"].script()  # the copy covers all of A
    f = tvm.build(sch.mod)
    a_np, idx_np = randn(16), np.array([3, 0, 15, 7], dtype="int32")
    out_nd = tvm.nd.empty((4,), "float32")
    f(nd(a_np), nd(idx_np), out_nd)
    np.testing.assert_allclose(out_nd.numpy(), a_np[idx_np] * 2.0)
