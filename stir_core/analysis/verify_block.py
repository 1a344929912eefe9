"""Per-block S-TIR checks used by ``verify``: invariants 3, 4 and 5 of ``block.py``.

``check_block(realize, loops, fail)`` looks at one ``BlockRealize`` where ``loops`` are the
enclosing loops (by loop variable id) inside the nearest enclosing block, and calls
``fail(message, node)`` (which raises) on the first violation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..ir.block import Block, BlockRealize, IterType
from ..ir.buffer import BufferLoad
from ..ir.functor import IRVisitor
from ..ir.node import Node
from ..ir.printer_scan import vars_in
from ..ir.stmt import BufferStore, For

Fail = Callable[[str, object], None]


def check_block(
    realize: BlockRealize, loops: Mapping[int, For], fail: Fail, check_accesses: bool = True
) -> None:
    """Invariants 3 (count, dtypes), 5 (init, reduction loops), 4 (accessed buffers declared).

    The containment parts of invariants 3 and 4 are in ``verify_region.py``.
    """
    block = realize.block
    _check_bindings(realize, fail)
    _check_reduction(realize, loops, fail)
    if check_accesses:
        _check_accesses(block, fail)


def _check_bindings(realize: BlockRealize, fail: Fail) -> None:
    block = realize.block
    name = block.name_hint
    if len(realize.iter_values) != len(block.iter_vars):
        fail(
            f"block {name!r} has {len(block.iter_vars)} iter var(s) but is realized with "
            f"{len(realize.iter_values)} iter value(s)",
            realize,
        )
    if not realize.predicate.dtype.is_bool:
        fail(f"block {name!r}: predicate has dtype {realize.predicate.dtype}", realize)
    for iv, value in zip(block.iter_vars, realize.iter_values, strict=True):
        if not iv.var.dtype.is_integer or value.dtype != iv.var.dtype:
            fail(
                f"block {name!r}: iter var {iv.var.name} of dtype {iv.var.dtype} is bound to "
                f"a value of dtype {value.dtype}",
                realize,
            )


def _check_reduction(realize: BlockRealize, loops: Mapping[int, For], fail: Fail) -> None:
    block = realize.block
    if block.init is not None and not block.is_reduction:
        fail(f"block {block.name_hint!r} has an init but no reduction iter var", block)
    reduce_loops = {
        id(var)
        for iv, value in zip(block.iter_vars, realize.iter_values, strict=True)
        if iv.iter_type is IterType.COMM_REDUCE
        for var in vars_in((value,))
        if id(var) in loops
    }
    for iv, value in zip(block.iter_vars, realize.iter_values, strict=True):
        if iv.iter_type is not IterType.DATA_PAR:
            continue
        used = [var for var in vars_in((value,)) if id(var) in reduce_loops]
        if used:
            fail(
                f"block {block.name_hint!r}: spatial iter var {iv.var.name} depends on "
                f"{used[0].name}, a loop bound to a reduction iter var",
                realize,
            )


class _Accesses(IRVisitor):
    """Loads and stores below a block (nested blocks included), minus buffers allocated there."""

    def __init__(self) -> None:
        self.accesses: list[BufferLoad | BufferStore] = []
        self.allocated: set[int] = set()

    def visit_BufferLoad(self, node: BufferLoad) -> None:
        self.accesses.append(node)
        self.generic_visit(node)

    def visit_BufferStore(self, node: BufferStore) -> None:
        self.accesses.append(node)
        self.generic_visit(node)

    def visit_Block(self, node: Block) -> None:
        self.allocated.update(id(b) for b in node.alloc_buffers)
        self.generic_visit(node)


def _check_accesses(block: Block, fail: Fail) -> None:
    """Invariant 4: every buffer accessed in the body or init is declared.

    Loads must be covered by ``reads`` or ``writes`` (a reduction reads what it writes);
    stores by ``writes``. TODO(arith): check region containment with ``arith.region``.
    """
    collector = _Accesses()
    collector.allocated.update(id(b) for b in block.alloc_buffers)
    bodies: tuple[Node, ...] = (block.body,) if block.init is None else (block.init, block.body)
    for body in bodies:
        collector.visit(body)
    writes = {id(region.buffer) for region in block.writes}
    reads = {id(region.buffer) for region in block.reads} | writes
    for access in collector.accesses:
        buffer = access.buffer
        if id(buffer) in collector.allocated:
            continue
        is_store = isinstance(access, BufferStore)
        if id(buffer) not in (writes if is_store else reads):
            kind, where = ("writes", "T.writes") if is_store else ("reads", "T.reads/T.writes")
            fail(
                f"block {block.name_hint!r} {kind} buffer {buffer.name} but {buffer.name} is "
                f"not in its {where}",
                access,
            )
