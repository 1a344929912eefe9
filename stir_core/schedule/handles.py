"""Handles (``BlockRV``, ``LoopRV``) and the ``ScheduleState`` that resolves them.

A handle names a block or loop across rewrites, like TVM's random variables. As in TVM's
``ScheduleState::Replace``, a loop handle follows its loop variable (rewrites keep the
variable of a loop they merely rebuild), and a block handle follows the explicit
old -> new block map a primitive gives to ``replace`` (ancestor blocks rebuilt on the way
to the root are followed automatically). A handle whose node is gone raises
``RemovedHandleError`` naming the primitive that removed it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from ..ir import Block, For, IRModule, PrimFunc, Stmt, Var
from .errors import ForeignHandleError, RemovedHandleError, WrongHandleTypeError, node_label
from .tree import TreeIndex, rebuild

_ids = itertools.count()


class Handle:
    """Base of ``BlockRV`` and ``LoopRV``: a name for a node of one function, compared by
    identity; ``hint`` is only for printing."""

    __slots__ = ("func_name", "hint", "uid")

    def __init__(self, func_name: str, hint: str) -> None:
        self.func_name = func_name
        self.hint = hint
        self.uid = next(_ids)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.hint!r})"


class BlockRV(Handle):
    """A handle to a block (TVM's ``BlockRV``)."""

    __slots__ = ()


class LoopRV(Handle):
    """A handle to a loop (TVM's ``LoopRV``)."""

    __slots__ = ()


@dataclass
class Snapshot:
    """Everything a failed primitive must restore."""

    mod: IRModule
    blocks: dict[BlockRV, Block]
    loops: dict[LoopRV, Var]
    removed: dict[Handle, str]


class ScheduleState:
    """The module being scheduled and where each handle points to now."""

    def __init__(self, mod: IRModule) -> None:
        self.mod = mod
        self.blocks: dict[BlockRV, Block] = {}
        self.loops: dict[LoopRV, Var] = {}
        self.removed: dict[Handle, str] = {}
        #: name of the primitive running (for "removed by ..." messages)
        self.current = "?"
        self._indexes: dict[str, TreeIndex] = {}

    # ------------------------------------------------------------ snapshots

    def snapshot(self) -> Snapshot:
        return Snapshot(self.mod, dict(self.blocks), dict(self.loops), dict(self.removed))

    def restore(self, snap: Snapshot) -> None:
        self.mod = snap.mod
        self.blocks, self.loops, self.removed = snap.blocks, snap.loops, snap.removed

    def copy(self) -> ScheduleState:
        other = ScheduleState(self.mod)
        other.restore(self.snapshot())
        return other

    # -------------------------------------------------------------- trees

    def index(self, func_name: str) -> TreeIndex:
        func = self.mod[func_name]
        index = self._indexes.get(func_name)
        if index is None or index.func is not func:
            index = self._indexes[func_name] = TreeIndex(func)
        return index

    def index_of(self, handle: Handle) -> TreeIndex:
        return self.index(handle.func_name)

    # ------------------------------------------------------------ handles

    def block_rv(self, block: Block, func_name: str) -> BlockRV:
        handle = BlockRV(func_name, block.name_hint)
        self.blocks[handle] = block
        return handle

    def loop_rv(self, loop: For, func_name: str) -> LoopRV:
        handle = LoopRV(func_name, loop.loop_var.name)
        self.loops[handle] = loop.loop_var
        return handle

    def get(self, handle: object) -> Block | For:
        """The current block or loop of ``handle``."""
        if isinstance(handle, LoopRV):
            return self.get_loop(handle)
        if isinstance(handle, BlockRV):
            return self.get_block(handle)
        raise WrongHandleTypeError(f"expected a BlockRV or a LoopRV, got {handle!r}")

    def get_loop(self, handle: object) -> For:
        if not isinstance(handle, LoopRV):
            raise WrongHandleTypeError(f"expected a LoopRV, got {handle!r}")
        self._check_live(handle)
        var = self.loops.get(handle)
        if var is None:
            raise ForeignHandleError(f"{handle!r} does not belong to this schedule")
        return self.index_of(handle).loops[var]

    def get_block(self, handle: object) -> Block:
        if not isinstance(handle, BlockRV):
            raise WrongHandleTypeError(f"expected a BlockRV, got {handle!r}")
        self._check_live(handle)
        block = self.blocks.get(handle)
        if block is None:
            raise ForeignHandleError(f"{handle!r} does not belong to this schedule")
        return block

    def _check_live(self, handle: Handle) -> None:
        remover = self.removed.get(handle)
        if remover is not None:
            raise RemovedHandleError(
                f"{handle!r} refers to a {type(handle).__name__[:-2].lower()} that was "
                f"removed by {remover}"
            )

    # ------------------------------------------------------------ rewrite

    def func_of(self, stmt: Stmt) -> str:
        for name in self.mod:
            if stmt in self.index(name):
                return name
        raise ForeignHandleError(f"{node_label(stmt)} is not in the scheduled module")

    def replace(
        self, old: Stmt, new: Stmt | None, block_reuse: Mapping[Block, Block] | None = None
    ) -> PrimFunc:
        """Replace ``old`` by ``new`` (``None``: drop it) and move the handles along."""
        name = self.func_of(old)
        func, reuse = rebuild(self.index(name), old, new)
        reuse.update(block_reuse or {})
        return self.set_func(name, func, reuse)

    def set_func(self, name: str, func: PrimFunc, reuse: Mapping[Block, Block]) -> PrimFunc:
        """Install ``func`` as the new version of function ``name``; follow ``reuse``."""
        self.mod = IRModule({**self.mod.functions, name: func})
        index = self.index(name)
        for handle, block in list(self.blocks.items()):
            if handle.func_name != name or handle in self.removed:
                continue
            current = reuse.get(block, block)
            self.blocks[handle] = current
            if current not in index.realize:
                self.removed[handle] = self.current
        for loop_handle, var in self.loops.items():
            if loop_handle.func_name == name and var not in index.loops:
                self.removed.setdefault(loop_handle, self.current)
        return func
