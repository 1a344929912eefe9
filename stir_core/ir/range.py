"""``Range``: the half-open interval ``[min, min + extent)`` (TVM's ``tvm.ir.Range``)."""

from __future__ import annotations

from typing import Any

from .expr import PrimExpr
from .node import Node, ir_node
from .op import convert, sub


@ir_node
class Range(Node):
    """``Range(min, extent)`` as stored; build with ``Range.from_min_extent`` or
    ``make_range(begin, end)`` (TVM's ``Range(begin, end)`` constructor)."""

    min: PrimExpr
    extent: PrimExpr

    @staticmethod
    def from_min_extent(min_value: Any, extent: Any) -> Range:
        return Range(convert(min_value), convert(extent))

    @staticmethod
    def from_begin_end(begin: Any, end: Any) -> Range:
        begin = convert(begin)
        return Range(begin, sub(end, begin))
