"""Kernel argument validation: every error, raised before native code runs (the output
array stays untouched), with a message naming the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from stir_core import ir
from stir_core.codegen import (
    AliasedArgumentError,
    ArgumentCountError,
    ArgumentDTypeError,
    ArgumentLayoutError,
    ArgumentShapeError,
    ArgumentTypeError,
    KernelArgumentError,
    ReadOnlyArgumentError,
    build,
)
from stir_core.errors import UserError
from stir_core.ir import op


@pytest.fixture(scope="module")
def axpy():
    """``Y[i, j] = A[i, j] * alpha + X[i + 1, j]`` with A (n, 4), X (n + 1, 4), Y (n, 4)."""
    n = ir.SizeVar("n")
    A = ir.decl_buffer((n, 4), "float32", "A")
    X = ir.decl_buffer((n + 1, 4), "float32", "X")
    Y = ir.decl_buffer((n, 4), "float32", "Y")
    alpha = ir.Var("alpha", "float32")
    i, j = ir.Var("i"), ir.Var("j")
    store = ir.buffer_store(Y, A[i, j] * alpha + X[i + 1, j], [i, j])
    body = ir.For(
        i,
        op.const(0),
        n,
        ir.ForKind.SERIAL,
        ir.For(j, op.const(0), op.const(4), ir.ForKind.SERIAL, store),
    )
    return build(ir.PrimFunc((A, X, Y, alpha), body))


def arrays(n=3):
    a = np.ones((n, 4), np.float32)
    x = np.arange((n + 1) * 4, dtype=np.float32).reshape(n + 1, 4)
    y = np.full((n, 4), -7, np.float32)
    return a, x, y


def test_valid_call(axpy):
    a, x, y = arrays()
    axpy(a, x, y, 2.0)
    assert np.array_equal(y, a * 2 + x[1:])


def fails(kernel, error, match, *args):
    y = args[2]
    before = y.copy()
    with pytest.raises(error, match=match) as info:
        kernel(*args)
    assert isinstance(info.value, KernelArgumentError) and isinstance(info.value, UserError)
    assert np.array_equal(y, before)  # nothing ran


def test_argument_count(axpy):
    a, x, y = arrays()
    with pytest.raises(ArgumentCountError, match="takes 4 argument"):
        axpy(a, x, y)
    with pytest.raises(ArgumentCountError, match="got 5"):
        axpy(a, x, y, 1.0, 2.0)
    assert (y == -7).all()


def test_not_an_array(axpy):
    a, x, y = arrays()
    fails(
        axpy,
        ArgumentTypeError,
        r"argument 0 \(buffer 'A'\) must be a numpy array",
        a.tolist(),
        x,
        y,
        1.0,
    )


def test_scalar_type(axpy):
    a, x, y = arrays()
    fails(axpy, ArgumentTypeError, r"argument 3 \(scalar 'alpha'.*real number", a, x, y, "2")


def test_integer_and_bool_scalars():
    A = ir.decl_buffer((2,), "int8", "A")
    k = ir.Var("k", "int8")
    flag = ir.Var("flag", "bool")
    i = ir.Var("i")
    store = ir.buffer_store(A, op.select(flag, k, op.const(0, "int8")), [i])
    kernel = build(
        ir.PrimFunc((A, k, flag), ir.For(i, op.const(0), op.const(2), ir.ForKind.SERIAL, store))
    )
    a = np.zeros(2, np.int8)
    with pytest.raises(ArgumentTypeError, match=r"argument 1 \(scalar 'k'.*integer"):
        kernel(a, 1.5, True)
    with pytest.raises(ArgumentTypeError, match="300 does not fit in int8"):
        kernel(a, 300, True)
    with pytest.raises(ArgumentTypeError, match=r"argument 2 \(scalar 'flag'.*bool"):
        kernel(a, 3, 1)
    assert (a == 0).all()
    kernel(a, np.int64(-3), np.bool_(True))
    assert a.tolist() == [-3, -3]


def test_wrong_dtype(axpy):
    a, x, y = arrays()
    fails(
        axpy,
        ArgumentDTypeError,
        r"argument 1 \(buffer 'X'\) must have dtype float32, got float64",
        a,
        x.astype(np.float64),
        y,
        1.0,
    )


def test_wrong_ndim(axpy):
    a, x, y = arrays()
    fails(
        axpy,
        ArgumentShapeError,
        r"argument 0 \(buffer 'A'\) must have 2 dimension",
        a.ravel(),
        x,
        y,
        1.0,
    )


def test_constant_dimension_mismatch(axpy):
    _a, x, y = arrays()
    fails(
        axpy,
        ArgumentShapeError,
        r"buffer 'A'.*axis 1 is 5 but must be 4",
        np.ones((3, 5), np.float32),
        x,
        y,
        1.0,
    )


def test_shape_variable_disagreement(axpy):
    a, x, _y = arrays(3)
    _, _, y4 = arrays(4)
    before = y4.copy()
    with pytest.raises(
        ArgumentShapeError, match=r"argument 2 \(buffer 'Y'\).*axis 0 is 4 but must be 3.*n=3"
    ):
        axpy(a, x, y4, 1.0)
    assert np.array_equal(y4, before)


def test_shape_expression_mismatch(axpy):
    a, x, y = arrays(3)
    fails(
        axpy,
        ArgumentShapeError,
        r"argument 1 \(buffer 'X'\).*axis 0 is 3 but must be 4",
        a,
        x[:3].copy(),
        y,
        1.0,
    )


def test_shape_var_that_cannot_be_inferred():
    n = ir.SizeVar("n")
    P = ir.decl_buffer((n * n,), "int32", "P")
    i = ir.Var("i")
    kernel = build(
        ir.PrimFunc((P,), ir.For(i, op.const(0), n, ir.ForKind.SERIAL, ir.buffer_store(P, i, [i])))
    )
    with pytest.raises(ArgumentShapeError, match="cannot be determined"):
        kernel(np.zeros(9, np.int32))


def test_shape_var_that_does_not_fit_its_dtype():
    n = ir.SizeVar("n", "int8")
    P = ir.decl_buffer((n,), "int32", "P")
    i = ir.Var("i", "int8")
    loop = ir.For(
        i, op.const(0, "int8"), n, ir.ForKind.SERIAL, ir.buffer_store(P, op.const(1), [i])
    )
    kernel = build(ir.PrimFunc((P,), loop))
    p = np.zeros(200, np.int32)
    with pytest.raises(ArgumentShapeError, match="'n' = 200 does not fit in int8"):
        kernel(p)
    assert (p == 0).all()


def test_non_contiguous(axpy):
    a, x, y = arrays()
    fails(
        axpy,
        ArgumentLayoutError,
        r"argument 0 \(buffer 'A'\) must be C-contiguous",
        np.ones((3, 8), np.float32)[:, ::2],
        x,
        y,
        1.0,
    )
    fails(axpy, ArgumentLayoutError, "buffer 'X'", a, np.asfortranarray(x), y, 1.0)


def test_unaligned(axpy):
    a, x, y = arrays()
    raw = np.zeros(a.nbytes + 1, np.uint8)
    unaligned = np.frombuffer(raw.data, np.float32, a.size, offset=1).reshape(a.shape)
    assert not unaligned.flags.aligned and unaligned.flags.c_contiguous
    fails(
        axpy, ArgumentLayoutError, r"argument 0 \(buffer 'A'\) is not aligned", unaligned, x, y, 1.0
    )


def test_read_only_output(axpy):
    a, x, y = arrays()
    y.setflags(write=False)
    fails(axpy, ReadOnlyArgumentError, r"argument 2 \(buffer 'Y'\) is written", a, x, y, 1.0)


def test_read_only_inputs_are_fine(axpy):
    a, x, y = arrays()
    a.setflags(write=False)
    x.setflags(write=False)
    axpy(a, x, y, 1.0)
    assert np.array_equal(y, a + x[1:])


def test_output_overlapping_an_input(axpy):
    base = np.zeros((7, 4), np.float32)
    a, x = np.ones((3, 4), np.float32), base[:4]
    y = base[3:6]
    before = y.copy()
    with pytest.raises(
        AliasedArgumentError, match=r"buffer 'Y'.*overlaps argument 1 \(buffer 'X'\)"
    ):
        axpy(a, x, y, 1.0)
    assert np.array_equal(y, before)


def test_declared_strides_are_checked():
    n = ir.SizeVar("n")
    A = ir.Buffer(
        "A", (n, op.const(4)), "float32", ir.Var("A", "handle"), (op.const(5), op.const(1))
    )
    i = ir.Var("i")
    store = ir.buffer_store(A, op.const(1.0), [i, op.const(0)])
    kernel = build(ir.PrimFunc((A,), ir.For(i, op.const(0), n, ir.ForKind.SERIAL, store)))
    a = np.zeros((3, 4), np.float32)
    with pytest.raises(
        ArgumentShapeError, match=r"buffer 'A'.*stride of axis 0 is 4 but must be 5"
    ):
        kernel(a)
    assert (a == 0).all()


def test_symbolic_strides_are_bound():
    n, s = ir.SizeVar("n"), ir.SizeVar("s")
    A = ir.Buffer("A", (n, op.const(4)), "float32", ir.Var("A", "handle"), (s, op.const(1)))
    i = ir.Var("i")
    store = ir.buffer_store(A, op.cast("float32", s), [i, op.const(1)])
    kernel = build(ir.PrimFunc((A,), ir.For(i, op.const(0), n, ir.ForKind.SERIAL, store)))
    a = np.zeros((3, 4), np.float32)
    kernel(a)
    assert a[:, 1].tolist() == [4, 4, 4] and a[:, 0].tolist() == [0, 0, 0]
