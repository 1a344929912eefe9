"""stir_core: schedulable TensorIR (S-TIR), exact bounds, lowering and llvmlite codegen."""

from . import ir
from .errors import InternalError, StirError, UserError

__all__ = ["InternalError", "StirError", "UserError", "ir"]
