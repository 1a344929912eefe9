"""Random sequences of schedule primitives on four workloads, built and checked against
numpy. Illegal draws must raise a ScheduleError and leave the schedule unchanged; the
printed trace of what was applied must replay to the same IR.

Few examples by default; ``STIR_FUZZ_EXAMPLES=N`` runs N per workload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fuzz_budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sched2_helpers import WORKLOADS, run, schedule
from test_sched_common import leaf_blocks

from stir_core.ir import structural_equal
from stir_core.schedule import Schedule, ScheduleError

Draw = tuple[int, int, int]


def _blocks(sch: Schedule) -> list[Any]:
    return [sch.get_block(b.name_hint) for b in leaf_blocks(sch.mod["main"])]


def _pick(items: list[Any], value: int) -> Any:
    if not items:
        raise IndexError
    return items[value % len(items)]


def _loop(sch: Schedule, block: Any, value: int) -> Any:
    return _pick(sch.get_loops(block), value)


def _split(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    loop = _loop(sch, blk, a)
    return lambda: sch.split(loop, factors=[None, 2 + b % 4])


def _fuse(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    loops = sch.get_loops(blk)
    k = a % max(len(loops) - 1, 1)
    return lambda: sch.fuse(*loops[k : k + 2])


def _split_fuse(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    """Split a loop (now), then fuse its outer part with the loop before it (or its two
    parts): the drawn primitive is the fuse."""
    loops = sch.get_loops(blk)
    k = a % len(loops) if loops else 0
    outer, inner = sch.split(loops[k], factors=[None, 2 + b % 3])
    pair = (loops[k - 1], outer) if k and b % 2 else (outer, inner)
    return lambda: sch.fuse(*pair)


def _rfactor(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    loop = _loop(sch, blk, a)
    if b % 2:
        loop, _ = sch.split(loop, factors=[None, 2])
    return lambda: sch.rfactor(loop, 0)


def _layout(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    """Pack the first dimension of a written buffer by 2..4 (maybe with padding values)."""
    factor, pad = 2 + b % 3, (None, 0.0)[a % 2]
    written = sch.get(blk).writes[0].buffer
    if any(written is param for param in sch.mod["main"].buffer_params):
        raise IndexError  # an output: its new layout would change the function's signature
    return lambda: sch.transform_layout(
        blk, ("write", 0), lambda i, *rest: (i // factor, *rest, i % factor), pad_value=pad
    )


def _align(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    return lambda: sch.storage_align(blk, 0, axis=0, factor=4 + b % 5, offset=a % 4)


def _inline_init(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    """Decompose a reduction, then try to inline its init block (never legal: regression)."""
    init = sch.decompose_reduction(blk, _loop(sch, blk, a))
    return lambda: sch.compute_inline(init)


def _reorder(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
    first, second = _loop(sch, blk, b), _loop(sch, blk, a)
    return lambda: sch.reorder(first, second)


def _at(name: str) -> Callable[..., Callable[[], Any]]:
    def make(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
        loop = _loop(sch, _pick(_blocks(sch), a), b)
        return lambda: getattr(sch, name)(blk, loop)

    return make


def _cache(name: str) -> Callable[..., Callable[[], Any]]:
    def make(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
        return lambda: getattr(sch, name)(blk, a % 3, ("global", "local")[b % 2])

    return make


def _kind(name: str) -> Callable[..., Callable[[], Any]]:
    def make(sch: Schedule, blk: Any, a: int, b: int) -> Callable[[], Any]:
        loop = _loop(sch, blk, a)
        return lambda: getattr(sch, name)(loop)

    return make


def _decompose(sch: Schedule, blk: Any, loop: Any) -> Callable[[], Any]:
    return lambda: sch.decompose_reduction(blk, loop)


ACTIONS: dict[str, Callable[..., Callable[[], Any]]] = {
    "split": _split,
    "fuse": _fuse,
    "reorder": _reorder,
    "compute_at": _at("compute_at"),
    "reverse_compute_at": _at("reverse_compute_at"),
    "compute_inline": lambda sch, blk, a, b: lambda: sch.compute_inline(blk),
    "cache_read": _cache("cache_read"),
    "cache_write": _cache("cache_write"),
    "parallel": _kind("parallel"),
    "vectorize": _kind("vectorize"),
    "unroll": _kind("unroll"),
    "decompose_reduction": lambda sch, blk, a, b: _decompose(sch, blk, _loop(sch, blk, a)),
    "reverse_compute_inline": lambda sch, blk, a, b: lambda: sch.reverse_compute_inline(blk),
    "split_fuse": _split_fuse,
    "rfactor": _rfactor,
    "transform_layout": _layout,
    "storage_align": _align,
    "inline_init": _inline_init,
}


def _apply(sch: Schedule, action: str, draw: Draw) -> None:
    """Apply one drawn primitive (after the preparation its maker applies); a refused one
    must leave the schedule unchanged."""
    try:
        blk = _pick(_blocks(sch), draw[0])
        call = ACTIONS[action](sch, blk, draw[1], draw[2])
    except (ScheduleError, IndexError):
        return  # lookups only (ambiguous names after caching twice, no loops)
    mod, length = sch.mod, len(sch.trace)
    try:
        call()
    except ScheduleError:
        assert sch.mod is mod and len(sch.trace) == length
        assert structural_equal(sch.mod["main"], mod["main"])


STEPS = st.lists(
    st.tuples(
        st.sampled_from(sorted(ACTIONS)),
        st.tuples(*[st.integers(0, 1 << 10)] * 3),
    ),
    min_size=1,
    max_size=8,
)


def _replays(sch: Schedule, func: Any) -> None:
    """The printed trace rebuilds the same IR on a fresh schedule."""
    fresh = Schedule(func)
    exec(sch.trace.as_python(), {"sch": fresh})
    assert structural_equal(fresh.mod["main"], sch.mod["main"])


@pytest.mark.slow
@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_random_schedules(workload: str) -> None:
    @settings(max_examples=examples(15))
    @given(steps=STEPS)
    def check(steps: list[tuple[str, Draw]]) -> None:
        sch, example, func = schedule(workload)
        for action, draw in steps:
            _apply(sch, action, draw)
        run(sch.mod["main"], example)
        _replays(sch, func)

    check()
