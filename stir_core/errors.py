"""The two error families of stir_core.

``UserError`` subclasses mean the caller asked for something invalid and name the thing
at fault; ``InternalError`` means a bug in stir_core itself (raised by ``internal_check``).
"""

from __future__ import annotations


class StirError(Exception):
    """Base class of every error raised by stir_core."""


class UserError(StirError):
    """The caller's input is invalid (bad dtype, bad IR, bad argument...)."""


class InternalError(StirError):
    """An invariant of stir_core was broken: this is a bug, please report it."""


class DataTypeError(UserError, TypeError):
    """A dtype string cannot be parsed, or two dtypes cannot be combined."""


class IRTypeError(UserError, TypeError):
    """An IR node was built from operands of the wrong kind or dtype."""


def internal_check(condition: object, message: str) -> None:
    """Raise ``InternalError(message)`` when ``condition`` is false."""
    if not condition:
        raise InternalError(message)
