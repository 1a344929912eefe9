"""``transform_layout(..., pad_value=v)``: writing ``v`` into the padding of a new layout.

A layout such as ``lambda i, j: (i // 5, j, i % 5)`` on 24 rows needs ``5 * 5 = 25`` rows:
one row of padding that no original element maps to. The padding is found by inverting the
map (each original index used as itself, or as the pair ``i // c`` and ``i % c``): a point
``p`` of the new shape is padding when its preimage leaves the old shape. A block
``<buffer>_pad`` then writes the value there, right after the last writer of the buffer::

    for ax0, ax1, ax2 in T.grid(5, 20, 5):
        with T.block("B_pad"):
            v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
            T.where(ax0 * 5 + ax2 >= 24)
            B[v0, v1, v2] = T.float32(0.0)
"""

from __future__ import annotations

from typing import Any

from ..arith import Domain, can_prove, simplify
from ..errors import internal_check
from ..ir import (
    Block,
    Buffer,
    BufferRegion,
    FloorDiv,
    FloorMod,
    IntImm,
    IterVar,
    PrimExpr,
    Range,
    Stmt,
    Var,
    buffer_store,
    structural_equal,
)
from ..ir import op as ops
from .errors import ScheduleError
from .handles import ScheduleState
from .index_map import IndexMap
from .regions import Iteration, body_children, child_position, insert_child
from .tree import TreeIndex


class PadValueError(ScheduleError):
    """``pad_value`` cannot be honoured: the map has no inverse of the supported form, or no
    block writes the buffer (padding of a function input is not supported)."""


def _digits(out: PrimExpr, var: Var) -> tuple[str, int] | None:
    """``("div", c)`` for ``var // c``, ``("mod", c)`` for ``var % c``, ``("id", 1)`` for
    ``var`` itself; ``None`` otherwise."""
    if out is var:
        return ("id", 1)
    if isinstance(out, (FloorDiv, FloorMod)) and out.a is var and isinstance(out.b, IntImm):
        return ("div" if isinstance(out, FloorDiv) else "mod", out.b.value)
    return None


def _preimage(mapping: IndexMap, points: tuple[Var, ...]) -> list[PrimExpr] | None:
    """The old indices of the new point ``points`` (``None``: not of a supported form)."""
    found: list[PrimExpr] = []
    for var in mapping.initial_indices:
        uses: dict[str, tuple[int, Var]] = {}
        for out, point in zip(mapping.final_indices, points, strict=True):
            kind = _digits(out, var)
            if kind is not None:
                uses[kind[0]] = (kind[1], point)
        if "id" in uses and len(uses) == 1:
            found.append(uses["id"][1])
        elif set(uses) == {"div", "mod"} and uses["div"][0] == uses["mod"][0]:
            found.append(ops.add(ops.mul(uses["div"][1], uses["div"][0]), uses["mod"][1]))
        else:
            return None
    return found


def padding(
    mapping: IndexMap, old: Buffer, new: Buffer, block: Block
) -> tuple[tuple[Var, ...], PrimExpr] | None:
    """Point variables over ``new`` and the condition that such a point is padding
    (``None``: the new layout has no padding)."""
    points = tuple(Var(f"ax{k}", dim.dtype) for k, dim in enumerate(new.shape))
    ranges = {p: Range(ops.const(0, p.dtype), d) for p, d in zip(points, new.shape, strict=True)}
    pre = _preimage(mapping, points)
    image = mapping.map_indices(pre) if pre is not None else ()
    if pre is None or not all(
        structural_equal(simplify(x, ranges), p) for x, p in zip(image, points, strict=True)
    ):
        raise PadValueError(
            f"pad_value for {old.name}: only index maps using each index as itself or as the "
            f"pair (i // c, i % c) can be inverted to find the padding; {mapping} cannot",
            block,
        )
    outside = [
        ops.greater_equal(simplify(index, ranges), dim)
        for index, dim in zip(pre, old.shape, strict=True)
        if not can_prove(ops.less(index, dim), Domain(ranges))
    ]
    if not outside:
        return None
    condition = outside[0]
    for more in outside[1:]:
        condition = ops.logical_or(condition, more)
    return points, condition


def _pad_nest(points: tuple[Var, ...], condition: PrimExpr, new: Buffer, value: Any) -> Stmt:
    ivs = tuple(
        IterVar(Var(f"v{k}", p.dtype), Range(ops.const(0, p.dtype), dim))
        for k, (p, dim) in enumerate(zip(points, new.shape, strict=True))
    )
    at = tuple(iv.var for iv in ivs)
    store = buffer_store(new, ops.cast(new.dtype, value), at)
    region = BufferRegion(new, tuple(Range(v, ops.const(1, v.dtype)) for v in at))
    pad = Block(f"{new.name}_pad", ivs, (), (region,), store)
    loops = list(zip(points, new.shape, strict=True))
    return Iteration(loops, list(points), condition).nest(pad)


def last_writer(index: TreeIndex, buffer: Buffer) -> Block | None:
    """The last block (program order) writing ``buffer`` that no other writer encloses."""
    writers = [b for b in index.blocks if any(r.buffer is buffer for r in b.writes)]
    outer = [
        w
        for w in writers
        if not any(
            o is not w and index.is_ancestor(index.realize[o], index.realize[w]) for o in writers
        )
    ]
    return outer[-1] if outer else None


def add_padding(
    state: ScheduleState,
    func_name: str,
    found: tuple[tuple[Var, ...], PrimExpr],
    new: Buffer,
    value: Any,
) -> None:
    """Insert the block writing ``value`` into the padding right after the last writer."""
    index = state.index(func_name)
    writer = last_writer(index, new)
    internal_check(writer is not None, f"no block writes {new.name} any more")
    assert writer is not None
    scope = index.scope_of(writer)
    position = child_position(index, body_children(scope.body), index.realize[writer])
    internal_check(position is not None, "the writer is not under its scope")
    new_scope = insert_child(scope, (position or 0) + 1, _pad_nest(*found, new, value))
    assert isinstance(new_scope, Block)
    state.replace(scope, new_scope, {scope: new_scope})
