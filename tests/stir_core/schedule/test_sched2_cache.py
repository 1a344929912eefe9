"""cache_read, cache_write, set_scope, storage_align: IR, numerics, trace, errors."""

from __future__ import annotations

from test_sched2_helpers import prim_func, run, schedule
from test_sched_common import elementwise, fails_unchanged, new_schedule, verify_trace_roundtrip
from test_sched_common import matmul as hand_matmul

from stir_core.ir import to_text
from stir_core.lower import lower
from stir_core.schedule import (
    BufferIndexOutOfRangeError,
    CacheInPlaceError,
    InvalidStorageScopeError,
    NotAConsumerError,
    ParamBufferError,
    StorageAlignArgumentError,
)
from te_compat.examples import matmul


def test_cache_read_write_tiled_matmul() -> None:
    example = matmul(32)
    func = prim_func(example)
    sch = new_schedule(func)
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    i0, i1 = sch.split(i, factors=[None, 8])
    j0, j1 = sch.split(j, factors=[None, 8])
    sch.reorder(i0, j0, i1, k, j1)
    a_shared = sch.cache_read(c, 0, "shared.dyn")  # TE reads: A, B
    c_local = sch.cache_write(c, 0, "local")
    assert sch.get(a_shared).name_hint == "A_shared_dyn"
    assert sch.get(c_local).name_hint == "C_local"
    sch.compute_at(a_shared, j0)
    sch.reverse_compute_at(c_local, j0)
    extents = [sch.get(lp).extent.value for lp in sch.get_loops(a_shared)]
    assert extents == [4, 4, 8, 32]  # an 8-row slab of A per tile
    text = to_text(sch.mod["main"])
    assert 'A_shared_dyn = T.alloc_buffer((32, 32), scope="shared.dyn")' in text
    assert "C_local[v0_1, v1_1]" in text or "C_local[v0, v1]" in text
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_cache_read_of_intermediate_goes_after_writer() -> None:
    sch, example, func = schedule("chain")
    b_cache = sch.cache_read(sch.get_block("C"), 0, "local")
    names = [sch.get(h).name_hint for h in sch.get_child_blocks(sch.get_block("root"))]
    assert names == ["B", "B_local", "C", "D"]
    assert sch.get(b_cache).name_hint == "B_local"
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_cache_read_selected_consumers() -> None:
    sch, example, func = schedule("chain")
    d = sch.get_block("D")
    sch.cache_read(d, 1, "global", consumer_blocks=[d])  # only D reads A through the cache
    text = to_text(sch.mod["main"])
    assert "A_global[v0, v1] = A[v0, v1]" in text and "B[v_i, v_j] = A[v_i, v_j]" in text
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_set_scope_and_storage_align_lowered() -> None:
    func = elementwise(16, 16)
    sch = new_schedule(func)
    b = sch.get_block("B")
    sch.set_scope(b, 0, "local")
    sch.storage_align(b, 0, axis=0, factor=8, offset=3)
    sch.storage_align(b, 0, axis=-2, factor=8, offset=1)  # replaces the constraint of axis 0
    (buffer,) = sch.mod["main"].body.block.alloc_buffers
    assert buffer.scope == "local" and buffer.align_constraints == ((0, 8, 1),)
    lowered = to_text(lower(sch.mod["main"]))
    assert "272" in lowered  # 16 rows of stride 17 (17 % 8 == 1)
    verify_trace_roundtrip(sch, func)


def test_errors() -> None:
    sch, _, _ = schedule("chain")
    b, c, d = (sch.get_block(n) for n in "BCD")
    with fails_unchanged(sch, BufferIndexOutOfRangeError):
        sch.cache_read(c, 3, "local")
    with fails_unchanged(sch, InvalidStorageScopeError):
        sch.cache_write(b, 0, "texture")
    with fails_unchanged(sch, NotAConsumerError):
        sch.cache_read(c, 0, "local", consumer_blocks=[d])
    with fails_unchanged(sch, ParamBufferError):
        sch.set_scope(d, 0, "local")
    with fails_unchanged(sch, ParamBufferError):
        sch.storage_align(d, 0, 0, 8, 1)
    with fails_unchanged(sch, StorageAlignArgumentError):
        sch.storage_align(b, 0, 2, 8, 1)
    with fails_unchanged(sch, StorageAlignArgumentError):
        sch.storage_align(b, 0, 0, 8, 8)
    mm = new_schedule(hand_matmul(8))  # reads C[i, j] first
    cm = mm.get_block("C")
    with fails_unchanged(mm, CacheInPlaceError):
        mm.cache_read(cm, 0, "local")
