"""Analyses over whole functions that need the exact bound analysis: ``verify``.

Layering: ``ir`` <- ``arith`` <- ``analysis`` <- ``schedule`` / ``lower`` / ``codegen``.
"""

from .verify import IRVerifyError, verify

__all__ = ["IRVerifyError", "verify"]
