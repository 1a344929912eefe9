"""Parallel loops: outline the body into functions and run it on the thread pool.

``for i in T.parallel(n): body`` becomes::

    void k_par1(float* noalias A, ..., i32 n, i32 start, i64 begin, i64 end)  // the body
        for j in [begin, end): i = start + j; body
    void k_task1(i8* closure, i64 begin, i64 end)  // unpacks the closure, calls k_par1
    ...
    closure = {A, ..., n, start}               // captured values, on the caller's stack
    stir_parallel_for(k_task1, &closure, n)   // pool.py: runs chunks on all threads

Captured values are every variable and buffer pointer the loop uses that is bound outside
it. Buffer pointers stay ``noalias`` parameters of the body function. Parallel loops nested
inside an outlined body run serially (``FunctionContext.parallel_depth``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ir import Buffer, For, IRVisitor, Var
from .context import FunctionContext
from .llvm import I8_PTR, I32, I64, VOID, Value, cast_int, declare, for_range, ir
from .pool import ENTRY_POINT, TASK_TYPE

if TYPE_CHECKING:
    from .emit_stmt import StmtEmitter


class _Uses(IRVisitor):
    """Variables and buffer data pointers used in a statement, in first-use order."""

    def __init__(self) -> None:
        self.vars: dict[Var, None] = {}
        self.data: dict[Var, None] = {}

    def visit_Var(self, node: Var) -> None:
        self.vars[node] = None

    def visit_Buffer(self, node: Buffer) -> None:
        self.data[node.data] = None
        for expr in (*node.shape, *node.strides, node.elem_offset):
            self.visit(expr)


def _captures(ctx: FunctionContext, loop: For) -> tuple[list[Var], list[Var]]:
    """(data vars of buffers, scalar vars) that ``loop`` uses and ``ctx`` has bound."""
    uses = _Uses()
    uses.visit(loop.body)
    data = [var for var in uses.data if var in ctx.buffers]
    scalars = [var for var in uses.vars if var in ctx.vars]
    return data, scalars


def emit_parallel_for(emitter: StmtEmitter, loop: For) -> None:
    """Emit ``loop`` as a call to the pool (see the module docstring)."""
    ctx = emitter.ctx
    ctx.state.uses_parallel = True
    data, scalars = _captures(ctx, loop)
    start, stop = emitter.loop_bounds(loop)
    builder = ctx.builder
    values = [ctx.buffers[var] for var in data] + [ctx.vars[var] for var in scalars] + [start]
    body = _outline_body(emitter, loop, data, scalars, [v.type for v in values])
    closure_type = ir.LiteralStructType([v.type for v in values])
    task = _task_function(ctx, body, closure_type)
    closure = ctx.alloca(closure_type, "closure")
    for position, value in enumerate(values):
        builder.store(value, builder.gep(closure, [I32(0), I32(position)]))
    extent = cast_int(builder, builder.sub(stop, start), I64)
    launch = declare(ctx.module, ENTRY_POINT, VOID, [TASK_TYPE.as_pointer(), I8_PTR, I64])
    builder.call(launch, [task, builder.bitcast(closure, I8_PTR), extent])


def _outline_body(
    emitter: StmtEmitter, loop: For, data: list[Var], scalars: list[Var], types: list[ir.Type]
) -> ir.Function:
    """``void body(buffers..., scalars..., start, i64 begin, i64 end)`` running the loop."""
    ctx = emitter.ctx
    function_type = ir.FunctionType(VOID, [*types, I64, I64])
    function = ctx.state.define(ctx.state.fresh_name("par"), function_type, internal=True)
    inner = FunctionContext(ctx.state, function, ctx.parallel_depth + 1)
    args = list(function.args)
    for var, arg in zip(data, args, strict=False):
        inner.bind_pointer_param(arg, var, ctx.extents.get(var))
    for var, arg in zip(scalars, args[len(data) :], strict=False):
        inner.vars[var] = arg
    start, begin, end = args[-3:]
    body_emitter = type(emitter)(inner)
    with for_range(inner.builder, begin, end) as index:
        value = inner.builder.add(start, cast_int(inner.builder, index, start.type))
        with inner.bind(loop.loop_var, value):
            body_emitter.visit(loop.body)
    inner.finish()
    return function


def _task_function(
    ctx: FunctionContext, body: ir.Function, closure_type: ir.LiteralStructType
) -> ir.Function:
    """``void task(i8* closure, i64 begin, i64 end)``: unpack the closure, call ``body``."""
    function = ctx.state.define(ctx.state.fresh_name("task"), TASK_TYPE, internal=True)
    builder = ir.IRBuilder(function.append_basic_block("entry"))
    raw, begin, end = function.args
    closure = builder.bitcast(raw, closure_type.as_pointer())
    fields: list[Value] = [
        builder.load(builder.gep(closure, [I32(0), I32(i)]))
        for i in range(len(closure_type.elements))
    ]
    builder.call(body, [*fields, begin, end])
    builder.ret_void()
    return function
