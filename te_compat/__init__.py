"""te_compat: classic TVM Tensor Expression code on schedulable TensorIR.

``import te_compat as tvm`` then ``from te_compat import te`` and TVM operator code runs:
``te.placeholder``/``te.compute`` build S-TIR, ``tvm.lower``/``tvm.build`` compile it, and
``tvm.nd.array``/``tvm.cpu`` run it.
"""

from stir_core.ir import IRModule

from . import arith, ir, runtime, te, testing, tir, topi
from . import runtime as nd
from .driver import build, lower
from .inferbound.model import classic_infer_bound
from .runtime import Device, cpu, device
