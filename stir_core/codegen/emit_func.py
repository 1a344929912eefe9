"""A ``PrimFunc`` -> an LLVM module holding ``void stir_<name>(args...)`` (see ``signature``).

Buffer parameters are ``noalias`` pointers to their elements, ``dereferenceable(bytes)``
when the buffer's shape is constant (the kernel checks every array's shape before the
call). No alignment beyond the element's is assumed: numpy only guarantees 16 bytes for a
fresh array (glibc ``malloc``) and the element size for views. Scalar parameters are passed
by value (a float16 scalar as a float32, rounded on entry); shape variables follow. Every
function carries ``target-cpu`` / ``target-features`` (``target.function_attributes``).
"""

from __future__ import annotations

import re

from ..ir import Buffer, DataType, IntImm, PrimFunc, Var
from .cast import emit_cast
from .context import FunctionContext, ModuleState
from .emit_stmt import StmtEmitter
from .llvm import VOID, byte_size, ir, storage_type, value_type
from .signature import Signature
from .target import Target, function_attributes


def symbol_name(func: PrimFunc) -> str:
    """The native symbol of the kernel: ``stir_`` + its name made an identifier."""
    return "stir_" + re.sub(r"\W", "_", func.name)


def _scalar_abi_dtype(var: Var) -> DataType:
    dtype = var.dtype
    return dtype.with_bits(32) if dtype.is_float and dtype.bits == 16 else dtype


def _param_type(param: Buffer | Var) -> ir.Type:
    if isinstance(param, Buffer):
        return storage_type(param.dtype).as_pointer()
    return value_type(_scalar_abi_dtype(param))


def constant_bytes(buffer: Buffer) -> int | None:
    """The size of ``buffer`` in bytes when its shape is constant, else None."""
    total = byte_size(buffer.dtype)
    for extent in buffer.shape:
        if not isinstance(extent, IntImm):
            return None
        total *= extent.value
    return total


def emit_module(signature: Signature, target: Target) -> ModuleState:
    """The LLVM module of ``signature.func`` (one exported function, plus outlined bodies)."""
    func = signature.func
    symbol = symbol_name(func)
    state = ModuleState(symbol, function_attributes(target))
    types = [_param_type(p) for p in func.params]
    types += [value_type(var.dtype) for var in signature.shape_vars]
    function = state.define(symbol, ir.FunctionType(VOID, types))
    ctx = FunctionContext(state, function)
    args = list(function.args)
    for param, arg in zip(func.params, args, strict=False):
        _bind_param(ctx, param, arg)
    for var, arg in zip(signature.shape_vars, args[len(func.params) :], strict=True):
        ctx.vars[var] = arg
    StmtEmitter(ctx).visit(func.body)
    ctx.finish()
    return state


def _bind_param(ctx: FunctionContext, param: Buffer | Var, arg: ir.Argument) -> None:
    if isinstance(param, Buffer):
        ctx.bind_pointer_param(arg, param.data, constant_bytes(param))
        return
    abi = _scalar_abi_dtype(param)
    ctx.vars[param] = emit_cast(ctx.builder, arg, abi, param.dtype)
