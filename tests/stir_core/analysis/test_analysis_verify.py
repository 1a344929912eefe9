"""``verify``: valid S-TIR and NS-TIR pass; each broken invariant raises ``IRVerifyError``."""

from __future__ import annotations

import pytest

from stir_core.analysis import IRVerifyError, verify
from stir_core.errors import UserError
from stir_core.ir import (
    REDUCE,
    SPATIAL,
    Allocate,
    Block,
    BlockRealize,
    Broadcast,
    BufferLoad,
    BufferRegion,
    BufferStore,
    Evaluate,
    For,
    ForKind,
    IfThenElse,
    IterVar,
    Let,
    LetStmt,
    Ramp,
    Var,
    buffer_store,
    decl_buffer,
    op,
    realize,
    seq,
)


@pytest.mark.parametrize("name", ["elementwise", "matmul", "split", "symbolic", "nstir"])
def test_valid_functions_pass(ir, name):
    verify(getattr(ir, name)())


def _fails(func, *fragments: str, node=None) -> IRVerifyError:
    with pytest.raises(IRVerifyError) as info:
        verify(func)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    assert "^ here" in message  # the IR is shown with the offending node underlined
    if node is not None:
        assert info.value.node is node
    return info.value


def _nest(ir, block: Block, values, extents=(128, 128), predicate=True, allocs=()):
    """The elementwise loop nest around ``block``, realized with ``values(i, j)``."""
    i, j = Var("i"), Var("j")
    inner = realize(block, values(i, j), predicate)
    return ir.root(ir.loop(i, extents[0], ir.loop(j, extents[1], inner)), allocs)


def _block(ir, body_fn, reads=True, writes=True, iter_types=None, init=None, name="B"):
    """An elementwise-like block over A, B; ``body_fn(a, b, vi, vj)`` gives its body."""
    a, b = decl_buffer((128, 128), name="A"), decl_buffer((128, 128), name="B")
    vi, vj = Var("v_i"), Var("v_j")
    kinds = iter_types or (SPATIAL,) * 2
    iter_vars = tuple(
        IterVar(v, ir.rng(128), kind) for v, kind in zip((vi, vj), kinds, strict=True)
    )
    block = Block(
        name,
        iter_vars,
        (ir.point(a, vi, vj),) if reads else (),
        (ir.point(b, vi, vj),) if writes else (),
        body_fn(a, b, vi, vj),
        init=init(b, vi, vj) if init else None,
    )
    return a, b, block


def _copy(a, b, vi, vj):
    return buffer_store(b, a[vi, vj], (vi, vj))


def test_error_is_a_user_error():
    assert issubclass(IRVerifyError, UserError)


# ---------------------------------------------------------------- invariant 1


def test_body_must_be_the_root_block(ir):
    a, b, block = _block(ir, _copy)
    func = ir.func((a, b), realize(block.replace(iter_vars=()), ()))
    _fails(func, "must be the root block", "found block 'B'")


def test_nstir_may_not_contain_blocks(ir):
    a, b, block = _block(ir, _copy)
    i, j = Var("i"), Var("j")
    inner = realize(block, (i, j))
    func = ir.func((a, b), ir.loop(i, 128, ir.loop(j, 128, inner)))
    _fails(func, "block 'B' in an NS-TIR function", node=inner)


def test_block_must_be_realized(ir):
    a, b, block = _block(ir, _copy)
    _fails(ir.func((a, b), ir.root(block)), "block 'B' is not placed by a BlockRealize", node=block)


def test_allocate_is_not_s_tir(ir):
    c = decl_buffer((4,), name="C")
    alloc = Allocate(c, Evaluate(op.const(0)))
    _fails(ir.func((), ir.root(alloc)), "Allocate of C in S-TIR", node=alloc)


def test_store_outside_any_block(ir):
    b = decl_buffer((4,), name="B")
    i = Var("i")
    store = buffer_store(b, 0.0, (i,))
    _fails(ir.func((b,), ir.root(ir.loop(i, 4, store))), "store to B outside any block", node=store)


# ---------------------------------------------------------------- invariant 2


def test_block_body_may_not_use_outer_loop_vars(ir):
    a, b = decl_buffer((128, 128), name="A"), decl_buffer((128, 128), name="B")
    vi, vj, i, j = Var("v_i"), Var("v_j"), Var("i"), Var("j")
    store = buffer_store(b, a[i, vj], (vi, vj))
    block = Block(
        "B",
        (ir.spatial(vi, 128), ir.spatial(vj, 128)),
        (ir.point(a, i, vj),),
        (ir.point(b, vi, vj),),
        store,
    )
    body = ir.root(ir.loop(i, 128, ir.loop(j, 128, realize(block, (i, j)))))
    _fails(
        ir.func((a, b), body),
        "variable i is used in block 'B' outside the loop, let or block that defines it",
    )


def test_undefined_variable_in_nstir(ir):
    b = decl_buffer((4,), "int32", name="B")
    i, k = Var("i"), Var("k")
    store = buffer_store(b, k, (i,))
    _fails(
        ir.func((b,), ir.loop(i, 4, store)),
        "variable k is used but never defined (a free variable)",
        node=store,
    )


def test_let_variable_is_scoped_and_typed(ir):
    b = decl_buffer((4,), "int32", name="B")
    i, x = Var("i"), Var("x")
    body = ir.loop(i, 4, seq([LetStmt(x, i * 2, Evaluate(x)), buffer_store(b, x, (i,))]))
    _fails(ir.func((b,), body), "variable x is used outside the loop, let or block that defines it")
    bad = LetStmt(Var("y", "float32"), i * 2, Evaluate(op.const(0)))
    _fails(ir.func((b,), ir.loop(i, 4, bad)), "let variable y of dtype float32 bound to int32")
    let_expr = Let("int32", x, i, x + 1)
    verify(ir.func((b,), ir.loop(i, 4, buffer_store(b, let_expr, (i,)))))


def test_scalar_params_and_shape_vars_are_visible_in_blocks(ir):
    n, m = Var("n"), Var("m")
    a = decl_buffer((n,), "int32", name="A")
    i, vi = Var("i"), Var("v_i")
    store = buffer_store(a, vi + m + n, (vi,))
    block = Block("A", (ir.spatial(vi, n),), (), (ir.point(a, vi),), store)
    verify(ir.func((a, m), ir.root(ir.loop(i, n, realize(block, (i,))))))


# ---------------------------------------------------------------- invariant 3


def test_iter_value_count(ir):
    a, b, block = _block(ir, _copy)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i,)))
    _fails(func, "block 'B' has 2 iter var(s) but is realized with 1 iter value(s)")


def test_iter_value_dtype(ir):
    a, b, block = _block(ir, _copy)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i, op.cast("int64", j))))
    _fails(func, "iter var v_j of dtype int32 is bound to a value of dtype int64")


def test_iter_value_outside_domain(ir):
    a, b, block = _block(ir, _copy)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i, j), extents=(128, 256)))
    _fails(func, "iter value j of v_j ranges over [0, 255], outside its domain [0, 128)")


def test_split_iter_value_needs_its_predicate(ir):
    func = ir.split()
    verify(func)
    realize_b = func.body.block.body.body.body
    unguarded = realize_b.replace(predicate=op.const(True))
    loop_i1 = func.body.block.body.body.replace(body=unguarded)
    broken = func.replace(
        body=func.body.replace(
            block=func.body.block.replace(body=func.body.block.body.replace(body=loop_i1))
        )
    )
    _fails(
        broken, "iter value i_0 * 4 + i_1 of v_i ranges over [0, 127], outside its domain [0, 126)"
    )


# ---------------------------------------------------------------- invariant 4


def test_load_must_be_declared_in_reads(ir):
    a, b, block = _block(ir, _copy, reads=False)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i, j)))
    load = block.body.value
    _fails(func, "block 'B' reads buffer A but A is not in its T.reads/T.writes", node=load)


def test_store_must_be_declared_in_writes(ir):
    a, b, block = _block(ir, _copy, writes=False)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i, j)))
    _fails(func, "block 'B' writes buffer B but B is not in its T.writes", node=block.body)


def test_accesses_of_inner_blocks_count_for_the_outer_block(ir):
    a, b, inner = _block(ir, _copy)
    i, j = Var("i"), Var("j")
    outer = Block("outer", (), (), (), ir.loop(i, 128, ir.loop(j, 128, realize(inner, (i, j)))))
    func = ir.func((a, b), ir.root(realize(outer)))
    _fails(func, "block 'outer' writes buffer B but B is not in its T.writes")


# ---------------------------------------------------------------- invariant 5


def test_init_needs_a_reduction(ir):
    zero = lambda b, vi, vj: buffer_store(b, 0.0, (vi, vj))  # noqa: E731
    a, b, block = _block(ir, _copy, init=zero)
    _fails(
        ir.func((a, b), _nest(ir, block, lambda i, j: (i, j))),
        "block 'B' has an init but no reduction iter var",
        node=block,
    )


def test_spatial_value_may_not_use_reduction_loops(ir):
    a, b, block = _block(ir, _copy, iter_types=(SPATIAL, REDUCE))
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i + j, j)))
    _fails(func, "spatial iter var v_i depends on j, a loop bound to a reduction iter var")


# ---------------------------------------------------------------- invariant 6


def test_loop_variable_defined_twice(ir):
    b = decl_buffer((4,), name="B")
    i = Var("i")
    body = seq([ir.loop(i, 4, buffer_store(b, 0.0, (i,))), ir.loop(i, 4, Evaluate(i))])
    _fails(ir.func((b,), body), "variable i is defined more than once")


def test_buffer_must_be_param_or_allocated(ir):
    _, b, block = _block(ir, _copy)
    func = ir.func((b,), _nest(ir, block, lambda i, j: (i, j)))
    _fails(func, "buffer A is neither a parameter nor allocated here")


def test_alloc_buffer_is_visible_only_inside_its_block(ir):
    a, b, block = _block(ir, _copy)
    func = ir.func((b,), _nest(ir, block, lambda i, j: (i, j), allocs=(a,)))
    verify(func)
    inner_alloc = block.replace(alloc_buffers=(decl_buffer((4,), name="T"),))
    verify(ir.func((a, b), _nest(ir, inner_alloc, lambda i, j: (i, j))))


def test_nstir_buffer_must_be_allocated(ir):
    c = decl_buffer((4,), name="C")
    i = Var("i")
    store = buffer_store(c, 0.0, (i,))
    _fails(ir.func((), ir.loop(i, 4, store)), "buffer C is neither a parameter nor allocated")
    verify(ir.func((), Allocate(c, ir.loop(i, 4, store))))


# ------------------------------------------------------------ NS-TIR typing


def test_loop_bounds_must_be_integers(ir):
    i = Var("i")
    loop = For(i, op.const(0), op.const(4.0), ForKind.SERIAL, Evaluate(i))
    _fails(ir.func((), loop), "loop i: extent has dtype float32", node=loop)
    float_var = Var("f", "float32")
    loop = For(float_var, op.const(0), op.const(4), ForKind.SERIAL, Evaluate(op.const(0)))
    _fails(ir.func((), loop), "loop f: loop variable has dtype float32")


def test_index_must_be_integer_and_count_must_match(ir):
    b = decl_buffer((4, 4), name="B")
    i = Var("i")
    wrong_count = BufferStore(b, op.const(0.0), (i,))
    _fails(ir.func((b,), ir.loop(i, 4, wrong_count)), "B has 2 dimension(s) but is accessed with 1")
    float_index = BufferLoad("float32", b, (i, op.const(1.5)))
    store = BufferStore(b, float_index, (i, i))
    _fails(
        ir.func((b,), ir.loop(i, 4, store)), "index T.float32(1.5) of buffer B has dtype float32"
    )


def test_store_and_load_dtypes(ir):
    b = decl_buffer((4,), name="B")
    i = Var("i")
    store = BufferStore(b, op.const(1), (i,))
    _fails(
        ir.func((b,), ir.loop(i, 4, store)),
        "store to B of a int32 value (the buffer needs float32)",
    )
    load = BufferLoad("float16", b, (i,))
    _fails(
        ir.func((b,), ir.loop(i, 4, BufferStore(b, op.cast("float32", load), (i,)))),
        "load of B has dtype float16",
    )


def test_vector_store_needs_vector_value(ir):
    b = decl_buffer((16,), name="B")
    i = Var("i")
    ramp = Ramp("int32x4", i * 4, op.const(1), 4)
    scalar_value = BufferStore(b, op.const(0.0), (ramp,))
    _fails(ir.func((b,), ir.loop(i, 4, scalar_value)), "(the buffer needs float32x4)")
    vector_value = BufferStore(b, Broadcast("float32x4", op.const(0.0), 4), (ramp,))
    verify(ir.func((b,), ir.loop(i, 4, vector_value)))


def test_if_condition_must_be_bool(ir):
    i = Var("i")
    cond = IfThenElse(i, Evaluate(op.const(0)))
    _fails(ir.func((), ir.loop(i, 4, cond)), "if condition i has dtype int32", node=cond)


def test_predicate_and_message_show_marked_ir(ir):
    a, b, block = _block(ir, _copy, reads=False)
    func = ir.func((a, b), _nest(ir, block, lambda i, j: (i, j)))
    error = _fails(func)
    text = str(error)
    assert "B[v_i, v_j] = A[v_i, v_j]\n" in text
    assert "@T.prim_func" in text
    assert isinstance(error.node, BlockRealize | BufferLoad)


def _row_block(ir, region_extent: int, index_fn, guard: bool = False):
    """Block "R" reading A[v_i, index_fn(k)] for k < 128 inside the block, region 0:extent."""
    a, b = decl_buffer((128, 128), name="A"), decl_buffer((128,), name="B")
    vi, i, k = Var("v_i"), Var("i"), Var("k")
    load = a[vi, index_fn(k)]
    value = op.if_then_else(k < 64, load, 0.0) if guard else load
    update = ir.loop(k, 128, buffer_store(b, b[vi] + value, (vi,)))
    reads = (BufferRegion(a, (ir.rng(1, vi), ir.rng(region_extent))),)
    block = Block("R", (ir.spatial(vi, 128),), reads, (ir.point(b, vi),), update)
    return ir.func((a, b), ir.root(ir.loop(i, 128, realize(block, (i,))))), load


def test_access_inside_declared_region_passes(ir):
    verify(_row_block(ir, 128, lambda k: k)[0])


def test_access_outside_declared_region(ir):
    func, load = _row_block(ir, 64, lambda k: k)
    _fails(func, "block 'R' accesses A outside its declared region of A", node=load)
    shifted, load = _row_block(ir, 128, lambda k: k + 1)
    _fails(shifted, "block 'R' accesses A outside its declared region of A", node=load)


def test_guarded_access_is_not_checked_against_regions(ir):
    verify(_row_block(ir, 64, lambda k: k, guard=True)[0])
