"""rfactor of a loop that is the block's whole reduction (regression found by the fuzz
test: the rfactor block kept an init without any reduction iter var, invalid S-TIR)."""

from __future__ import annotations

from test_sched2_helpers import run, schedule
from test_sched_common import verify_trace_roundtrip

from stir_core.ir import to_text


def test_rfactor_of_the_only_reduction_loop() -> None:
    for workload, name in (("softmax", "row_max"), ("matmul", "C")):
        sch, example, func = schedule(workload)
        block = sch.get_block(name)
        rf = sch.rfactor(sch.get_loops(block)[-1], 0)
        rf_block = sch.get(rf)
        assert rf_block.init is None and not rf_block.is_reduction
        assert "T.init()" in to_text(sch.mod["main"])  # the write-back still reduces
        run(sch.mod["main"], example)
        verify_trace_roundtrip(sch, func)
