"""TVM's runtime surface: devices, ``nd`` arrays and built modules.

An ``NDArray`` owns a contiguous numpy array; a ``Module`` calls compiled kernels on the
arrays it is given (``NDArray`` or numpy, zero copy), so results land in the output array.

>>> dev = tvm.cpu(0)
>>> a = tvm.nd.array(np.ones(4, "float32"), dev)
>>> c = tvm.nd.empty((4,), "float32", dev)
>>> f(a, c); c.numpy()
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stir_core.errors import UserError
from stir_core.ir import DataType


class DeviceError(UserError, ValueError):
    """A device other than the CPU was requested."""


class ModuleFunctionError(UserError, AttributeError):
    """A built module has no function of the requested name."""


# ---------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class Device:
    """A device (only the host CPU exists here): ``tvm.cpu(0)``."""

    device_type: int = 1
    device_id: int = 0

    def sync(self) -> None:
        """Wait for the device: a no-op on the CPU."""

    @property
    def exist(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"cpu({self.device_id})"


def cpu(dev_id: int = 0) -> Device:
    return Device(1, dev_id)


def device(dev_type: str | int = "cpu", dev_id: int = 0) -> Device:
    """``tvm.device("cpu", 0)``; ``"llvm"`` names the CPU too."""
    if dev_type in ("cpu", "llvm", "c", 1) or str(dev_type).startswith("llvm"):
        return cpu(dev_id)
    raise DeviceError(f"device {dev_type!r} is not available: only the CPU ('cpu', 'llvm')")


# ----------------------------------------------------------------------------- arrays


class NDArray:
    """A contiguous array on a device (TVM's ``tvm.nd.NDArray``)."""

    def __init__(self, data: np.ndarray, dev: Device | None = None) -> None:
        self._data = data
        self.device = dev or cpu(0)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def dtype(self) -> str:
        return str(DataType(self._data.dtype))

    def numpy(self) -> np.ndarray:
        """A copy of the contents as a numpy array."""
        return self._data.copy()

    asnumpy = numpy

    def copyfrom(self, source: Any) -> NDArray:
        """Overwrite the contents with ``source`` (same shape)."""
        value = source.numpy() if isinstance(source, NDArray) else np.asarray(source)
        if value.shape != self._data.shape:
            raise UserError(f"copyfrom: shape {value.shape} does not match {self._data.shape}")
        self._data[...] = value
        return self

    def copyto(self, target: Any) -> NDArray:
        """Copy into another ``NDArray`` (or a new one on the device ``target``)."""
        if isinstance(target, NDArray):
            return target.copyfrom(self)
        return NDArray(self._data.copy(), target)

    def as_numpy_view(self) -> np.ndarray:
        """The array itself (no copy): what kernels read and write."""
        return self._data

    def __repr__(self) -> str:
        return f"<tvm.nd.NDArray shape={self.shape}, {self.device}>\n{self._data!r}"


def array(arr: Any, device: Device | None = None) -> NDArray:
    """A new ``NDArray`` holding a contiguous copy of ``arr``."""
    source = arr.numpy() if isinstance(arr, NDArray) else np.asarray(arr)
    return NDArray(np.ascontiguousarray(source).copy(), device)


def empty(shape: Sequence[int], dtype: str = "float32", device: Device | None = None) -> NDArray:
    """An uninitialized ``NDArray`` of ``shape`` and ``dtype``."""
    return NDArray(np.empty(tuple(shape), dtype=DataType(dtype).numpy_dtype), device)


def as_kernel_argument(value: Any) -> Any:
    """What a kernel receives for a call argument: the numpy array behind an ``NDArray``."""
    return value.as_numpy_view() if isinstance(value, NDArray) else value


# ---------------------------------------------------------------------------- modules


@dataclass(frozen=True)
class BenchmarkResult:
    """Times in seconds of each repeat (each the mean of ``number`` runs)."""

    results: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.results)

    @property
    def median(self) -> float:
        return statistics.median(self.results)

    @property
    def min(self) -> float:
        return min(self.results)

    @property
    def max(self) -> float:
        return max(self.results)

    @property
    def std(self) -> float:
        return statistics.pstdev(self.results)


class Module:
    """Compiled functions by name (TVM's ``runtime.Module``); calling it runs the entry."""

    entry_name = "__tvm_main__"

    def __init__(
        self, functions: Mapping[str, Callable[..., Any]], entry: str, sources: Mapping[str, str]
    ) -> None:
        self._functions = dict(functions)
        self._entry = entry
        self._sources = dict(sources)

    def get_function(self, name: str) -> Callable[..., None]:
        """The function ``name`` (``entry_name`` is the main one) taking arrays."""
        key = self._entry if name == self.entry_name else name
        kernel = self._functions.get(key)
        if kernel is None:
            known = ", ".join(self._functions)
            raise ModuleFunctionError(f"module has no function {name!r} (it has: {known})")

        def call(*args: Any) -> None:
            kernel(*(as_kernel_argument(a) for a in args))

        call.__name__ = key
        return call

    __getitem__ = get_function

    def __call__(self, *args: Any) -> None:
        self.get_function(self._entry)(*args)

    def get_source(self, fmt: str = "") -> str:
        """The generated code (LLVM IR) of every function."""
        return "\n".join(self._sources.values())

    def time_evaluator(
        self,
        func_name: str,
        dev: Device | None = None,
        number: int = 10,
        repeat: int = 1,
        min_repeat_ms: int = 0,
        **unused: Any,
    ) -> Callable[..., BenchmarkResult]:
        """A function that runs ``func_name`` ``repeat`` x ``number`` times and times it."""
        func = self.get_function(func_name)

        def evaluate(*args: Any) -> BenchmarkResult:
            func(*args)  # warm-up
            runs = max(1, number)
            results = []
            for _ in range(max(1, repeat)):
                elapsed = _time(func, args, runs)
                while elapsed * 1000 < min_repeat_ms:
                    runs *= 2
                    elapsed = _time(func, args, runs)
                results.append(elapsed / runs)
            return BenchmarkResult(tuple(results))

        return evaluate

    def __repr__(self) -> str:
        return f"Module(llvm, functions={list(self._functions)})"


def _time(func: Callable[..., None], args: tuple[Any, ...], runs: int) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        func(*args)
    return time.perf_counter() - start
