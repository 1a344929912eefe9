"""Statements -> LLVM control flow: loops of every kind, stores, branches, allocations.

* ``For`` SERIAL: a counted loop. UNROLLED: the body copied once per iteration when the
  extent is a constant of at most ``MAX_UNROLL``, else ``llvm.loop.unroll.full`` metadata.
  VECTORIZED: the body rewritten to vector IR when ``vectorize.vectorize_loop`` can (a
  constant extent up to ``vectorize.MAX_LANES``, lanes independent), else
  ``llvm.loop.vectorize.enable`` (and ``.width`` = the extent when it is a constant power of
  two) for LLVM's loop vectorizer. PARALLEL: ``parallel.emit_parallel_for``
  (nested parallel loops run serially).
* ``Allocate``: a constant size of at most ``MAX_STACK_BYTES`` lives on the stack (an entry
  block ``alloca``); anything else is ``aligned_alloc(64, ...)`` / ``free`` around the body.
"""

from __future__ import annotations

from ..ir import (
    Allocate,
    BufferStore,
    DataType,
    Evaluate,
    For,
    ForKind,
    IfThenElse,
    IntImm,
    IRVisitor,
    LetStmt,
    Node,
    PrimExpr,
    SeqStmt,
)
from ..ir.op import cast, mul
from . import memory, parallel
from .context import FunctionContext
from .emit_expr import ExprEmitter
from .errors import UnsupportedIRError
from .llvm import (
    I8_PTR,
    I64,
    VOID,
    Value,
    byte_size,
    constant,
    declare,
    for_range,
    if_else,
    if_then,
    ir,
    loop_metadata,
    storage_type,
)
from .vectorize import vectorize_loop

MAX_UNROLL = 64
MAX_STACK_BYTES = 64 * 1024
HEAP_ALIGNMENT = 64


def _constant(expr: PrimExpr) -> int | None:
    return expr.value if isinstance(expr, IntImm) else None


class StmtEmitter(IRVisitor):
    """Emits statements into ``ctx``'s function at the builder's position."""

    def __init__(self, ctx: FunctionContext):
        self.ctx = ctx
        self.expr = ExprEmitter(ctx)

    def generic_visit(self, node: Node) -> None:
        hint = " (lower S-TIR with stir_core.lower first)" if "Block" in type(node).__name__ else ""
        raise UnsupportedIRError(f"codegen cannot compile {type(node).__name__}{hint}: {node}")

    def visit_SeqStmt(self, node: SeqStmt) -> None:
        for stmt in node.seq:
            self.visit(stmt)

    def visit_BufferStore(self, node: BufferStore) -> None:
        memory.emit_store(self.expr, node)

    def visit_Evaluate(self, node: Evaluate) -> None:
        if not isinstance(node.value, IntImm):
            self.expr.emit(node.value)

    def visit_LetStmt(self, node: LetStmt) -> None:
        with self.ctx.bind(node.var, self.expr.emit(node.value)):
            self.visit(node.body)

    def visit_IfThenElse(self, node: IfThenElse) -> None:
        cond = self.expr.emit(node.condition)
        if node.else_case is None:
            with if_then(self.ctx.builder, cond):
                self.visit(node.then_case)
            return
        with if_else(self.ctx.builder, cond) as (then, otherwise):
            with then:  # type: ignore[attr-defined]
                self.visit(node.then_case)
            with otherwise:  # type: ignore[attr-defined]
                self.visit(node.else_case)

    # ------------------------------------------------------------------------ loops

    def visit_For(self, loop: For) -> None:
        if loop.kind is ForKind.THREAD_BINDING or loop.thread_binding:
            raise UnsupportedIRError(
                f"loop {loop.loop_var.name!r} is bound to a GPU thread; only CPU targets exist"
            )
        if loop.kind is ForKind.PARALLEL and self.ctx.parallel_depth == 0:
            parallel.emit_parallel_for(self, loop)
            return
        if loop.kind is ForKind.VECTORIZED:
            vector_body = vectorize_loop(loop)
            if vector_body is not None:
                self.visit(vector_body)
                return
        extent = _constant(loop.extent)
        if loop.kind is ForKind.UNROLLED and extent is not None and extent <= MAX_UNROLL:
            self._unrolled(loop, extent)
            return
        self.counted_loop(loop, self._loop_hints(loop, extent))

    def loop_bounds(self, loop: For) -> tuple[Value, Value]:
        """``min`` and ``min + extent`` in the loop variable's dtype."""
        dtype = loop.loop_var.dtype
        start = self.expr.emit_as(loop.min, dtype)
        extent = self.expr.emit_as(loop.extent, dtype)
        return start, self.ctx.builder.add(start, extent)

    def counted_loop(self, loop: For, hints: dict[str, int | bool | None]) -> None:
        start, stop = self.loop_bounds(loop)
        metadata = loop_metadata(self.ctx.module, hints) if hints else None
        with for_range(self.ctx.builder, start, stop, metadata) as index:
            with self.ctx.bind(loop.loop_var, index):
                self.visit(loop.body)

    def _unrolled(self, loop: For, extent: int) -> None:
        start = self.expr.emit_as(loop.min, loop.loop_var.dtype)
        for step in range(extent):
            value = self.ctx.builder.add(start, constant(start.type, step))
            with self.ctx.bind(loop.loop_var, value):
                self.visit(loop.body)

    @staticmethod
    def _loop_hints(loop: For, extent: int | None) -> dict[str, int | bool | None]:
        if loop.kind is ForKind.UNROLLED:
            return {"llvm.loop.unroll.full": None}
        if loop.kind is not ForKind.VECTORIZED:
            return {}
        hints: dict[str, int | bool | None] = {"llvm.loop.vectorize.enable": True}
        if extent is not None and extent > 1 and extent & (extent - 1) == 0:
            hints["llvm.loop.vectorize.width"] = min(extent, 64)
        return hints

    # ------------------------------------------------------------------- allocation

    def visit_Allocate(self, node: Allocate) -> None:
        buffer = node.buffer
        count = _element_count(buffer.shape)
        elements = _constant(count)
        element_ty = storage_type(buffer.dtype)
        if elements is not None and elements * byte_size(buffer.dtype) <= MAX_STACK_BYTES:
            slot = self.ctx.alloca(ir.ArrayType(element_ty, max(elements, 1)), buffer.name, 64)
            pointer = self.ctx.builder.bitcast(slot, element_ty.as_pointer())
            with self.ctx.bind_buffer(buffer.data, pointer):
                self.visit(node.body)
            return
        raw = self._heap_alloc(count, buffer.dtype)
        pointer = self.ctx.builder.bitcast(raw, element_ty.as_pointer())
        with self.ctx.bind_buffer(buffer.data, pointer):
            self.visit(node.body)
        free = declare(self.ctx.module, "free", VOID, [I8_PTR])
        self.ctx.builder.call(free, [raw])

    def _heap_alloc(self, count: PrimExpr, dtype: DataType) -> Value:
        """``aligned_alloc(64, bytes rounded up to 64)``."""
        builder = self.ctx.builder
        size = builder.mul(self.expr.emit_as(count, DataType("int64")), I64(byte_size(dtype)))
        mask = HEAP_ALIGNMENT - 1
        rounded = builder.and_(builder.add(size, I64(mask)), I64(~mask))
        rounded = builder.select(builder.icmp_signed("==", rounded, I64(0)), I64(mask + 1), rounded)
        aligned_alloc = declare(self.ctx.module, "aligned_alloc", I8_PTR, [I64, I64])
        return builder.call(aligned_alloc, [I64(HEAP_ALIGNMENT), rounded])


def _element_count(shape: tuple[PrimExpr, ...]) -> PrimExpr:
    total: PrimExpr = cast("int64", 1)
    for extent in shape:
        total = mul(total, cast("int64", extent))
    return total
