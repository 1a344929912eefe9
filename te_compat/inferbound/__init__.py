"""Classic-InferBound model, exact bounds from S-TIR, and their comparison."""

from .compare import BoundsReport, compare_bounds
from .exact import exact_infer_bound
from .model import classic_infer_bound

__all__ = ["BoundsReport", "classic_infer_bound", "compare_bounds", "exact_infer_bound"]
