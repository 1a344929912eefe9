"""A ``PrimFunc`` -> an LLVM module holding ``void stir_<name>(args...)`` (see ``signature``).

Buffer parameters are ``noalias`` pointers to their elements; scalar parameters are passed
by value (a float16 scalar as a float32, rounded on entry); shape variables follow.
"""

from __future__ import annotations

import re

from ..ir import Buffer, DataType, PrimFunc, Var
from .cast import emit_cast
from .context import FunctionContext, ModuleState
from .emit_stmt import StmtEmitter
from .llvm import VOID, ir, storage_type, value_type
from .signature import Signature


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


def emit_module(signature: Signature) -> ModuleState:
    """The LLVM module of ``signature.func`` (one exported function, plus outlined bodies)."""
    func = signature.func
    symbol = symbol_name(func)
    state = ModuleState(symbol)
    types = [_param_type(p) for p in func.params]
    types += [value_type(var.dtype) for var in signature.shape_vars]
    function = ir.Function(state.module, ir.FunctionType(VOID, types), symbol)
    function.attributes.add("nounwind")
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
        arg.add_attribute("noalias")
        ctx.buffers[param.data] = arg
        return
    abi = _scalar_abi_dtype(param)
    ctx.vars[param] = emit_cast(ctx.builder, arg, abi, param.dtype)
