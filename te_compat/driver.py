"""``tvm.lower`` and ``tvm.build`` over stir_core's lowering and code generation.

>>> func = te.create_prim_func([A, B, C])
>>> tvm.lower(func)["main"]          # NS-TIR, printed TVMScript-style
>>> f = tvm.build(func, target="llvm")
>>> f(a, b, c)                       # tvm.nd arrays or numpy arrays
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import stir_core.codegen as stir_codegen
import stir_core.lower as stir_lower
from stir_core.errors import UserError
from stir_core.ir import IRModule, PrimFunc

from .classic.schedule import Schedule as ClassicSchedule
from .runtime import Module


class BuildInputError(UserError, TypeError):
    """``lower``/``build`` got something other than a PrimFunc or an IRModule."""


class TargetError(UserError, ValueError):
    """A compilation target other than the host CPU (``llvm``) was requested."""


def lower(
    inp: Any,
    args: Sequence[Any] | None = None,
    name: str = "main",
    binds: Any = None,
    simple_mode: bool = False,
) -> IRModule:
    """The module with every function of ``inp`` lowered to NS-TIR (no blocks)."""
    if isinstance(inp, ClassicSchedule):
        inp = inp.to_prim_func(args, name)
    mod = _as_module(inp, name)
    return IRModule({key: stir_lower.lower(func) for key, func in mod.items()})


def build(
    inputs: Any,
    args: Sequence[Any] | None = None,
    target: Any = None,
    target_host: Any = None,
    runtime: Any = None,
    name: str = "default_function",
    binds: Any = None,
) -> Module:
    """Compile ``inputs`` (a PrimFunc or IRModule) for the host CPU; returns a ``Module``.

    The module's entry is the ``main`` function, or the only one.
    """
    target_name = _check_target(target)
    if isinstance(inputs, ClassicSchedule):
        inputs.check_buildable()
        inputs = inputs.to_prim_func(args, name)
    mod = _as_module(inputs, name)
    kernels = {key: stir_codegen.build(func, target=target_name) for key, func in mod.items()}
    sources = {key: _kernel_source(kernel) for key, kernel in kernels.items()}
    entry = "main" if "main" in kernels else next(iter(kernels))
    return Module(kernels, entry, sources)


def _as_module(inp: Any, name: str) -> IRModule:
    if isinstance(inp, IRModule):
        if not inp.functions:
            raise BuildInputError("the IRModule has no function to compile")
        return inp
    if isinstance(inp, PrimFunc):
        return IRModule({str(inp.attrs.get("global_symbol", name)): inp})
    if isinstance(getattr(inp, "mod", None), IRModule):  # a TensorIR schedule
        return _as_module(inp.mod, name)
    raise BuildInputError(
        f"expected a PrimFunc, an IRModule, a tir.Schedule or a te.create_schedule schedule "
        f"(e.g. te.create_prim_func([A, B, C])), got "
        f"{type(inp).__name__}"
    )


def _check_target(target: Any) -> str:
    text = "llvm" if target is None else str(getattr(target, "kind", target))
    if text.split()[0] not in ("llvm", "cpu", "c"):
        raise TargetError(f"target {text!r} is not supported: only the host CPU ('llvm')")
    return "llvm"


def _kernel_source(kernel: Any) -> str:
    for attribute in ("llvm_ir", "source", "ir"):
        text = getattr(kernel, attribute, None)
        if isinstance(text, str):
            return text
    return ""
