"""PLACEHOLDER (being replaced): S-TIR invariant checks."""

from __future__ import annotations

from ..errors import UserError
from .function import PrimFunc


class IRVerifyError(UserError):
    pass


def verify(func: PrimFunc) -> None:
    raise NotImplementedError
