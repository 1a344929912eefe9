"""Schedule errors: ``ScheduleError`` and the subclasses shared by several primitives.

A ``ScheduleError`` holds its message and the nodes of interest (loops, blocks). The
``@primitive`` decorator records which primitive failed and the function as it was; ``str()``
then renders that function with the nodes marked (``to_text(func, marks=...)``), followed by
the message, as TVM's ``RenderReport`` does. Errors specific to one primitive family live at
the top of that family's module.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UserError
from ..ir import Block, For, Node, PrimFunc, to_text


def node_label(node: Node) -> str:
    """How the message and the marks name ``node``: ``loop 'i'``, ``block 'C'``."""
    if isinstance(node, For):
        return f"loop {node.loop_var.name!r}"
    if isinstance(node, Block):
        return f"block {node.name_hint!r}"
    return type(node).__name__


class ScheduleError(UserError):
    """A schedule primitive cannot be applied; the schedule is left unchanged."""

    def __init__(self, message: str, *nodes: Node) -> None:
        super().__init__(message)
        self.message = message
        self.nodes = nodes
        #: set by ``@primitive``: the failing primitive and the function it was applied to
        self.primitive: str | None = None
        self.func: PrimFunc | None = None

    def marks(self) -> Mapping[Node, str]:
        return {node: node_label(node) for node in self.nodes}

    def __str__(self) -> str:
        where = f"{self.primitive}: " if self.primitive else ""
        title = f"{type(self).__name__} in {where}{self.message}"
        if self.func is None:
            return title
        return f"{to_text(self.func, marks=self.marks())}\n{title}"


# ------------------------------------------------------------------------- handles


class BlockNotFoundError(ScheduleError):
    """``get_block`` found no block of that name."""


class AmbiguousBlockError(ScheduleError):
    """``get_block`` found several blocks of that name."""


class WrongHandleTypeError(ScheduleError, TypeError):
    """A primitive got a handle (or value) of the wrong kind, e.g. a BlockRV for a loop."""


class RemovedHandleError(ScheduleError):
    """The node a handle referred to was removed by an earlier primitive."""


class ForeignHandleError(ScheduleError):
    """The handle was not created by this schedule (or one it was copied from)."""


# ------------------------------------------------------------------- shared checks


class LoopNotStartWithZeroError(ScheduleError):
    """The primitive needs a loop whose ``min`` is 0."""


class HasAnnotationOrThreadBindingError(ScheduleError):
    """The primitive cannot rewrite a loop carrying annotations or a thread binding."""


class DependentLoopError(ScheduleError):
    """An inner loop's extent depends on the variable of an outer loop involved."""


class NotSpatialBlockError(ScheduleError):
    """The block has reduction iter vars (or an init) where a spatial block is needed."""


class NotSingleWriteBlockError(ScheduleError):
    """The block writes more (or less) than exactly one buffer."""


class NotCompleteBlockError(ScheduleError):
    """Another block writes a buffer that the block writes: it is not the buffer's only
    writer (TVM's "complete block" rule)."""


class StaleInputError(ScheduleError):
    """Moving a computation would make it read a buffer before (or after) another block
    overwrites it."""


class BodyAnalysisError(ScheduleError):
    """The block body is not a single store ``B[v0, v1, ...] = f(...)`` over its iter vars."""
