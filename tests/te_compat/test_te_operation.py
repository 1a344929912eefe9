"""The TE front end: placeholders, compute stages, indexing and the front-end errors."""

import pytest

import te_compat as tvm
from stir_core.errors import DataTypeError, IRTypeError, UserError
from stir_core.ir import BufferLoad, IntImm, IterType, SizeVar, Var
from te_compat import te


def test_placeholder_defaults_and_properties():
    n = te.var("n")
    A = te.placeholder((n, 4), name="A")
    assert A.dtype == "float32"
    assert A.ndim == 2
    assert A.name == "A"
    assert A.shape[0] is n
    assert isinstance(A.shape[1], IntImm) and A.shape[1].value == 4
    assert isinstance(A.op, te.PlaceholderOp)
    assert A.op.input_tensors == []
    assert A.op.output(0) is A


def test_placeholder_int_shape_and_dtype():
    A = te.placeholder(8, dtype="int8", name="A")
    assert A.ndim == 1 and A.dtype == "int8"


def test_compute_axis_names_and_inputs():
    A = te.placeholder((3, 4), name="A")
    B = te.placeholder((4,), name="B")
    C = te.compute((3, 4), lambda i, j: A[i, j] + B[j], name="C", tag="bcast")
    assert C.name == "C" and C.op.tag == "bcast"
    assert [iv.var.name for iv in C.op.axis] == ["i", "j"]
    assert all(iv.iter_type is IterType.DATA_PAR for iv in C.op.axis)
    assert C.op.reduce_axis == ()
    assert C.op.input_tensors == [A, B]
    assert C.dtype == "float32"


def test_index_forms_build_the_same_load():
    A = te.placeholder((3, 4), name="A")
    i, j = te.var("i"), te.var("j")
    for load in (A[i, j], A[i][j], A(i, j)):
        assert isinstance(load, BufferLoad)
        assert load.buffer is A.buffer
        assert load.indices[0] is i and load.indices[1] is j
    assert isinstance(A[i], te.TensorSlice)


def test_partial_slice_used_as_value_names_the_tensor():
    A = te.placeholder((3, 4), name="A")
    with pytest.raises(te.TensorIndexError, match="'A' has 2 dimension"):
        te.compute((3,), lambda i: A[i] + 1.0)


def test_too_many_indices():
    A = te.placeholder((3,), name="A")
    with pytest.raises(te.TensorIndexError, match="'A' has 1 dimension"):
        A[1, 2]


def test_varargs_lambda_takes_all_dimensions():
    A = te.placeholder((2, 3, 4), name="A")
    B = te.compute(A.shape, lambda *i: A[i] * 2.0, name="B")
    assert [iv.var.name for iv in B.op.axis] == ["i0", "i1", "i2"]
    C = te.compute(A.shape, lambda n, *rest: A(n, *rest), name="C")
    assert [iv.var.name for iv in C.op.axis] == ["n", "i0", "i1"]


def test_wrong_lambda_arity():
    A = te.placeholder((3, 4), name="A")
    with pytest.raises(te.ComputeArityError, match=r"'B'.*takes 1 index.*2 dimension"):
        te.compute((3, 4), lambda i: A[i, 0], name="B")
    with pytest.raises(te.ComputeArityError, match="takes 3 index"):
        te.compute((3, 4), lambda i, j, k: A[i, j], name="B")


def test_wrong_varargs_arity():
    A = te.placeholder((3,), name="A")
    with pytest.raises(te.ComputeArityError, match=r"at least 2 index.*only 1"):
        te.compute((3,), lambda i, j, *rest: A[i], name="B")


def test_lambda_with_defaults_is_refused():
    with pytest.raises(te.ComputeArityError, match="positional"):
        te.compute((3,), lambda i, j=0: i, name="B")


@pytest.mark.parametrize("bad", ["hello", None, b"x", object()])
def test_body_that_is_not_an_expression(bad):
    with pytest.raises(te.ComputeBodyError, match="compute 'bad_stage'"):
        te.compute((3,), lambda i: bad, name="bad_stage")


def test_constant_body_is_an_expression():
    C = te.compute((3,), lambda i: 1.5, name="C")
    assert C.dtype == "float32"


def test_bad_dtype_names_the_placeholder():
    with pytest.raises(te.TensorDtypeError, match=r"placeholder 'A'.*float31"):
        te.placeholder((3,), dtype="float31", name="A")
    assert issubclass(te.TensorDtypeError, DataTypeError)


def test_bad_cast_dtype():
    A = te.placeholder((3,), name="A")
    with pytest.raises(DataTypeError, match="int33"):
        te.compute((3,), lambda i: A[i].astype("int33"))


def test_int_by_int_true_division_is_refused():
    A = te.placeholder((3,), dtype="int32", name="A")
    with pytest.raises(IRTypeError, match="integer / integer"):
        te.compute((3,), lambda i: A[i] / 2)


@pytest.mark.parametrize("shape", [(3, -1), (3, 2.5), ("n",), (True,)])
def test_bad_shapes(shape):
    with pytest.raises(te.TensorShapeError, match="placeholder 'A'"):
        te.placeholder(shape, name="A")


def test_multi_output_compute():
    A = te.placeholder((5,), name="A")
    X, Y = te.compute((5,), lambda i: (A[i] + 1.0, (A[i] * 2.0).astype("int32")), name="XY")
    assert X.op is Y.op and X.op.num_outputs == 2
    assert (X.value_index, Y.value_index) == (0, 1)
    assert (X.name, Y.name) == ("XY.v0", "XY.v1")
    assert (X.dtype, Y.dtype) == ("float32", "int32")


def test_var_size_var_const():
    n = te.var("n")
    assert isinstance(n, Var) and n.dtype == "int32" and n.name == "n"
    m = te.size_var("m", dtype="int64")
    assert isinstance(m, SizeVar) and m.dtype == "int64"
    c = te.const(3)
    assert c.dtype == "int32" and c.value == 3
    assert te.const(2.0, "float16").dtype == "float16"


def test_reduce_axis_from_begin_end():
    k = te.reduce_axis((2, 10), name="k")
    assert k.iter_type is IterType.COMM_REDUCE
    assert k.dom.min.value == 2 and k.dom.extent.value == 8
    assert k.var.name == "k"


def test_reduce_axis_bad_dom():
    with pytest.raises(te.TensorShapeError, match="reduce_axis 'k'"):
        te.reduce_axis(5, name="k")


def test_tag_scope_context_and_decorator():
    A = te.placeholder((3,), name="A")
    with te.tag_scope(tag="my_tag"):
        B = te.compute((3,), lambda i: A[i])
    assert B.op.tag == "my_tag"

    @te.tag_scope(tag="deco")
    def double(x):
        return te.compute(x.shape, lambda *i: x(*i) * 2.0)

    assert double(A).op.tag == "deco"
    assert te.compute((3,), lambda i: A[i]).op.tag == ""


def test_nested_tags_are_refused():
    A = te.placeholder((3,), name="A")
    with te.tag_scope(tag="outer"):
        with pytest.raises(te.NestedTagError, match="inner"):
            te.compute((3,), lambda i: A[i], tag="inner")
        with pytest.raises(te.NestedTagError, match="nested"):
            with te.tag_scope(tag="inner2"):
                pass
        te.compute((3,), lambda i: A[i])


def test_tensor_is_not_iterable():
    A = te.placeholder((3,), name="A")
    with pytest.raises(te.TensorIndexError, match="not iterable"):
        list(A)


def test_top_level_names():
    assert tvm.te is te
    assert tvm.nd.array is tvm.runtime.array
    assert issubclass(te.ComputeBodyError, UserError)
