"""``build(func, target="llvm") -> Kernel``: NS-TIR (or S-TIR, lowered first) to native code.

Kernels are cached per process, keyed by ``structural_hash(func)`` and the target, and
confirmed by ``structural_equal`` on a hit: building the same IR twice compiles once.
"""

from __future__ import annotations

import threading

from .. import lower as lowering
from ..errors import InternalError, UserError
from ..ir import (
    Block,
    BlockRealize,
    IRModule,
    IRVisitor,
    PrimFunc,
    structural_equal,
    structural_hash,
)
from .emit_func import emit_module, symbol_name
from .engine import CompiledModule
from .kernel import Kernel
from .pool import get_pool
from .signature import Signature
from .target import Target, parse_target


class BuildInputError(UserError, TypeError):
    """``build`` was given something other than a PrimFunc or a one-function IRModule."""


_CACHE: dict[tuple[int, str], list[tuple[PrimFunc, Kernel]]] = {}
_CACHE_LOCK = threading.Lock()


class _HasBlocks(IRVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Block(self, node: Block) -> None:
        self.found = True

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        self.found = True


def _select(func: PrimFunc | IRModule) -> PrimFunc:
    if isinstance(func, PrimFunc):
        return func
    if isinstance(func, IRModule):
        if "main" in func:
            return func["main"]
        if len(func.functions) == 1:
            return next(iter(func.functions.values()))
        names = ", ".join(func.functions)
        raise BuildInputError(f"IRModule has several functions ({names}) and none is 'main'")
    raise BuildInputError(f"build takes a PrimFunc or an IRModule, got {type(func).__name__}")


def _as_ns_tir(func: PrimFunc) -> PrimFunc:
    """``func`` itself if it has no blocks, else ``stir_core.lower.lower(func)``."""
    finder = _HasBlocks()
    finder.visit(func.body)
    if not finder.found:
        return func
    lower = getattr(lowering, "lower", None)
    if lower is None:
        raise InternalError("stir_core.lower.lower is missing: cannot lower S-TIR")
    return lower(func)


def build(func: PrimFunc | IRModule, target: str | Target = "llvm") -> Kernel:
    """Compile ``func`` for ``target`` (the host CPU by default); cached (see module doc)."""
    spec = parse_target(target)
    prim = _as_ns_tir(_select(func))
    key = (structural_hash(prim), spec.key)
    with _CACHE_LOCK:
        for cached, kernel in _CACHE.get(key, ()):
            if structural_equal(cached, prim, map_free_vars=True):
                return kernel
    kernel = _compile(prim, spec)
    with _CACHE_LOCK:
        _CACHE.setdefault(key, []).append((prim, kernel))
    return kernel


def _compile(func: PrimFunc, target: Target) -> Kernel:
    signature = Signature.of(func)
    state = emit_module(signature, target)
    if state.uses_parallel:
        get_pool()  # starts the workers and registers stir_parallel_for
    code = CompiledModule(str(state.module), target, func.name)
    return Kernel(signature, code, symbol_name(func))


def clear_cache() -> None:
    """Forget every cached kernel (their native code is freed with them)."""
    with _CACHE_LOCK:
        _CACHE.clear()
