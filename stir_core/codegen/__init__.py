"""NS-TIR -> LLVM IR (llvmlite) -> native kernels called on numpy arrays.

``build(func, target="llvm") -> Kernel``; ``kernel(*arrays)`` validates every argument,
then runs the native code on the arrays' memory (zero copy).
"""

from .build import BuildInputError, build, clear_cache
from .engine import compile_count
from .errors import (
    AliasedArgumentError,
    ArgumentCountError,
    ArgumentDTypeError,
    ArgumentLayoutError,
    ArgumentShapeError,
    ArgumentTypeError,
    KernelArgumentError,
    ReadOnlyArgumentError,
    UnsupportedIRError,
    UnsupportedTargetError,
)
from .kernel import Kernel
from .pool import get_pool
from .target import Target, host_target, parse_target

__all__ = [name for name in dir() if not name.startswith("_")]
