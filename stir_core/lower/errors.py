"""Errors of the lowering passes (each names the block, buffer or pass at fault)."""

from __future__ import annotations

from ..errors import UserError


class LowerError(UserError):
    """Base of the errors raised while lowering S-TIR to NS-TIR."""


class PassOrderError(LowerError):
    """A pass met IR that an earlier pass of the pipeline should have removed."""


class InitWithoutReductionError(LowerError):
    """A block has an ``init`` but no reduction iter var (S-TIR invariant 5)."""


class StorageAlignError(LowerError):
    """A buffer's ``align_constraints`` entry is out of range (axis, factor or offset)."""


class BufferStridesError(LowerError):
    """A buffer's ``strides`` do not have one entry per dimension."""


class VectorIndexError(LowerError):
    """A vector index that is neither a ``Ramp`` nor a ``Broadcast`` cannot be flattened."""


class IterValueCountError(LowerError):
    """A ``BlockRealize`` binds a different number of values than its block has iter vars."""
