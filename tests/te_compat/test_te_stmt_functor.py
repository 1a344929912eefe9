"""``tvm.tir.stmt_functor`` and ``tvm.tir.Schedule`` reached through ``import te_compat as tvm``."""

from __future__ import annotations

import te_compat as tvm
from stir_core.ir import structural_equal
from te_compat import te


def test_substitute_with_dict_and_with_function() -> None:
    i, j = te.var("i"), te.var("j")
    expr = i * 2 + j
    by_dict = tvm.tir.stmt_functor.substitute(expr, {i: 3})
    by_function = tvm.tir.stmt_functor.substitute(expr, lambda v: 3 if v is i else None)
    expected = tvm.tir.const(3) * 2 + j
    assert structural_equal(by_dict, by_function)
    assert tvm.arith.Analyzer().simplify(by_dict - j).value == 6
    assert not structural_equal(by_dict, expr) and structural_equal(expr, i * 2 + j)
    assert structural_equal(
        tvm.arith.Analyzer().simplify(by_dict), tvm.arith.Analyzer().simplify(expected)
    )


def test_post_order_visit_sees_children_first() -> None:
    i = te.var("i")
    seen: list[object] = []
    tvm.tir.stmt_functor.post_order_visit(i + 1, seen.append)
    assert seen[0] is i and seen[-1] is not i


def test_tir_schedule_is_reachable() -> None:
    a = te.placeholder((8,), name="A")
    b = te.compute((8,), lambda x: a[x] * 2.0, name="B")
    sch = tvm.tir.Schedule(te.create_prim_func([a, b]))
    (loop,) = sch.get_loops(sch.get_block("B"))
    outer, inner = sch.split(loop, factors=[None, 4])
    assert [int(sch.get(x).extent) for x in (outer, inner)] == [2, 4]
