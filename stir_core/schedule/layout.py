"""Buffer layouts: ``transform_layout`` with an ``IndexMap`` (built from a Python lambda).

Every access ``B[i, j]`` of the buffer becomes ``B'[f(i, j)]`` and every declared region is
mapped through ``f`` with ``stir_core.arith.region``; the new shape is the exact bound of
``f`` over the old shape. Loops are not changed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from ..arith import const_int_bound, simplify
from ..arith import region as arith_region
from ..arith.evaluate import evaluate
from ..ir import (
    Block,
    Buffer,
    BufferRegion,
    IntImm,
    PrimExpr,
    Range,
    Var,
)
from ..ir import op as ops
from .errors import ScheduleError
from .handles import BlockRV, ScheduleState
from .index_map import IndexMap
from .padding import PadValueError, add_padding, last_writer, padding
from .primitive import primitive
from .storage import BufferReplacer, block_buffer, rewrite_buffer
from .tree import TreeIndex

# ----------------------------------------------------------------------------- errors


class IndexMapError(ScheduleError):
    """The index map has the wrong arity, maps outside ``[0, ...)`` or is not injective."""


class BufferNotFoundError(ScheduleError):
    """The block neither reads nor writes a buffer of that name (or the buffer argument
    is not ``("read" | "write", index)`` or a name)."""


# ---------------------------------------------------------------------------- helpers

#: injectivity is checked point by point for buffers up to this many elements
_CHECKED_ELEMENTS = 4096


def _as_index_map(index_map: Any, buffer: Buffer, block: Block) -> IndexMap:
    mapping = index_map if isinstance(index_map, IndexMap) else None
    if mapping is None and callable(index_map):
        mapping = IndexMap.from_func(index_map)
    if mapping is None or len(mapping.initial_indices) != buffer.ndim:
        raise IndexMapError(
            f"the index map for buffer {buffer.name} must be a callable (or IndexMap) of "
            f"{buffer.ndim} indices",
            block,
        )
    return mapping


def _new_shape(mapping: IndexMap, buffer: Buffer, block: Block) -> tuple[PrimExpr, ...]:
    domain = {
        v: Range(ops.const(0, dim.dtype), dim)
        for v, dim in zip(mapping.initial_indices, buffer.shape, strict=True)
    }
    shape = []
    for out in mapping.final_indices:
        low = const_int_bound(out, domain)[0]
        if low is None or low < 0:
            raise IndexMapError(
                f"index {out} of the map for buffer {buffer.name} may be negative", block
            )
        high = arith_region([(out,)], domain).ranges[0]
        shape.append(simplify(ops.add(high.min, high.extent)))
    return tuple(shape)


def _check_injective(mapping: IndexMap, buffer: Buffer, block: Block) -> None:
    """Distinct indices map to distinct indices (checked for small constant shapes)."""
    if not all(isinstance(d, IntImm) for d in buffer.shape):
        return
    sizes = [d.value for d in buffer.shape]  # type: ignore[attr-defined]
    if math.prod(sizes) > _CHECKED_ELEMENTS:
        return
    seen: set[tuple[int, ...]] = set()
    for point in itertools.product(*(range(n) for n in sizes)):
        env = dict(zip(mapping.initial_indices, point, strict=True))
        image = tuple(evaluate(out, env) for out in mapping.final_indices)
        if image in seen:
            raise IndexMapError(
                f"the index map {mapping} is not injective on buffer {buffer.name}", block
            )
        seen.add(image)


def _find_buffer(block: Block, spec: Any) -> Buffer:
    if isinstance(spec, str):
        for region in (*block.reads, *block.writes):
            if region.buffer.name == spec:
                return region.buffer
    elif isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[0] in ("read", "write"):
        return block_buffer(block, spec[1], spec[0])
    raise BufferNotFoundError(
        f"block {block.name_hint!r} has no buffer {spec!r} (give a name or "
        "('read' | 'write', index))",
        block,
    )


def _mapped_region(mapping: IndexMap, region: BufferRegion) -> tuple[Range, ...]:
    """The box around the image of a region."""
    if all(isinstance(r.extent, IntImm) and r.extent.value == 1 for r in region.region):
        points = mapping.map_indices([r.min for r in region.region])
        return tuple(Range(p, ops.const(1, p.dtype)) for p in points)
    offsets = [Var(f"t{k}", r.min.dtype) for k, r in enumerate(region.region)]
    domain = {
        t: Range(ops.const(0, t.dtype), r.extent)
        for t, r in zip(offsets, region.region, strict=True)
    }
    image = mapping.map_indices(
        [ops.add(r.min, t) for r, t in zip(region.region, offsets, strict=True)]
    )
    return arith_region([image], domain).ranges


def _check_padding(
    index: TreeIndex, mapping: IndexMap, old: Buffer, new: Buffer, block: Block, value: Any
) -> tuple[tuple[Var, ...], PrimExpr] | None:
    """The padding to fill with ``value`` (``None``: no value, or no padding)."""
    if value is None:
        return None
    if last_writer(index, old) is None:
        raise PadValueError(
            f"pad_value for {old.name}: no block writes it (padding a function input, which "
            "TVM asserts with T.assume, is not supported)",
            block,
        )
    return padding(mapping, old, new, block)


# --------------------------------------------------------------------------- primitives


@primitive
def transform_layout(
    state: ScheduleState,
    block: BlockRV,
    buffer: str | tuple[str, int],
    index_map: Callable[..., Any] | IndexMap,
    pad_value: Any = None,
) -> None:
    """Store ``buffer`` (``("read" | "write", index)`` of ``block``, or its name) in the
    layout ``index_map``: element ``B[i, j]`` moves to ``B[index_map(i, j)]``.

    Before, and after
    ``sch.transform_layout(blk, ("write", 0), lambda i, j: (i // 16, j, i % 16))``::

        B = T.alloc_buffer((64, 64))                 B = T.alloc_buffer((4, 64, 16))
        ...B[vi, vj] = A[vi, vj] * 2.0               ...B[vi // 16, vj, vi % 16] = A[vi, vj] * 2.0
        ...C[vi, vj] = B[vi, vj] + 1.0               ...C[vi, vj] = B[vi // 16, vj, vi % 16] + 1.0

    ``pad_value``: the elements of the new layout that no old element maps to (padding) are
    written with this value by a block ``<buffer>_pad`` placed after the buffer's last
    writer (see ``padding.py``).

    Raises BufferNotFoundError, BufferIndexOutOfRangeError, IndexMapError, PadValueError.
    """
    # Step 1. Check the buffer and the map (arity, non-negative, injective).
    node = state.get_block(block)
    old = _find_buffer(node, buffer)
    mapping = _as_index_map(index_map, old, node)
    shape = _new_shape(mapping, old, node)
    _check_injective(mapping, old, node)
    new = old.replace(shape=shape, strides=(), align_constraints=())
    padded = _check_padding(state.index_of(block), mapping, old, new, node, pad_value)
    # Step 2. Build the buffer in its new shape, Step 3. rewrite every use of it.
    replacer = BufferReplacer(
        {old: new},
        indices=lambda _, indices: mapping.map_indices(indices),
        region=lambda _, region: region.replace(region=_mapped_region(mapping, region)),
    )
    rewrite_buffer(state, block.func_name, old, new, replacer)
    if padded is not None:
        add_padding(state, block.func_name, padded, new, pad_value)
