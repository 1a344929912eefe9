"""``Kernel``: a compiled function called on numpy arrays, checked and zero-copy.

>>> kernel = build(func)
>>> kernel(a, b, c)          # validated first (see ``args``), then runs natively
>>> print(kernel.llvm_ir)    # optimised LLVM IR; also llvm_ir_unoptimized, assembly
"""

from __future__ import annotations

import ctypes

from ..ir import Buffer, DataType, PrimFunc
from .args import ArgumentValidator
from .engine import CompiledModule
from .signature import Signature

_CTYPES: dict[str, type] = {
    "bool": ctypes.c_bool,
    "int8": ctypes.c_int8,
    "int16": ctypes.c_int16,
    "int32": ctypes.c_int32,
    "int64": ctypes.c_int64,
    "uint8": ctypes.c_uint8,
    "uint16": ctypes.c_uint16,
    "uint32": ctypes.c_uint32,
    "uint64": ctypes.c_uint64,
    "float16": ctypes.c_float,  # passed as float32, rounded by the kernel
    "float32": ctypes.c_float,
    "float64": ctypes.c_double,
}


def _ctype(dtype: DataType) -> type:
    return _CTYPES[str(dtype)]


def prototype(signature: Signature) -> type:
    """The ctypes function type of the kernel's native entry point."""
    params = [
        ctypes.c_void_p if isinstance(p, Buffer) else _ctype(p.dtype) for p in signature.func.params
    ]
    params += [_ctype(var.dtype) for var in signature.shape_vars]
    return ctypes.CFUNCTYPE(None, *params)


class Kernel:
    """A native kernel for ``func``; call it with numpy arrays (and scalars)."""

    def __init__(self, signature: Signature, code: CompiledModule, symbol: str):
        self.func: PrimFunc = signature.func
        self.name: str = signature.func.name
        self.signature = signature
        self._code = code
        self._validator = ArgumentValidator(signature)
        self._native = prototype(signature)(code.function_address(symbol))

    def __call__(self, *args: object) -> None:
        self._native(*self._validator.native_args(args))

    @property
    def llvm_ir(self) -> str:
        """The optimised LLVM IR."""
        return self._code.optimized_ir

    @property
    def llvm_ir_unoptimized(self) -> str:
        """The LLVM IR as emitted, before the O3 pipeline."""
        return self._code.unoptimized_ir

    @property
    def assembly(self) -> str:
        """Native assembly for the target CPU."""
        return self._code.assembly

    @property
    def target(self) -> str:
        return self._code.target.key

    def __repr__(self) -> str:
        return f"<Kernel {self.name} for {self._code.target.cpu}>"
