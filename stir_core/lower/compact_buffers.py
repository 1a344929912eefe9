"""``compact_buffers``: shrink each block-allocated buffer to the region its accesses touch.

TVM's ``CompactBufferAllocation``, with the exact analysis of ``stir_core.arith``. For each
buffer in a block's ``alloc_buffers``, every load and store in the block's body is taken
with inner block iter vars replaced by their iter values and under its guards (block
predicates, ``if`` conditions, ``T.if_then_else`` branches); ``arith.region`` relaxes the
loops inside the block and keeps the variables outside symbolic. Per dimension the hull is
clamped to ``[0, shape)``; its extent must use no loop or iter var of the enclosing scope
(else its upper bound over them is used, if that has none), and a dimension is compacted
only when the extent is not provably the whole dimension. Every access index becomes
``index - region_min`` (block ``reads``/``writes`` too). ``align_constraints`` stay and apply
to the compacted shape; buffers with explicit ``strides``, an ``elem_offset``, or a use of
their ``data`` other than loads/stores keep their shape.

Before (after ``plan_buffers``)::

    for i0 in range(8):
        with T.block(""):
            B = T.alloc_buffer((64, 64))
            for ax0, ax1 in T.grid(8, 64):
                with T.block("B"):
                    v_i = T.axis.spatial(64, i0 * 8 + ax0)
                    ...
                    B[v_i, v_j] = A[v_i, v_j] * T.float32(2.0)

After::

    for i0 in range(8):
        with T.block(""):
            B = T.alloc_buffer((8, 64))
            for ax0, ax1 in T.grid(8, 64):
                with T.block("B"):
                    ...
                    B[v_i - i0 * 8, v_j] = A[v_i, v_j] * T.float32(2.0)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..arith import Access, Domain, Region, bound, can_prove, is_unbounded, region, simplify
from ..ir import (
    Block,
    BlockRealize,
    Broadcast,
    Buffer,
    BufferLoad,
    BufferRegion,
    BufferStore,
    Call,
    For,
    IfThenElse,
    IntImm,
    IRMutator,
    IRVisitor,
    Let,
    LetStmt,
    PrimExpr,
    PrimFunc,
    Ramp,
    Range,
    Stmt,
    Var,
    post_order_visit,
    structural_equal,
    substitute,
)
from ..ir.op import add, cast, const, logical_and, logical_not, maximum, minimum, mul, sub


def compact_buffers(func: PrimFunc) -> PrimFunc:
    """Shrink every block-allocated buffer to the hull of its accesses in the block."""
    return func.replace(body=_Compact().visit(func.body))


@dataclass(frozen=True)
class Compaction:
    """The compacted buffer and, per dimension, the offset subtracted from indices."""

    buffer: Buffer
    offsets: tuple[PrimExpr | None, ...]


def compact_region(
    buffer: Buffer, hull: Region, outer: Domain, scope_vars: set[Var]
) -> Compaction | None:
    """``buffer`` shrunk to ``hull`` (symbolic in the vars of ``outer``), or ``None``."""
    shape: list[PrimExpr] = []
    offsets: list[PrimExpr | None] = []
    for rng, dim in zip(hull.ranges, buffer.shape, strict=True):
        narrowed = _narrow(rng, dim, outer, scope_vars)
        shape.append(dim if narrowed is None else narrowed[1])
        offsets.append(None if narrowed is None else narrowed[0])
    if all(offset is None for offset in offsets):
        return None
    return Compaction(buffer.replace(shape=tuple(shape)), tuple(offsets))


def _narrow(
    rng: Range, dim: PrimExpr, outer: Domain, scope_vars: set[Var]
) -> tuple[PrimExpr, PrimExpr] | None:
    """``(min, extent)`` of one dimension, or ``None`` to keep ``[0, dim)``."""
    if is_unbounded(rng):
        return None
    low, high = rng.min, add(rng.min, rng.extent)
    if not can_prove(low >= 0, outer):
        low = maximum(low, const(0, low.dtype))
    if not can_prove(high <= dim, outer):
        high = minimum(high, dim)
    low = simplify(low, outer)
    extent = simplify(sub(high, low), outer)
    if _uses(extent, scope_vars):
        largest = bound(extent, outer)
        if _uses(largest.max, scope_vars) or _is_dtype_limit(largest.max):
            return None
        extent = largest.max
    if extent.dtype != dim.dtype:
        extent = cast(dim.dtype, extent)
    if can_prove(extent >= dim, outer):
        return None
    return low, extent


def _is_dtype_limit(expr: PrimExpr) -> bool:
    dtype = expr.dtype
    return isinstance(expr, IntImm) and expr.value in (dtype.min_value(), dtype.max_value())


def _uses(expr: PrimExpr, variables: set[Var]) -> bool:
    found: list[Var] = []
    post_order_visit(expr, lambda n: found.append(n) if n in variables else None)
    return bool(found)


class _Scope:
    """Ranges of the enclosing loops and iter vars, and the conditions that hold there."""

    def __init__(self) -> None:
        self.ranges: dict[Var, Range] = {}
        self.predicates: list[PrimExpr] = []

    @contextmanager
    def extended(
        self, ranges: Mapping[Var, Range], predicates: Sequence[PrimExpr] = ()
    ) -> Iterator[None]:
        saved = dict(self.ranges), list(self.predicates)
        self.ranges.update(ranges)
        self.predicates.extend(p for p in predicates if not _is_true(p))
        try:
            yield
        finally:
            self.ranges, self.predicates = saved

    def domain(self) -> Domain:
        return Domain(self.ranges, self.predicates)


def _is_true(expr: PrimExpr) -> bool:
    return isinstance(expr, IntImm) and expr.value != 0


class _Compact(IRMutator):
    """Visits blocks innermost first; each block compacts its own ``alloc_buffers``."""

    def __init__(self) -> None:
        self.scope = _Scope()

    def visit_For(self, loop: For) -> Stmt:
        with self.scope.extended({loop.loop_var: Range(loop.min, loop.extent)}):
            return self.generic_visit(loop)

    def visit_IfThenElse(self, branch: IfThenElse) -> Stmt:
        with self.scope.extended({}, [branch.condition]):
            then_case = self.visit(branch.then_case)
        else_case = branch.else_case
        if else_case is not None:
            with self.scope.extended({}, [logical_not(branch.condition)]):
                else_case = self.visit(else_case)
        return branch.replace(then_case=then_case, else_case=else_case)

    def visit_BlockRealize(self, node: BlockRealize) -> Stmt:
        block = node.block
        ranges = {iv.var: iv.dom for iv in block.iter_vars}
        with self.scope.extended(ranges, [node.predicate]):
            new_block = self._compact(self.generic_visit(block))
        return node.replace(block=new_block)

    def _compact(self, block: Block) -> Block:
        if not block.alloc_buffers:
            return block
        accesses = _Accesses({buffer.data: buffer for buffer in block.alloc_buffers})
        accesses.visit(block.body)
        if block.init is not None:
            accesses.visit(block.init)
        outer = self.scope.domain()
        found: dict[Var, Compaction] = {}
        for buffer in block.alloc_buffers:
            hull = accesses.hull(buffer)
            if hull is not None and _compactable(buffer):
                compaction = compact_region(buffer, hull, outer, set(self.scope.ranges))
                if compaction is not None:
                    found[buffer.data] = compaction
        if not found:
            return block
        shifted = _Shift(found).visit(block.replace(alloc_buffers=()))
        allocs = tuple(found[b.data].buffer if b.data in found else b for b in block.alloc_buffers)
        return shifted.replace(alloc_buffers=allocs)


def _compactable(buffer: Buffer) -> bool:
    offset = buffer.elem_offset
    return not buffer.strides and isinstance(offset, IntImm) and offset.value == 0


class _Accesses(IRVisitor):
    """The indices of every access to ``targets`` in terms of the loops below the block,
    with the guard each happens under; a target used any other way is ``opaque``."""

    def __init__(self, targets: Mapping[Var, Buffer]) -> None:
        self.targets = targets
        self.vmap: dict[Var, PrimExpr] = {}
        self.ranges: dict[Var, Range] = {}
        self.guards: list[PrimExpr] = []
        self.found: dict[Var, list[Access]] = {}
        self.opaque: set[Var] = set()

    def hull(self, buffer: Buffer) -> Region | None:
        """The region of all of ``buffer``'s accesses, ``None`` if unknown or unused."""
        items = self.found.get(buffer.data)
        if not items or buffer.data in self.opaque:
            return None
        return region(items, Domain(self.ranges))

    @contextmanager
    def guarded(self, condition: PrimExpr) -> Iterator[None]:
        self.guards.append(substitute(condition, self.vmap))
        try:
            yield
        finally:
            self.guards.pop()

    def bind(self, var: Var, value: PrimExpr) -> None:
        self.vmap[var] = substitute(value, self.vmap)

    def visit_For(self, loop: For) -> None:
        self.visit(loop.min)
        self.visit(loop.extent)
        self.ranges[loop.loop_var] = substitute(Range(loop.min, loop.extent), self.vmap)
        self.visit(loop.body)

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        for expr in (*node.iter_values, node.predicate):
            self.visit(expr)
        for iv, value in zip(node.block.iter_vars, node.iter_values, strict=False):
            self.bind(iv.var, value)
        with self.guarded(node.predicate):
            self.visit(node.block.body)
            if node.block.init is not None:
                self.visit(node.block.init)

    def visit_IfThenElse(self, branch: IfThenElse) -> None:
        self.visit(branch.condition)
        with self.guarded(branch.condition):
            self.visit(branch.then_case)
        if branch.else_case is not None:
            with self.guarded(logical_not(branch.condition)):
                self.visit(branch.else_case)

    def visit_Call(self, call: Call) -> None:
        if call.op != "if_then_else":
            self.generic_visit(call)
            return
        condition, then_value, else_value = call.args
        self.visit(condition)
        with self.guarded(condition):
            self.visit(then_value)
        with self.guarded(logical_not(condition)):
            self.visit(else_value)

    def visit_LetStmt(self, let: LetStmt) -> None:
        self.visit(let.value)
        self.bind(let.var, let.value)
        self.visit(let.body)

    def visit_Let(self, let: Let) -> None:
        self.visit(let.value)
        self.bind(let.var, let.value)
        self.visit(let.body)

    def visit_Var(self, var: Var) -> None:
        if var in self.targets:
            self.opaque.add(var)

    def visit_BufferLoad(self, load: BufferLoad) -> None:
        self._record(load.buffer, load.indices)
        self.generic_visit(load)

    def visit_BufferStore(self, store: BufferStore) -> None:
        self._record(store.buffer, store.indices)
        self.generic_visit(store)

    def _record(self, buffer: Buffer, indices: tuple[PrimExpr, ...]) -> None:
        data = buffer.data
        if data not in self.targets:
            return
        scalar = [self._scalar(substitute(index, self.vmap)) for index in indices]
        if buffer is not self.targets[data] or any(index is None for index in scalar):
            self.opaque.add(data)
            return
        guard: PrimExpr = const(True)
        for condition in self.guards:
            guard = condition if _is_true(guard) else logical_and(guard, condition)
        self.found.setdefault(data, []).append(Access(tuple(scalar), guard))  # type: ignore[arg-type]

    def _scalar(self, index: PrimExpr) -> PrimExpr | None:
        """A vector index as ``base + stride * lane`` over a new lane var (None: unknown)."""
        if index.dtype.lanes == 1:
            return index
        if isinstance(index, Broadcast):
            return index.value
        if isinstance(index, Ramp):
            lane = Var("lane", index.base.dtype)
            self.ranges[lane] = Range(const(0, lane.dtype), const(index.lanes, lane.dtype))
            return add(index.base, mul(index.stride, lane))
        return None


class _Shift(IRMutator):
    """Every access to a compacted buffer uses the new buffer and ``index - offset``."""

    def __init__(self, compactions: Mapping[Var, Compaction]) -> None:
        self.compactions = compactions

    def _shift(self, buffer: Buffer, indices: Sequence[PrimExpr]) -> tuple[PrimExpr, ...]:
        offsets = self.compactions[buffer.data].offsets
        return tuple(_minus(i, o) for i, o in zip(indices, offsets, strict=True))

    def visit_BufferLoad(self, load: BufferLoad) -> PrimExpr:
        load = self.generic_visit(load)
        found = self.compactions.get(load.buffer.data)
        if found is None:
            return load
        return BufferLoad(load.dtype, found.buffer, self._shift(load.buffer, load.indices))

    def visit_BufferStore(self, store: BufferStore) -> Stmt:
        store = self.generic_visit(store)
        found = self.compactions.get(store.buffer.data)
        if found is None:
            return store
        indices = self._shift(store.buffer, store.indices)
        return BufferStore(found.buffer, store.value, indices)

    def visit_BufferRegion(self, node: BufferRegion) -> BufferRegion:
        found = self.compactions.get(node.buffer.data)
        if found is None:
            return node
        dims = zip(node.region, found.offsets, node.buffer.shape, found.buffer.shape, strict=True)
        return BufferRegion(found.buffer, tuple(_shift_range(*dim) for dim in dims))


def _shift_range(rng: Range, offset: PrimExpr | None, old: PrimExpr, new: PrimExpr) -> Range:
    """A region dimension in the compacted buffer; the whole old dimension becomes the
    whole new one."""
    if offset is None:
        return rng
    if isinstance(rng.min, IntImm) and rng.min.value == 0 and structural_equal(rng.extent, old):
        return Range(const(0, new.dtype), new)
    return Range(_minus(rng.min, offset), rng.extent)


def _minus(index: PrimExpr, offset: PrimExpr | None) -> PrimExpr:
    if offset is None or (isinstance(offset, IntImm) and offset.value == 0):
        return index
    if isinstance(index, Ramp):
        return index.replace(base=_minus(index.base, offset))
    if isinstance(index, Broadcast):
        return index.replace(value=_minus(index.value, offset))
    return simplify(sub(index, offset))
