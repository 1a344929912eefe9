"""The native calling convention of a kernel, derived from its ``PrimFunc``.

Arguments, in order: one pointer per buffer parameter and one value per scalar ``Var``
parameter (in ``func.params`` order), then one integer per *shape variable* (a variable in a
parameter buffer's shape or strides that is not itself a parameter), which the kernel binds
from the arrays' shapes.

>>> n = SizeVar("n"); A = decl_buffer((n, 4), name="A"); B = decl_buffer((n + 2,), name="B")
>>> Signature.of(PrimFunc((A, B), body)).shape_vars
(n,)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import Buffer, BufferStore, IRVisitor, PrimFunc, Var, post_order_visit
from .errors import UnsupportedIRError


class _Stores(IRVisitor):
    def __init__(self) -> None:
        self.written: set[Var] = set()

    def visit_BufferStore(self, node: BufferStore) -> None:
        self.written.add(node.buffer.data)
        self.generic_visit(node)


def _shape_exprs(buffer: Buffer) -> tuple:
    return (*buffer.shape, *buffer.strides)


@dataclass(frozen=True)
class Signature:
    func: PrimFunc
    #: shape variables passed after the parameters, in order of first appearance
    shape_vars: tuple[Var, ...]
    #: ``data`` variables of the buffers the function stores to
    written: frozenset[Var]

    @staticmethod
    def of(func: PrimFunc) -> Signature:
        scalars = {p for p in func.params if isinstance(p, Var)}
        for param in scalars:
            if param.dtype.is_handle or param.dtype.lanes != 1:
                raise UnsupportedIRError(
                    f"scalar parameter {param.name!r} has dtype {param.dtype}: kernels take "
                    "numeric scalars only"
                )
        found: dict[Var, None] = {}
        for buffer in func.buffer_params:
            for expr in _shape_exprs(buffer):
                post_order_visit(expr, lambda n: _collect(n, found, scalars))
        stores = _Stores()
        stores.visit(func.body)
        return Signature(func, tuple(found), frozenset(stores.written))

    def is_written(self, buffer: Buffer) -> bool:
        return buffer.data in self.written


def _collect(node: object, found: dict[Var, None], scalars: set[Var]) -> None:
    if isinstance(node, Var) and node not in scalars:
        found[node] = None
