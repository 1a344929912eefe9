import pytest
from lower_cases import chain, nest, nodes_of, reduction, root_func

from stir_core.ir import (
    Allocate,
    Broadcast,
    Buffer,
    BufferLoad,
    BufferStore,
    Evaluate,
    PrimFunc,
    Ramp,
    SizeVar,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    seq,
)
from stir_core.ir.op import const, floormod
from stir_core.lower import (
    BufferStridesError,
    PassOrderError,
    StorageAlignError,
    VectorIndexError,
    alloc_buffers,
    buffer_strides,
    convert_blocks,
    flat_index,
    flatten_buffer,
)


def _flatten_chain(**kwargs) -> tuple:
    case = chain(**kwargs)
    return case, flatten_buffer(convert_blocks(alloc_buffers(case.func)))


def _flat(buffer: Buffer, extent) -> Buffer:
    return Buffer(
        buffer.name,
        (const(extent) if isinstance(extent, int) else extent,),
        buffer.dtype,
        buffer.data,
        scope=buffer.scope,
    )


def _expected_chain(case, a_stride, b_stride, b_extent, n_elems) -> tuple:
    A, B, C = case.A, case.B, case.C
    fa, fb, fc = _flat(A, n_elems), _flat(B, b_extent), _flat(C, n_elems)
    (i, j), (i2, j2) = case.loops_b, case.loops_c
    extents = [(i, A.shape[0]), (j, A.shape[1])]
    first = nest(extents, BufferStore(fb, fa[i * a_stride + j] * 2.0, (i * b_stride + j,)))
    extents2 = [(i2, A.shape[0]), (j2, A.shape[1])]
    second = nest(extents2, BufferStore(fc, fb[i2 * b_stride + j2] + 1.0, (i2 * a_stride + j2,)))
    return Allocate(fb, seq([first, second]))


def test_chain_accesses_become_row_major_1d():
    case, lowered = _flatten_chain()
    assert_structural_equal(lowered.body, _expected_chain(case, 6, 6, 24, 24))
    assert lowered.params == case.func.params  # params keep their N-d buffers


def test_symbolic_shapes_flatten_with_symbolic_strides():
    n, m = SizeVar("n"), SizeVar("m")
    case, lowered = _flatten_chain(shape=(n, m))
    assert_structural_equal(lowered.body, _expected_chain(case, m, m, n * m, n * m))


@pytest.mark.parametrize("axis", [0, -2])
def test_storage_align_pads_the_stride_of_the_axis(axis):
    case, lowered = _flatten_chain(align_constraints=((axis, 8, 1),))
    # row of 6 floats padded to 9 so that stride % 8 == 1; 4 rows -> 36 elements
    assert_structural_equal(lowered.body, _expected_chain(case, 6, 9, 36, 24))


def test_storage_align_with_symbolic_shape():
    m = Var("m")
    buf = decl_buffer((4, m), name="X").replace(align_constraints=((0, 16, 4),))
    expected_row = m + floormod(20 - floormod(m, 16), 16)
    assert_structural_equal(buffer_strides(buf), (expected_row, const(1)))


def test_storage_align_on_inner_axis_pads_element_stride():
    buf = decl_buffer((4, 6), name="X").replace(align_constraints=((1, 4, 2),))
    assert [s.value for s in buffer_strides(buf)] == [12, 2]


def _flatten_one(buffer: Buffer, indices) -> tuple[Buffer, object]:
    func = PrimFunc((buffer,), buffer_store(buffer, 1.0, indices))
    store = flatten_buffer(func).body
    return store.buffer, store.indices[0]


def test_explicit_strides_and_elem_offset():
    i, j = Var("i"), Var("j")
    col_major = decl_buffer((4, 3), name="X", strides=(1, 4))
    flat, index = _flatten_one(col_major, (i, j))
    assert_structural_equal(index, i + j * 4)
    assert flat.shape[0].value == 12 and flat.data is col_major.data and not flat.strides
    shifted = decl_buffer((4, 6), name="Y").replace(elem_offset=const(5))
    flat, index = _flatten_one(shifted, (i, j))
    assert_structural_equal(index, 5 + i * 6 + j)
    assert flat.shape[0].value == 29 and flat.elem_offset.value == 0


def test_zero_dim_and_compact_1d_buffers():
    scalar = decl_buffer((), name="S")
    flat, index = _flatten_one(scalar, ())
    assert flat.shape[0].value == 1 and index.value == 0
    vector = decl_buffer((7,), name="V")
    i = Var("i")
    flat, index = _flatten_one(vector, (i,))
    assert flat is vector and index is i


def test_one_flattened_buffer_per_buffer():
    case, lowered = _flatten_chain()
    accesses = [*nodes_of(lowered.body, BufferLoad), *nodes_of(lowered.body, BufferStore)]
    by_data = {}
    for node in accesses:
        assert node.buffer.ndim == 1
        by_data.setdefault(node.buffer.data, set()).add(id(node.buffer))
    assert all(len(ids) == 1 for ids in by_data.values())
    assert id(lowered.body.buffer) in by_data[case.B.data]


def test_reduction_flattens_nested_loads():
    case = reduction()
    idx_buf = decl_buffer((4,), dtype="int32", name="Idx")
    k = Var("k")
    body = buffer_store(case.A, 0.0, (idx_buf[case.i], k))
    func = PrimFunc((case.A, idx_buf), nest([(case.i, 4), (k, 8)], body))
    store = flatten_buffer(func).body.body.body
    assert_structural_equal(store.indices[0], idx_buf[case.i] * 8 + k)


def test_vector_indices_become_ramps_and_broadcasts():
    B = decl_buffer((4, 8), name="B")
    i = Var("i")
    ramp = Ramp(Var("x").dtype.with_lanes(4), const(0), const(1), 4)
    assert_structural_equal(
        flat_index((i, ramp), buffer_strides(B), const(0)), Ramp(ramp.dtype, i * 8, const(1), 4)
    )
    bcast = Broadcast(ramp.dtype, i, 4)
    assert_structural_equal(
        flat_index((bcast, const(3)), buffer_strides(B), const(0)),
        Broadcast(ramp.dtype, i * 8 + 3, 4),
    )
    column = flat_index((ramp, const(2)), buffer_strides(B), const(0))
    assert_structural_equal(column, Ramp(ramp.dtype, const(2), const(8), 4))


def test_other_vector_index_is_an_error():
    B = decl_buffer((4, 8), name="B")
    ramp = Ramp(Var("x").dtype.with_lanes(4), const(0), const(1), 4)
    with pytest.raises(VectorIndexError, match="Ramp and Broadcast"):
        flat_index((const(0), ramp + ramp), buffer_strides(B), const(0))


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        ((2, 8, 0), "axis 2 is out of range"),
        ((0, 8, 8), "0 <= offset < factor"),
        ((0, 0, 0), "factor > 0"),
    ],
)
def test_bad_storage_align_is_an_error(constraint, message):
    buf = decl_buffer((4, 6), name="X").replace(align_constraints=(constraint,))
    with pytest.raises(StorageAlignError, match=message):
        buffer_strides(buf)


def test_strides_of_wrong_length_are_an_error():
    buf = decl_buffer((4, 6), name="X", strides=(1,))
    with pytest.raises(BufferStridesError, match="buffer X has 2 dimension"):
        buffer_strides(buf)


def test_blocks_left_are_a_pass_order_error():
    with pytest.raises(PassOrderError, match="block 'root': run convert_blocks"):
        flatten_buffer(root_func((), Evaluate(const(0))))
