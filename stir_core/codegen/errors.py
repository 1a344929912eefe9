"""Errors of the codegen package: unsupported targets or IR, and bad kernel arguments.

Every argument error names the parameter (buffer or scalar name and its position), and is
raised before any native code runs, so a failing call leaves every array untouched.
"""

from __future__ import annotations

from ..errors import UserError


class UnsupportedTargetError(UserError, ValueError):
    """The target string is not an LLVM CPU target (``"llvm"``, ``"llvm -mcpu=..."``)."""


class UnsupportedIRError(UserError):
    """The function cannot be compiled as it is (e.g. a thread-bound loop, a free variable)."""


class KernelArgumentError(UserError, TypeError):
    """Base of the errors raised by ``Kernel.__call__`` before the native code runs."""


class ArgumentCountError(KernelArgumentError):
    """The kernel was called with the wrong number of arguments."""


class ArgumentTypeError(KernelArgumentError):
    """A buffer argument is not a numpy array, or a scalar argument has the wrong type."""


class ArgumentDTypeError(KernelArgumentError):
    """An array's dtype differs from its buffer's dtype."""


class ArgumentShapeError(KernelArgumentError, ValueError):
    """An array's ndim or shape does not match its buffer (incl. inconsistent shape vars)."""


class ArgumentLayoutError(KernelArgumentError, ValueError):
    """An array is not C-contiguous."""


class ReadOnlyArgumentError(KernelArgumentError, ValueError):
    """A read-only array was passed for a buffer that the kernel writes."""


class AliasedArgumentError(KernelArgumentError, ValueError):
    """A written buffer overlaps another argument's memory (buffers are ``noalias``)."""
