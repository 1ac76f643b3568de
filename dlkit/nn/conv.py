"""Convolution layers ``Conv1d``, ``Conv2d`` and ``ConvTranspose2d``: small learned filters slid over
the input (or, transposed, painted onto a larger output).

The computation (im2col + one matrix product) lives in ``dlkit.functional.conv``; these classes hold
the weights, check their arguments and the input at the boundary, and initialise like PyTorch.
"""
import numpy as np

from ..errors import ArgumentError, ShapeError
from ..functional import conv1d, conv2d, conv_transpose2d
from ..functional._checks import as_tensor, check_int, check_ndim, ntuple
from ..tensor import get_default_dtype
from . import init
from .module import Module, Parameter


class _ConvNd(Module):
    _dims, _layout, _transposed = 2, "(N, C, H, W)", False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, dtype, output_padding=0):
        super().__init__()
        who, dims = type(self).__name__, self._dims
        self.in_channels = check_int(in_channels, who, "in_channels", minimum=1)
        self.out_channels = check_int(out_channels, who, "out_channels", minimum=1)
        self.kernel_size = ntuple(kernel_size, dims, who, "kernel_size", minimum=1)
        self.stride = ntuple(stride, dims, who, "stride", minimum=1)
        self.dilation = ntuple(dilation, dims, who, "dilation", minimum=1)
        self.groups = check_int(groups, who, "groups", minimum=1)
        if isinstance(padding, str) and not self._transposed:
            if padding not in ("same", "valid"):
                raise ArgumentError(f"{who}: padding must be an int, a tuple of ints, 'valid' or "
                                    f"'same', got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ArgumentError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got "
                                    f"stride={self.stride}")
            self.padding = padding
        else:
            self.padding = ntuple(padding, dims, who, "padding", minimum=0)
        self.output_padding = ntuple(output_padding, dims, who, "output_padding", minimum=0)
        if padding_mode != "zeros":
            raise ArgumentError(f"{who}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.padding_mode = padding_mode
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % self.groups:
                raise ArgumentError(f"{who}: {name}={channels} must be divisible by "
                                    f"groups={self.groups}")
        dtype = dtype or get_default_dtype()
        if self._transposed:
            shape = (in_channels, out_channels // self.groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype), name="weight")
        self.bias = Parameter(np.empty(out_channels, dtype=dtype), name="bias") if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch computes fan_in from weight.shape[1] · kernel for both conv and transposed conv.
        init.default_init_(self.weight, self.bias)

    def _check_input(self, x):
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, (self._dims + 2,), repr(self), self._layout)
        if x.shape[1] != self.in_channels:
            raise ShapeError(f"{self!r}: expected input with {self.in_channels} channels "
                             f"(axis 1 of {self._layout}), got shape {tuple(x.shape)} with "
                             f"{x.shape[1]}")
        return x

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if isinstance(self.padding, str) or any(self.padding):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if any(self.output_padding):
            text += f", output_padding={self.output_padding}"
        if any(d != 1 for d in self.dilation):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) images, giving (N, C_out, H_out, W_out).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
        ``H_out = (H + 2·padding − dilation·(kernel − 1) − 1) // stride + 1`` (and the same for W).
    groups : int
        Split the channels into independent groups (``groups = in_channels``: depthwise).
    bias : bool
    padding_mode : only 'zeros'

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels / groups, kh, kw)
    bias : Parameter of shape (out_channels,)

    Examples
    --------
    >>> conv = dlkit.nn.Conv2d(1, 8, kernel_size=3, padding=1)
    >>> conv(dlkit.randn(2, 1, 28, 28)).shape
    (2, 8, 28, 28)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype)

    def forward(self, x):
        return conv2d(self._check_input(x), self.weight, self.bias, self.stride, self.padding,
                      self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) sequences, giving (N, C_out, L_out) (arguments as Conv2d).

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels / groups, kernel_size)
    """
    _dims, _layout = 1, "(N, C, L)"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype)

    def forward(self, x):
        return conv1d(self._check_input(x), self.weight, self.bias, self.stride, self.padding,
                      self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution: upsamples (N, C_in, H, W) to (N, C_out, H_out, W_out), e.g. in a
    decoder. ``ConvTranspose2d(c, c, 2, stride=2)`` doubles the height and width.

    ``H_out = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1``.

    Attributes
    ----------
    weight : Parameter of shape (in_channels, out_channels / groups, kh, kw)  (PyTorch's layout)
    bias : Parameter of shape (out_channels,)

    Examples
    --------
    >>> up = dlkit.nn.ConvTranspose2d(4, 2, kernel_size=2, stride=2)
    >>> up(dlkit.randn(1, 4, 7, 7)).shape
    (1, 2, 14, 14)
    """
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, output_padding)
        if any(op >= max(s, d) for op, s, d in zip(self.output_padding, self.stride, self.dilation)):
            raise ArgumentError(f"ConvTranspose2d: output_padding {self.output_padding} must be "
                                f"smaller than either stride {self.stride} or dilation "
                                f"{self.dilation}")

    def forward(self, x):
        return conv_transpose2d(self._check_input(x), self.weight, self.bias, self.stride,
                                self.padding, self.output_padding, self.groups, self.dilation)
