"""What the printer must know before printing a function: declarations and loop collapsing.

``FunctionInfo(func)`` finds the shape variables of the parameters (``n = T.int32()``), free
variables, parameters to print through ``T.match_buffer`` (symbolic shapes, as TVM does), and
buffers used but never defined (NS-TIR's flattened views, ``A_1 = T.Buffer(..., data=A.data)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .block import Block, IterVar
from .buffer import Buffer
from .expr import IntImm, Let, PrimExpr, Var
from .function import PrimFunc
from .functor import IRVisitor, post_order_visit
from .node import Node
from .stmt import Allocate, For, ForKind, LetStmt


def is_true(expr: PrimExpr) -> bool:
    return isinstance(expr, IntImm) and expr.dtype.is_bool and expr.value == 1


def is_zero(expr: PrimExpr) -> bool:
    return isinstance(expr, IntImm) and expr.value == 0


def same_value(a: PrimExpr, b: PrimExpr) -> bool:
    """``a`` and ``b`` are the same object or equal constants of one dtype."""
    if a is b:
        return True
    return (
        isinstance(a, IntImm) and isinstance(b, IntImm) and (a.dtype, a.value) == (b.dtype, b.value)
    )


def vars_in(nodes: Iterable[Node]) -> list[Var]:
    """Every ``Var`` below ``nodes`` (with repeats), in visiting order."""
    found: list[Var] = []
    for node in nodes:
        post_order_visit(node, lambda n: found.append(n) if isinstance(n, Var) else None)
    return found


def buffer_vars(buffer: Buffer) -> list[Var]:
    """The variables of a buffer's shape, strides and offset."""
    return vars_in((*buffer.shape, *buffer.strides, buffer.elem_offset))


def _grid_eligible(loop: For) -> bool:
    return (
        loop.kind is ForKind.SERIAL
        and loop.thread_binding is None
        and not loop.annotations
        and is_zero(loop.min)
    )


def can_collapse(chain: list[For], is_marked: Callable[[object], bool]) -> bool:
    """Whether ``chain[-1].body`` joins the ``T.grid`` of the perfectly nested ``chain``."""
    inner = chain[-1].body
    if not isinstance(inner, For) or is_marked(inner):
        return False
    if not (_grid_eligible(chain[0]) and _grid_eligible(inner)):
        return False
    outer = {id(loop.loop_var) for loop in chain}
    return not any(id(var) in outer for var in vars_in((inner.extent,)))


class FunctionInfo(IRVisitor):
    """Declarations a function's text needs before its body."""

    def __init__(self, func: PrimFunc) -> None:
        self.defined: set[int] = set()
        self.seen: dict[int, Var] = {}
        self.defined_buffers: set[int] = set()
        self.used_buffers: dict[int, Buffer] = {}
        buffers = func.buffer_params
        self.data_owner: dict[int, Buffer] = {id(b.data): b for b in reversed(buffers)}
        self.shape_vars = _unique(v for b in buffers for v in buffer_vars(b))
        self.matched = [b for b in buffers if buffer_vars(b)]
        self.matched_ids = {id(b) for b in self.matched}
        self.defined.update(id(v) for v in func.params if isinstance(v, Var))
        self.defined.update(id(v) for v in self.shape_vars)
        self.defined_buffers.update(id(b) for b in buffers)
        self.visit(func.body)
        self.free_vars = [v for key, v in self.seen.items() if key not in self.defined]
        self.undeclared = [
            b for key, b in self.used_buffers.items() if key not in self.defined_buffers
        ]

    def visit_Var(self, node: Var) -> None:
        self.seen.setdefault(id(node), node)

    def visit_Buffer(self, node: Buffer) -> None:
        self.used_buffers.setdefault(id(node), node)
        for var in buffer_vars(node):
            self.visit(var)

    def _define(self, var: Var) -> None:
        self.defined.add(id(var))

    def visit_For(self, node: For) -> None:
        self._define(node.loop_var)
        self.generic_visit(node)

    def visit_IterVar(self, node: IterVar) -> None:
        self._define(node.var)
        self.generic_visit(node)

    def visit_LetStmt(self, node: LetStmt) -> None:
        self._define(node.var)
        self.generic_visit(node)

    def visit_Let(self, node: Let) -> None:
        self._define(node.var)
        self.generic_visit(node)

    def visit_Block(self, node: Block) -> None:
        self.defined_buffers.update(id(b) for b in node.alloc_buffers)
        self.generic_visit(node)

    def visit_Allocate(self, node: Allocate) -> None:
        self.defined_buffers.add(id(node.buffer))
        self.generic_visit(node)


def _unique(items: Iterable[Var]) -> list[Var]:
    found: dict[int, Var] = {}
    for item in items:
        found.setdefault(id(item), item)
    return list(found.values())
