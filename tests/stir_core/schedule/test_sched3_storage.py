"""cache_write(consumer_blocks=...) and transform_layout(pad_value=...)."""

from __future__ import annotations

from test_sched2_helpers import points, run, schedule
from test_sched_common import fails_unchanged, verify_trace_roundtrip

from stir_core.arith.evaluate import evaluate
from stir_core.ir import to_text
from stir_core.schedule import NotAConsumerError


def test_cache_write_consumer_blocks_read_the_cache() -> None:
    sch, example, func = schedule("softmax")
    exp, out = sch.get_block("exp"), sch.get_block("softmax")
    sch.cache_write(exp, 0, "local", consumer_blocks=[out])
    text = to_text(sch.mod["main"])
    assert "softmax[v_i_3, v_j_1] = exp_local[v_i_3, v_j_1] / row_sum[v_i_3]" in text, text
    assert "row_sum[v_i_2] = row_sum[v_i_2] + exp[v_i_2, v_k2]" in text, text
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_cache_write_consumer_blocks_must_read_the_buffer() -> None:
    sch, _, _ = schedule("softmax")
    exp, row_max = sch.get_block("exp"), sch.get_block("row_max")
    with fails_unchanged(sch, NotAConsumerError):
        sch.cache_write(exp, 0, "local", consumer_blocks=[row_max])


def test_pad_value_fills_exactly_the_padding() -> None:
    """24 rows stored as (5, 20, 5): row 24 of the new layout is padding, written with 7."""
    sch, example, func = schedule("chain")
    sch.transform_layout(sch.get_block("C"), "B", lambda i, j: (i // 5, j, i % 5), pad_value=7.0)
    body = sch.mod["main"].body.block.body
    mapped, padded = set(), set()
    for node, env in points(body):
        store = node.block.body
        if getattr(store, "buffer", None) is None or store.buffer.name != "B":
            continue
        where = tuple(evaluate(i, env) for i in store.indices)
        (padded if node.block.name_hint == "B_pad" else mapped).add(where)
        if node.block.name_hint == "B_pad":
            assert store.value.value == 7.0
    assert not mapped & padded
    assert len(mapped) == 24 * 20 and len(padded) == 5 * 20 * 5 - 24 * 20
    run(sch.mod["main"], example)
    verify_trace_roundtrip(sch, func)


def test_pad_value_without_padding_adds_nothing() -> None:
    sch, example, _ = schedule("chain")
    sch.transform_layout(sch.get_block("C"), "B", lambda i, j: (j, i), pad_value=0.0)
    assert "B_pad" not in to_text(sch.mod["main"])
    run(sch.mod["main"], example)


def test_cache_write_redirects_every_writer_of_a_decomposed_reduction() -> None:
    """Regression (fuzz): after decompose_reduction, cache_write of either the update or
    the init redirected only that block, leaving the cache half uninitialised."""
    for which in ("C", "C_init"):
        sch, example, func = schedule("matmul")
        c = sch.get_block("C")
        sch.decompose_reduction(c, sch.get_loops(c)[1])
        sch.cache_write(sch.get_block(which), 0, "local")
        text = to_text(sch.mod["main"])
        assert "C_local[v_i, v_j] = T.float32(0.0)" in text, text
        assert "C_local[v_i_1, v_j_1] = C_local[v_i_1, v_j_1] + A" in text, text
        run(sch.mod["main"], example)
        verify_trace_roundtrip(sch, func)
