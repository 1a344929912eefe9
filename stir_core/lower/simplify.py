"""``simplify``: simplify every expression in its loop context, then prune statements.

Each expression goes through ``stir_core.arith.simplify`` with a domain holding the ranges
of the enclosing loops and, inside an ``IfThenElse``, its condition (its negation in the
else branch). An ``IfThenElse`` whose condition becomes a constant is replaced by the taken
branch, a loop of extent 1 by its body with the loop var replaced by the loop's min, a loop
of constant extent <= 0 is dropped, and sequences drop their no-ops (``Evaluate`` of a
constant); a statement left with nothing to do becomes ``Evaluate(0)``.

Before::

    for i in range(16):
        for j in range(1):
            if i < 16:
                B[i * 1 + j] = A[i + j]

After::

    for i in range(16):
        B[i] = A[i]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..arith import Domain
from ..arith import simplify as simplify_expr
from ..ir import (
    Allocate,
    Evaluate,
    FloatImm,
    For,
    IfThenElse,
    IntImm,
    IRMutator,
    PrimExpr,
    PrimFunc,
    Range,
    SeqStmt,
    Stmt,
    seq,
    substitute,
)
from ..ir.op import const, logical_not


def simplify(func: PrimFunc) -> PrimFunc:
    """Simplify the expressions of ``func``'s body and drop dead or trivial statements."""
    return func.replace(body=_Simplify().visit(func.body))


def no_op() -> Stmt:
    """The statement that does nothing: ``Evaluate(0)``."""
    return Evaluate(const(0))


def is_no_op(stmt: Stmt | None) -> bool:
    """``stmt`` is absent or evaluates a constant (no side effect)."""
    return stmt is None or (
        isinstance(stmt, Evaluate) and isinstance(stmt.value, (IntImm, FloatImm))
    )


class _Simplify(IRMutator):
    def __init__(self) -> None:
        self.domain = Domain()

    @contextmanager
    def _within(self, domain: Domain) -> Iterator[None]:
        """Simplify with ``domain`` (an extension of the current one) inside the ``with``."""
        saved, self.domain = self.domain, domain
        try:
            yield
        finally:
            self.domain = saved

    def visit_PrimExpr(self, expr: PrimExpr) -> PrimExpr:
        return simplify_expr(expr, self.domain)

    def visit_For(self, loop: For) -> Stmt:
        start, extent = self.visit(loop.min), self.visit(loop.extent)
        if isinstance(extent, IntImm) and extent.value <= 0:
            return no_op()
        if isinstance(extent, IntImm) and extent.value == 1:
            return self.visit(substitute(loop.body, {loop.loop_var: start}))
        with self._within(self.domain.bind(loop.loop_var, Range(start, extent))):
            body = self.visit(loop.body)
        if is_no_op(body):
            return no_op()
        return loop.replace(min=start, extent=extent, body=body)

    def visit_IfThenElse(self, branch: IfThenElse) -> Stmt:
        condition = self.visit(branch.condition)
        if isinstance(condition, IntImm):
            taken = branch.then_case if condition.value else branch.else_case
            return no_op() if taken is None else self.visit(taken)
        with self._within(self.domain.with_predicates([condition])):
            then_case = self.visit(branch.then_case)
        else_case = branch.else_case
        if else_case is not None:
            with self._within(self.domain.with_predicates([logical_not(condition)])):
                else_case = self.visit(else_case)
            else_case = None if is_no_op(else_case) else else_case
        if is_no_op(then_case) and else_case is None:
            return no_op()
        return branch.replace(condition=condition, then_case=then_case, else_case=else_case)

    def visit_SeqStmt(self, stmts: SeqStmt) -> Stmt:
        kept = [s for s in (self.visit(stmt) for stmt in stmts.seq) if not is_no_op(s)]
        if not kept:
            return no_op()
        unchanged = len(kept) == len(stmts.seq)
        if unchanged and all(a is b for a, b in zip(kept, stmts.seq, strict=True)):
            return stmts
        return seq(kept)

    def visit_Allocate(self, allocate: Allocate) -> Stmt:
        body = self.visit(allocate.body)
        return no_op() if is_no_op(body) else allocate.replace(body=body)
