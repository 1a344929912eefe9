"""``DataType``: parsing, properties, numpy interop, and TVM's promotion rules."""

from __future__ import annotations

import numpy as np
import pytest

from stir_core.errors import DataTypeError, UserError
from stir_core.ir import DataType, TypeKind, promote


def test_parse_and_properties():
    dtype = DataType("float32")
    assert dtype == "float32" and isinstance(dtype, str)
    assert (dtype.kind, dtype.bits, dtype.lanes) == (TypeKind.FLOAT, 32, 1)
    assert dtype.is_float and dtype.is_scalar and not dtype.is_integer
    vector = DataType("int32x4")
    assert (vector.kind, vector.bits, vector.lanes) == (TypeKind.INT, 32, 4)
    assert vector.element_of() == "int32"
    assert vector.with_bits(64) == "int64x4"
    assert DataType("uint8").is_uint and DataType("uint8").is_integer
    assert DataType("bool").is_bool and DataType("bool").bits == 1
    assert DataType("handle").is_handle
    assert DataType("bool").with_lanes(8) == "boolx8"


def test_default_bits_and_identity():
    assert DataType("int") == "int32"
    assert DataType("float") == "float32"
    assert DataType(" int64 ") == "int64"
    dtype = DataType("int16")
    assert DataType(dtype) is dtype
    assert DataType("int16") is dtype  # parsed once, cached


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float16, "float16"),
        (np.dtype("int8"), "int8"),
        (bool, "bool"),
        (int, "int32"),
        (float, "float32"),
    ],
)
def test_from_numpy_and_python_types(value, expected):
    assert DataType(value) == expected


def test_numpy_dtype_and_limits():
    assert DataType("float64").numpy_dtype == np.float64
    assert DataType("bool").numpy_dtype == np.bool_
    assert DataType("handle").numpy_dtype == np.uint64
    assert DataType("int8").min_value() == -128 and DataType("int8").max_value() == 127
    assert DataType("uint16").max_value() == 65535
    assert DataType("float32").max_value() == float(np.finfo(np.float32).max)
    assert DataType("float32").min_value() == -float(np.finfo(np.float32).max)
    assert (DataType("bool").min_value(), DataType("bool").max_value()) == (0, 1)


@pytest.mark.parametrize("text", ["float33", "int7", "bool8", "complex64", "int32x0", "", "x4"])
def test_invalid_dtypes(text):
    with pytest.raises(DataTypeError):
        DataType(text)


def test_uninterpretable_object():
    with pytest.raises(DataTypeError, match="cannot interpret"):
        DataType(object())
    assert issubclass(DataTypeError, UserError) and issubclass(DataTypeError, TypeError)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("int32", "int32", "int32"),
        ("int8", "float32", "float32"),
        ("float16", "float64", "float64"),
        ("int32", "int64", "int64"),
        ("uint8", "int32", "int32"),
        ("uint32", "int32", "uint32"),
        ("bool", "int8", "int8"),
        ("bool", "float16", "float16"),
        ("int32x4", "int32", "int32x4"),
        ("float32", "int64x8", "float32x8"),
    ],
)
def test_promotion(a, b, expected):
    assert promote(DataType(a), DataType(b)) == expected
    assert promote(DataType(b), DataType(a)) == expected


@pytest.mark.parametrize(
    ("a", "b"), [("int32x4", "int32x8"), ("handle", "int32"), ("float32", "handle")]
)
def test_promotion_errors(a, b):
    with pytest.raises(DataTypeError):
        promote(DataType(a), DataType(b))
