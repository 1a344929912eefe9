"""``tvm.te.schedule``: ``InferBound`` (exact, from the S-TIR schedule) and the classic types."""

from __future__ import annotations

from stir_core.ir import IterVar, Range

from ..inferbound.exact import exact_infer_bound
from ..inferbound.model import classic_infer_bound
from .schedule import Schedule, create_schedule
from .stage import Stage


def InferBound(sch: Schedule) -> dict[IterVar, Range]:
    """The range of every IterVar (root and leaf) of ``sch``, from our exact analysis."""
    return exact_infer_bound(sch)


def ScheduleOps(sch: Schedule, bounds: object = None) -> object:
    """The scheduled S-TIR function (TVM returned the lowered statement)."""
    return sch.to_prim_func()


__all__ = [
    "InferBound",
    "Schedule",
    "ScheduleOps",
    "Stage",
    "classic_infer_bound",
    "create_schedule",
]
