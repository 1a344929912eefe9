"""Annotations: ``annotate`` and ``unannotate`` of a block or a loop.

Annotation values are strings, numbers, booleans, expressions, or lists of those.
"""

from __future__ import annotations

from typing import Any

from ..ir import Block, For, PrimExpr
from .errors import ScheduleError
from .handles import BlockRV, LoopRV, ScheduleState
from .primitive import primitive

# ----------------------------------------------------------------------------- errors


class InvalidAnnotationError(ScheduleError):
    """The annotation key is not a string, or its value has an unsupported type."""


class AnnotationNotFoundError(ScheduleError):
    """``unannotate`` of a key the block or loop does not have."""


# ---------------------------------------------------------------------------- helpers

_SCALARS = (str, bool, int, float, PrimExpr)


def _valid_value(value: Any) -> bool:
    if isinstance(value, list):
        return all(_valid_value(item) for item in value)
    return isinstance(value, _SCALARS)


def _with_annotations(
    state: ScheduleState, handle: BlockRV | LoopRV, key: str, value: Any, remove: bool
) -> None:
    """Replace the node of ``handle`` by a copy whose annotation ``key`` is set or removed."""
    node = state.get(handle)
    annotations = dict(node.annotations)
    if remove:
        if key not in annotations:
            raise AnnotationNotFoundError(
                f"{_what(node)} has no annotation {key!r} (it has: {sorted(annotations)})", node
            )
        del annotations[key]
    else:
        annotations[key] = value
    new_node = node.replace(annotations=annotations)
    reuse = {node: new_node} if isinstance(node, Block) and isinstance(new_node, Block) else {}
    state.replace(node, new_node, reuse)


def _what(node: Block | For) -> str:
    return (
        f"block {node.name_hint!r}" if isinstance(node, Block) else f"loop {node.loop_var.name!r}"
    )


# --------------------------------------------------------------------------- primitives


@primitive
def annotate(
    state: ScheduleState, block_or_loop: BlockRV | LoopRV, ann_key: str, ann_val: Any
) -> None:
    """Set the annotation ``ann_key`` of a block or a loop to ``ann_val``.

    Before, and after ``sch.annotate(i, "pragma_unroll", 4)``::

        for i in range(16):                  for i in range(16, annotations={"pragma_unroll": 4}):
            ...                                  ...

    Raises InvalidAnnotationError.
    """
    # Step 1. Check the key and value.
    if not isinstance(ann_key, str) or not _valid_value(ann_val):
        raise InvalidAnnotationError(
            f"annotation {ann_key!r}: the key must be a str and the value a str, number, "
            f"bool, expression or list of those, got {ann_val!r}",
            state.get(block_or_loop),
        )
    # Step 2/3. Build and replace.
    _with_annotations(state, block_or_loop, ann_key, ann_val, remove=False)


@primitive
def unannotate(state: ScheduleState, block_or_loop: BlockRV | LoopRV, ann_key: str) -> None:
    """Remove the annotation ``ann_key`` from a block or a loop (the reverse of ``annotate``).

    Before, and after ``sch.unannotate(i, "pragma_unroll")``::

        for i in range(16, annotations={"pragma_unroll": 4}):
            ...
        # ->
        for i in range(16):
            ...

    Raises AnnotationNotFoundError.
    """
    _with_annotations(state, block_or_loop, ann_key, None, remove=True)
