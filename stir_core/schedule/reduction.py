"""Reductions: ``decompose_reduction`` (the init as its own block) and ``rfactor`` (a
reduction split into a partial reduction over a new buffer axis and a write-back block).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir import (
    And,
    Block,
    BlockRealize,
    BufferLoad,
    BufferRegion,
    BufferStore,
    For,
    IterType,
    IterVar,
    PrimExpr,
    Range,
    Stmt,
    Var,
    buffer_store,
    decl_buffer,
    realize,
    seq,
    structural_equal,
    substitute,
)
from ..ir import op as ops
from .checks import check_single_write, used_vars
from .compute_at import LoopPositionError
from .errors import ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive
from .storage import allocate_in
from .tree import TreeIndex

# ----------------------------------------------------------------------------- errors


class NotReductionBlockError(ScheduleError):
    """The block has no ``init`` (it is not a reduction block)."""


class LoopHeightError(ScheduleError):
    """``decompose_reduction``: a loop above ``loop`` is bound to a reduction iter var."""


class NotSingleChildBlockError(ScheduleError):
    """``rfactor``: the loops around the block hold other statements or blocks."""


class NotReductionLoopError(ScheduleError):
    """``rfactor``: the loop is not bound to a reduction iter var only."""


class ReducerPatternError(ScheduleError):
    """``rfactor``: the body is not ``B[i] = B[i] op x`` with ``op`` one of ``+ * min max``."""


class FactorAxisOutOfRangeError(ScheduleError):
    """``rfactor``: ``factor_axis`` is not in ``[-(ndim + 1), ndim]``."""


# ---------------------------------------------------------------------------- helpers


def conjuncts(predicate: PrimExpr) -> list[PrimExpr]:
    """The terms of ``a and b and ...`` (a constant ``True`` has none)."""
    if isinstance(predicate, And):
        return conjuncts(predicate.a) + conjuncts(predicate.b)
    if predicate.dtype.is_bool and getattr(predicate, "value", None) == 1:
        return []
    return [predicate]


def keep_terms(predicate: PrimExpr, allowed: set[Var], vmap: dict[Var, Var]) -> PrimExpr:
    """The terms of ``predicate`` over ``allowed`` loop vars (and outer ones), renamed."""
    result: PrimExpr = ops.const(True)
    for term in conjuncts(predicate):
        if used_vars(term) <= allowed:
            term = substitute(term, vmap)
            result = term if getattr(result, "value", None) == 1 else ops.logical_and(result, term)
    return result


def _copy_var(var: Var, suffix: str = "") -> Var:
    return Var(var.name + suffix, var.dtype)


def _nest(loops: Sequence[For], vmap: dict[Var, Var], body: Stmt) -> Stmt:
    for loop in reversed(loops):
        body = loop.replace(loop_var=vmap.get(loop.loop_var, loop.loop_var), body=body)
    return body


def _init_block(block: Block, realize_node: BlockRealize) -> tuple[Block, list[PrimExpr]]:
    """The init as a block over copies of the spatial iter vars, and its iter values."""
    vmap: dict[Var, Var] = {}
    ivs, values = [], []
    for iv, value in zip(block.iter_vars, realize_node.iter_values, strict=True):
        if iv.iter_type is IterType.DATA_PAR:
            vmap[iv.var] = _copy_var(iv.var)
            ivs.append(iv.replace(var=vmap[iv.var]))
            values.append(value)
    writes = tuple(substitute(w, vmap) for w in block.writes)
    body = substitute(block.init, vmap)
    init = Block(
        block.name_hint + "_init", tuple(ivs), (), writes, body, None, (), block.annotations
    )
    return init, values


_COMBINERS = {"Add": ops.add, "Mul": ops.mul, "Min": ops.minimum, "Max": ops.maximum}


def _identity(kind: str, dtype: str) -> PrimExpr:
    from_dtype = {"Add": 0, "Mul": 1}
    if kind in from_dtype:
        return ops.const(from_dtype[kind], dtype)
    limit = ops.const(0, dtype).dtype
    return ops.const(limit.max_value() if kind == "Min" else limit.min_value(), dtype)


def _reducer(block: Block) -> tuple[BufferStore, str, PrimExpr]:
    """``(store, combiner name, rhs)`` of the body ``B[i] = B[i] op rhs``."""
    body = block.body
    value = getattr(body, "value", None)
    kind = type(value).__name__
    ok = isinstance(body, BufferStore) and kind in _COMBINERS and block.init is not None
    if ok:
        lhs = value.a  # type: ignore[union-attr]
        ok = (
            isinstance(lhs, BufferLoad)
            and lhs.buffer is body.buffer
            and structural_equal(lhs.indices, body.indices)
        )
    if not ok:
        raise ReducerPatternError(
            f"the body of block {block.name_hint!r} is not B[...] = B[...] op x with op one of "
            "+, *, min, max (and an init)",
            block,
        )
    assert isinstance(body, BufferStore)
    return body, kind, value.b  # type: ignore[union-attr]


def _perfect_chain(index: TreeIndex, loop: For) -> tuple[BlockRealize, list[For]]:
    """The only block under ``loop`` and its loops in the scope, a perfect nest."""
    found = index.realizes_below(loop.body)
    if len(found) != 1:
        raise NotSingleChildBlockError(
            f"loop {loop.loop_var.name!r} holds {len(found)} blocks; rfactor needs one", loop
        )
    node = found[0]
    loops = index.loops_above(node.block)
    chain = [*loops[1:], node]
    if any(outer.body is not inner for outer, inner in zip(loops, chain, strict=True)):
        raise NotSingleChildBlockError(
            f"the loops around block {node.block.name_hint!r} are not a perfect nest", loop
        )
    return node, loops


def _loop_kinds(node: BlockRealize, loops: Sequence[For], rf_loop: For) -> set[Var]:
    """The loop vars bound to reduction iter vars (checks the rfactor loop is one of them
    and no loop is bound to both kinds)."""
    spatial: set[Var] = set()
    reduce: set[Var] = set()
    for iv, value in zip(node.block.iter_vars, node.iter_values, strict=True):
        (reduce if iv.iter_type is IterType.COMM_REDUCE else spatial).update(used_vars(value))
    loop_vars = {loop.loop_var for loop in loops}
    if (
        rf_loop.loop_var not in reduce
        or rf_loop.loop_var in spatial
        or reduce & spatial & loop_vars
    ):
        raise NotReductionLoopError(
            f"loop {rf_loop.loop_var.name!r} must be bound to reduction iter vars only (and no "
            "loop to both kinds)",
            rf_loop,
        )
    return reduce & loop_vars


class _RFactor:
    """Builds the rfactor block, its buffer and the write-back block (TVM's semantics)."""

    def __init__(self, node: BlockRealize, loops: list[For], rf_loop: For, axis: int) -> None:
        self.node, self.block, self.loops, self.rf_loop = node, node.block, loops, rf_loop
        self.store, self.kind, self.rhs = _reducer(self.block)
        buffer = self.store.buffer
        shape = list(buffer.shape)
        shape.insert(axis, rf_loop.extent)
        self.rf_buffer = decl_buffer(shape, buffer.dtype, buffer.name + "_rf", buffer.scope)
        self.axis = axis
        self.loop_copies = {lp.loop_var: _copy_var(lp.loop_var) for lp in loops}

    def _rf_iters(self) -> tuple[list[IterVar], list[PrimExpr], dict[Var, PrimExpr], Var]:
        rf = self.rf_loop
        extra = IterVar(Var("v" + rf.loop_var.name), Range(rf.min, rf.extent), IterType.DATA_PAR)
        by_loop: dict[Var, Var] = {rf.loop_var: extra.var}
        ivs, values, vmap = [extra], [rf.loop_var], {}
        for iv, value in zip(self.block.iter_vars, self.node.iter_values, strict=True):
            if iv.iter_type is IterType.DATA_PAR or rf.loop_var not in used_vars(value):
                ivs.append(iv)
                values.append(value)
                continue
            for loop in self.loops:
                if loop.loop_var in used_vars(value) and loop.loop_var not in by_loop:
                    new = IterVar(
                        Var("v" + loop.loop_var.name),
                        Range(loop.min, loop.extent),
                        IterType.COMM_REDUCE,
                    )
                    by_loop[loop.loop_var] = new.var
                    ivs.append(new)
                    values.append(loop.loop_var)
            vmap[iv.var] = substitute(value, by_loop)
        return ivs, values, vmap, extra.var

    def rf_nest(self) -> tuple[Stmt, Block]:
        ivs, values, vmap, extra = self._rf_iters()
        indices = [substitute(i, vmap) for i in self.store.indices]
        indices.insert(self.axis, extra)
        point = self.rf_buffer.vload(indices)
        rhs = substitute(self.rhs, vmap)
        identity = _identity(self.kind, self.rf_buffer.dtype)
        region = BufferRegion(
            self.rf_buffer, tuple(Range(i, ops.const(1, i.dtype)) for i in indices)
        )
        reads = [substitute(r, vmap) for r in self.block.reads if r.buffer is not self.store.buffer]
        if any(iv.iter_type is IterType.COMM_REDUCE for iv in ivs):
            body = buffer_store(self.rf_buffer, _COMBINERS[self.kind](point, rhs), indices)
            init: BufferStore | None = buffer_store(self.rf_buffer, identity, indices)
            reads.insert(0, region)
        else:  # the rfactor loop was the whole reduction: one term per element, no init
            body = buffer_store(self.rf_buffer, _COMBINERS[self.kind](identity, rhs), indices)
            init = None
        block = Block(
            self.block.name_hint + "_rf",
            tuple(ivs),
            tuple(reads),
            (region,),
            body,
            init,
            (),
            self.block.annotations,
        )
        values = [substitute(v, self.loop_copies) for v in values]
        predicate = substitute(self.node.predicate, self.loop_copies)
        return _nest(self.loops, self.loop_copies, realize(block, tuple(values), predicate)), block

    def write_back(self, reduce_loops: set[Var]) -> tuple[Stmt, Block]:
        rf = self.rf_loop
        extra = IterVar(Var("v" + rf.loop_var.name), Range(rf.min, rf.extent), IterType.COMM_REDUCE)
        ivs, values, vmap = [extra], [rf.loop_var], {}
        for iv, value in zip(self.block.iter_vars, self.node.iter_values, strict=True):
            if iv.iter_type is IterType.DATA_PAR:
                vmap[iv.var] = _copy_var(iv.var)
                ivs.append(iv.replace(var=vmap[iv.var]))
                values.append(value)
        indices = [substitute(i, vmap) for i in self.store.indices]
        rf_indices = list(indices)
        rf_indices.insert(self.axis, extra.var)
        buffer = self.store.buffer
        body = buffer_store(
            buffer,
            _COMBINERS[self.kind](buffer.vload(indices), self.rf_buffer.vload(rf_indices)),
            indices,
        )
        point = BufferRegion(buffer, tuple(Range(i, ops.const(1, i.dtype)) for i in indices))
        rf_point = BufferRegion(
            self.rf_buffer, tuple(Range(i, ops.const(1, i.dtype)) for i in rf_indices)
        )
        block = Block(
            self.block.name_hint,
            tuple(ivs),
            (point, rf_point),
            (point,),
            body,
            substitute(self.block.init, vmap),
            (),
            self.block.annotations,
        )
        kept = [lp for lp in self.loops if lp is rf or lp.loop_var not in reduce_loops]
        kept_vars = {lp.loop_var for lp in kept}
        dropped = {lp.loop_var for lp in self.loops} - kept_vars
        allowed = used_vars(self.node.predicate) - dropped
        predicate = keep_terms(self.node.predicate, allowed, {})
        return _nest(kept, {}, realize(block, tuple(values), predicate)), block


# --------------------------------------------------------------------------- primitives


@primitive
def decompose_reduction(state: ScheduleState, block: BlockRV, loop: LoopRV) -> BlockRV:
    """Move the init of a reduction block into its own block ``<name>_init`` placed right
    before ``loop``, under copies (``<loop>_init``) of the loops below ``loop`` that its
    spatial iter values use; returns the init block.

    Before, and after ``sch.decompose_reduction(sch.get_block("C"), k)``::

        for i, j, k in T.grid(128, 128, 128):        for i, j in T.grid(128, 128):
            with T.block("C"):                           with T.block("C_init"):
                vi, vj, vk = T.axis.remap(...)               vi, vj = T.axis.remap("SS", [i, j])
                with T.init():                               C[vi, vj] = T.float32(0.0)
                    C[vi, vj] = T.float32(0.0)           for k in range(128):
                C[vi, vj] = C[vi, vj] + ...                  with T.block("C"): ...  # no init

    Raises LoopPositionError, NotReductionBlockError, LoopHeightError.
    """
    # Step 1. Check: a reduction block, ``loop`` above it and above every reduction loop.
    node, target = state.get_block(block), state.get_loop(loop)
    index = state.index_of(block)
    loops = index.loops_above(node)
    if not any(lp is target for lp in loops):
        raise LoopPositionError(
            f"loop {target.loop_var.name!r} is not above block {node.name_hint!r}", target, node
        )
    if node.init is None:
        raise NotReductionBlockError(f"block {node.name_hint!r} has no init", node)
    below = loops[[lp is target for lp in loops].index(True) :]
    realize_node = index.realize[node]
    above = {lp.loop_var for lp in loops} - {lp.loop_var for lp in below}
    for iv, value in zip(node.iter_vars, realize_node.iter_values, strict=True):
        if iv.iter_type is IterType.COMM_REDUCE and used_vars(value) & above:
            raise LoopHeightError(
                f"a loop above {target.loop_var.name!r} is bound to the reduction iter var "
                f"{iv.var.name} of block {node.name_hint!r}",
                target,
                node,
            )
    # Step 2. Build the init block under copies of the loops its iter values use.
    init, values = _init_block(node, realize_node)
    used = set().union(*(used_vars(v) for v in values))
    chosen = [lp for lp in below if lp.loop_var in used]
    vmap = {lp.loop_var: _copy_var(lp.loop_var, "_init") for lp in chosen}
    allowed = above | {lp.loop_var for lp in chosen}
    predicate = keep_terms(realize_node.predicate, allowed, vmap)
    values = [substitute(v, vmap) for v in values]
    init_nest = _nest(chosen, vmap, realize(init, tuple(values), predicate))
    # Step 3. Replace: the block without init, then the init nest before the loop.
    update = node.replace(init=None)
    state.replace(node, update, {node: update})
    current = state.index_of(loop).loops[target.loop_var]
    state.replace(current, seq([init_nest, current]))
    return state.block_rv(init, block.func_name)


@primitive
def rfactor(state: ScheduleState, loop: LoopRV, factor_axis: int) -> BlockRV:
    """Factor a reduction over ``loop``: a block ``<name>_rf`` reduces into a new buffer
    ``<buffer>_rf`` with an extra axis (at ``factor_axis``) indexed by ``loop``, and the
    block (keeping its name) reduces that axis; returns the rfactor block.

    Before, and after ``sch.rfactor(k1, 0)`` (``k`` split into ``k0, k1``)::

        for i, k0, k1 in T.grid(128, 4, 32):         for i, k0, k1 in T.grid(128, 4, 32):
            with T.block("B"):                           with T.block("B_rf"):
                vi = T.axis.spatial(128, i)                  vk1, vi = T.axis.remap("SS", [k1, i])
                vk = T.axis.reduce(128, k0 * 32 + k1)        vk0 = T.axis.reduce(4, k0)
                with T.init():                               with T.init():
                    B[vi] = T.float32(0.0)                       B_rf[vk1, vi] = T.float32(0.0)
                B[vi] = B[vi] + A[vi, vk]                    B_rf[vk1, vi] += A[vi, vk0*32 + vk1]
                                                     for i, k1 in T.grid(128, 32):
                                                         with T.block("B"):
                                                             vk1, vi = T.axis.remap("RS", [k1, i])
                                                             with T.init(): B[vi] = T.float32(0.0)
                                                             B[vi] = B[vi] + B_rf[vk1, vi]

    Raises NotSingleChildBlockError, NotReductionBlockError, NotSingleWriteBlockError,
    NotReductionLoopError, ReducerPatternError, FactorAxisOutOfRangeError.
    """
    # Step 1. Check: one block in a perfect nest, a reducer body, a reduction loop.
    target = state.get_loop(loop)
    index = state.index_of(loop)
    node, loops = _perfect_chain(index, target)
    block = node.block
    if block.init is None:
        raise NotReductionBlockError(f"block {block.name_hint!r} has no init", block)
    check_single_write(block)
    reduce_loops = _loop_kinds(node, loops, target)
    ndim = block.writes[0].buffer.ndim
    if not -(ndim + 1) <= factor_axis <= ndim:
        raise FactorAxisOutOfRangeError(
            f"factor_axis {factor_axis} is out of range [{-(ndim + 1)}, {ndim}] for buffer "
            f"{block.writes[0].buffer.name}",
            target,
        )
    # Step 2. Build the rfactor nest and the write-back nest.
    builder = _RFactor(node, loops, target, factor_axis % (ndim + 1))
    rf_nest, rf_block = builder.rf_nest()
    wb_nest, wb_block = builder.write_back(reduce_loops)
    # Step 3. Replace the nest by both, allocate the rfactor buffer in the scope.
    scope_rv = state.block_rv(index.scope_of(block), loop.func_name)
    state.replace(loops[0], seq([rf_nest, wb_nest]), {block: wb_block})
    allocate_in(state, state.get_block(scope_rv), builder.rf_buffer)
    del state.blocks[scope_rv]
    return state.block_rv(rf_block, loop.func_name)
