from lower_cases import nest

from stir_core.ir import (
    Allocate,
    Evaluate,
    For,
    ForKind,
    IfThenElse,
    PrimFunc,
    SeqStmt,
    Var,
    assert_structural_equal,
    buffer_store,
    decl_buffer,
)
from stir_core.ir.op import const, minimum
from stir_core.lower import simplify

A = decl_buffer((16,), name="A")
B = decl_buffer((16,), name="B")


def _copy(index) -> object:
    return buffer_store(B, A[index], (index,))


def _simplified(body) -> object:
    return simplify(PrimFunc((A, B), body)).body


def test_unit_loop_is_replaced_by_its_body():
    i, j = Var("i"), Var("j")
    body = nest([(i, 4), (j, 1)], _copy(i + j))
    assert_structural_equal(_simplified(body), nest([(i, 4)], _copy(i)))


def test_guard_proven_by_loop_range_is_dropped():
    i = Var("i")
    body = nest([(i, 16)], IfThenElse(i < 16, _copy(i)))
    assert_structural_equal(_simplified(body), nest([(i, 16)], _copy(i)))


def test_guard_proven_false_takes_the_else_branch():
    i = Var("i")
    body = nest([(i, 8)], IfThenElse(i >= 8, _copy(i), _copy(i + 8)))
    assert_structural_equal(_simplified(body), nest([(i, 8)], _copy(i + 8)))


def test_undecided_guard_is_kept_and_used_inside():
    i = Var("i")
    inner = IfThenElse(i < 10, _copy(i))
    body = nest([(i, 16)], IfThenElse(i < 8, inner, _copy(i)))
    expected = nest([(i, 16)], IfThenElse(i < 8, _copy(i), _copy(i)))
    assert_structural_equal(_simplified(body), expected)


def test_else_branch_knows_the_negated_condition():
    i = Var("i")
    body = nest([(i, 16)], IfThenElse(i < 8, _copy(i), IfThenElse(i >= 8, _copy(i))))
    expected = nest([(i, 16)], IfThenElse(i < 8, _copy(i), _copy(i)))
    assert_structural_equal(_simplified(body), expected)


def test_redundant_min_is_removed_using_loop_range():
    i = Var("i")
    body = nest([(i, 4)], _copy(minimum(i, 10)))
    assert_structural_equal(_simplified(body), nest([(i, 4)], _copy(i)))


def test_dead_statements_collapse():
    i = Var("i")
    dead_if = IfThenElse(const(False), _copy(const(0)))
    empty_loop = nest([(i, 0)], _copy(i))
    allocation = Allocate(decl_buffer((4,), name="T"), SeqStmt((dead_if, empty_loop)))
    assert_structural_equal(_simplified(SeqStmt((allocation, dead_if))), Evaluate(const(0)))
    kept = SeqStmt((dead_if, _copy(const(1))))
    assert_structural_equal(_simplified(kept), _copy(const(1)))


def test_loop_kind_and_unchanged_ir_are_kept():
    i = Var("i")
    body = nest([(i, 16)], _copy(i), ForKind.VECTORIZED)
    result = _simplified(body)
    assert isinstance(result, For) and result.kind is ForKind.VECTORIZED
    assert result is body
