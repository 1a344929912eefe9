"""JIT compilation: LLVM IR text -> verified, O3-optimised module -> MCJIT native code.

A ``CompiledModule`` owns its execution engine: the native code lives as long as it does
(a ``Kernel`` keeps it). ``compile_count()`` counts compilations (the kernel cache test
uses it).
"""

from __future__ import annotations

from ..errors import InternalError
from . import llvm
from .target import Target, new_target_machine, optimize, target_machine

_compiled = [0]


def compile_count() -> int:
    """How many modules this process has compiled so far."""
    return _compiled[0]


class CompiledModule:
    """Native code of one LLVM module, with its IR before and after optimisation."""

    def __init__(self, ir_text: str, target: Target, name: str = "module"):
        self.target = target
        self.unoptimized_ir = ir_text
        module = _parse(ir_text, name)
        machine = target_machine(target)
        module.triple = target.triple
        module.data_layout = str(machine.target_data)
        optimize(module, machine)
        self.optimized_ir = str(module)
        # the engine owns (and frees) the machine it gets: never the shared one
        self._engine = llvm.binding.create_mcjit_compiler(module, new_target_machine(target))
        self._engine.finalize_object()
        self._assembly: str | None = None
        _compiled[0] += 1

    def function_address(self, name: str) -> int:
        address = self._engine.get_function_address(name)
        if not address:
            raise InternalError(f"compiled module has no function {name!r}")
        return int(address)

    def global_address(self, name: str) -> int:
        address = self._engine.get_global_value_address(name)
        if not address:
            raise InternalError(f"compiled module has no global {name!r}")
        return int(address)

    @property
    def assembly(self) -> str:
        """Native assembly of the optimised module (rendered on first use)."""
        if self._assembly is None:
            module = _parse(self.optimized_ir, "assembly")
            self._assembly = target_machine(self.target).emit_assembly(module)
        return self._assembly


def _parse(ir_text: str, name: str) -> llvm.binding.ModuleRef:
    llvm.initialize_native()
    try:
        module = llvm.binding.parse_assembly(ir_text)
        module.verify()
    except RuntimeError as error:
        raise InternalError(f"invalid LLVM IR generated for {name}: {error}\n{ir_text}") from None
    module.name = name
    return module


def register_symbol(name: str, address: int) -> None:
    """Make ``name`` resolve to ``address`` in every module compiled from now on."""
    llvm.binding.add_symbol(name, address)
