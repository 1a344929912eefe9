"""``evaluate(expr, env)``: the integer value of an expression at one point.

Used by the tests (brute-force enumeration against ``bound``/``simplify``) and handy for
debugging. ``if_then_else`` evaluates only the taken branch; ``Select`` both.

>>> evaluate((i * 4 + j) // 4, {i: 3, j: 2})
3
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import UserError
from ..ir.expr import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    And,
    Call,
    Cast,
    Div,
    FloorDiv,
    FloorMod,
    IntImm,
    Let,
    Max,
    Min,
    Mod,
    Mul,
    Not,
    Or,
    PrimExpr,
    Select,
    Sub,
    Var,
)


class EvaluateError(UserError, KeyError):
    """A free variable has no value, or the expression has an unsupported node."""


Env = Mapping[Var, int]
_Eval = Callable[[Any, Callable[[PrimExpr], int]], int]


def _truncdiv(a: int, b: int) -> int:
    return int(a / b) if abs(a) < 2**52 else -((-a) // b) if (a < 0) != (b < 0) else a // b


_BINARY: dict[type, Callable[[int, int], int]] = {
    Add: lambda a, b: a + b,
    Sub: lambda a, b: a - b,
    Mul: lambda a, b: a * b,
    FloorDiv: lambda a, b: a // b,
    FloorMod: lambda a, b: a % b,
    Div: _truncdiv,
    Mod: lambda a, b: int(math.fmod(a, b)),
    Min: min,
    Max: max,
    EQ: lambda a, b: int(a == b),
    NE: lambda a, b: int(a != b),
    LT: lambda a, b: int(a < b),
    LE: lambda a, b: int(a <= b),
    GT: lambda a, b: int(a > b),
    GE: lambda a, b: int(a >= b),
    And: lambda a, b: int(bool(a) and bool(b)),
    Or: lambda a, b: int(bool(a) or bool(b)),
}


def _call(expr: Call, ev: Callable[[PrimExpr], int]) -> int:
    if expr.op == "if_then_else":
        cond, then, other = expr.args
        return ev(then) if ev(cond) else ev(other)
    if expr.op == "likely":
        return ev(expr.args[0])
    raise EvaluateError(f"evaluate() does not support the call {expr.op}")


_OTHER: dict[type, _Eval] = {
    IntImm: lambda e, ev: int(e.value),
    Not: lambda e, ev: int(not ev(e.a)),
    Select: lambda e, ev: ev(e.true_value) if ev(e.condition) else ev(e.false_value),
    Cast: lambda e, ev: ev(e.value),
    Call: _call,
}


def evaluate(expr: PrimExpr, env: Env) -> int:
    """The value of the integer (or bool, as 0/1) expression ``expr`` at ``env``."""
    if isinstance(expr, Var):
        if expr not in env:
            raise EvaluateError(f"evaluate(): no value for the variable {expr.name}")
        return env[expr]
    if isinstance(expr, Let):
        return evaluate(expr.body, {**env, expr.var: evaluate(expr.value, env)})
    binary = _BINARY.get(type(expr))
    if binary is not None:
        return binary(evaluate(expr.a, env), evaluate(expr.b, env))  # type: ignore[attr-defined]
    other = _OTHER.get(type(expr))
    if other is None:
        raise EvaluateError(f"evaluate() does not support {type(expr).__name__}")
    return other(expr, lambda e: evaluate(e, env))
