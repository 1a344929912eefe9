"""The classic TE schedule (``te.create_schedule``, ``s[C].split``...) on S-TIR."""

from .itervar import ThreadAxisError, UnknownIterVarError, thread_axis
from .schedule import (
    Schedule,
    ScheduleArgumentError,
    ThreadBindingOnCPUError,
    UnloweredScheduleError,
    create_schedule,
)
from .stage import AttachError, PlaceholderStageError, Stage, StageArgumentError

__all__ = [
    "AttachError",
    "PlaceholderStageError",
    "Schedule",
    "ScheduleArgumentError",
    "Stage",
    "StageArgumentError",
    "ThreadAxisError",
    "ThreadBindingOnCPUError",
    "UnknownIterVarError",
    "UnloweredScheduleError",
    "create_schedule",
    "thread_axis",
]
