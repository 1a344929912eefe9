"""Blocks of blocks: ``blockize`` (a loop nest becomes an outer block) and ``tensorize`` (a
blockized nest matching an intrinsic's description is replaced by its implementation).

An intrinsic (``TensorIntrin.register(name, desc, impl)``) is a pair of S-TIR PrimFuncs
with the same buffer parameters: ``desc`` says what is computed (loops and a block over
its buffers, compared with ``structural_equal(..., map_free_vars=True)`` after the matched
sub-tree is rebased to offset 0), ``impl`` how (loops and stores, no blocks), run on the
actual buffers at the matched regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..arith import Domain, bound, linearize, render, simplify
from ..arith import region as arith_region
from ..ir import (
    Block,
    BlockRealize,
    Buffer,
    BufferRegion,
    For,
    IRMutator,
    IRVisitor,
    IterVar,
    PrimExpr,
    PrimFunc,
    Range,
    Stmt,
    Var,
    decl_buffer,
    structural_equal,
    substitute,
)
from ..ir import op as ops
from .checks import used_vars
from .errors import ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive
from .regions import corner_accesses, loop_ranges
from .storage import BufferReplacer

# ----------------------------------------------------------------------------- errors


class BlockizeError(ScheduleError):
    """The loop does not hold exactly one block in a perfect nest, an iter value mixes
    inner and outer loops inseparably, or the predicate does."""


class TensorIntrinError(ScheduleError):
    """An intrinsic is unknown, registered twice, or its functions do not fit together."""


class TensorizeMismatchError(ScheduleError):
    """The block's sub-tree does not match the intrinsic's description."""


# -------------------------------------------------------------------------- registry


def _root_block(func: PrimFunc, what: str) -> Block:
    if not isinstance(func, PrimFunc) or not isinstance(func.body, BlockRealize):
        raise TensorIntrinError(f"the {what} of a tensor intrinsic must be an S-TIR PrimFunc")
    return func.body.block


class _HasBlock(IRVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        self.found = True


@dataclass(frozen=True)
class TensorIntrin:
    """A registered tensor intrinsic: description and implementation PrimFuncs."""

    desc: PrimFunc
    impl: PrimFunc
    _registry: ClassVar[dict[str, TensorIntrin]] = {}

    @staticmethod
    def register(
        name: str, desc_func: PrimFunc, impl_func: PrimFunc, override: bool = False
    ) -> None:
        """Register ``name``; the buffer parameters of both functions must agree."""
        _root_block(desc_func, "description")
        impl_root = _root_block(impl_func, "implementation")
        finder = _HasBlock()
        finder.visit(impl_root.body)
        same = [
            (a.dtype, len(a.shape)) == (b.dtype, len(b.shape))
            for a, b in zip(desc_func.buffer_params, impl_func.buffer_params, strict=False)
        ]
        if finder.found or len(desc_func.params) != len(impl_func.params) or not all(same):
            raise TensorIntrinError(
                f"tensor intrinsic {name!r}: the implementation must take the description's "
                "buffers (same dtypes and ranks) and contain loops and stores only, no blocks"
            )
        if name in TensorIntrin._registry and not override:
            raise TensorIntrinError(f"tensor intrinsic {name!r} is already registered")
        TensorIntrin._registry[name] = TensorIntrin(desc_func, impl_func)

    @staticmethod
    def get(name: str) -> TensorIntrin:
        found = TensorIntrin._registry.get(name)
        if found is None:
            known = ", ".join(sorted(TensorIntrin._registry)) or "none"
            raise TensorIntrinError(f"no tensor intrinsic named {name!r} (known: {known})")
        return found


# --------------------------------------------------------------------------- blockize


def split_value(value: PrimExpr, inner: set[Var]) -> tuple[PrimExpr, PrimExpr] | None:
    """``value = outer + inner_part`` with ``outer`` free of ``inner`` loop vars and
    ``inner_part`` using only them (``None``: some term mixes both)."""
    lin = linearize(value)
    outer_terms: dict[object, tuple[PrimExpr, int]] = {}
    inner_terms: dict[object, tuple[PrimExpr, int]] = {}
    for key, atom, coef in lin.items():
        uses = used_vars(atom)
        if uses & inner and uses - inner:
            return None
        (inner_terms if uses & inner else outer_terms)[key] = (atom, coef)
    lin_type = type(lin)
    return (
        render(lin_type(outer_terms, lin.const), value.dtype),
        render(lin_type(inner_terms, 0), value.dtype),
    )


def _single_nest(state: ScheduleState, loop: LoopRV) -> tuple[For, list[For], BlockRealize]:
    top = state.get_loop(loop)
    chain, node = [top], top.body
    while isinstance(node, For):
        chain.append(node)
        node = node.body
    if not isinstance(node, BlockRealize):
        raise BlockizeError(
            f"loop {top.loop_var.name!r} must hold one block in a perfect loop nest", top
        )
    return top, chain, node


def _outer_iter(
    iv: IterVar, outer: PrimExpr, part: PrimExpr, inner: dict[Var, Range], outer_dom: dict
) -> tuple[IterVar | None, PrimExpr, PrimExpr]:
    """(outer iter var or None, its value, the inner iter value in terms of it)."""
    if not used_vars(outer) and getattr(outer, "value", None) == 0:
        return None, outer, part
    vo = Var(iv.var.name + "_o", iv.var.dtype)
    high = bound(part, inner).max if used_vars(part) else ops.const(0, part.dtype)
    size = simplify(ops.add(high, 1))
    lin = linearize(outer)
    divides = (
        isinstance(size, type(iv.dom.extent))
        and getattr(size, "value", 0) > 0
        and all(c % size.value == 0 for _, _, c in lin.items())  # type: ignore[attr-defined]
        and lin.const % size.value == 0  # type: ignore[attr-defined]
        and getattr(iv.dom.extent, "value", 1) % size.value == 0  # type: ignore[attr-defined]
        and getattr(iv.dom.min, "value", 1) == 0
    )
    if divides:
        dom = Range(ops.const(0, vo.dtype), simplify(ops.floordiv(iv.dom.extent, size)))
        value = simplify(ops.floordiv(outer, size), outer_dom)
        return IterVar(vo, dom, iv.iter_type), value, ops.add(ops.mul(vo, size), part)
    low_high = bound(outer, outer_dom)
    dom = Range(low_high.min, simplify(ops.add(ops.sub(low_high.max, low_high.min), 1)))
    return IterVar(vo, dom, iv.iter_type), outer, ops.add(vo, part)


def _relaxed(regions: tuple[BufferRegion, ...], vmap: dict, inner: dict) -> tuple:
    """Each region with the inner iter vars replaced and the inner loops relaxed."""
    result = []
    for region in regions:
        moved = substitute(region, vmap)
        hull = arith_region(corner_accesses([moved], moved.buffer), Domain(inner))
        ranges = hull.clamp(BufferRegion.full(region.buffer).region).ranges
        result.append(BufferRegion(region.buffer, ranges))
    return tuple(result)


def blockize_nest(state: ScheduleState, loop: LoopRV) -> tuple[For, Block]:
    """The outer block for ``loop`` (shared by ``blockize`` and ``tensorize``)."""
    top, chain, node = _single_nest(state, loop)
    inner = loop_ranges(chain)
    index = state.index_of(loop)
    outer_dom = loop_ranges(index.loops_above(top))
    ivs, values, inner_values, vmap = [], [], [], {}
    for iv, value in zip(node.block.iter_vars, node.iter_values, strict=True):
        parts = split_value(value, set(inner))
        if parts is None:
            raise BlockizeError(
                f"iter value {value} of block {node.block.name_hint!r} mixes loops inside and "
                f"outside {top.loop_var.name!r}",
                top,
            )
        out_iv, out_value, in_value = _outer_iter(iv, *parts, inner, outer_dom)
        if out_iv is not None:
            ivs.append(out_iv)
            values.append(out_value)
        inner_values.append(in_value)
        vmap[iv.var] = in_value
    if used_vars(node.predicate) - set(inner):
        raise BlockizeError(
            f"the predicate of block {node.block.name_hint!r} uses loops outside "
            f"{top.loop_var.name!r}",
            top,
        )
    body = node.replace(iter_values=tuple(inner_values))
    for lp in reversed(chain):
        body = lp.replace(body=body)
    reads = _relaxed(node.block.reads, vmap, inner)
    writes = _relaxed(node.block.writes, vmap, inner)
    outer = Block(node.block.name_hint + "_o", tuple(ivs), reads, writes, body)
    return top, BlockRealize(tuple(values), ops.const(True), outer)  # type: ignore[return-value]


@primitive
def blockize(state: ScheduleState, loop: LoopRV) -> BlockRV:
    """Make the loop nest under ``loop`` (one block) the body of a new outer block
    ``<name>_o``, whose iter vars are the parts of the iter values outside the nest.

    Before, and after ``sch.blockize(i1)`` (``i`` split into ``i0, i1`` by 16)::

        for i0, i1 in T.grid(8, 16):                 for i0 in range(8):
            with T.block("B"):                           with T.block("B_o"):
                vi = T.axis.spatial(128, i0 * 16 + i1)       vi_o = T.axis.spatial(8, i0)
                B[vi] = A[vi] * 2.0                          T.reads(A[vi_o * 16 : vi_o * 16 + 16])
                                                             for i1 in range(16):
                                                                 with T.block("B"):
                                                                     vi = T.axis.S(128, vi_o*16+i1)
                                                                     B[vi] = A[vi] * 2.0

    Raises BlockizeError.
    """
    # Step 1. Check and Step 2. build (blockize_nest), Step 3. replace.
    top, outer = blockize_nest(state, loop)
    state.replace(top, outer)
    return state.block_rv(outer.block, loop.func_name)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------- tensorize


class _FreshLoops(IRMutator):
    """A copy with new loop variables (an implementation may be used many times)."""

    def visit_For(self, loop: For) -> For:
        new_var = Var(loop.loop_var.name, loop.loop_var.dtype)
        body = substitute(self.visit(loop.body), {loop.loop_var: new_var})
        return loop.replace(loop_var=new_var, body=body, min=self.visit(loop.min))


class _Anonymous(IRMutator):
    """Blocks without names and declared regions (derived data: only the computation
    takes part in matching)."""

    def visit_Block(self, block: Block) -> Block:
        new = self.generic_visit(block)
        return new.replace(name_hint="", reads=(), writes=())  # type: ignore[attr-defined]


class _BufferOrder(IRVisitor):
    def __init__(self) -> None:
        self.order: list[Buffer] = []

    def visit_Buffer(self, buffer: Buffer) -> None:
        if all(b is not buffer for b in self.order):
            self.order.append(buffer)


def _views(regions: tuple[BufferRegion, ...]) -> dict[Buffer, tuple[Buffer, tuple]]:
    """Per buffer: a canonical view of the region's shape, and the region's minimum."""
    views: dict[Buffer, tuple[Buffer, tuple]] = {}
    for region in regions:
        if region.buffer not in views:
            shape = [r.extent for r in region.region]
            view = decl_buffer(shape, region.buffer.dtype, region.buffer.name)
            views[region.buffer] = (view, tuple(r.min for r in region.region))
    return views


def _rebased(stmt: Stmt, views: dict[Buffer, tuple[Buffer, tuple]], sign: int) -> Stmt:
    """``stmt`` with each buffer replaced by its view, indices shifted by ``sign * min``."""

    def shift(old: Buffer, indices: tuple) -> tuple:
        mins = views[old][1]
        return tuple(
            simplify(ops.add(i, ops.mul(m, sign))) for i, m in zip(indices, mins, strict=True)
        )

    def region(old: Buffer, node: BufferRegion) -> BufferRegion:
        mins = shift(old, tuple(r.min for r in node.region))
        return node.replace(
            region=tuple(Range(m, r.extent) for m, r in zip(mins, node.region, strict=True))
        )

    mapping = {old: view for old, (view, _) in views.items()}
    return BufferReplacer(mapping, shift, region).visit(stmt)


def _local_inner(realize_node: BlockRealize, outer: Block, loops: dict) -> BlockRealize:
    """The inner block with iter vars over the nest only: ``v -> outer part + v'``."""
    mine = {iv.var for iv in outer.iter_vars}
    vmap, ivs, values = {}, [], []
    for iv, value in zip(realize_node.block.iter_vars, realize_node.iter_values, strict=True):
        parts = split_value(value, used_vars(value) - mine)
        base, part = parts if parts is not None else (ops.const(0, value.dtype), value)
        new_var = Var(iv.var.name, iv.var.dtype)
        vmap[iv.var] = ops.add(base, new_var)
        size = simplify(ops.add(bound(part, loops).max, 1))
        ivs.append(IterVar(new_var, Range(ops.const(0, new_var.dtype), size), iv.iter_type))
        values.append(part)
    block = substitute(realize_node.block.replace(iter_vars=tuple(ivs)), vmap)
    return realize_node.replace(iter_values=tuple(values), block=block)


class _LocalInner(IRMutator):
    def __init__(self, outer: Block) -> None:
        self.outer = outer
        self.loops: dict[Var, Range] = {}

    def visit_For(self, loop: For) -> Stmt:
        self.loops[loop.loop_var] = Range(loop.min, loop.extent)
        return self.generic_visit(loop)  # type: ignore[return-value]

    def visit_BlockRealize(self, node: BlockRealize) -> BlockRealize:
        return _local_inner(node, self.outer, self.loops)


def _match(outer: Block, intrin: TensorIntrin) -> dict[Buffer, tuple[Buffer, tuple]]:
    """Actual buffer -> (intrinsic parameter, region minimum) when the nest matches."""
    views = _views((*outer.reads, *outer.writes))
    target = _Anonymous().visit(_rebased(_LocalInner(outer).visit(outer.body), views, -1))
    desc_root = intrin.desc.body.block  # type: ignore[attr-defined]
    desc_views = _views(tuple(BufferRegion.full(b) for b in intrin.desc.buffer_params))
    desc = _Anonymous().visit(_rebased(desc_root.body, desc_views, -1))
    if not structural_equal(target, desc, map_free_vars=True):
        raise TensorizeMismatchError(
            f"block {outer.name_hint!r} does not match the description:\n{target}\nvs\n{desc}",
            outer,
        )
    found, wanted = _BufferOrder(), _BufferOrder()
    found.visit(target)
    wanted.visit(desc)
    by_view = {view: old for old, (view, _) in views.items()}
    by_desc_view = {view: old for old, (view, _) in desc_views.items()}
    params = list(intrin.desc.buffer_params)
    return {
        by_view[a]: (intrin.impl.buffer_params[params.index(by_desc_view[b])], views[by_view[a]][1])
        for a, b in zip(found.order, wanted.order, strict=True)
    }


@primitive
def tensorize(state: ScheduleState, block_or_loop: BlockRV | LoopRV, intrin_name: str) -> None:
    """Replace a block (or the nest under a loop, blockized first) matching the
    description of intrinsic ``intrin_name`` by its implementation on the actual buffers.

    Before, and after ``sch.tensorize(i1, "mma_4x4x4")`` (desc: a 4x4x4 update block)::

        for i0, j0, k0 in T.grid(16, 16, 16):        for i0, j0, k0 in T.grid(16, 16, 16):
            for i1, j1, k1 in T.grid(4, 4, 4):           with T.block("C_o"):
                with T.block("C"): ...                       vi_o, vj_o, vk_o = T.axis.remap(...)
                                                             for i, k in T.grid(4, 4):    # impl
                                                                 for j in T.vectorized(4):
                                                                     C[vi_o*4 + i, vj_o*4 + j] = ...

    Raises TensorIntrinError, TensorizeMismatchError, BlockizeError.
    """
    # Step 1. Blockize a loop; check the block's nest against the description.
    intrin = TensorIntrin.get(intrin_name)
    if isinstance(block_or_loop, LoopRV):
        block_or_loop = blockize.impl(state, block_or_loop)
    outer = state.get_block(block_or_loop)
    binding = _match(outer, intrin)
    # Step 2. Build the implementation on the actual buffers (fresh loop variables).
    impl_views = {param: (old, mins) for old, (param, mins) in binding.items()}
    impl_body = intrin.impl.body.block.body  # type: ignore[attr-defined]
    body = _FreshLoops().visit(_rebased(impl_body, impl_views, 1))
    # Step 3. Replace the block's body.
    new_outer = outer.replace(body=body)
    state.replace(outer, new_outer, {outer: new_outer})
