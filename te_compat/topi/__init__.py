"""``tvm.topi``: the few classic operators the demo and tests need, written in TVM style."""

from . import nn, tag, utils
from .broadcast import (
    BroadcastError,
    add,
    divide,
    floor_divide,
    maximum,
    minimum,
    multiply,
    power,
    subtract,
)
from .math import abs, cast, erf, exp, log, negative, rsqrt, sigmoid, sqrt, tanh
