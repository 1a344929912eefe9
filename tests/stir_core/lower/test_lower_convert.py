import pytest
from lower_cases import axis, block, chain, nest, nodes_of, reduction, root_func

from stir_core.ir import (
    Allocate,
    Block,
    BlockRealize,
    ForKind,
    IfThenElse,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    realize,
    seq,
)
from stir_core.lower import (
    IterValueCountError,
    PassOrderError,
    alloc_buffers,
    convert_blocks,
    lower_init,
)


def test_reduction_blocks_become_plain_loops():
    case = reduction()
    lowered = convert_blocks(alloc_buffers(lower_init(case.func)))
    i, k, A, C = case.i, case.k, case.A, case.C
    expected = nest(
        [(i, 4), (k, 8)],
        seq(
            [
                IfThenElse(k == 0, buffer_store(C, 0.0, (i,))),
                buffer_store(C, C[i] + A[i, k], (i,)),
            ]
        ),
    )
    assert_structural_equal(lowered.body, expected)
    assert not nodes_of(lowered.body, Block)
    assert not nodes_of(lowered.body, BlockRealize)


def _predicated(kind: ForKind = ForKind.SERIAL):
    A, B = decl_buffer((9,), name="A"), decl_buffer((9,), name="B")
    vi = axis("vi", 9)
    blk = block("B", (vi,), buffer_store(B, A[vi] + 1.0, (vi,)), reads=(A,), writes=(B,))
    i = Var("i")
    func = root_func((A, B), nest([(i, 10)], realize(blk, (i,), i < 9), kind))
    return func, A, B, i


def test_predicate_becomes_if_around_body():
    func, A, B, i = _predicated()
    expected = nest([(i, 10)], IfThenElse(i < 9, buffer_store(B, A[i] + 1.0, (i,))))
    assert_structural_equal(convert_blocks(func).body, expected)


def test_loop_kind_is_kept():
    func, _, _, _ = _predicated(ForKind.VECTORIZED)
    assert convert_blocks(func).body.kind is ForKind.VECTORIZED


def test_iter_values_are_substituted_and_nested_blocks_compose():
    A, B = decl_buffer((8, 8), name="A"), decl_buffer((8, 8), name="B")
    vo, vi = axis("vo", 4), axis("vi", 8)
    inner_store = buffer_store(B, A[vo * 2 + 1, vi], (vo * 2 + 1, vi))
    inner = block("inner", (vi,), inner_store, reads=(A,), writes=(B,))
    j = Var("j")
    outer = block("outer", (vo,), nest([(j, 4)], realize(inner, (j * 2,))))
    o = Var("o")
    func = root_func((A, B), nest([(o, 4)], realize(outer, (o,))))
    expected_index = (o * 2 + 1, j * 2)
    expected = nest([(o, 4), (j, 4)], buffer_store(B, A[expected_index], expected_index))
    assert_structural_equal(convert_blocks(func).body, expected)


def test_intermediate_allocation_stays_in_place():
    case = chain()
    lowered = convert_blocks(alloc_buffers(case.func))
    assert isinstance(lowered.body, Allocate)
    assert lowered.body.buffer is case.B
    assert not nodes_of(lowered.body, Block)


def test_remaining_init_is_a_pass_order_error():
    with pytest.raises(PassOrderError, match="block 'C' still has an init: run lower_init"):
        convert_blocks(reduction().func)


def test_remaining_alloc_buffers_is_a_pass_order_error():
    with pytest.raises(PassOrderError, match="block 'root' still allocates B: run alloc_buffers"):
        convert_blocks(chain().func)


def test_wrong_number_of_iter_values_is_an_error():
    case = reduction()
    bad = realize(case.realize.block.replace(init=None), (case.i,))
    func = root_func((case.A, case.C), bad)
    with pytest.raises(IterValueCountError, match="block 'C' has 2 iter var"):
        convert_blocks(func)
