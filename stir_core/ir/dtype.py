"""Data types: ``DataType`` is a ``str`` (``"float32"``) that knows its kind, bits and lanes.

Being a ``str`` keeps TVM's Python behaviour: ``expr.dtype == "float32"`` works and dtypes
print as themselves.

>>> DataType("int32x4").lanes
4
>>> promote(DataType("int8"), DataType("float32"))
'float32'
"""

from __future__ import annotations

import enum
import re
from functools import cache

import numpy as np

from ..errors import DataTypeError


class TypeKind(enum.Enum):
    INT = "int"
    UINT = "uint"
    FLOAT = "float"
    BOOL = "bool"
    HANDLE = "handle"


_PATTERN = re.compile(r"^(int|uint|float|bool|handle)(\d*)(?:x(\d+))?$")
_VALID_BITS = {
    TypeKind.INT: (8, 16, 32, 64),
    TypeKind.UINT: (8, 16, 32, 64),
    TypeKind.FLOAT: (16, 32, 64),
    TypeKind.BOOL: (1,),
    TypeKind.HANDLE: (64,),
}
_DEFAULT_BITS = {
    TypeKind.INT: 32,
    TypeKind.UINT: 32,
    TypeKind.FLOAT: 32,
    TypeKind.BOOL: 1,
    TypeKind.HANDLE: 64,
}


class DataType(str):
    """A scalar or vector dtype, e.g. ``DataType("float32")`` or ``DataType("int32x8")``."""

    __slots__ = ("bits", "kind", "lanes")
    kind: TypeKind
    bits: int
    lanes: int

    def __new__(cls, text: str | DataType | np.dtype | type) -> DataType:
        if isinstance(text, DataType):
            return text
        return _parse(_as_text(text))

    @property
    def is_int(self) -> bool:
        return self.kind is TypeKind.INT

    @property
    def is_uint(self) -> bool:
        return self.kind is TypeKind.UINT

    @property
    def is_integer(self) -> bool:
        """Signed or unsigned integer (bool excluded)."""
        return self.kind in (TypeKind.INT, TypeKind.UINT)

    @property
    def is_float(self) -> bool:
        return self.kind is TypeKind.FLOAT

    @property
    def is_bool(self) -> bool:
        return self.kind is TypeKind.BOOL

    @property
    def is_handle(self) -> bool:
        return self.kind is TypeKind.HANDLE

    @property
    def is_scalar(self) -> bool:
        return self.lanes == 1

    def element_of(self) -> DataType:
        """The scalar dtype of one lane: ``int32x4 -> int32``."""
        return self.with_lanes(1)

    def with_lanes(self, lanes: int) -> DataType:
        base = "bool" if self.is_bool else f"{self.kind.value}{self.bits}"
        return DataType(base if lanes == 1 else f"{base}x{lanes}")

    def with_bits(self, bits: int) -> DataType:
        return DataType(f"{self.kind.value}{bits}").with_lanes(self.lanes)

    @property
    def numpy_dtype(self) -> np.dtype:
        """The numpy dtype of one lane (``bool`` for bool)."""
        if self.is_bool:
            return np.dtype(np.bool_)
        if self.is_handle:
            return np.dtype(np.uint64)
        return np.dtype(f"{self.kind.value}{self.bits}")

    def min_value(self) -> int | float:
        """The smallest value of the dtype (``-inf`` is not used for floats: ``-max``)."""
        if self.is_float:
            return float(np.finfo(self.numpy_dtype).min)
        if self.is_bool:
            return 0
        return int(np.iinfo(self.numpy_dtype).min)

    def max_value(self) -> int | float:
        if self.is_float:
            return float(np.finfo(self.numpy_dtype).max)
        if self.is_bool:
            return 1
        return int(np.iinfo(self.numpy_dtype).max)


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is bool:
        return "bool"
    if value is int:
        return "int32"
    if value is float:
        return "float32"
    try:
        return np.dtype(value).name  # type: ignore[call-overload]
    except TypeError:
        raise DataTypeError(f"cannot interpret {value!r} as a dtype") from None


@cache
def _parse(text: str) -> DataType:
    match = _PATTERN.match(text.strip())
    if match is None:
        raise DataTypeError(f"unknown dtype {text!r}; expected e.g. 'float32', 'int64', 'bool'")
    kind = TypeKind(match.group(1))
    bits = int(match.group(2)) if match.group(2) else _DEFAULT_BITS[kind]
    lanes = int(match.group(3)) if match.group(3) else 1
    if bits not in _VALID_BITS[kind]:
        raise DataTypeError(f"unsupported dtype {text!r}: {kind.value} cannot have {bits} bits")
    if lanes < 1:
        raise DataTypeError(f"dtype {text!r} has {lanes} lanes")
    name = "bool" if kind is TypeKind.BOOL else f"{kind.value}{bits}"
    name = name if lanes == 1 else f"{name}x{lanes}"
    obj = str.__new__(DataType, name)
    obj.kind, obj.bits, obj.lanes = kind, bits, lanes
    return obj


def promote(a: DataType, b: DataType) -> DataType:
    """The common dtype of a binary operation, following TVM's ``BinaryOpMatchTypes``.

    floats win over integers and bools; two floats or two same-signed integers take the
    wider; signed and unsigned of different widths take the wider, of equal width the
    unsigned one. Lanes must agree (a scalar broadcasts to a vector).
    """
    if a == b:
        return a
    lanes = max(a.lanes, b.lanes)
    if a.lanes != b.lanes and 1 not in (a.lanes, b.lanes):
        raise DataTypeError(f"cannot match lanes of {a} and {b}")
    ea, eb = a.element_of(), b.element_of()
    if ea.is_handle or eb.is_handle:
        raise DataTypeError(f"cannot combine {a} and {b}")
    if ea.is_float or eb.is_float:
        if ea.is_float and eb.is_float:
            result = ea if ea.bits >= eb.bits else eb
        else:
            result = ea if ea.is_float else eb
    elif ea.is_bool or eb.is_bool:
        result = eb if ea.is_bool else ea
    elif ea.kind is eb.kind or ea.bits != eb.bits:
        result = ea if ea.bits >= eb.bits else eb
    else:
        result = ea if ea.is_uint else eb
    return result.with_lanes(lanes)


bool_ = DataType("bool")
int8 = DataType("int8")
int16 = DataType("int16")
int32 = DataType("int32")
int64 = DataType("int64")
uint8 = DataType("uint8")
uint16 = DataType("uint16")
uint32 = DataType("uint32")
uint64 = DataType("uint64")
float16 = DataType("float16")
float32 = DataType("float32")
float64 = DataType("float64")
handle = DataType("handle")
