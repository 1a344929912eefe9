"""``verify(func)``: check the S-TIR invariants (``block.py``) or the NS-TIR rules.

A function whose body is a ``BlockRealize`` is S-TIR and must satisfy invariants 1-6 of
``block.py``; any other body is NS-TIR and may contain no block at all. Both must define every
variable before use, use only buffers that are parameters or allocated around the use,
index buffers with one integer index per dimension, and store values of the buffer's dtype.

On failure ``IRVerifyError`` names the node and shows the function with the node underlined::

    IRVerifyError: block "C" uses the loop variable i outside the block
    ...
                C[v_i] = A[i]
                ^^^^^^^^^^^^^ here

Containment (invariants 3 and 4) is checked with ``stir_core.arith`` in
``verify_region.py``: only violations arith can bound exactly are reported, and accesses
under a condition (``if``, ``T.if_then_else``, ``T.Select``) are not checked against regions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import UserError
from ..ir.block import Block, BlockRealize, IterVar
from ..ir.buffer import Buffer, BufferLoad, BufferRegion
from ..ir.expr import Call, Let, PrimExpr, Select, Var
from ..ir.function import PrimFunc
from ..ir.functor import IRVisitor
from ..ir.node import Node
from ..ir.printer import to_text
from ..ir.printer_scan import buffer_vars, is_true
from ..ir.range import Range
from ..ir.stmt import Allocate, BufferStore, For, IfThenElse, LetStmt, Stmt
from .verify_block import check_block
from .verify_region import check_binding, check_region, uses_only


class IRVerifyError(UserError):
    """The IR breaks an invariant; ``node`` is the node at fault."""

    def __init__(self, message: str, node: object = None) -> None:
        super().__init__(message)
        self.node = node


def verify(func: PrimFunc) -> None:
    """Raise ``IRVerifyError`` unless ``func`` is well-formed S-TIR or NS-TIR."""
    _Verifier(func).run()


class _Verifier(IRVisitor):
    def __init__(self, func: PrimFunc) -> None:
        self.func = func
        self.stir = isinstance(func.body, BlockRealize)
        self.func_vars: dict[int, Var] = {id(p): p for p in func.params if isinstance(p, Var)}
        for buffer in func.buffer_params:
            self.func_vars.update((id(v), v) for v in buffer_vars(buffer))
        self.visible: dict[int, Var] = dict(self.func_vars)
        self.loops: dict[int, For] = {}
        self.buffers: dict[int, Buffer] = {id(b): b for b in func.buffer_params}
        self.memory: set[int] = {id(b.data) for b in func.buffer_params}
        self.defined_once: set[int] = set()
        #: the statements (and loads, regions) being visited: where errors point
        self.statements: list[Node] = [func]
        self.in_block = 0
        #: the innermost non-root block, and how many conditions surround the current node
        self.block: Block | None = None
        self.guards = 0

    def run(self) -> None:
        for param in self.func.params:
            if not isinstance(param, Buffer | Var):
                self.fail(f"parameter {param} is neither a Buffer nor a Var", self.func)
        if self.stir:
            self._check_root(self.func.body)  # type: ignore[arg-type]
        self.visit(self.func.body)

    def fail(self, message: str, node: object) -> None:
        shown = to_text(self.func, marks={node: "here"})  # type: ignore[dict-item]
        raise IRVerifyError(f"{message}\n{shown}", node)

    def visit(self, node: Node) -> None:
        is_stmt = isinstance(node, Stmt | BufferLoad | BufferRegion)
        if is_stmt:
            self.statements.append(node)
        super().visit(node)
        if is_stmt:
            self.statements.pop()

    # ------------------------------------------------------------------- scopes

    @contextmanager
    def bound(self, var: Var, loop: For | None = None) -> Iterator[None]:
        """``var`` is visible (and, for a loop, known as one) inside the ``with``."""
        if id(var) in self.defined_once:
            self.fail(f"variable {var.name} is defined more than once", self.statements[-1])
        self.defined_once.add(id(var))
        self.visible[id(var)] = var
        if loop is not None:
            self.loops[id(var)] = loop
        try:
            yield
        finally:
            self.visible.pop(id(var), None)
            self.loops.pop(id(var), None)

    @contextmanager
    def allocated(self, buffers: tuple[Buffer, ...]) -> Iterator[None]:
        saved = dict(self.buffers), set(self.memory)
        for buffer in buffers:
            self._check_vars_visible(buffer_vars(buffer), buffer)
            self.buffers[id(buffer)] = buffer
            self.memory.add(id(buffer.data))
        try:
            yield
        finally:
            self.buffers, self.memory = saved

    @contextmanager
    def block_scope(self, block: Block, is_root: bool) -> Iterator[None]:
        """Inside a block only the function's variables and its iter vars are visible."""
        saved = self.visible, self.loops, self.block, self.guards
        self.visible, self.loops, self.guards = dict(self.func_vars), {}, 0
        self.block = None if is_root else block
        self.in_block += 0 if is_root else 1
        try:
            yield
        finally:
            self.visible, self.loops, self.block, self.guards = saved
            self.in_block -= 0 if is_root else 1

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Accesses under a condition are not checked against regions (they may be clipped)."""
        self.guards += 1
        try:
            yield
        finally:
            self.guards -= 1

    def iter_ranges(self) -> dict[Var, Range]:
        """The iter vars of the innermost enclosing block with their domains."""
        return {iv.var: iv.dom for iv in self.block.iter_vars} if self.block else {}

    def loop_ranges(self) -> dict[Var, Range]:
        return {loop.loop_var: Range(loop.min, loop.extent) for loop in self.loops.values()}

    def _check_vars_visible(self, variables: list[Var], at: Node) -> None:
        for var in variables:
            if id(var) not in self.visible:
                self.fail(f"variable {var.name} is used where it is not defined", at)

    # ---------------------------------------------------------------- variables

    def visit_Var(self, node: Var) -> None:
        if id(node) in self.visible:
            return
        where = f" in block {self._block_name()!r}" if self.in_block else ""
        if id(node) in self.defined_once:
            problem = "outside the loop, let or block that defines it"
        else:
            problem = "but never defined (a free variable)"
        self.fail(f"variable {node.name} is used{where} {problem}", self.statements[-1])

    def _block_name(self) -> str:
        blocks = [s for s in self.statements if isinstance(s, BlockRealize)]
        return blocks[-1].block.name_hint if blocks else "root"

    def visit_For(self, node: For) -> None:
        self.visit(node.min)
        self.visit(node.extent)
        for what, expr in (("loop variable", node.loop_var), ("min", node.min)):
            if not (expr.dtype.is_integer and expr.dtype.is_scalar):
                self.fail(f"loop {node.loop_var.name}: {what} has dtype {expr.dtype}", node)
        if not (node.extent.dtype.is_integer and node.extent.dtype.is_scalar):
            self.fail(f"loop {node.loop_var.name}: extent has dtype {node.extent.dtype}", node)
        with self.bound(node.loop_var, node):
            self.visit(node.body)

    def visit_LetStmt(self, node: LetStmt) -> None:
        self._let(node.var, node.value, node.body, node)

    def visit_Let(self, node: Let) -> None:
        self._let(node.var, node.value, node.body, self.statements[-1])

    def _let(self, var: Var, value: PrimExpr, body: Node, at: Node) -> None:
        self.visit(value)
        if var.dtype != value.dtype:
            self.fail(f"let variable {var.name} of dtype {var.dtype} bound to {value.dtype}", at)
        with self.bound(var):
            self.visit(body)

    def visit_IfThenElse(self, node: IfThenElse) -> None:
        if not node.condition.dtype.is_bool:
            self.fail(f"if condition {node.condition} has dtype {node.condition.dtype}", node)
        with self.guarded():
            self.generic_visit(node)

    def visit_Select(self, node: Select) -> None:
        with self.guarded():
            self.generic_visit(node)

    def visit_Call(self, node: Call) -> None:
        if node.op != "if_then_else":
            self.generic_visit(node)
            return
        with self.guarded():
            self.generic_visit(node)

    # ------------------------------------------------------------------ buffers

    def _check_access(self, buffer: Buffer, indices: tuple[PrimExpr, ...], at: Node) -> int:
        """Common rules of loads and stores; returns the lane count of the access."""
        known = id(buffer) in self.buffers or (not self.stir and id(buffer.data) in self.memory)
        if not known:
            self.fail(f"buffer {buffer.name} is neither a parameter nor allocated here", at)
        if len(indices) != buffer.ndim:
            self.fail(
                f"buffer {buffer.name} has {buffer.ndim} dimension(s) but is accessed with "
                f"{len(indices)} index(es)",
                at,
            )
        for index in indices:
            if not index.dtype.element_of().is_integer:
                self.fail(f"index {index} of buffer {buffer.name} has dtype {index.dtype}", at)
        return max((index.dtype.lanes for index in indices), default=1)

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        lanes = self._check_access(node.buffer, node.indices, node)
        if node.dtype != node.buffer.dtype.with_lanes(lanes):
            self.fail(f"load of {node.buffer.name} has dtype {node.dtype}", node)
        self.generic_visit(node)
        if self.block is not None:
            self._check_region(node.buffer, node.indices, (*self.block.reads, *self.block.writes))

    def _check_region(
        self, buffer: Buffer, indices: tuple[PrimExpr, ...], regions: tuple[BufferRegion, ...]
    ) -> None:
        """Invariant 4 (containment) for an unguarded access directly in ``self.block``."""
        mine = tuple(region for region in regions if region.buffer is buffer)
        if self.block is None or self.guards or not mine or not uses_only(indices, self.visible):
            return
        at = self.statements[-1]
        check_region(self.block, mine, indices, self.loop_ranges(), at, self.fail)

    def visit_BufferStore(self, node: BufferStore) -> None:
        if self.stir and not self.in_block:
            self.fail(f"store to {node.buffer.name} outside any block", node)
        lanes = self._check_access(node.buffer, node.indices, node)
        expected = node.buffer.dtype.with_lanes(lanes)
        if node.value.dtype != expected:
            self.fail(
                f"store to {node.buffer.name} of a {node.value.dtype} value "
                f"(the buffer needs {expected})",
                node,
            )
        self.generic_visit(node)
        if self.block is not None:
            self._check_region(node.buffer, node.indices, self.block.writes)

    def visit_BufferRegion(self, node: BufferRegion) -> None:
        self._check_access(node.buffer, tuple(r.min for r in node.region), node)
        self.generic_visit(node)

    def visit_Allocate(self, node: Allocate) -> None:
        if self.stir:
            self.fail(f"Allocate of {node.buffer.name} in S-TIR (use alloc_buffers)", node)
        with self.allocated((node.buffer,)):
            self.visit(node.body)

    # ------------------------------------------------------------------- blocks

    def _check_root(self, realize: BlockRealize) -> None:
        block = realize.block
        if block.name_hint != "root" or block.iter_vars or not is_true(realize.predicate):
            self.fail(
                "an S-TIR body must be the root block (named 'root', no iter vars, "
                f"no predicate); found block {block.name_hint!r}",
                realize,
            )

    def visit_Block(self, node: Block) -> None:
        self.fail(f"block {node.name_hint!r} is not placed by a BlockRealize", node)

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        block = node.block
        if not self.stir:
            self.fail(
                f"block {block.name_hint!r} in an NS-TIR function (the body is not a root "
                "block realize, so no block may appear)",
                node,
            )
        for value in (*node.iter_values, node.predicate):
            self.visit(value)
        is_root = node is self.func.body
        check_block(node, self.loops, self.fail, check_accesses=not is_root)
        if not is_root:
            check_binding(node, {**self.iter_ranges(), **self.loop_ranges()}, self.fail)
        with self.block_scope(block, is_root):
            for iv in block.iter_vars:
                self.visit(iv.dom)
            with self._iter_vars(block.iter_vars), self.allocated(block.alloc_buffers):
                for region in (*block.reads, *block.writes):
                    self.visit(region)
                if block.init is not None:
                    self.visit(block.init)
                self.visit(block.body)

    @contextmanager
    def _iter_vars(self, iter_vars: tuple[IterVar, ...]) -> Iterator[None]:
        if not iter_vars:
            yield
            return
        with self.bound(iter_vars[0].var), self._iter_vars(iter_vars[1:]):
            yield
