"""The compilation target: the host CPU (name and features) and LLVM's O3 pipeline.

``"llvm"`` means the host CPU with all its features; ``"llvm -mcpu=NAME"`` picks another CPU
(``-mattr=+f1,-f2`` adds features). Where the CPU has AVX-512 we also turn off LLVM's
``prefer-256-bit`` tuning so the vectorizers use 512-bit registers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cache

from . import llvm
from .errors import UnsupportedTargetError

OPT_LEVEL = 3


@dataclass(frozen=True)
class Target:
    """An LLVM CPU target; ``key`` identifies it in the kernel cache."""

    cpu: str
    features: str
    triple: str

    @property
    def key(self) -> str:
        return f"llvm -mtriple={self.triple} -mcpu={self.cpu} -mattr={self.features}"

    @property
    def has_avx512(self) -> bool:
        return "+avx512f" in self.features.split(",")


def host_target() -> Target:
    """The CPU this process runs on, with every feature LLVM detects."""
    llvm.initialize_native()
    features = llvm.binding.get_host_cpu_features().flatten()
    return Target(llvm.binding.get_host_cpu_name(), features, llvm.binding.get_process_triple())


def parse_target(spec: str | Target) -> Target:
    """``"llvm"``, ``"llvm -mcpu=skylake-avx512"`` or ``"llvm -mattr=+avx2"`` -> ``Target``."""
    if isinstance(spec, Target):
        return spec
    words = shlex.split(str(spec))
    if not words or words[0] != "llvm":
        raise UnsupportedTargetError(
            f"unsupported target {spec!r}: only CPU targets are supported, e.g. 'llvm' or "
            "'llvm -mcpu=native'"
        )
    host = host_target()
    cpu, features = host.cpu, host.features
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key == "-mcpu":
            cpu, features = _cpu_and_features(value, host)
        elif key == "-mattr":
            features = ",".join(f for f in (features, value) if f)
        else:
            raise UnsupportedTargetError(
                f"unsupported option {word!r} in target {spec!r} (known: -mcpu=, -mattr=)"
            )
    return Target(cpu, features, host.triple)


def _cpu_and_features(cpu: str, host: Target) -> tuple[str, str]:
    if not cpu:
        raise UnsupportedTargetError("-mcpu needs a CPU name, e.g. -mcpu=skylake-avx512")
    if cpu in ("native", host.cpu):
        return host.cpu, host.features
    return cpu, ""


def codegen_features(target: Target) -> str:
    """The feature string given to LLVM: the target's plus 512-bit vector preference."""
    if target.has_avx512:
        return f"{target.features},-prefer-256-bit"
    return target.features


def function_attributes(target: Target) -> dict[str, str]:
    """String attributes of every kernel function, as TVM sets them: the IR-level passes
    (vectorizer cost model, unroller) read the CPU from the function, not the machine."""
    attributes = {"target-cpu": target.cpu}
    features = codegen_features(target)
    if features:
        attributes["target-features"] = features
    if target.has_avx512:
        attributes["prefer-vector-width"] = "512"
    return attributes


def new_target_machine(target: Target) -> llvm.binding.TargetMachine:
    """A new LLVM TargetMachine for ``target`` at opt level 3, for JIT use.

    An MCJIT engine takes ownership of the machine it is created with and frees it with
    itself, so every engine needs its own (``engine.CompiledModule``).
    """
    llvm.initialize_native()
    try:
        llvm_target = llvm.binding.Target.from_triple(target.triple)
    except RuntimeError as error:
        raise UnsupportedTargetError(f"LLVM has no target for {target.triple}: {error}") from None
    return llvm_target.create_target_machine(
        cpu=target.cpu, features=codegen_features(target), opt=OPT_LEVEL, jit=True
    )


@cache
def target_machine(target: Target) -> llvm.binding.TargetMachine:
    """The shared machine of ``target`` for optimisation and assembly (never an engine's)."""
    return new_target_machine(target)


def optimize(module: llvm.binding.ModuleRef, machine: llvm.binding.TargetMachine) -> None:
    """Run LLVM's O3 module pipeline (new pass manager), tuned by ``pipeline_options``."""
    options = pipeline_options()
    builder = llvm.binding.create_pass_builder(machine, options)
    builder.getModulePassManager().run(module, builder)


def pipeline_options() -> llvm.binding.PipelineTuningOptions:
    """The tuning options of the O3 pipeline: SLP vectorization and unrolling on, LLVM's loop
    vectorizer off.

    LLVM 22.1 (llvmlite 0.50) miscompiles loops that store and then reload ``C[x]`` in one
    iteration beside a periodic index such as ``B[k * 16 + f % 16]`` (the fused, reordered
    matmul: wrong values or NaN). Two variants were reproduced on plain LLVM IR, one through
    loop interleaving, one through vectorization plus unrolling; the schedule fuzz test found
    both. ``tests/stir_core/codegen/test_codegen_llvm_bugs.py`` keeps the cases. Loops a
    schedule marks ``vectorized`` are emitted as vector code by ``vectorize.py`` and do not
    depend on this pass; unscheduled loops stay scalar (plus SLP).
    """
    options = llvm.binding.create_pipeline_tuning_options(speed_level=OPT_LEVEL)
    options.loop_vectorization = False
    options.slp_vectorization = True
    options.loop_unrolling = True
    options.loop_interleaving = False
    return options
