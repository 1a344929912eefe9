"""``alloc_buffers``: a block's ``alloc_buffers`` become ``Allocate`` statements.

Each buffer is allocated around the ``BlockRealize`` of the block that owns it (for the
root block: at the top of the function body), first buffer outermost. The buffer keeps its
N-d shape here (``flatten_buffer`` makes it 1-D); the scope is "local" for local buffers
(codegen puts small constant-size ones on the stack) and "global" for every other scope.

Before::

    with T.block("root"):
        B = T.alloc_buffer((16,), "float32")
        for i in range(16):
            with T.block("B"): ...

After::

    B = T.allocate((16,), "float32", "global")
    with T.block("root"):
        for i in range(16):
            with T.block("B"): ...
"""

from __future__ import annotations

from collections.abc import Mapping

from ..ir import Allocate, BlockRealize, Buffer, IRMutator, Node, PrimExpr, PrimFunc, Stmt


def alloc_buffers(func: PrimFunc) -> PrimFunc:
    """Move every block's ``alloc_buffers`` into ``Allocate`` statements around the block."""
    return func.replace(body=_AllocBuffers().visit(func.body))


def allocation_shape(buffer: Buffer, scope_stmt: Stmt) -> tuple[PrimExpr, ...]:
    """The shape to allocate for ``buffer``, allocated around ``scope_stmt``: its own shape.

    ``compact_buffers`` (earlier in the pipeline) has already shrunk it to the hull of the
    accesses in ``scope_stmt``, with the accesses shifted by the hull's minimum.
    """
    return buffer.shape


def allocation_scope(buffer: Buffer) -> str:
    """The scope to allocate in: "local" stays (stack candidates), any other is "global"."""
    return "local" if buffer.scope == "local" else "global"


def _allocated_buffer(buffer: Buffer, scope_stmt: Stmt) -> Buffer:
    shape = allocation_shape(buffer, scope_stmt)
    same_shape = len(shape) == buffer.ndim and all(
        a is b for a, b in zip(shape, buffer.shape, strict=True)
    )
    changes: dict[str, object] = {} if same_shape else {"shape": tuple(shape)}
    scope = allocation_scope(buffer)
    if scope != buffer.scope:
        changes["scope"] = scope
    return buffer.replace(**changes)


class _AllocBuffers(IRMutator):
    def visit_BlockRealize(self, realize: BlockRealize) -> Stmt:
        realize = self.generic_visit(realize)
        block = realize.block
        if not block.alloc_buffers:
            return realize
        stmt: Stmt = realize.replace(block=block.replace(alloc_buffers=()))
        allocated = {buf: _allocated_buffer(buf, realize) for buf in block.alloc_buffers}
        stmt = _ReplaceBuffers(allocated).visit(stmt)
        for buffer in reversed(block.alloc_buffers):
            stmt = Allocate(allocated[buffer], stmt)
        return stmt


class _ReplaceBuffers(IRMutator):
    """Every use of a key buffer (loads, stores, regions) refers to its value instead."""

    def __init__(self, buffers: Mapping[Buffer, Buffer]):
        self.buffers = {old: new for old, new in buffers.items() if old is not new}

    def visit(self, node: Node) -> Node:
        return super().visit(node) if self.buffers else node

    def visit_Buffer(self, buffer: Buffer) -> Buffer:
        return self.buffers.get(buffer, buffer)
