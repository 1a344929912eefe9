"""Emission state: one ``ModuleState`` per LLVM module, one ``FunctionContext`` per function.

A ``FunctionContext`` holds the builder, the LLVM values bound to IR variables (loop vars,
lets, parameters, shape vars) and the pointer bound to each buffer's ``data`` variable.
Outlined parallel bodies get their own context (``parallel_depth`` > 0: nested parallel
loops then run serially).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ..ir import Buffer, Var
from .errors import UnsupportedIRError
from .llvm import Builder, Value, define, ir, storage_type


class ModuleState:
    """The LLVM module being built, the names handed out in it and the attributes every
    function defined in it carries (``target-cpu`` / ``target-features``, see ``target``)."""

    def __init__(self, name: str, attributes: Mapping[str, str]):
        self.module = ir.Module(name=name)
        self.name = name
        self.attributes = dict(attributes)
        self._counter = 0
        #: set when a parallel loop calls the thread pool runtime
        self.uses_parallel = False

    def define(self, name: str, ty: ir.FunctionType, internal: bool = False) -> ir.Function:
        """A new ``nounwind`` function with the module's attributes."""
        function = define(self.module, name, ty, self.attributes)
        if internal:
            function.linkage = "internal"
        return function

    def fresh_name(self, suffix: str) -> str:
        """A new function name ``<kernel>_<suffix><n>``."""
        self._counter += 1
        return f"{self.name}_{suffix}{self._counter}"


class FunctionContext:
    """State of emitting the body of one LLVM function."""

    def __init__(self, state: ModuleState, function: ir.Function, parallel_depth: int = 0):
        self.state = state
        self.function = function
        self.parallel_depth = parallel_depth
        self._entry = function.append_basic_block("entry")  # allocas only, see finish()
        self._body = function.append_basic_block("body")
        self.builder: Builder = ir.IRBuilder(self._body)
        self.vars: dict[Var, Value] = {}
        self.buffers: dict[Var, Value] = {}
        #: bytes known to be dereferenceable at each buffer pointer (constant shapes)
        self.extents: dict[Var, int] = {}

    @property
    def module(self) -> ir.Module:
        return self.state.module

    def alloca(self, ty: ir.Type, name: str = "", align: int = 0) -> Value:
        """Stack storage of ``ty`` in the entry block (allocated once per call)."""
        slot = ir.IRBuilder(self._entry).alloca(ty, name=name)
        if align:
            slot.align = align
        return slot

    def finish(self) -> None:
        """Return from the function and close the entry block (it jumps to the body)."""
        self.builder.ret_void()
        ir.IRBuilder(self._entry).branch(self._body)

    @contextmanager
    def bind(self, var: Var, value: Value) -> Iterator[None]:
        """``var`` evaluates to ``value`` inside the ``with`` block."""
        self.vars[var] = value
        try:
            yield
        finally:
            del self.vars[var]

    def bind_pointer_param(self, arg: ir.Argument, data: Var, nbytes: int | None) -> None:
        """Bind a buffer pointer parameter: ``noalias``, ``dereferenceable`` when known."""
        arg.add_attribute("noalias")
        if nbytes:
            arg.attributes.dereferenceable = nbytes
            self.extents[data] = nbytes
        self.buffers[data] = arg

    @contextmanager
    def bind_buffer(self, data: Var, pointer: Value) -> Iterator[None]:
        self.buffers[data] = pointer
        try:
            yield
        finally:
            del self.buffers[data]

    def lookup(self, var: Var) -> Value:
        value = self.vars.get(var)
        if value is None:
            raise UnsupportedIRError(
                f"variable {var.name!r} is used but not defined: it is neither a parameter, "
                "a shape variable of a parameter buffer, nor bound by a loop or let"
            )
        return value

    def buffer_pointer(self, buffer: Buffer) -> Value:
        """A pointer to the first element of ``buffer``, typed for its dtype."""
        pointer = self.buffers.get(buffer.data)
        if pointer is None:
            raise UnsupportedIRError(
                f"buffer {buffer.name!r} is used but neither a parameter nor allocated"
            )
        wanted = storage_type(buffer.dtype).as_pointer()
        if pointer.type != wanted:
            pointer = self.builder.bitcast(pointer, wanted)
        return pointer
