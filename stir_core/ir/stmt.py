"""Statement nodes shared by S-TIR and NS-TIR.

``For`` loops carry a ``ForKind``; ``Allocate`` introduces storage for a buffer that is not a
function argument (NS-TIR only: in S-TIR intermediates are a block's ``alloc_buffers``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from ..errors import IRTypeError
from .buffer import Buffer, _index
from .expr import PrimExpr, Var
from .node import Node, ir_node
from .op import cast, convert


class Stmt(Node):
    __slots__ = ()


class ForKind(enum.Enum):
    SERIAL = "serial"
    PARALLEL = "parallel"
    VECTORIZED = "vectorized"
    UNROLLED = "unroll"
    THREAD_BINDING = "thread_binding"


@ir_node
class For(Stmt):
    """``for loop_var in range(min, min + extent)``."""

    loop_var: Var
    min: PrimExpr
    extent: PrimExpr
    kind: ForKind
    body: Stmt
    thread_binding: str | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)


@ir_node
class BufferStore(Stmt):
    """``buffer[indices] = value``."""

    buffer: Buffer
    value: PrimExpr
    indices: tuple[PrimExpr, ...]


def buffer_store(buffer: Buffer, value: Any, indices: Sequence[Any]) -> BufferStore:
    """Checked ``BufferStore``: arity, integer indices, value cast to the buffer's dtype."""
    converted = tuple(_index(i, f"store to {buffer.name}") for i in indices)
    if len(converted) != buffer.ndim:
        raise IRTypeError(
            f"buffer {buffer.name} has {buffer.ndim} dimension(s) but the store has "
            f"{len(converted)} index(es)"
        )
    lanes = max((i.dtype.lanes for i in converted), default=1)
    value = cast(buffer.dtype.with_lanes(lanes), convert(value))
    return BufferStore(buffer, value, converted)


@ir_node
class SeqStmt(Stmt):
    seq: tuple[Stmt, ...]


def seq(stmts: Sequence[Stmt]) -> Stmt:
    """One statement for ``stmts``: nested sequences are flattened, a single one unwrapped."""
    flat: list[Stmt] = []
    for stmt in stmts:
        flat.extend(stmt.seq if isinstance(stmt, SeqStmt) else (stmt,))
    return flat[0] if len(flat) == 1 else SeqStmt(tuple(flat))


@ir_node
class IfThenElse(Stmt):
    condition: PrimExpr
    then_case: Stmt
    else_case: Stmt | None = None


@ir_node
class Evaluate(Stmt):
    """Evaluate an expression for its side effects (or as a no-op: ``Evaluate(0)``)."""

    value: PrimExpr


@ir_node
class LetStmt(Stmt):
    var: Var
    value: PrimExpr
    body: Stmt


@ir_node
class Allocate(Stmt):
    """Storage for ``buffer`` (its ``shape`` elements, in its ``scope``) around ``body``."""

    buffer: Buffer
    body: Stmt
