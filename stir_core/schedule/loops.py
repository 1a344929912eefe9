"""Loop transformations: ``split``, ``fuse``, ``reorder``, ``add_unit_loop``.

Loops are rewritten in place: the new loop variables replace the old one in the iter values
(and predicates) of the block realizes below, never inside the blocks themselves.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from ..ir import (
    SPATIAL,
    Block,
    BlockRealize,
    For,
    ForKind,
    IntImm,
    IRMutator,
    PrimExpr,
    Stmt,
    Var,
    substitute,
)
from ..ir import op as ops
from .checks import check_loop_starts_with_zero, check_no_annotation, is_const, used_vars
from .errors import DependentLoopError, ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive

# ----------------------------------------------------------------------------- errors


class NotSingleInferFactorError(ScheduleError):
    """``split`` got more than one ``None`` factor."""


class NonPositiveFactorError(ScheduleError):
    """A ``split`` factor is zero or negative."""


class WrongFactorProductError(ScheduleError):
    """The product of the ``split`` factors is smaller than the loop extent."""


class NotAdjacentLoopsError(ScheduleError):
    """``fuse`` needs each loop to be the whole body of the one before it."""


class MixedIterTypeFuseError(ScheduleError):
    """``fuse`` of loops bound to spatial and to reduction iter vars of the same block."""


class EmptyLoopListError(ScheduleError):
    """``fuse``/``reorder`` were called without loops."""


class DuplicateLoopError(ScheduleError):
    """A loop appears twice in the arguments of ``reorder``."""


class LoopNotInChainError(ScheduleError):
    """The ``reorder``ed loops are not all on one path from the outermost to the innermost."""


class BlockBetweenLoopsError(ScheduleError):
    """A block, a branch or a sequence sits between loops given to ``reorder``."""


class RootBlockError(ScheduleError):
    """The root block cannot be wrapped in a loop."""


# ---------------------------------------------------------------------------- helpers


class _AppendPredicate(IRMutator):
    """Conjoin ``condition`` to the predicate of the outermost block realizes."""

    def __init__(self, condition: PrimExpr) -> None:
        self.condition = condition

    def visit_BlockRealize(self, node: BlockRealize) -> BlockRealize:
        return node.replace(predicate=ops.logical_and(node.predicate, self.condition))


def _resolve_factors(loop: For, factors: Sequence[Any]) -> list[PrimExpr]:
    """The factors as expressions, with a ``None`` factor inferred (ceil division)."""
    if sum(f is None for f in factors) > 1:
        raise NotSingleInferFactorError(f"at most one factor may be None, got {factors}", loop)
    dtype = loop.loop_var.dtype
    known = [ops.cast(dtype, ops.convert(f)) for f in factors if f is not None]
    for factor in known:
        if _const_value(factor, 1) < 1:
            raise NonPositiveFactorError(f"split factor {factor} is not positive", loop)
    product = _product(known, dtype)
    if any(f is None for f in factors):
        inferred = ops.floordiv(ops.add(loop.extent, ops.sub(product, 1)), product)
        return [inferred if f is None else known.pop(0) for f in factors]
    if _const_value(product, -1) < _const_value(loop.extent, 0):
        raise WrongFactorProductError(
            f"the product {product} of the factors is smaller than the extent "
            f"{loop.extent} of loop {loop.loop_var.name!r}",
            loop,
        )
    return known


def _const_value(expr: PrimExpr, otherwise: int) -> int:
    value = getattr(expr, "value", None)
    return value if isinstance(value, int) else otherwise


def _product(exprs: Sequence[PrimExpr], dtype: str) -> PrimExpr:
    result: PrimExpr = ops.const(1, dtype)
    for expr in exprs:
        result = ops.mul(result, expr)
    return result


def _needs_guard(extent: PrimExpr, product: PrimExpr) -> bool:
    """Whether ``product`` iterations may overshoot ``extent`` (not provably equal)."""
    if product is extent:
        return False
    return not (isinstance(product, IntImm) and isinstance(extent, IntImm)) or (
        product.value != extent.value
    )


def _linear(loop_vars: Sequence[Var], extents: Sequence[PrimExpr], keep_unit: bool) -> PrimExpr:
    """``v0 * (e1 * e2 ...) + v1 * (e2 ...) + ... + vn`` (unit loops dropped unless kept)."""
    value: PrimExpr = ops.const(0, loop_vars[0].dtype)
    for k, var in enumerate(loop_vars):
        if is_const(extents[k], 1) and not keep_unit:
            continue
        value = ops.add(value, ops.mul(var, _product(extents[k + 1 :], var.dtype)))
    return value


def _nest(loop_vars: Sequence[Var], extents: Sequence[PrimExpr], body: Stmt) -> Stmt:
    for var, extent in reversed(list(zip(loop_vars, extents, strict=True))):
        body = For(var, ops.const(0, var.dtype), extent, ForKind.SERIAL, body)
    return body


def _check_fusable(loops: Sequence[For]) -> None:
    outer_vars: set[Var] = set()
    for k, loop in enumerate(loops):
        check_no_annotation(loop)
        check_loop_starts_with_zero(loop)
        if used_vars(loop.extent) & outer_vars:
            raise DependentLoopError(
                f"the extent of loop {loop.loop_var.name!r} depends on an outer fused loop", loop
            )
        outer_vars.add(loop.loop_var)
        if k and loops[k - 1].body is not loop:
            raise NotAdjacentLoopsError(
                f"loop {loop.loop_var.name!r} is not the only statement in the body of loop "
                f"{loops[k - 1].loop_var.name!r} (fuse needs perfectly nested loops, outermost "
                "first)",
                loops[k - 1],
                loop,
            )


def _check_same_iter_type(state: ScheduleState, handle: LoopRV, loops: Sequence[For]) -> None:
    """No block below binds one fused loop to a spatial and another to a reduction iter var."""
    loop_vars = {loop.loop_var for loop in loops}
    for realize in state.index_of(handle).realizes_below(loops[-1].body):
        kinds = {
            iv.iter_type is SPATIAL
            for iv, value in zip(realize.block.iter_vars, realize.iter_values, strict=True)
            if used_vars(value) & loop_vars
        }
        if len(kinds) > 1:
            raise MixedIterTypeFuseError(
                f"block {realize.block.name_hint!r} binds these loops to both spatial and "
                "reduction iter vars",
                *loops,
                realize.block,
            )


def _fused_values(loops: Sequence[For], fused: Var, keep_unit: bool) -> dict[Var, PrimExpr]:
    """Each original loop var as ``fused // (inner extents) % extent``."""
    values: dict[Var, PrimExpr] = {}
    stride: PrimExpr = ops.const(1, fused.dtype)
    for k in range(len(loops) - 1, -1, -1):
        loop = loops[k]
        if is_const(loop.extent, 1) and not keep_unit:
            values[loop.loop_var] = ops.const(0, fused.dtype)
            continue
        value = ops.floordiv(fused, stride)
        values[loop.loop_var] = value if k == 0 else ops.floormod(value, loop.extent)
        stride = ops.mul(stride, loop.extent)
    return values


def _chain(state: ScheduleState, handles: Sequence[LoopRV]) -> tuple[list[For], list[For]]:
    """(the given loops outermost first, every loop on the path from the top to the bottom)."""
    loops = [state.get_loop(h) for h in handles]
    if not loops:
        raise EmptyLoopListError("reorder needs at least one loop")
    index = state.index_of(handles[0])
    for k, loop in enumerate(loops):
        if any(other is loop for other in loops[:k]):
            raise DuplicateLoopError(f"loop {loop.loop_var.name!r} is given twice", loop)
    by_depth = sorted(loops, key=lambda loop: len(index.loops_above(loop)))
    for upper, lower in itertools.pairwise(by_depth):
        if not index.is_ancestor(upper, lower):
            raise LoopNotInChainError(
                f"loops {upper.loop_var.name!r} and {lower.loop_var.name!r} are not nested "
                "in one another",
                upper,
                lower,
            )
    path: list[For] = [by_depth[-1]]
    for parent in index.ancestors(by_depth[-1]):
        if path[-1] is by_depth[0]:
            break
        if not isinstance(parent, For):
            marked = parent if isinstance(parent, Block) else path[-1]
            raise BlockBetweenLoopsError(
                f"a {type(parent).__name__} sits between loop {by_depth[0].loop_var.name!r} "
                f"and loop {by_depth[-1].loop_var.name!r}",
                marked,
            )
        path.append(parent)
    return by_depth, path[::-1]


def _check_reorder_dependences(path: Sequence[For], new_path: Sequence[For]) -> None:
    path_vars = {loop.loop_var for loop in path}
    for depth, loop in enumerate(new_path):
        inner = {other.loop_var for other in new_path[depth:]}
        used = (used_vars(loop.min) | used_vars(loop.extent)) & path_vars
        if used & inner:
            raise DependentLoopError(
                f"the range of loop {loop.loop_var.name!r} depends on a loop that would be "
                "moved inside it",
                loop,
            )


# --------------------------------------------------------------------------- primitives


@primitive
def split(
    state: ScheduleState,
    loop: LoopRV,
    factors: Sequence[int | PrimExpr | None],
    preserve_unit_iters: bool = True,
) -> list[LoopRV]:
    """Split ``loop`` into ``len(factors)`` nested loops (one factor may be ``None``: inferred).

    When the factors do not divide the extent, the block realizes below get the predicate
    ``T.where(fused index < extent)``. With ``preserve_unit_iters=False`` loops of extent 1
    do not appear in the iter values.

    Before, and after ``sch.split(i, factors=[None, 32])`` on a loop of extent 100::

        for i in range(100):
            with T.block("B"):
                vi = T.axis.spatial(100, i)
        # ->
        for i_0, i_1 in T.grid(4, 32):
            with T.block("B"):
                vi = T.axis.spatial(100, i_0 * 32 + i_1)
                T.where(i_0 * 32 + i_1 < 100)

    Raises NotSingleInferFactorError, NonPositiveFactorError, WrongFactorProductError,
    LoopNotStartWithZeroError, HasAnnotationOrThreadBindingError.
    """
    # Step 1. Check the loop and the factors.
    node = state.get_loop(loop)
    check_no_annotation(node)
    check_loop_starts_with_zero(node)
    extents = _resolve_factors(node, factors)
    # Step 2. Build the nest: substitute the old loop var, guard the tail.
    name = node.loop_var.name
    new_vars = [Var(f"{name}_{k}", node.loop_var.dtype) for k in range(len(extents))]
    value = _linear(new_vars, extents, preserve_unit_iters)
    body = substitute(node.body, {node.loop_var: value})
    if _needs_guard(node.extent, _product(extents, node.loop_var.dtype)):
        body = _AppendPredicate(ops.less(value, node.extent)).visit(body)
    # Step 3. Replace.
    new_loop = _nest(new_vars, extents, body)
    state.replace(node, new_loop)
    func_name = loop.func_name
    return [state.loop_rv(state.index(func_name).loops[v], func_name) for v in new_vars]


@primitive
def fuse(state: ScheduleState, *loops: LoopRV, preserve_unit_iters: bool = True) -> LoopRV:
    """Fuse perfectly nested ``loops`` (outermost first, each the body of the previous one).

    Before, and after ``sch.fuse(i, j)``::

        for i, j in T.grid(128, 64):
            with T.block("B"):
                vi, vj = T.axis.remap("SS", [i, j])
        # ->
        for i_j_fused in range(8192):
            with T.block("B"):
                vi = T.axis.spatial(128, i_j_fused // 64)
                vj = T.axis.spatial(64, i_j_fused % 64)

    Raises EmptyLoopListError, NotAdjacentLoopsError, DependentLoopError, MixedIterTypeFuseError,
    LoopNotStartWithZeroError, HasAnnotationOrThreadBindingError.
    """
    # Step 1. Check that the loops form a perfect nest.
    if not loops:
        raise EmptyLoopListError("fuse needs at least one loop")
    nodes = [state.get_loop(h) for h in loops]
    _check_fusable(nodes)
    _check_same_iter_type(state, loops[0], nodes)
    # Step 2. Build the fused loop.
    dtype = nodes[0].loop_var.dtype
    fused = Var("_".join(n.loop_var.name for n in nodes) + "_fused", dtype)
    values = _fused_values(nodes, fused, preserve_unit_iters)
    extent = _product([n.extent for n in nodes], dtype)
    new_loop = For(
        fused, ops.const(0, dtype), extent, ForKind.SERIAL, substitute(nodes[-1].body, values)
    )
    # Step 3. Replace.
    state.replace(nodes[0], new_loop)
    return state.loop_rv(new_loop, loops[0].func_name)


@primitive
def reorder(state: ScheduleState, *ordered_loops: LoopRV) -> None:
    """Reorder loops of one chain: the given loops take, in the given order, the places
    they held (loops of the chain not given stay where they are).

    Before, and after ``sch.reorder(k, i)``::

        for i, j, k in T.grid(128, 128, 128):        for k, j, i in T.grid(128, 128, 128):
            with T.block("C"): ...                       with T.block("C"): ...

    Raises EmptyLoopListError, DuplicateLoopError, LoopNotInChainError,
    BlockBetweenLoopsError, DependentLoopError.
    """
    # Step 1. Check that the loops are on one path with only loops between them.
    by_depth, path = _chain(state, ordered_loops)
    given = [state.get_loop(h) for h in ordered_loops]
    slot_of = {id(loop): given[k] for k, loop in enumerate(by_depth)}
    new_path = [slot_of.get(id(loop), loop) for loop in path]
    _check_reorder_dependences(path, new_path)
    # Step 2. Rebuild the chain from the innermost body outwards.
    body: Stmt = path[-1].body
    for loop in reversed(new_path):
        body = loop.replace(body=body)
    # Step 3. Replace.
    state.replace(path[0], body)


@primitive
def add_unit_loop(state: ScheduleState, block_or_loop: BlockRV | LoopRV) -> LoopRV:
    """Wrap a block (its realize) or a loop in a new loop ``u`` of extent 1.

    Before, and after ``sch.add_unit_loop(block)``::

        with T.block("B"): ...                       for u in range(1):
                                                         with T.block("B"): ...

    Raises RootBlockError.
    """
    # Step 1. Find the statement to wrap.
    node = state.get(block_or_loop)
    index = state.index_of(block_or_loop)
    if node is index.root:
        raise RootBlockError("the root block cannot be wrapped in a loop", node)
    target = index.realize[node] if not isinstance(node, For) else node
    # Step 2. Build, Step 3. replace.
    loop = For(Var("u"), ops.const(0), ops.const(1), ForKind.SERIAL, target)
    state.replace(target, loop)
    return state.loop_rv(loop, block_or_loop.func_name)
