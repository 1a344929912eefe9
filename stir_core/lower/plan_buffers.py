"""``plan_buffers``: allocate each intermediate buffer where all of its accesses meet.

TVM's ``PlanAndUpdateBufferAllocationLocation``. Every buffer of a block's
``alloc_buffers`` moves to the lowest common ancestor (LCA) of its accesses among the
blocks and loops: to that block's ``alloc_buffers``, or, for a loop, to a new opaque block
(no iter vars, name ``""``) wrapping the loop's body, so the buffer lives for one iteration.
Two rules keep loop-carried values alive, as TVM's: a block with a reduction iter var keeps
the buffers it writes above the loops its reduction iter values use (it accumulates across
them), and a block with an opaque-kind iter var does so for every buffer it touches. A
buffer never accessed stays where it is. Block ``reads``/``writes`` drop the regions of
intermediates allocated at or below the block (as TVM's ``RemoveRedundantBufferRegion``).

Like TVM, this assumes S-TIR's dataflow: an iteration of the LCA loop reads only what that
iteration wrote (what ``compute_at`` produces).

Before::

    with T.block("root"):
        B = T.alloc_buffer((64, 64))
        for i0 in range(8):
            for ax0, ax1 in T.grid(8, 64):
                with T.block("B"): ...          # writes B[i0 * 8 + ax0, ax1]
            for i1, j in T.grid(8, 64):
                with T.block("C"): ...          # reads B[i0 * 8 + i1, j]

After::

    with T.block("root"):
        for i0 in range(8):
            with T.block(""):
                B = T.alloc_buffer((64, 64))
                for ax0, ax1 in T.grid(8, 64):
                    with T.block("B"): ...
                for i1, j in T.grid(8, 64):
                    with T.block("C"): ...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..ir import (
    Block,
    BlockRealize,
    Buffer,
    BufferLoad,
    BufferRegion,
    BufferStore,
    For,
    IRMutator,
    IRVisitor,
    IterType,
    Node,
    PrimExpr,
    PrimFunc,
    Stmt,
    Var,
    post_order_visit,
    realize,
)

#: a position in the tree: the enclosing blocks and loops, outermost (the root block) first
Path = tuple[Node, ...]


def plan_buffers(func: PrimFunc) -> PrimFunc:
    """Move every block-allocated buffer to the block or loop at the LCA of its accesses."""
    owners = _allocations(func.body)
    if not owners:
        return func
    finder = _LcaFinder(set(owners))
    finder.visit(func.body)
    targets: dict[int, list[Buffer]] = {}
    for data, (buffer, owner) in owners.items():
        path = finder.lca.get(data)
        target = owner if path is None else path[-1]
        targets.setdefault(id(target), []).append(buffer)
    return func.replace(body=_Relocate(targets, set(owners)).visit(func.body))


def _allocations(body: Stmt) -> dict[Var, tuple[Buffer, Block]]:
    """``data`` Var of every block-allocated buffer -> (buffer, owning block), in order."""
    blocks: list[Block] = []
    post_order_visit(body, lambda node: blocks.append(node) if isinstance(node, Block) else None)
    return {buf.data: (buf, blk) for blk in reversed(blocks) for buf in blk.alloc_buffers}


def common_prefix(a: Path, b: Path) -> Path:
    """The longest common prefix of two paths (nodes compared by identity)."""
    size = 0
    for x, y in zip(a, b, strict=False):
        if x is not y:
            break
        size += 1
    return a[:size]


def _vars_of(exprs: Iterable[PrimExpr]) -> set[Var]:
    found: set[Var] = set()
    for expr in exprs:
        post_order_visit(expr, lambda n: found.add(n) if isinstance(n, Var) else None)
    return found


class _LcaFinder(IRVisitor):
    """``lca[data]``: the deepest path enclosing every access of an intermediate buffer."""

    def __init__(self, intermediates: set[Var]) -> None:
        self.intermediates = intermediates
        self.path: list[Node] = []
        self.lca: dict[Var, Path] = {}

    def touch(self, data: Var, path: Path) -> None:
        if data in self.intermediates:
            old = self.lca.get(data)
            self.lca[data] = path if old is None else common_prefix(old, path)

    def visit_For(self, loop: For) -> None:
        self.visit(loop.min)
        self.visit(loop.extent)
        self.path.append(loop)
        self.visit(loop.body)
        self.path.pop()

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        for value in node.iter_values:
            self.visit(value)
        self.visit(node.predicate)
        self.path.append(node.block)
        self._keep_carried_values(node)
        self.visit(node.block)
        self.path.pop()

    def visit_BufferLoad(self, load: BufferLoad) -> None:
        self.touch(load.buffer.data, tuple(self.path))
        self.generic_visit(load)

    def visit_BufferStore(self, store: BufferStore) -> None:
        self.touch(store.buffer.data, tuple(self.path))
        self.generic_visit(store)

    def visit_Var(self, var: Var) -> None:  # the data Var used directly: an opaque access
        self.touch(var, tuple(self.path))

    def _keep_carried_values(self, node: BlockRealize) -> None:
        """Cap the LCA of buffers accumulated across loops above the outermost such loop."""
        depth = {loop.loop_var: d for d, loop in enumerate(self.path) if isinstance(loop, For)}
        block = node.block
        for iv, value in zip(block.iter_vars, node.iter_values, strict=False):
            if iv.iter_type is IterType.DATA_PAR:
                continue
            used = [depth[var] for var in _vars_of([value]) if var in depth]
            if not used:
                continue
            regions = block.writes
            if iv.iter_type is not IterType.COMM_REDUCE:
                regions = (*block.reads, *block.writes)
            above = tuple(self.path[: min(used)])
            for region in regions:
                self.touch(region.buffer.data, above)


class _Relocate(IRMutator):
    """Rebuilds ``alloc_buffers`` from ``targets`` (keyed by ``id`` of the original block or
    loop) and drops regions of intermediates not allocated above a block."""

    def __init__(self, targets: dict[int, list[Buffer]], intermediates: set[Var]) -> None:
        self.targets = targets
        self.intermediates = intermediates
        #: intermediates allocated above the node being visited
        self.visible: frozenset[Var] = frozenset()

    def _keep(self, regions: tuple[BufferRegion, ...]) -> tuple[BufferRegion, ...]:
        kept = tuple(r for r in regions if self.defined(r.buffer))
        return regions if len(kept) == len(regions) else kept

    def defined(self, buffer: Buffer) -> bool:
        return buffer.data not in self.intermediates or buffer.data in self.visible

    def _inside(self, node: Node, allocs: Sequence[Buffer]) -> Node:
        """``node`` visited with ``allocs`` visible."""
        outer = self.visible
        self.visible = outer | {buffer.data for buffer in allocs}
        try:
            return self.generic_visit(node)
        finally:
            self.visible = outer

    def visit_Block(self, block: Block) -> Block:
        allocs = self.targets.get(id(block), [])
        reads, writes = self._keep(block.reads), self._keep(block.writes)
        new = self._inside(block, allocs)
        same = len(allocs) == len(block.alloc_buffers) and all(
            a is b for a, b in zip(allocs, block.alloc_buffers, strict=False)
        )
        alloc_buffers = block.alloc_buffers if same else tuple(allocs)
        return new.replace(reads=reads, writes=writes, alloc_buffers=alloc_buffers)

    def visit_For(self, loop: For) -> For:
        allocs = self.targets.get(id(loop))
        if not allocs:
            return self.generic_visit(loop)
        new = self._inside(loop, allocs)
        return new.replace(body=self._opaque_block(new.body, allocs))

    def _opaque_block(self, body: Stmt, allocs: Sequence[Buffer]) -> Stmt:
        """TVM's opaque block around ``body``: allocates ``allocs``, reads/writes the whole of
        every other buffer defined here that ``body`` loads/stores."""
        loads: dict[Var, Buffer] = {}
        stores: dict[Var, Buffer] = {}

        def collect(node: Node) -> None:
            if isinstance(node, BufferLoad | BufferStore) and self.defined(node.buffer):
                (loads if isinstance(node, BufferLoad) else stores)[node.buffer.data] = node.buffer

        post_order_visit(body, collect)
        reads = tuple(BufferRegion.full(b) for b in loads.values())
        writes = tuple(BufferRegion.full(b) for b in stores.values())
        return realize(Block("", (), reads, writes, body, alloc_buffers=tuple(allocs)))
