"""Neural-network operators (TVM's ``topi.nn``): pad, conv2d_nchw, softmax, relu."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stir_core.errors import UserError
from stir_core.ir import PrimExpr

from .. import te, tir
from ..te import Tensor
from . import tag
from .utils import equal_const_int


class PaddingError(UserError, ValueError):
    """A padding specification cannot be understood."""


@te.tag_scope(tag=tag.INJECTIVE + ",pad")
def pad(
    data: Tensor,
    pad_before: Sequence[Any],
    pad_after: Sequence[Any] | None = None,
    pad_value: Any = 0.0,
    name: str = "PadInput",
    attrs: Any = None,
) -> Tensor:
    """``data`` surrounded by ``pad_value``: ``pad_before[d]`` / ``pad_after[d]`` per dim."""
    ndim = data.ndim
    after = pad_after if pad_after else pad_before
    if len(pad_before) != ndim or len(after) != ndim:
        raise PaddingError(f"pad: expected {ndim} entries in pad_before/pad_after of {data.name}")
    out_shape = tuple(data.shape[d] + pad_before[d] + after[d] for d in range(ndim))
    value = pad_value if isinstance(pad_value, PrimExpr) else tir.const(pad_value, data.dtype)

    def _pad(*indices: Any) -> Any:
        inside = []
        index = []
        for d in range(ndim):
            if equal_const_int(pad_before[d], 0) and equal_const_int(after[d], 0):
                index.append(indices[d])
                continue
            index.append(indices[d] - pad_before[d])
            inside.append(indices[d] >= pad_before[d])
            inside.append(indices[d] < data.shape[d] + pad_before[d])
        if not inside:
            return data(*index)
        return tir.if_then_else(tir.all(*inside), data(*index), value)

    return te.compute(out_shape, _pad, name=name, attrs=attrs)


def get_pad_tuple(padding: Any, kernel: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
    """``(top, left, down, right)`` padding from an int, a pair, a 4-tuple, SAME or VALID."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return padding[0], padding[1], padding[2], padding[3]
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        pad_h, pad_w = padding[0] * 2, padding[1] * 2
    elif isinstance(padding, int):
        pad_h = pad_w = padding * 2
    elif padding == "VALID":
        pad_h = pad_w = 0
    elif padding == "SAME":
        pad_h, pad_w = kernel[0] - 1, kernel[1] - 1
    else:
        raise PaddingError(f"padding {padding!r} is not an int, a pair, a 4-tuple, SAME or VALID")
    pad_top = (pad_h + 1) // 2
    pad_left = (pad_w + 1) // 2
    return pad_top, pad_left, pad_h - pad_top, pad_w - pad_left


def _pair(value: Any) -> tuple[Any, Any]:
    return (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, value)


def conv2d_nchw(
    Input: Tensor,
    Filter: Tensor,
    stride: Any,
    padding: Any,
    dilation: Any,
    out_dtype: str | None = None,
) -> Tensor:
    """2-d convolution in NCHW layout (``Filter`` is OIHW), zero padding."""
    out_dtype = out_dtype or Input.dtype
    stride_h, stride_w = _pair(stride)
    dilation_h, dilation_w = _pair(dilation)
    batch, in_channel, in_height, in_width = Input.shape
    num_filter, _, kernel_h, kernel_w = Filter.shape
    dilated_h = (kernel_h - 1) * dilation_h + 1
    dilated_w = (kernel_w - 1) * dilation_w + 1
    pad_top, pad_left, pad_down, pad_right = get_pad_tuple(padding, (dilated_h, dilated_w))
    out_height = (in_height - dilated_h + pad_top + pad_down) // stride_h + 1
    out_width = (in_width - dilated_w + pad_left + pad_right) // stride_w + 1
    temp = pad(Input, [0, 0, pad_top, pad_left], [0, 0, pad_down, pad_right], name="pad_temp")
    rc = te.reduce_axis((0, in_channel), name="rc")
    ry = te.reduce_axis((0, kernel_h), name="ry")
    rx = te.reduce_axis((0, kernel_w), name="rx")
    return te.compute(
        (batch, num_filter, out_height, out_width),
        lambda nn, ff, yy, xx: te.sum(
            temp[nn, rc, yy * stride_h + ry * dilation_h, xx * stride_w + rx * dilation_w].astype(
                out_dtype
            )
            * Filter[ff, rc, ry, rx].astype(out_dtype),
            axis=[rc, ry, rx],
        ),
        name="conv2d_nchw",
        tag="conv2d_nchw",
    )


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``, in four stages."""
    shape = x.shape
    axis = axis + len(shape) if axis < 0 else axis
    k1 = te.reduce_axis((0, shape[axis]), name="k")
    k2 = te.reduce_axis((0, shape[axis]), name="k")

    def with_reduce(indices: tuple[Any, ...], k: Any) -> tuple[Any, ...]:
        return (*indices[:axis], k, *indices[axis:])

    def reduced(indices: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(v for d, v in enumerate(indices) if d != axis)

    reduced_shape = tuple(dim for d, dim in enumerate(shape) if d != axis)
    max_elem = te.compute(
        reduced_shape, lambda *i: te.max(x[with_reduce(i, k1)], axis=k1), name="T_softmax_maxelem"
    )
    expo = te.compute(shape, lambda *i: te.exp(x[i] - max_elem[reduced(i)]), name="T_softmax_exp")
    expsum = te.compute(
        reduced_shape, lambda *i: te.sum(expo[with_reduce(i, k2)], axis=k2), name="T_softmax_expsum"
    )
    return te.compute(
        shape,
        lambda *i: expo[i] / expsum[reduced(i)],
        name="T_softmax_norm",
        tag="softmax_output",
        attrs={"axis": axis},
    )


@te.tag_scope(tag=tag.ELEMWISE)
def relu(x: Tensor) -> Tensor:
    """``max(x, 0)`` elementwise."""
    return te.compute(x.shape, lambda *i: tir.max(x(*i), tir.const(0, x.dtype)))
