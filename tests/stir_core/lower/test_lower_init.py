import pytest
from lower_cases import axis, block, find_block, nest, reduction, root_func

from stir_core.ir import (
    IfThenElse,
    Range,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
    realize,
    seq,
)
from stir_core.ir.op import logical_and
from stir_core.lower import InitWithoutReductionError, lower_init


def test_init_becomes_guarded_store_before_update():
    case = reduction()
    lowered = find_block(lower_init(case.func), "C")
    expected = case.realize.block.replace(
        init=None, body=seq([IfThenElse(case.vk.var == 0, case.init), case.update])
    )
    assert_structural_equal(lowered, expected)


def test_guard_uses_every_reduction_var_and_its_domain_min():
    A, C = decl_buffer((4, 8, 8), name="A"), decl_buffer((4,), name="C")
    vi, vk, vl = axis("vi", 4), axis("vk", 8, reduce=True), axis("vl", 8, reduce=True)
    vl = vl.replace(dom=Range.from_min_extent(2, 6))
    update = buffer_store(C, C[vi] + A[vi, vk, vl], (vi,))
    init = buffer_store(C, 1.0, (vi,))
    blk = block("C", (vi, vk, vl), update, init=init, reads=(A, C), writes=(C,))
    i, k, l_ = Var("i"), Var("k"), Var("l")
    func = root_func((A, C), nest([(i, 4), (k, 8), (l_, 6)], realize(blk, (i, k, l_ + 2))))
    guard = logical_and(vk.var == 0, vl.var == 2)
    expected = blk.replace(init=None, body=seq([IfThenElse(guard, init), update]))
    assert_structural_equal(find_block(lower_init(func), "C"), expected)


def test_block_without_init_is_unchanged():
    case = reduction()
    func = lower_init(case.func)
    assert lower_init(func) is func


def test_init_in_nested_block_is_lowered():
    outer = reduction()
    wrapper = block("outer", (), outer.func.body.block.body)
    func = root_func((outer.A, outer.C), realize(wrapper))
    lowered = lower_init(func)
    assert find_block(lowered, "C").init is None
    assert isinstance(find_block(lowered, "C").body.seq[0], IfThenElse)
    assert find_block(lowered, "outer").init is None


def test_init_without_reduction_var_is_an_error():
    case = reduction()
    bad = case.realize.block.replace(iter_vars=(case.vi,))
    func = root_func((case.A, case.C), realize(bad, (case.i,)))
    with pytest.raises(InitWithoutReductionError, match="block 'C'"):
        lower_init(func)
