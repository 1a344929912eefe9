"""``tvm.ir``: ``Range`` with TVM's constructor, modules and structural comparison.

>>> Range(10)            # [0, 10)
>>> Range(2, 10)         # [2, 10): min 2, extent 8
>>> Range.from_min_extent(2, 8)
"""

from __future__ import annotations

from typing import Any

from stir_core.ir import IRModule, Node, PrimExpr, op
from stir_core.ir import Range as _StirRange
from stir_core.ir.structural import assert_structural_equal, structural_equal, structural_hash


class _RangeMeta(type):
    """``Range(...)`` builds a stir_core ``Range``; ``isinstance`` checks against it."""

    def __call__(cls, begin: Any, end: Any = None, span: Any = None) -> _StirRange:
        if end is None:
            return _StirRange.from_min_extent(op.const(0, op.convert(begin).dtype), begin)
        return _StirRange.from_begin_end(begin, end)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _StirRange)


class Range(metaclass=_RangeMeta):
    """TVM's ``tvm.ir.Range(begin, end=None)``: ``[begin, end)``, or ``[0, begin)``."""

    @staticmethod
    def from_min_extent(min_value: Any, extent: Any, span: Any = None) -> _StirRange:
        return _StirRange.from_min_extent(min_value, extent)


__all__ = [
    "IRModule",
    "Node",
    "PrimExpr",
    "Range",
    "assert_structural_equal",
    "structural_equal",
    "structural_hash",
]
