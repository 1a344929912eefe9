"""A tiny NS-TIR interpreter: runs lowered functions on numpy arrays (scalar code only).

It checks the lowering numerically without codegen: memory is one flat numpy array per
buffer ``data`` Var, exactly as the flattened accesses address it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from stir_core.ir import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    Allocate,
    And,
    Buffer,
    BufferLoad,
    BufferStore,
    Call,
    Cast,
    Evaluate,
    FloatImm,
    FloorDiv,
    FloorMod,
    For,
    IfThenElse,
    IntImm,
    LetStmt,
    Max,
    Min,
    Mul,
    Node,
    Not,
    Or,
    PrimFunc,
    Select,
    SeqStmt,
    Sub,
    Var,
)

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    Add: operator.add,
    Sub: operator.sub,
    Mul: operator.mul,
    FloorDiv: operator.floordiv,
    FloorMod: operator.mod,
    Min: min,
    Max: max,
    EQ: operator.eq,
    NE: operator.ne,
    LT: operator.lt,
    LE: operator.le,
    GT: operator.gt,
    GE: operator.ge,
    And: lambda a, b: a and b,
    Or: lambda a, b: a or b,
}


def run(func: PrimFunc, *arrays: np.ndarray) -> None:
    """Run the NS-TIR ``func`` on ``arrays`` (one per buffer param, compact), in place."""
    params = func.buffer_params
    assert len(params) == len(arrays)
    interp = _Interp({p.data: a.reshape(-1) for p, a in zip(params, arrays, strict=True)})
    for param, array in zip(params, arrays, strict=True):
        for dim, size in zip(param.shape, array.shape, strict=True):
            if isinstance(dim, Var):
                interp.env[dim] = size
    interp.stmt(func.body)


class _Interp:
    def __init__(self, memory: dict[Var, np.ndarray]):
        self.memory = memory
        self.env: dict[Var, Any] = {}

    def stmt(self, node: Node) -> None:
        getattr(self, "stmt_" + type(node).__name__)(node)

    def stmt_SeqStmt(self, node: SeqStmt) -> None:
        for stmt in node.seq:
            self.stmt(stmt)

    def stmt_For(self, node: For) -> None:
        start = self.expr(node.min)
        for value in range(start, start + self.expr(node.extent)):
            self.env[node.loop_var] = value
            self.stmt(node.body)

    def stmt_IfThenElse(self, node: IfThenElse) -> None:
        if self.expr(node.condition):
            self.stmt(node.then_case)
        elif node.else_case is not None:
            self.stmt(node.else_case)

    def stmt_BufferStore(self, node: BufferStore) -> None:
        (index,) = node.indices
        self._check(node.buffer, index)
        self.memory[node.buffer.data][self.expr(index)] = self.expr(node.value)

    def stmt_Allocate(self, node: Allocate) -> None:
        (extent,) = node.buffer.shape
        size = self.expr(extent)
        self.memory[node.buffer.data] = np.full(size, np.nan, node.buffer.dtype.numpy_dtype)
        self.stmt(node.body)

    def stmt_LetStmt(self, node: LetStmt) -> None:
        self.env[node.var] = self.expr(node.value)
        self.stmt(node.body)

    def stmt_Evaluate(self, node: Evaluate) -> None:
        self.expr(node.value)

    def _check(self, buffer: Buffer, index: Node) -> None:
        assert buffer.ndim == 1, f"{buffer.name} is not flattened"
        value, extent = self.expr(index), self.expr(buffer.shape[0])
        assert 0 <= value < extent, f"{buffer.name}[{value}] out of its {extent} elements"

    def expr(self, node: Node) -> Any:
        binary = _BINARY.get(type(node))
        if binary is not None:
            return binary(self.expr(node.a), self.expr(node.b))
        return getattr(self, "expr_" + type(node).__name__)(node)

    def expr_Var(self, node: Var) -> Any:
        return self.env[node]

    expr_SizeVar = expr_Var

    def expr_IntImm(self, node: IntImm) -> int:
        return node.value

    def expr_FloatImm(self, node: FloatImm) -> Any:
        return node.dtype.numpy_dtype.type(node.value)

    def expr_BufferLoad(self, node: BufferLoad) -> Any:
        (index,) = node.indices
        self._check(node.buffer, index)
        return self.memory[node.buffer.data][self.expr(index)]

    def expr_Cast(self, node: Cast) -> Any:
        return node.dtype.numpy_dtype.type(self.expr(node.value))

    def expr_Not(self, node: Not) -> bool:
        return not self.expr(node.a)

    def expr_Select(self, node: Select) -> Any:
        taken = node.true_value if self.expr(node.condition) else node.false_value
        return self.expr(taken)

    def expr_Call(self, node: Call) -> Any:
        assert node.op == "if_then_else", node.op
        condition, then_value, else_value = node.args
        return self.expr(then_value if self.expr(condition) else else_value)
