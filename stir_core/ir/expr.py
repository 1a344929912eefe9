"""Expression nodes (``PrimExpr``) with TVM's operator overloading.

``a + b``, ``a * 2``, ``a < b`` and ``a == b`` build IR nodes; ``bool(expr)`` raises, so
compare nodes with ``structural_equal``. The checked constructors that the operators call
(type promotion, constant folding of literals, dtype errors) live in ``op.py``.

Node classes are plain data: build them through ``op.py`` (or the operators) unless the
operand dtypes are already known to match.
"""

from __future__ import annotations

from typing import Any

from ..errors import IRTypeError
from .dtype import DataType
from .node import Node, ir_node


class ExprOp:
    """Python operator overloading shared by ``PrimExpr`` and ``IterVar``."""

    __slots__ = ()

    def __add__(self, other: Any) -> PrimExpr:
        return _op.add(self, other)

    def __radd__(self, other: Any) -> PrimExpr:
        return _op.add(other, self)

    def __sub__(self, other: Any) -> PrimExpr:
        return _op.sub(self, other)

    def __rsub__(self, other: Any) -> PrimExpr:
        return _op.sub(other, self)

    def __mul__(self, other: Any) -> PrimExpr:
        return _op.mul(self, other)

    def __rmul__(self, other: Any) -> PrimExpr:
        return _op.mul(other, self)

    def __truediv__(self, other: Any) -> PrimExpr:
        return _op.true_div(self, other)

    def __rtruediv__(self, other: Any) -> PrimExpr:
        return _op.true_div(other, self)

    def __floordiv__(self, other: Any) -> PrimExpr:
        return _op.floordiv(self, other)

    def __rfloordiv__(self, other: Any) -> PrimExpr:
        return _op.floordiv(other, self)

    def __mod__(self, other: Any) -> PrimExpr:
        return _op.floormod(self, other)

    def __rmod__(self, other: Any) -> PrimExpr:
        return _op.floormod(other, self)

    def __pow__(self, other: Any) -> PrimExpr:
        return _op.power(self, other)

    def __rpow__(self, other: Any) -> PrimExpr:
        return _op.power(other, self)

    def __neg__(self) -> PrimExpr:
        return _op.neg(self)

    def __abs__(self) -> PrimExpr:
        return _op.abs_(self)

    def __invert__(self) -> PrimExpr:
        return _op.bitwise_not(self)

    def __and__(self, other: Any) -> PrimExpr:
        return _op.bitwise_and(self, other)

    def __rand__(self, other: Any) -> PrimExpr:
        return _op.bitwise_and(other, self)

    def __or__(self, other: Any) -> PrimExpr:
        return _op.bitwise_or(self, other)

    def __ror__(self, other: Any) -> PrimExpr:
        return _op.bitwise_or(other, self)

    def __xor__(self, other: Any) -> PrimExpr:
        return _op.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> PrimExpr:
        return _op.bitwise_xor(other, self)

    def __lshift__(self, other: Any) -> PrimExpr:
        return _op.shift_left(self, other)

    def __rshift__(self, other: Any) -> PrimExpr:
        return _op.shift_right(self, other)

    def __lt__(self, other: Any) -> PrimExpr:
        return _op.less(self, other)

    def __le__(self, other: Any) -> PrimExpr:
        return _op.less_equal(self, other)

    def __gt__(self, other: Any) -> PrimExpr:
        return _op.greater(self, other)

    def __ge__(self, other: Any) -> PrimExpr:
        return _op.greater_equal(self, other)

    def __eq__(self, other: Any) -> PrimExpr:  # type: ignore[override]
        return _op.equal(self, other)

    def __ne__(self, other: Any) -> PrimExpr:  # type: ignore[override]
        return _op.not_equal(self, other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise IRTypeError(
            f"cannot use the symbolic expression {self} as a Python bool; compare IR with "
            "structural_equal, combine conditions with tir.all/tir.any or & and |"
        )

    def __index__(self) -> int:
        raise IRTypeError(f"the symbolic expression {self} is not a Python integer")

    def astype(self, dtype: str) -> PrimExpr:
        """Cast to ``dtype`` (TVM's ``expr.astype``)."""
        return _op.cast(dtype, self)

    def equal(self, other: Any) -> PrimExpr:
        """``self == other`` as an IR node (TVM spelling)."""
        return _op.equal(self, other)


class PrimExpr(Node, ExprOp):
    """Base of scalar (or vector) expressions; every one has a ``dtype``."""

    __slots__ = ()
    dtype: DataType

    def __post_init__(self) -> None:
        if type(self.dtype) is not DataType:  # accept "float32", np.float32 ...
            object.__setattr__(self, "dtype", DataType(self.dtype))


# ----------------------------------------------------------------------------- leaves


@ir_node
class IntImm(PrimExpr):
    """An integer (or bool) constant; ``int()``, ``bool()`` and indexing use its value."""

    dtype: DataType
    value: int

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value != 0


@ir_node
class FloatImm(PrimExpr):
    """A floating point constant; ``float()`` gives its value."""

    dtype: DataType
    value: float

    def __float__(self) -> float:
        return self.value


@ir_node
class StringImm(PrimExpr):
    """A string constant (annotations, pragma values)."""

    value: str
    dtype: DataType = DataType("handle")


@ir_node
class Var(PrimExpr):
    """A variable. Identity is object identity; ``name`` is only for printing."""

    name: str
    dtype: DataType = DataType("int32")

    @property
    def name_hint(self) -> str:
        return self.name


@ir_node
class SizeVar(Var):
    """A variable known to be non-negative (a shape dimension)."""


# ------------------------------------------------------------------------- operators


@ir_node
class Cast(PrimExpr):
    dtype: DataType
    value: PrimExpr


class BinaryOp(PrimExpr):
    """Base of two-operand nodes whose result has the operands' dtype."""

    __slots__ = ()
    a: PrimExpr
    b: PrimExpr


@ir_node
class Add(BinaryOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Sub(BinaryOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Mul(BinaryOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Div(BinaryOp):
    """``a / b``: true division for floats, truncated division for integers (``truncdiv``)."""

    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Mod(BinaryOp):
    """Truncated remainder (``truncmod``): the sign follows ``a``."""

    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class FloorDiv(BinaryOp):
    """Integer division rounding toward minus infinity (Python's ``//``)."""

    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class FloorMod(BinaryOp):
    """Remainder of ``FloorDiv``: the sign follows ``b`` (Python's ``%``)."""

    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Min(BinaryOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Max(BinaryOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


TruncDiv = Div
TruncMod = Mod


class CmpOp(PrimExpr):
    """Base of comparisons; the result dtype is ``bool`` (with the operands' lanes)."""

    __slots__ = ()
    a: PrimExpr
    b: PrimExpr


@ir_node
class EQ(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class NE(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class LT(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class LE(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class GT(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class GE(CmpOp):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class And(PrimExpr):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Or(PrimExpr):
    dtype: DataType
    a: PrimExpr
    b: PrimExpr


@ir_node
class Not(PrimExpr):
    dtype: DataType
    a: PrimExpr


@ir_node
class Select(PrimExpr):
    """``true_value if condition else false_value``; both sides may be evaluated."""

    dtype: DataType
    condition: PrimExpr
    true_value: PrimExpr
    false_value: PrimExpr


@ir_node
class Let(PrimExpr):
    """``body`` with ``var`` bound to ``value``."""

    dtype: DataType
    var: Var
    value: PrimExpr
    body: PrimExpr


@ir_node
class Call(PrimExpr):
    """An intrinsic call, e.g. ``Call(float32, "exp", (x,))``; see ``intrin.py`` for names.

    ``if_then_else`` is a call (not a ``Select``) because only the taken branch runs, which
    makes it safe to guard out-of-bounds loads (padding).
    """

    dtype: DataType
    op: str
    args: tuple[PrimExpr, ...]


@ir_node
class Ramp(PrimExpr):
    """The vector ``[base, base + stride, ..., base + (lanes - 1) * stride]``."""

    dtype: DataType
    base: PrimExpr
    stride: PrimExpr
    lanes: int


@ir_node
class Broadcast(PrimExpr):
    """``value`` repeated in every lane."""

    dtype: DataType
    value: PrimExpr
    lanes: int


from . import op as _op  # noqa: E402  (mutual: op.py builds the nodes defined above)
