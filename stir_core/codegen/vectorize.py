"""Vectorized loops -> vector IR before emission (TVM's ``VectorizeLoop``, in codegen).

``for v in T.vectorized(n)`` with a constant ``n`` (2..``MAX_LANES``) becomes its body with
``v`` replaced by ``Ramp(min, 1, n)`` (one copy per power-of-two piece of ``n``: 28 lanes are
16 + 8 + 4, which map onto whole registers): every expression that depends on ``v`` gets ``n``
lanes, the rest stays scalar and is broadcast where it meets a vector. Integer ``+ - *``
keep Ramps, so ``memory`` emits one dense vector load/store per access instead of LLVM's
loop vectorizer having to rediscover it (O3 fully unrolls short loops before the vectorizer
runs, which left scalar code or gathers)::

    for j in T.vectorized(32):
        C[i * 32 + j] = C[i * 32 + j] + A[i] * B[k * 32 + j]
    # becomes
    C[T.Ramp(i * 32, 1, 32)] = (
        C[T.Ramp(i * 32, 1, 32)] + T.Broadcast(A[i], 32) * B[T.Ramp(k * 32, 1, 32)]
    )

Running all lanes of one statement before the next must not change the result, so a body is
vectorized only when every buffer it stores to is accessed with one index expression
(structurally equal everywhere in the body) that becomes a Ramp of nonzero constant stride,
i.e. each lane touches its own element. ``vectorize_loop`` returns None (the caller falls back
to LLVM's loop vectorizer, which checks dependences itself) for anything else: nested loops,
allocations, a store whose index does not depend on ``v``, N-d accesses, existing vector
nodes, or an ``if_then_else`` / ``if`` whose condition depends on ``v`` (both branches would
run, and the untaken one may read out of bounds).
"""

from __future__ import annotations

from ..ir import (
    Add,
    Broadcast,
    Buffer,
    BufferLoad,
    BufferStore,
    Call,
    Cast,
    For,
    IfThenElse,
    IntImm,
    IRMutator,
    IRVisitor,
    Let,
    LetStmt,
    Mul,
    Node,
    Not,
    PrimExpr,
    Ramp,
    Select,
    SeqStmt,
    Stmt,
    Sub,
    Var,
    seq,
    structural_equal,
    substitute,
)
from ..ir import op as ops

MAX_LANES = 64


class _Unsupported(Exception):
    """The body has a construct this vectorizer leaves to LLVM."""


def vectorize_loop(loop: For) -> Stmt | None:
    """``loop``'s body with its variable as a Ramp (see the module docstring), or None."""
    extent = loop.extent
    if not isinstance(extent, IntImm) or not 2 <= extent.value <= MAX_LANES:
        return None
    start = ops.cast(loop.loop_var.dtype, loop.min)
    try:
        _check_independent(loop.body)
        chunks = [
            _vectorize_chunk(loop, ops.add(start, offset), lanes)
            for offset, lanes in _power_of_two_chunks(extent.value)
        ]
    except _Unsupported:
        return None
    return seq(chunks)


def _power_of_two_chunks(extent: int) -> list[tuple[int, int]]:
    """``(offset, lanes)`` covering ``range(extent)`` in power-of-two pieces, largest first:
    28 -> (0, 16), (16, 8), (24, 4). Odd widths legalize to poor code (shuffles, spills)."""
    chunks, offset = [], 0
    for bit in reversed(range(extent.bit_length())):
        if extent & (1 << bit):
            chunks.append((offset, 1 << bit))
            offset += 1 << bit
    return chunks


def _vectorize_chunk(loop: For, start: PrimExpr, lanes: int) -> Stmt:
    """The body for the ``lanes`` iterations from ``start`` (one scalar iteration if 1)."""
    if lanes == 1:
        return substitute(loop.body, {loop.loop_var: start})
    ramp = Ramp(start.dtype.with_lanes(lanes), start, ops.const(1, start.dtype), lanes)
    return _Vectorizer(loop.loop_var, ramp).visit(loop.body)


# ------------------------------------------------------------------- dependences


class _Accesses(IRVisitor):
    """Index tuples of every load and store, per buffer ``data`` variable."""

    def __init__(self) -> None:
        self.indices: dict[Var, list[tuple[int, tuple[PrimExpr, ...]]]] = {}
        self.written: set[Var] = set()

    def _add(self, buffer: Buffer, indices: tuple[PrimExpr, ...]) -> None:
        """The address key: the indices and the buffer view's offset and strides."""
        key = (*indices, buffer.elem_offset, *buffer.strides)
        self.indices.setdefault(buffer.data, []).append((len(indices), key))

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        self._add(node.buffer, node.indices)
        self.generic_visit(node)

    def visit_BufferStore(self, node: BufferStore) -> None:
        self._add(node.buffer, node.indices)
        self.written.add(node.buffer.data)
        self.generic_visit(node)


def _check_independent(body: Stmt) -> None:
    accesses = _Accesses()
    accesses.visit(body)
    for data in accesses.written:
        (ndim, first), *others = accesses.indices[data]
        if ndim != 1 or any(not structural_equal(first, key) for _, key in others):
            raise _Unsupported(f"buffer {data.name} is accessed at several addresses")


# -------------------------------------------------------------------- rewriting


def _lanes(expr: PrimExpr) -> int:
    return expr.dtype.lanes


def _ramp(base: PrimExpr, stride: PrimExpr, lanes: int) -> Ramp:
    return Ramp(base.dtype.with_lanes(lanes), base, stride, lanes)


def _fold_ramp(kind: type, a: PrimExpr, b: PrimExpr) -> PrimExpr | None:
    """``a op b`` as a Ramp when one side is a Ramp and the other a Ramp or a scalar."""
    if kind is Mul:
        if isinstance(b, Ramp):
            a, b = b, a
        if isinstance(a, Ramp) and _lanes(b) == 1:
            return _ramp(ops.mul(a.base, b), ops.mul(a.stride, b), a.lanes)
        return None
    if kind not in (Add, Sub) or not (isinstance(a, Ramp) or isinstance(b, Ramp)):
        return None
    combine = ops.add if kind is Add else ops.sub
    if isinstance(a, Ramp) and isinstance(b, Ramp):
        return _ramp(combine(a.base, b.base), combine(a.stride, b.stride), a.lanes)
    if isinstance(a, Ramp) and _lanes(b) == 1:
        return _ramp(combine(a.base, b), a.stride, a.lanes)
    if isinstance(b, Ramp) and _lanes(a) == 1:
        stride = b.stride if kind is Add else ops.neg(b.stride)
        return _ramp(combine(a, b.base), stride, b.lanes)
    return None


class _Vectorizer(IRMutator):
    """Rewrites a loop body with the loop variable as a Ramp (see the module docstring)."""

    def __init__(self, var: Var, ramp: Ramp):
        self.vmap: dict[Var, PrimExpr] = {var: ramp}
        self.lanes = ramp.lanes

    def generic_visit(self, node: Node) -> Node:
        raise _Unsupported(type(node).__name__)

    def widen(self, expr: PrimExpr) -> PrimExpr:
        """``expr`` with ``self.lanes`` lanes (a scalar is broadcast)."""
        if _lanes(expr) == self.lanes:
            return expr
        return Broadcast(expr.dtype.with_lanes(self.lanes), expr, self.lanes)

    def _scalar(self, node: PrimExpr) -> PrimExpr:
        if _lanes(node) != 1:
            raise _Unsupported("the body already has vector expressions")
        return node

    visit_IntImm = visit_FloatImm = visit_StringImm = _scalar

    def visit_Var(self, node: Var) -> PrimExpr:
        return self.vmap.get(node, node)

    def visit_Cast(self, node: Cast) -> PrimExpr:
        value = self.visit(node.value)
        if value is node.value:
            return node
        return Cast(node.dtype.with_lanes(_lanes(value)), value)

    def _elementwise(self, node: PrimExpr, *operands: PrimExpr) -> list[PrimExpr] | None:
        """The operands rewritten, all widened if any became a vector; None if unchanged."""
        new = [self.visit(operand) for operand in operands]
        if all(n is o for n, o in zip(new, operands, strict=True)):
            return None
        if all(_lanes(n) == 1 for n in new):
            return new
        return [self.widen(n) for n in new]

    def _binary(self, node: PrimExpr) -> PrimExpr:
        a, b = self.visit(node.a), self.visit(node.b)  # type: ignore[attr-defined]
        if a is node.a and b is node.b:  # type: ignore[attr-defined]
            return node
        folded = _fold_ramp(type(node), a, b) if node.dtype.is_int else None
        if folded is not None:
            return folded
        lanes = max(_lanes(a), _lanes(b))
        if lanes > 1:
            a, b = self.widen(a), self.widen(b)
        return type(node)(node.dtype.with_lanes(lanes), a, b)

    visit_Add = visit_Sub = visit_Mul = visit_Div = visit_Mod = _binary
    visit_FloorDiv = visit_FloorMod = visit_Min = visit_Max = _binary
    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = _binary
    visit_And = visit_Or = _binary

    def visit_Not(self, node: Not) -> PrimExpr:
        a = self.visit(node.a)
        return node if a is node.a else Not(node.dtype.with_lanes(_lanes(a)), a)

    def visit_Select(self, node: Select) -> PrimExpr:
        new = self._elementwise(node, node.condition, node.true_value, node.false_value)
        if new is None:
            return node
        return Select(node.dtype.with_lanes(_lanes(new[1])), *new)

    def visit_Call(self, node: Call) -> PrimExpr:
        if node.dtype.is_handle:
            raise _Unsupported(f"call {node.op} returns a handle")
        if node.op == "if_then_else":
            return self._if_then_else(node)
        new = self._elementwise(node, *node.args)
        if new is None:
            return node
        return Call(node.dtype.with_lanes(max(_lanes(n) for n in new)), node.op, tuple(new))

    def _if_then_else(self, node: Call) -> PrimExpr:
        """A scalar condition stays scalar: only the taken branch runs (vector values)."""
        condition = self.visit(node.args[0])
        if _lanes(condition) > 1:
            raise _Unsupported("if_then_else with a condition that depends on the lane")
        branches = self._elementwise(node, *node.args[1:])
        if branches is None and condition is node.args[0]:
            return node
        branches = branches or list(node.args[1:])
        lanes = _lanes(branches[0])
        return Call(node.dtype.with_lanes(lanes), node.op, (condition, *branches))

    def visit_Let(self, node: Let) -> PrimExpr:
        value = self.visit(node.value)
        var = self._rebind(node.var, value)
        body = self.visit(node.body)
        self.vmap.pop(node.var, None)
        if value is node.value and body is node.body:
            return node
        return Let(body.dtype, var, value, body)

    def _rebind(self, var: Var, value: PrimExpr) -> Var:
        """``var`` itself for a scalar value, else a vector variable standing for it."""
        if _lanes(value) == 1:
            return var
        vector = Var(var.name, value.dtype)
        self.vmap[var] = vector
        return vector

    def visit_BufferLoad(self, node: BufferLoad) -> PrimExpr:
        if len(node.indices) != 1:
            raise _Unsupported("N-d access")
        index = self.visit(node.indices[0])
        if index is node.indices[0]:
            return node
        return BufferLoad(node.buffer.dtype.with_lanes(_lanes(index)), node.buffer, (index,))

    # ------------------------------------------------------------------ statements

    def visit_BufferStore(self, node: BufferStore) -> Stmt:
        if len(node.indices) != 1:
            raise _Unsupported("N-d access")
        index = self.visit(node.indices[0])
        if not (isinstance(index, Ramp) and isinstance(index.stride, IntImm)):
            raise _Unsupported("a store whose lanes may write the same element")
        if index.stride.value == 0:
            raise _Unsupported("a store whose lanes write the same element")
        return BufferStore(node.buffer, self.widen(self.visit(node.value)), (index,))

    def visit_SeqStmt(self, node: SeqStmt) -> Stmt:
        return SeqStmt(tuple(self.visit(stmt) for stmt in node.seq))

    def visit_LetStmt(self, node: LetStmt) -> Stmt:
        value = self.visit(node.value)
        var = self._rebind(node.var, value)
        body = self.visit(node.body)
        self.vmap.pop(node.var, None)
        return LetStmt(var, value, body)

    def visit_IfThenElse(self, node: IfThenElse) -> Stmt:
        condition = self.visit(node.condition)
        if _lanes(condition) > 1:
            raise _Unsupported("an if whose condition depends on the lane")
        then_case = self.visit(node.then_case)
        else_case = None if node.else_case is None else self.visit(node.else_case)
        return IfThenElse(condition, then_case, else_case)
