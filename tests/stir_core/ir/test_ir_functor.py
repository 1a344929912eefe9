"""IRVisitor / IRMutator dispatch, substitute, post_order_visit, children."""

from __future__ import annotations

from stir_core.ir import (
    Add,
    BinaryOp,
    BufferLoad,
    Evaluate,
    For,
    ForKind,
    IntImm,
    IRMutator,
    IRVisitor,
    Let,
    Mul,
    Node,
    Var,
    children,
    op,
    post_order_visit,
    structural_equal,
    substitute,
)


class _CountLoads(IRVisitor):
    def __init__(self) -> None:
        self.count = 0

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        self.count += 1
        self.generic_visit(node)


def test_visitor_counts_loads(ir):
    counter = _CountLoads()
    counter.visit(ir.matmul())
    assert counter.count == 3  # C, A and B in the update (the init has no load)


def test_dispatch_follows_the_class_hierarchy():
    seen: list[str] = []

    class Binary(IRVisitor):
        def visit_BinaryOp(self, node: BinaryOp) -> None:
            seen.append(type(node).__name__)
            self.generic_visit(node)

    i = Var("i")
    Binary().visit((i + 1) * (i - 2))
    assert seen == ["Mul", "Add", "Sub"]


def test_mutator_keeps_unchanged_subtrees(ir):
    func = ir.elementwise()

    class Nothing(IRMutator):
        pass

    assert Nothing().visit(func) is func

    class DoubleConstants(IRMutator):
        def visit_FloatImm(self, node):
            return op.const(node.value * 2, node.dtype)

    changed = DoubleConstants().visit(func)
    assert changed is not func
    assert changed.params is func.params
    assert "A[v_i, v_j] * T.float32(4.0)" in str(changed)


def test_substitute_replaces_free_uses_only():
    i, j = Var("i"), Var("j")
    expr = substitute(i * 4 + j, {i: 2})
    assert structural_equal(expr, Add("int32", Mul("int32", op.const(2), op.const(4)), j))
    loop = For(i, op.const(0), op.const(4), ForKind.SERIAL, Evaluate(i + j))
    replaced = substitute(loop, {i: j, j: op.const(1)})
    assert replaced.loop_var is i  # the binding site is never rewritten
    assert substitute(loop, {}) is loop
    let = Let("int32", i, j, i + 1)
    assert substitute(let, {j: op.const(3)}).value.value == 3


def test_post_order_visit_children_first():
    i = Var("i")
    order: list[Node] = []
    expr = (i + 1) * 2
    post_order_visit(expr, order.append)
    kinds = [type(node).__name__ for node in order]
    assert kinds == ["Var", "IntImm", "Add", "IntImm", "Mul"]
    assert order[-1] is expr


def test_children_of_nodes_and_leaves(ir):
    i = Var("i")
    add = i + 1
    assert children(add)[0] is i and isinstance(children(add)[1], IntImm)
    assert children(i) == []
    func = ir.elementwise()
    assert children(func)[:2] == list(func.params)
