"""The classic TE schedule (``te.create_schedule``, ``s[C].split``...) on S-TIR."""

from .cache import CacheError
from .itervar import ThreadAxisError, UnknownIterVarError, thread_axis
from .rfactor import RFactorError
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
    "CacheError",
    "PlaceholderStageError",
    "RFactorError",
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
