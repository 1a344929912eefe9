"""``IndexMap``: a layout function ``lambda i, j: (i // 16, j, i % 16)`` as IR.

Used by ``transform_layout``; the trace prints it back as that lambda (``python_text``),
checking that the printed text rebuilds the same map.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..arith import simplify
from ..errors import UserError
from ..ir import PrimExpr, Var, structural_equal, substitute
from ..ir import op as ops
from ..ir.printer_expr import ExprPrinter, Marks, Namer


class IndexMapNotPrintableError(UserError):
    """An index map whose printed lambda does not rebuild it (it uses ``T.*`` functions)."""


@dataclass(frozen=True, eq=False)
class IndexMap:
    """``lambda i, j: (i // 16, j, i % 16)`` as IR: the input variables and the outputs."""

    initial_indices: tuple[Var, ...]
    final_indices: tuple[PrimExpr, ...]

    @staticmethod
    def from_func(func: Callable[..., Any]) -> IndexMap:
        """Call ``func`` on fresh variables (named like its parameters)."""
        variables = tuple(Var(name) for name in inspect.signature(func).parameters)
        result = func(*variables)
        outputs = result if isinstance(result, (tuple, list)) else (result,)
        return IndexMap(variables, tuple(ops.convert(out) for out in outputs))

    def map_indices(self, indices: Sequence[PrimExpr]) -> tuple[PrimExpr, ...]:
        vmap = dict(zip(self.initial_indices, indices, strict=True))
        return tuple(simplify(substitute(out, vmap)) for out in self.final_indices)

    def same_as(self, other: IndexMap) -> bool:
        """Both maps compute the same outputs (up to the names of their inputs)."""
        if len(other.initial_indices) != len(self.initial_indices):
            return False
        outputs = [
            substitute(out, dict(zip(other.initial_indices, self.initial_indices, strict=True)))
            for out in other.final_indices
        ]
        return len(outputs) == len(self.final_indices) and all(
            structural_equal(a, b) for a, b in zip(outputs, self.final_indices, strict=True)
        )

    def __str__(self) -> str:
        printer = ExprPrinter(Namer(), Marks(None))
        args = printer.join(self.initial_indices)
        outs = printer.join(self.final_indices)
        return f"lambda {args}: ({outs}{',' if len(self.final_indices) == 1 else ''})"


def python_text(index_map: IndexMap | Callable[..., Any]) -> str:
    """``index_map`` as a Python lambda that rebuilds it exactly (for traces)."""
    mapping = index_map if isinstance(index_map, IndexMap) else IndexMap.from_func(index_map)
    text = str(mapping)
    try:
        again = IndexMap.from_func(eval(text, {"__builtins__": {}}))
    except Exception as err:  # any failure means: no plain Python form
        raise IndexMapNotPrintableError(
            f"the index map {text} cannot be printed as plain Python ({err})"
        ) from err
    if not mapping.same_as(again):
        raise IndexMapNotPrintableError(
            f"the index map {text} does not rebuild the same map when printed as Python"
        )
    return text
