"""``simplify(expr, domain)``: fold, normalise, and drop what the domain proves.

Before / after, with ``i`` in ``[0, n)`` and ``j`` in ``[0, 4)``::

    i * 4 + j - i * 4             ->  j
    (i * 4 + j) // 4              ->  i
    (i * 4 + j) % 4               ->  j
    min(j, 3)                     ->  j
    if_then_else(j < 4, A[j], 0)  ->  A[j]
    i * 4 + j < n * 4             ->  True

Nothing is rewritten unless the rewrite is an identity or proven on the domain, so the
value never changes. Statements are accepted too: a ``For`` adds its loop variable to the
domain of its body and an ``IfThenElse`` with a proven condition keeps only its branch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir import op
from ..ir.expr import (
    And,
    Call,
    FloorDiv,
    FloorMod,
    IntImm,
    Max,
    Min,
    Not,
    Or,
    PrimExpr,
    Select,
    Var,
)
from ..ir.functor import IRMutator
from ..ir.node import Node
from ..ir.range import Range
from ..ir.stmt import Evaluate, For, IfThenElse, Stmt
from .affine import (
    Lin,
    expr_key,
    lin_floormod_const,
    lin_mul,
    linearize,
    render,
    split_multiple,
)
from .bound import DomainLike
from .context import context
from .domain import Domain, as_domain
from .engine import Ctx, lin_dtype, lin_interval, prove_nonneg
from .predicate import negate
from .rules import prove_condition
from .symdiv import lin_floordiv_sym


def simplify(node: Any, domain: DomainLike = None) -> Any:
    """``node`` (an expression or a statement) simplified on ``domain``."""
    dom = as_domain(domain)
    return _Simplifier(dom).visit(op.convert(node) if not isinstance(node, Node) else node)


def _is_int(expr: Any) -> bool:
    return isinstance(expr, PrimExpr) and expr.dtype.is_integer and expr.dtype.is_scalar


class _Simplifier(IRMutator):
    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.ctx: Ctx = context(domain)

    def visit(self, node: Any) -> Any:
        if _is_int(node) and not isinstance(node, (Var, IntImm)):
            return self.integer(node)
        return super().visit(node)

    # ------------------------------------------------------------ integers

    def integer(self, expr: PrimExpr) -> PrimExpr:
        lin = linearize(expr)
        out = Lin(None, lin.const)
        for _, atom, coef in lin.items():
            out = out.add(self.atom(atom), coef)
        result = render(out, expr.dtype)
        return expr if expr_key(result) == expr_key(expr) else result

    def atom(self, atom: PrimExpr) -> Lin:
        if isinstance(atom, Var):
            return Lin.of_atom(atom)
        new = self.generic_visit(atom)
        rule = _ATOM_RULES.get(type(new))
        if isinstance(new, Call) and new.op == "if_then_else":
            rule = _select_rule
        result = rule(self, new) if rule is not None else None
        return result if result is not None else linearize(new)

    def decide(self, condition: PrimExpr) -> PrimExpr | None:
        """``True``/``False`` when the domain proves it, else ``None``."""
        if prove_condition(condition, self.ctx):
            return op.const(True)
        flipped = negate(condition)
        if flipped is not None and prove_condition(flipped, self.ctx):
            return op.const(False)
        return None

    # ------------------------------------------------------------ booleans

    def _boolean(self, node: PrimExpr) -> PrimExpr:
        new = self.generic_visit(node)
        decided = self.decide(new) if new.dtype.is_scalar else None
        return decided if decided is not None else _fold_logic(new)

    visit_CmpOp = _boolean
    visit_And = _boolean
    visit_Or = _boolean
    visit_Not = _boolean

    def visit_Select(self, node: Select) -> PrimExpr:
        new = self.generic_visit(node)
        picked = _pick_branch(self, new.condition, new.true_value, new.false_value)
        return new if picked is None else picked

    def visit_Call(self, node: Call) -> PrimExpr:
        new = self.generic_visit(node)
        if new.op == "if_then_else":
            picked = _pick_branch(self, *new.args)
            return new if picked is None else picked
        return new

    # ---------------------------------------------------------- statements

    def visit_For(self, node: For) -> Stmt:
        lo, extent = self.visit(node.min), self.visit(node.extent)
        inner = _Simplifier(self.domain.bind(node.loop_var, Range(lo, extent)))
        return node.replace(min=lo, extent=extent, body=inner.visit(node.body))

    def visit_IfThenElse(self, node: IfThenElse) -> Stmt:
        condition = self.visit(node.condition)
        if isinstance(condition, IntImm):
            chosen = node.then_case if condition.value else node.else_case
            return self.visit(chosen) if chosen is not None else _nop()
        then = _Simplifier(self.domain.with_predicates([condition])).visit(node.then_case)
        other = node.else_case
        flipped = negate(condition)
        if other is not None:
            other_domain = self.domain.with_predicates([flipped] if flipped is not None else [])
            other = _Simplifier(other_domain).visit(other)
        return node.replace(condition=condition, then_case=then, else_case=other)


def _nop() -> Stmt:
    return Evaluate(op.const(0))


def _pick_branch(
    simplifier: _Simplifier, condition: PrimExpr, then: PrimExpr, other: PrimExpr
) -> PrimExpr | None:
    decided = simplifier.decide(condition) if condition.dtype.is_scalar else None
    if decided is None:
        return None
    return then if decided.value else other  # type: ignore[attr-defined]


def _fold_logic(node: PrimExpr) -> PrimExpr:
    if isinstance(node, And):
        return op.logical_and(node.a, node.b)
    if isinstance(node, Or):
        return op.logical_or(node.a, node.b)
    if isinstance(node, Not):
        return op.logical_not(node.a)
    return node


# ------------------------------------------------------------------ atom rules


def _const_divisor(expr: PrimExpr) -> int | None:
    lin = linearize(expr)
    return lin.const if lin.is_const and lin.const > 0 else None


def _period(simplifier: _Simplifier, rest: Lin, divisor: int) -> int | None:
    """``t`` when ``rest // divisor == t`` on the whole domain."""
    iv = lin_interval(rest, simplifier.ctx)
    if iv.lo is None or iv.hi is None or not (iv.lo.is_const and iv.hi.is_const):
        return None
    low, high = iv.lo.const // divisor, iv.hi.const // divisor
    return low if low == high else None


def _floordiv_rule(simplifier: _Simplifier, atom: FloorDiv) -> Lin | None:
    x = linearize(atom.a)
    divisor = _const_divisor(atom.b)
    if divisor is None:
        d = linearize(atom.b)
        if not prove_nonneg(d.shift(-1), simplifier.ctx):
            return None
        return lin_floordiv_sym(x, d, simplifier.ctx)
    quotient, rest = split_multiple(x, divisor)
    t = _period(simplifier, rest, divisor)
    return quotient.shift(t) if t is not None else None


def _floormod_rule(simplifier: _Simplifier, atom: FloorMod) -> Lin | None:
    x = linearize(atom.a)
    divisor = _const_divisor(atom.b)
    if divisor is None:
        d = linearize(atom.b)
        if not prove_nonneg(d.shift(-1), simplifier.ctx):
            return None
        quotient = lin_floordiv_sym(x, d, simplifier.ctx)
        if any(isinstance(a, FloorDiv) for _, a, _ in quotient.items()):
            return None
        return x.sub(lin_mul(quotient, d))
    _, rest = split_multiple(x, divisor)
    t = _period(simplifier, rest, divisor)
    if t is not None:
        return rest.shift(-t * divisor)
    return lin_floormod_const(x, divisor, lin_dtype(x) if x.terms else atom.dtype)


def _minmax_rule(simplifier: _Simplifier, atom: Min | Max) -> Lin | None:
    a, b = linearize(atom.a), linearize(atom.b)
    if prove_nonneg(b.sub(a), simplifier.ctx):  # a <= b
        return a if isinstance(atom, Min) else b
    if prove_nonneg(a.sub(b), simplifier.ctx):
        return b if isinstance(atom, Min) else a
    return None


def _select_rule(simplifier: _Simplifier, atom: Any) -> Lin | None:
    args = (
        (atom.condition, atom.true_value, atom.false_value)
        if isinstance(atom, Select)
        else atom.args
    )
    chosen = _pick_branch(simplifier, *args)
    return linearize(chosen) if chosen is not None else None


_ATOM_RULES: dict[type, Callable[[_Simplifier, Any], Lin | None]] = {
    FloorDiv: _floordiv_rule,
    FloorMod: _floormod_rule,
    Min: _minmax_rule,
    Max: _minmax_rule,
    Select: _select_rule,
}
