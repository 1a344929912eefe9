"""Reductions: te.sum/max/min, comm_reducer (incl. tuple reducers) and their errors."""

import pytest

from stir_core.ir import Max, Min
from te_compat import te, tir


def test_sum_builds_a_reduce_body():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    S = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="S")
    (body,) = S.op.body
    assert isinstance(body, te.Reduce)
    assert S.op.reduce_axis == (k,)
    assert body.combiner.name == "sum"
    assert body.combiner.identity_element[0].value == 0.0
    assert S.op.input_tensors == [A]


def test_several_reduce_axes_as_list():
    A = te.placeholder((4, 5, 6), name="A")
    j = te.reduce_axis((0, 5), name="j")
    k = te.reduce_axis((0, 6), name="k")
    S = te.compute((4,), lambda i: te.sum(A[i, j, k], axis=[j, k]), name="S")
    assert S.op.reduce_axis == (j, k)


def test_max_min_identities():
    A = te.placeholder((4,), dtype="int8", name="A")
    k = te.reduce_axis((0, 4), name="k")
    mx = te.compute((1,), lambda i: te.max(A[k], axis=k))
    mn = te.compute((1,), lambda i: te.min(A[k], axis=k))
    assert mx.op.body[0].combiner.identity_element[0].value == -128
    assert mn.op.body[0].combiner.identity_element[0].value == 127


def test_binary_max_min_on_two_expressions():
    x, y = te.var("x"), te.var("y")
    assert isinstance(te.max(x, y), Max)
    assert isinstance(tir.min(x, y), Min)
    assert isinstance(te.max(x, y, 3), Max)


def test_min_max_value():
    assert te.min_value("float32").value < -3e38
    assert te.max_value("int32").value == 2**31 - 1
    assert tir.max_value("uint8").value == 255


def test_custom_comm_reducer():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    prod = te.comm_reducer(lambda x, y: x * y, lambda t: tir.const(1, dtype=t), name="prod")
    P = te.compute((4,), lambda i: prod(A[i, k], axis=k), name="P")
    combiner = P.op.body[0].combiner
    assert combiner.name == "prod"
    assert [v.name for v in combiner.lhs + combiner.rhs] == ["x", "y"]


def test_tuple_reducer_returns_one_reduce_per_value():
    def fcombine(x, y):
        return tir.Select(x[1] >= y[1], x[0], y[0]), tir.Select(x[1] >= y[1], x[1], y[1])

    argmax = te.comm_reducer(fcombine, lambda t0, t1: (tir.const(-1, t0), te.min_value(t1)))
    idx = te.placeholder((3, 5), name="idx", dtype="int32")
    val = te.placeholder((3, 5), name="val")
    k = te.reduce_axis((0, 5), "k")
    T0, T1 = te.compute((3,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")
    assert (T0.dtype, T1.dtype) == ("int32", "float32")
    assert [r.value_index for r in T0.op.body] == [0, 1]
    assert [v.name for v in T0.op.body[0].combiner.lhs] == ["x_0", "x_1"]


def test_reduction_nested_in_expression_is_refused():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    with pytest.raises(te.ComputeBodyError, match=r"'bad'.*whole body"):
        te.compute((4,), lambda i: te.sum(A[i, k], axis=k) * 2.0, name="bad")


def test_different_reductions_in_one_stage_are_refused():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    with pytest.raises(te.ComputeBodyError, match=r"one .*reducer call"):
        te.compute((4,), lambda i: (te.sum(A[i, k], axis=k), te.max(A[i, k], axis=k)))
    with pytest.raises(te.ComputeBodyError, match=r"one .*reducer call"):
        te.compute((4,), lambda i: (te.sum(A[i, k], axis=k), A[i, 0]))


def test_spatial_axis_as_reduce_axis_is_refused():
    A = te.placeholder((4, 6), name="A")
    B = te.compute((4, 6), lambda i, j: A[i, j])
    with pytest.raises(te.ReduceError, match=r"te.reduce_axis"):
        te.compute((4,), lambda i: te.sum(A[i, 0], axis=B.op.axis[1]))
    with pytest.raises(te.ReduceError, match="at least one"):
        te.compute((4,), lambda i: te.sum(A[i, 0], axis=[]))


def test_where_must_be_boolean():
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    with pytest.raises(te.ReduceError, match="where= must be a boolean"):
        te.sum(A[0, k], axis=k, where=k + 1)


def test_identity_arity_mismatch():
    bad = te.comm_reducer(lambda x, y: x + y, lambda t: (tir.const(0, t), tir.const(0, t)))
    k = te.reduce_axis((0, 6), name="k")
    with pytest.raises(te.ReduceError, match="fidentity result has 2 value"):
        bad(te.var("x", "float32"), axis=k)


def test_init_value():
    A = te.placeholder((4, 6), name="A")
    B = te.placeholder((4,), name="B")
    k = te.reduce_axis((0, 6), name="k")
    S = te.compute((4,), lambda i: te.sum(A[i, k], axis=k, init=B[i]), name="S")
    assert S.op.body[0].init[0].buffer is B.buffer
    assert S.op.input_tensors == [A, B]
