"""``tvm.tir`` names over stir_core: node classes, constants, math and index helpers.

Node names whose TVM constructor differs from ours (``tir.Add(a, b)``, ``tir.Select(c, t, f)``
...) are *aliases*: calling one builds the node through the checked constructor, and
``isinstance(x, tir.Add)`` tests for the stir_core node class.

>>> tir.Select(x > 0, x, tir.const(0.0, "float32"))
>>> tir.exp(x), tir.floordiv(i, 4), tir.all(i >= 1, i < n)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import INTRINSICS, buffer_load, buffer_store, expr, op
from stir_core.ir import Allocate as Allocate
from stir_core.ir import Block as Block
from stir_core.ir import BlockRealize as BlockRealize
from stir_core.ir import Buffer as Buffer
from stir_core.ir import BufferLoad as _BufferLoadNode
from stir_core.ir import BufferRegion as BufferRegion
from stir_core.ir import BufferStore as _BufferStoreNode
from stir_core.ir import Evaluate as Evaluate
from stir_core.ir import FloatImm as FloatImm
from stir_core.ir import For as For
from stir_core.ir import ForKind as ForKind
from stir_core.ir import IfThenElse as IfThenElse
from stir_core.ir import IntImm as IntImm
from stir_core.ir import IRModule as IRModule
from stir_core.ir import IterType as IterType
from stir_core.ir import IterVar as _IterVarNode
from stir_core.ir import LetStmt as LetStmt
from stir_core.ir import PrimExpr as PrimExpr
from stir_core.ir import PrimFunc as PrimFunc
from stir_core.ir import Range as Range
from stir_core.ir import SeqStmt as SeqStmt
from stir_core.ir import SizeVar as SizeVar
from stir_core.ir import Stmt as Stmt
from stir_core.ir import StringImm as StringImm
from stir_core.ir import Var as Var
from stir_core.ir import decl_buffer as decl_buffer
from stir_core.schedule import Schedule as Schedule
from stir_core.schedule import ScheduleError as ScheduleError

from . import stmt_functor as stmt_functor
from .te.reduce import CommReducer as CommReducer
from .te.reduce import Reduce as Reduce
from .te.reduce import comm_reducer as comm_reducer
from .te.reduce import max as max  # the reducers double as binary min/max
from .te.reduce import max_value as max_value
from .te.reduce import min as min
from .te.reduce import min_value as min_value
from .te.reduce import sum as sum


class TirArgumentError(UserError, ValueError):
    """A ``tir`` helper was called with invalid arguments."""


# --------------------------------------------------------------------- node aliases


class _AliasMeta(type):
    """Calling the class builds the node; ``isinstance`` checks against the real node."""

    _node: type
    _build: Callable[..., Any]

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("span", None)
        return cls._build(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._node)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls._node)


def _alias(node: type, build: Callable[..., Any]) -> Any:
    doc = f"TVM's ``tir.{node.__name__}`` constructor; builds a stir_core ``{node.__name__}``."
    return _AliasMeta(
        node.__name__, (), {"_node": node, "_build": staticmethod(build), "__doc__": doc}
    )


Add = _alias(expr.Add, op.add)
Sub = _alias(expr.Sub, op.sub)
Mul = _alias(expr.Mul, op.mul)
Div = _alias(expr.Div, lambda a, b: op.truncdiv(a, b) if _both_int(a, b) else op.true_div(a, b))
Mod = _alias(expr.Mod, op.truncmod)
FloorDiv = _alias(expr.FloorDiv, op.floordiv)
FloorMod = _alias(expr.FloorMod, op.floormod)
Min = _alias(expr.Min, op.minimum)
Max = _alias(expr.Max, op.maximum)
EQ = _alias(expr.EQ, op.equal)
NE = _alias(expr.NE, op.not_equal)
LT = _alias(expr.LT, op.less)
LE = _alias(expr.LE, op.less_equal)
GT = _alias(expr.GT, op.greater)
GE = _alias(expr.GE, op.greater_equal)
And = _alias(expr.And, op.logical_and)
Or = _alias(expr.Or, op.logical_or)
Not = _alias(expr.Not, op.logical_not)
Select = _alias(expr.Select, op.select)
Cast = _alias(expr.Cast, op.cast)
Let = _alias(expr.Let, lambda v, value, body: expr.Let(body.dtype, v, op.convert(value), body))
Call = _alias(expr.Call, lambda dtype, name, args: op.call_intrin(dtype, _op_name(name), *args))
BufferLoad = _alias(_BufferLoadNode, buffer_load)
BufferStore = _alias(_BufferStoreNode, buffer_store)
IterVar = _alias(
    _IterVarNode,
    lambda dom, var, iter_type, thread_tag="": _IterVarNode(
        var if isinstance(var, Var) else Var(str(var)),
        dom if isinstance(dom, Range) else Range.from_begin_end(*dom),
        IterType(iter_type),
        thread_tag,
    ),
)
TruncDiv = Div
TruncMod = Mod


def _both_int(a: Any, b: Any) -> bool:
    return op.convert(a).dtype.is_integer and op.convert(b).dtype.is_integer


def _op_name(name: str) -> str:
    return name[4:] if name.startswith("tir.") else name


# ----------------------------------------------------------------------- constants


def const(value: Any, dtype: str | None = None, span: Any = None) -> PrimExpr:
    """A constant; the dtype is inferred (int32, int64 for big ints, float32) when omitted."""
    return op.const(value, dtype)


def call_intrin(dtype: str | None, func_name: str, *args: Any, span: Any = None) -> PrimExpr:
    """Call an intrinsic of ``stir_core.ir.intrin`` by name (``"tir.exp"`` or ``"exp"``)."""
    return op.call_intrin(dtype, _op_name(func_name), *args)


# ----------------------------------------------------------------------------- math


def _math(name: str) -> Callable[..., PrimExpr]:
    arity = INTRINSICS[name].arity

    def call(*args: Any, span: Any = None) -> PrimExpr:
        if len(args) != arity:
            raise TirArgumentError(f"tir.{name} takes {arity} argument(s), got {len(args)}")
        if arity == 1:
            return op.call_math(name, args[0])
        return op.call_intrin(None, name, *(_float_literal(a) for a in args))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{name}`` of the argument(s), elementwise (float dtypes)."
    return call


def _float_literal(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


exp = _math("exp")
exp2 = _math("exp2")
exp10 = _math("exp10")
log = _math("log")
log2 = _math("log2")
log10 = _math("log10")
log1p = _math("log1p")
expm1 = _math("expm1")
sqrt = _math("sqrt")
rsqrt = _math("rsqrt")
sigmoid = _math("sigmoid")
fabs = _math("fabs")
floor = _math("floor")
ceil = _math("ceil")
trunc = _math("trunc")
round = _math("round")
nearbyint = _math("nearbyint")
sin = _math("sin")
cos = _math("cos")
tan = _math("tan")
tanh = _math("tanh")
sinh = _math("sinh")
cosh = _math("cosh")
asin = _math("asin")
acos = _math("acos")
atan = _math("atan")
asinh = _math("asinh")
acosh = _math("acosh")
atanh = _math("atanh")
erf = _math("erf")
isnan = _math("isnan")
isinf = _math("isinf")
isfinite = _math("isfinite")
atan2 = _math("atan2")
fmod = _math("fmod")
hypot = _math("hypot")
nextafter = _math("nextafter")
copysign = _math("copysign")
ldexp = _math("ldexp")
pow = _math("pow")
power = pow


def abs(x: Any, span: Any = None) -> PrimExpr:
    """Absolute value of an integer or float expression."""
    return op.abs_(x)


def popcount(x: Any, span: Any = None) -> PrimExpr:
    return op.call_intrin(None, "popcount", x)


def likely(cond: Any, span: Any = None) -> PrimExpr:
    """Mark ``cond`` as likely true (a branch hint)."""
    return op.call_intrin(None, "likely", cond)


bitwise_and = op.bitwise_and
bitwise_or = op.bitwise_or
bitwise_xor = op.bitwise_xor
bitwise_not = op.bitwise_not
shift_left = op.shift_left
shift_right = op.shift_right


# ----------------------------------------------------------------- selection, logic


def if_then_else(cond: Any, t: Any, f: Any, span: Any = None) -> PrimExpr:
    """``t if cond else f`` evaluating only the taken branch (safe around padding loads)."""
    return op.if_then_else(cond, t, f)


def _fold_logic(name: str, args: Sequence[Any], combine: Callable[..., PrimExpr]) -> PrimExpr:
    if not args:
        raise TirArgumentError(f"tir.{name} needs at least one condition")
    return functools.reduce(combine, args[1:], op.convert(args[0]))


def all(*args: Any, span: Any = None) -> PrimExpr:
    """The conjunction of the conditions ``args``."""
    return _fold_logic("all", args, op.logical_and)


def any(*args: Any, span: Any = None) -> PrimExpr:
    """The disjunction of the conditions ``args``."""
    return _fold_logic("any", args, op.logical_or)


# -------------------------------------------------------------------------- division


def div(a: Any, b: Any, span: Any = None) -> PrimExpr:
    """C-style ``a / b``: truncating for integers, true division for floats."""
    return Div(a, b)


def floordiv(a: Any, b: Any, span: Any = None) -> PrimExpr:
    return op.floordiv(a, b)


def floormod(a: Any, b: Any, span: Any = None) -> PrimExpr:
    return op.floormod(a, b)


def truncdiv(a: Any, b: Any, span: Any = None) -> PrimExpr:
    return op.truncdiv(a, b)


def truncmod(a: Any, b: Any, span: Any = None) -> PrimExpr:
    return op.truncmod(a, b)


def indexdiv(a: Any, b: Any, span: Any = None) -> PrimExpr:
    """Index division: ``floordiv`` (TVM assumes non-negative operands)."""
    return op.floordiv(a, b)


def indexmod(a: Any, b: Any, span: Any = None) -> PrimExpr:
    """Index remainder: ``floormod`` (TVM assumes non-negative operands)."""
    return op.floormod(a, b)
