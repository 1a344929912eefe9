"""Navigation in one S-TIR function: parents, loop chains, child blocks, producers/consumers.

``TreeIndex(func)`` walks the statements of ``func`` once and answers structural questions
about them; it is immutable like the IR (a schedule builds a new index after each rewrite).
``rebuild(index, old, new)`` replaces one statement and rebuilds its ancestors, reporting
which ancestor blocks it rebuilt so handles can follow them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import InternalError, internal_check
from ..ir import Block, BlockRealize, Buffer, For, Node, PrimFunc, SeqStmt, Stmt, Var, seq
from ..ir.functor import children


def _stmt_children(node: Stmt) -> Iterator[Stmt]:
    return (child for child in children(node) if isinstance(child, Stmt))


class TreeIndex:
    """Parents and lookups for the statements of ``func`` (built once, read many times)."""

    def __init__(self, func: PrimFunc) -> None:
        self.func = func
        self.parent: dict[Stmt, Stmt | None] = {func.body: None}
        self.loops: dict[Var, For] = {}
        self.realize: dict[Block, BlockRealize] = {}
        self.blocks: list[Block] = []
        stack: list[Stmt] = [func.body]
        while stack:
            node = stack.pop()
            self._record(node)
            kids = list(_stmt_children(node))
            for child in kids:
                self.parent[child] = node
            stack.extend(reversed(kids))

    def _record(self, node: Stmt) -> None:
        if isinstance(node, For):
            self.loops[node.loop_var] = node
        elif isinstance(node, BlockRealize):
            self.realize[node.block] = node
        elif isinstance(node, Block):
            self.blocks.append(node)

    # ------------------------------------------------------------------ queries

    def __contains__(self, node: object) -> bool:
        return node in self.parent

    @property
    def root(self) -> Block:
        body = self.func.body
        internal_check(isinstance(body, BlockRealize), "S-TIR body is not a root realize")
        assert isinstance(body, BlockRealize)
        return body.block

    def ancestors(self, node: Stmt) -> Iterator[Stmt]:
        """The statements above ``node``, innermost first."""
        parent = self.parent.get(node)
        while parent is not None:
            yield parent
            parent = self.parent.get(parent)

    def scope_of(self, node: Stmt) -> Block:
        """The nearest block strictly above ``node`` (its scope root)."""
        start = self.realize[node] if isinstance(node, Block) else node
        for parent in self.ancestors(start):
            if isinstance(parent, Block):
                return parent
        raise InternalError("statement outside of the root block")

    def loops_above(self, node: Stmt) -> list[For]:
        """The loops between ``node`` and its scope block, outermost first."""
        start = self.realize[node] if isinstance(node, Block) else node
        found: list[For] = []
        for parent in self.ancestors(start):
            if isinstance(parent, Block):
                break
            if isinstance(parent, For):
                found.append(parent)
        return found[::-1]

    def is_ancestor(self, upper: Stmt, lower: Stmt) -> bool:
        return any(parent is upper for parent in self.ancestors(lower))

    def realizes_below(self, stmt: Stmt) -> list[BlockRealize]:
        """The block realizes inside ``stmt`` that are not nested in another block."""
        found: list[BlockRealize] = []
        stack: list[Stmt] = [stmt]
        while stack:
            node = stack.pop()
            if isinstance(node, BlockRealize):
                found.append(node)
                continue
            stack.extend(reversed(list(_stmt_children(node))))
        return found

    def child_blocks(self, node: Stmt) -> list[Block]:
        """Blocks directly under ``node`` (a block or a loop), in program order."""
        body = node.body if isinstance(node, (Block, For)) else node
        return [r.block for r in self.realizes_below(body)]

    def producers(self, block: Block) -> list[Block]:
        """Blocks of the same scope that write a buffer ``block`` reads (program order)."""
        reads = {region.buffer for region in block.reads}
        return [b for b in self._siblings(block) if _writes_any(b, reads)]

    def consumers(self, block: Block) -> list[Block]:
        """Blocks of the same scope that read a buffer ``block`` writes (program order)."""
        writes = {region.buffer for region in block.writes}
        return [b for b in self._siblings(block) if any(r.buffer in writes for r in b.reads)]

    def _siblings(self, block: Block) -> list[Block]:
        scope = self.scope_of(block)
        return [b for b in self.child_blocks(scope) if b is not block]


def _writes_any(block: Block, buffers: set[Buffer]) -> bool:
    return any(region.buffer in buffers for region in block.writes)


def find_blocks(index: TreeIndex, name: str) -> list[Block]:
    return [block for block in index.blocks if block.name_hint == name]


# --------------------------------------------------------------------------- rebuild


def _swap_in_tuple(items: tuple[Any, ...], old: Stmt, new: Stmt | None) -> tuple[Any, ...]:
    result: list[Any] = []
    for item in items:
        if item is not old:
            result.append(item)
        elif new is not None:
            result.append(new)
    return tuple(result)


def swap_child(parent: Node, old: Stmt, new: Stmt | None) -> Node:
    """``parent`` with its child ``old`` replaced by ``new`` (``None``: dropped from a seq)."""
    if isinstance(parent, SeqStmt):
        return seq(_swap_in_tuple(parent.seq, old, new))
    changes: dict[str, Any] = {}
    for name in parent._field_names:
        value = getattr(parent, name)
        if value is old:
            internal_check(new is not None, f"cannot drop the {name} of a {type(parent)}")
            changes[name] = new
        elif isinstance(value, tuple) and any(item is old for item in value):
            changes[name] = _swap_in_tuple(value, old, new)
    internal_check(bool(changes), "swap_child: old is not a child of parent")
    return parent.replace(**changes)


def rebuild(index: TreeIndex, old: Stmt, new: Stmt | None) -> tuple[PrimFunc, dict[Block, Block]]:
    """The function with ``old`` replaced by ``new`` and the rebuilt ancestor blocks.

    ``new=None`` drops ``old`` from the sequence holding it (see ``removal_root``).
    """
    reuse: dict[Block, Block] = {}
    current_old: Stmt = old
    current_new: Stmt | None = new
    for parent in index.ancestors(old):
        rebuilt = swap_child(parent, current_old, current_new)
        assert isinstance(rebuilt, Stmt)
        if isinstance(parent, Block):
            assert isinstance(rebuilt, Block)
            reuse[parent] = rebuilt
        current_old, current_new = parent, rebuilt
    internal_check(current_new is not None, "rebuild removed the whole function body")
    return index.func.replace(body=current_new), reuse


def removal_root(index: TreeIndex, stmt: Stmt) -> Stmt | None:
    """The outermost statement to drop so that ``stmt`` disappears with its now-empty loops.

    Climbs through loops whose only content is ``stmt``; ``None`` when that would leave a
    block with an empty body (``stmt`` is the only leaf of its scope).
    """
    current = stmt
    for parent in index.ancestors(stmt):
        if isinstance(parent, SeqStmt):
            return current
        if isinstance(parent, Block):
            return None
        current = parent
    return None
