"""Structural equality (alpha-equivalence), mismatch reports, and hash consistency."""

from __future__ import annotations

import pytest

from stir_core.errors import UserError
from stir_core.ir import (
    Block,
    Buffer,
    Evaluate,
    For,
    ForKind,
    IRModule,
    Let,
    SizeVar,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    op,
    structural_equal,
    structural_hash,
)
from stir_core.ir.structural import StructuralMismatchError


def _equal_and_same_hash(a, b, map_free_vars=False) -> bool:
    equal = structural_equal(a, b, map_free_vars)
    if equal:
        assert structural_hash(a, map_free_vars) == structural_hash(b, map_free_vars)
    return equal


@pytest.mark.parametrize("name", ["elementwise", "matmul", "split", "symbolic", "nstir"])
def test_functions_built_twice_are_equal(ir, name):
    build = getattr(ir, name)
    assert _equal_and_same_hash(build(), build())
    assert_structural_equal(build(), build())


def test_different_functions_differ(ir):
    builds = [ir.elementwise, ir.matmul, ir.split, ir.symbolic, ir.nstir]
    funcs = [build() for build in builds]
    for index, a in enumerate(funcs):
        for b in funcs[index + 1 :]:
            assert not structural_equal(a, b)
    assert len({structural_hash(f) for f in funcs}) == len(funcs)


def _loop(var: Var, extent: int = 8, body=None) -> For:
    return For(var, op.const(0), op.const(extent), ForKind.SERIAL, body or Evaluate(var))


def test_bound_variables_are_renamed():
    i, j = Var("i"), Var("j")
    assert _equal_and_same_hash(_loop(i), _loop(j))
    assert not structural_equal(_loop(i), _loop(j, 4))
    x, y = Var("x"), Var("y")
    assert _equal_and_same_hash(
        Let("int32", x, op.const(1), x + 1), Let("int32", y, op.const(1), y + 1)
    )
    assert not structural_equal(
        Let("int32", x, op.const(1), x + 1), Let("int32", y, op.const(1), x + 1)
    )


def test_binding_must_be_a_bijection():
    i, j, k = Var("i"), Var("j"), Var("k")
    # lhs: two loops over distinct vars, rhs: the inner body uses the outer var
    lhs = _loop(i, body=_loop(j, body=Evaluate(j)))
    rhs = _loop(k, body=_loop(j, body=Evaluate(k)))
    assert not structural_equal(lhs, rhs)


def test_free_variables_need_identity_unless_mapped():
    x, y = Var("x"), Var("y")
    assert _equal_and_same_hash(x + 1, x + 1)
    assert not structural_equal(x + 1, y + 1)
    assert _equal_and_same_hash(x + 1, y + 1, map_free_vars=True)
    assert not structural_equal(x + x, x + y, map_free_vars=True)
    assert not structural_equal(x, Var("x", "int64"), map_free_vars=True)
    assert not structural_equal(x, SizeVar("x"), map_free_vars=True)


def test_buffers_compare_by_definition(ir):
    def store_func(shape=(8,), dtype="float32", scope="global"):
        buffer = decl_buffer(shape, dtype, name="B", scope=scope)
        i = Var("i")
        return ir.func((buffer,), _loop(i, body=buffer_store(buffer, 0, (i,))))

    assert _equal_and_same_hash(store_func(), store_func())
    assert not structural_equal(store_func(), store_func(shape=(9,)))
    assert not structural_equal(store_func(), store_func(dtype="float16"))
    assert not structural_equal(store_func(), store_func(scope="local"))


def test_buffer_mapping_is_a_bijection(ir):
    a, b = decl_buffer((8,), name="A"), decl_buffer((8,), name="B")
    c, d = decl_buffer((8,), name="C"), decl_buffer((8,), name="D")
    i = Var("i")
    two = ir.func((a, b), buffer_store(a, b[i], (i,)))
    same = ir.func((c, d), buffer_store(c, c[i], (i,)))
    assert not structural_equal(two, same, map_free_vars=True)
    swapped = ir.func((c, d), buffer_store(d, c[i], (i,)))
    assert not structural_equal(two, swapped, map_free_vars=True)
    renamed = ir.func((c, d), buffer_store(c, d[i], (i,)))
    assert _equal_and_same_hash(two, renamed, map_free_vars=True)


def test_free_buffers_in_statements():
    a, b = decl_buffer((8,), name="A"), decl_buffer((8,), name="A")
    i = Var("i")
    assert _equal_and_same_hash(buffer_store(a, 1.0, (i,)), buffer_store(a, 1.0, (i,)))
    assert not structural_equal(buffer_store(a, 1.0, (i,)), buffer_store(b, 1.0, (i,)))
    assert structural_equal(
        buffer_store(a, 1.0, (i,)), buffer_store(b, 1.0, (i,)), map_free_vars=True
    )


def test_flattened_views_share_the_parameter_data(ir):
    assert structural_equal(ir.nstir(), ir.nstir())
    func = ir.nstir()
    # a view on the wrong memory (B's data instead of A's) is a different function
    a, b = func.params
    other = Buffer("A", (op.const(16),), a.dtype, b.data)
    assert "A_1[i]" in str(func)
    changed = _replace_flat_view(func, other)
    assert not structural_equal(func, changed)


def _replace_flat_view(func, view):
    allocate = func.body
    fill = allocate.body.seq[0]
    store = fill.body
    new_store = store.replace(value=op.mul(view[store.indices[0]], 2.0))
    new_body = allocate.body.replace(seq=(fill.replace(body=new_store), *allocate.body.seq[1:]))
    return func.replace(body=allocate.replace(body=new_body))


def test_alloc_buffers_are_definitions(ir):
    first, second = ir.matmul(), ir.matmul()
    assert first.body.block.alloc_buffers[0] is not second.body.block.alloc_buffers[0]
    assert _equal_and_same_hash(first, second)


def test_attributes_and_annotations_compare_as_mappings(ir):
    func = ir.elementwise()
    reordered = func.replace(attrs={"tir.noalias": True, "global_symbol": "main"})
    assert _equal_and_same_hash(func, reordered)
    assert not structural_equal(func, func.with_attr("global_symbol", "other"))
    assert not structural_equal(func, func.with_attr("extra", 1))
    assert not structural_equal(func.with_attr("flag", True), func.with_attr("flag", 1))


def test_python_values_tuples_and_modules(ir):
    assert structural_equal((1, "a", 2.5), (1, "a", 2.5))
    assert not structural_equal((1, 2), (1, 2, 3))
    assert not structural_equal(1, True)
    assert structural_equal(float("nan"), float("nan"))
    assert structural_equal({"k": [1, 2]}, {"k": [1, 2]})
    mod_a = IRModule({"main": ir.elementwise()})
    mod_b = IRModule({"main": ir.elementwise()})
    assert _equal_and_same_hash(mod_a, mod_b)
    assert not structural_equal(mod_a, IRModule({"other": ir.elementwise()}))


def test_dtype_and_node_type_differences():
    x = Var("x")
    assert not structural_equal(x + 1, x - 1)
    assert not structural_equal(op.const(1), op.const(1, "int64"))
    assert not structural_equal(op.const(1.0), op.const(1.0, "float64"))
    assert structural_equal(op.const(1.0), op.const(1.0))


def test_mismatch_message_names_path_and_both_sides(ir):
    func = ir.elementwise()
    loop_i = func.body.block.body
    changed = func.replace(
        body=func.body.replace(
            block=func.body.block.replace(body=loop_i.replace(extent=op.const(64)))
        )
    )
    with pytest.raises(StructuralMismatchError) as info:
        assert_structural_equal(func, changed)
    message = str(info.value)
    assert "PrimFunc.body.block.body.extent.value" in message
    assert "128 vs int 64" in message
    assert "lhs:\n    128\nrhs:\n    64" in message


def test_mismatch_message_for_variables_and_missing_items():
    x, y = Var("x"), Var("y")
    with pytest.raises(
        StructuralMismatchError, match=r"Add\.a: free variable x .* vs free variable y"
    ):
        assert_structural_equal(x + 1, y + 1)
    with pytest.raises(
        StructuralMismatchError, match="sequence of length 1 vs a sequence of length 2"
    ):
        assert_structural_equal((x,), (x, y))
    with pytest.raises(StructuralMismatchError, match="a Add node vs a Sub node"):
        assert_structural_equal(x + y, x - y)


def test_mismatch_in_block_body_prints_both_subtrees(ir):
    a, b = ir.elementwise(), ir.elementwise()
    block_b = b.body.block.body.body.body.block
    store = block_b.body
    new_store = store.replace(value=op.add(store.value, 1.0))
    new_block = block_b.replace(body=new_store)
    b = _replace_block(b, new_block)
    with pytest.raises(StructuralMismatchError) as info:
        assert_structural_equal(a, b)
    message = str(info.value)
    assert ".block.body.value" in message
    assert "A[v_i, v_j] * T.float32(2.0)" in message
    assert "A[v_i, v_j] * T.float32(2.0) + T.float32(1.0)" in message


def _replace_block(func, block):
    loop_i = func.body.block.body
    loop_j = loop_i.body
    new_j = loop_j.replace(body=loop_j.body.replace(block=block))
    new_root = func.body.block.replace(body=loop_i.replace(body=new_j))
    return func.replace(body=func.body.replace(block=new_root))


def test_error_class_is_user_error_and_assertion_error():
    assert issubclass(StructuralMismatchError, UserError)
    assert issubclass(StructuralMismatchError, AssertionError)
    assert_structural_equal(op.const(1), op.const(1))


def test_block_iter_vars_are_definitions(ir):
    first = ir.split()
    second = ir.split()
    assert _equal_and_same_hash(first, second)
    block = first.body.block.body.body.body.block
    assert isinstance(block, Block)
    reduce_axis = block.iter_vars[0].replace(iter_type=block.iter_vars[0].iter_type.COMM_REDUCE)
    changed = _replace_block(first, block.replace(iter_vars=(reduce_axis,)))
    assert not structural_equal(first, changed)
