"""S-TIR -> NS-TIR lowering: ``lower(func)`` runs the passes listed in ``pipeline.py``."""

from .alloc_buffers import alloc_buffers, allocation_scope, allocation_shape
from .compact_buffers import Compaction, compact_buffers, compact_region
from .convert_blocks import convert_blocks
from .errors import (
    BufferStridesError,
    InitWithoutReductionError,
    IterValueCountError,
    LowerError,
    PassOrderError,
    StorageAlignError,
    VectorIndexError,
)
from .flatten_buffer import buffer_strides, flat_index, flatten_buffer
from .lower_init import lower_init
from .pipeline import PIPELINE, lower
from .plan_buffers import plan_buffers
from .simplify import simplify

__all__ = [name for name in dir() if not name.startswith("_")]
