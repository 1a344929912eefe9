"""Conversions between dtypes, table-driven: ``emit_cast(builder, value, src, dst)``.

Each dtype falls in a family: ``"i"`` (signed), ``"u"`` (unsigned and bool) or ``"f"``
(float). Conversions to bool compare with zero (a NaN converts to True, as in numpy).
"""

from __future__ import annotations

from ..errors import internal_check
from ..ir import DataType
from .llvm import Builder, Value, constant, splat, value_type


def family(dtype: DataType) -> str:
    """``"f"`` for floats, ``"i"`` for signed integers, ``"u"`` for unsigned and bool."""
    if dtype.is_float:
        return "f"
    return "i" if dtype.is_int else "u"


#: (source family, target family) -> conversion instruction (width-dependent pairs below)
_CONVERT: dict[tuple[str, str], str] = {
    ("u", "f"): "uitofp",
    ("i", "f"): "sitofp",
    ("f", "i"): "fptosi",
    ("f", "u"): "fptoui",
}


def emit_cast(builder: Builder, value: Value, src: DataType, dst: DataType) -> Value:
    """Convert ``value`` of dtype ``src`` to ``dst`` (a scalar broadcasts to ``dst``'s lanes)."""
    if src.lanes != dst.lanes:
        internal_check(src.lanes == 1, f"cannot cast {src} to {dst}")
        value, src = splat(builder, value, dst.lanes), src.with_lanes(dst.lanes)
    if src.element_of() == dst.element_of():
        return value
    target = value_type(dst)
    if dst.is_bool:
        zero = constant(value.type, 0)
        if src.is_float:
            return builder.fcmp_unordered("!=", value, zero)
        return builder.icmp_unsigned("!=", value, zero)
    pair = (family(src), family(dst))
    instruction = _CONVERT.get(pair)
    if instruction is None:  # same kind: int <-> int, float <-> float
        instruction = _resize(src, dst)
    if instruction is None:
        return value
    return getattr(builder, instruction)(value, target)


def _resize(src: DataType, dst: DataType) -> str | None:
    if src.bits == dst.bits:
        return None
    if src.is_float:
        return "fpext" if dst.bits > src.bits else "fptrunc"
    if dst.bits < src.bits:
        return "trunc"
    return "sext" if src.is_int else "zext"
