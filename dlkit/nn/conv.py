"""Convolution layers ``Conv1d`` and ``Conv2d``: small learned filters slid over the input.

The computation (im2col + one matrix product) lives in ``dlkit.functional.conv``; these classes hold
the weights, check the input at the boundary, and initialise like PyTorch.
"""
import numpy as np

from ..errors import ShapeError
from ..functional import conv1d, conv2d
from ..functional._checks import as_tensor, check_ndim, pair, single
from ..tensor import get_default_dtype
from . import init
from .module import Module, Parameter


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias, dtype):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        dtype = dtype or get_default_dtype()
        shape = (out_channels, in_channels) + kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype), name="weight")
        self.bias = Parameter(np.empty(out_channels, dtype=dtype), name="bias") if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.default_init_(self.weight, self.bias)

    def _check_input(self, x, ndim, layout):
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, (ndim,), repr(self), layout)
        if x.shape[1] != self.in_channels:
            raise ShapeError(f"{self!r}: expected input with {self.in_channels} channels "
                             f"(axis 1 of {layout}), got shape {tuple(x.shape)} with {x.shape[1]}")
        return x

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if any(self.padding):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) images, giving (N, C_out, H_out, W_out).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding : int or (int, int)
        ``H_out = (H + 2·padding − kernel) // stride + 1`` (and the same for W).
    bias : bool

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels, kh, kw)
    bias : Parameter of shape (out_channels,)

    Examples
    --------
    >>> conv = dlkit.nn.Conv2d(1, 8, kernel_size=3, padding=1)
    >>> conv(dlkit.randn(2, 1, 28, 28)).shape
    (2, 8, 28, 28)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 dtype=None):
        who = "Conv2d"
        super().__init__(in_channels, out_channels, pair(kernel_size, who, "kernel_size"),
                         pair(stride, who, "stride"), pair(padding, who, "padding"), bias, dtype)

    def forward(self, x):
        x = self._check_input(x, 4, "(N, C, H, W)")
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) sequences, giving (N, C_out, L_out).

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels, kernel_size)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 dtype=None):
        who = "Conv1d"
        super().__init__(in_channels, out_channels, (single(kernel_size, who, "kernel_size"),),
                         (single(stride, who, "stride"),), (single(padding, who, "padding"),),
                         bias, dtype)

    def forward(self, x):
        x = self._check_input(x, 3, "(N, C, L)")
        return conv1d(x, self.weight, self.bias, self.stride[0], self.padding[0])
