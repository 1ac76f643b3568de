"""Pooling layers: shrink feature maps by taking the max (or mean) of each window, per channel;
``AdaptiveAvgPool2d`` picks the windows that give a fixed output size (see
``dlkit.functional.pooling`` for the maths)."""
from .. import functional as F
from ..errors import ArgumentError
from ..functional._checks import as_tensor, check_ndim, ntuple
from .module import Module


class _Pool(Module):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__()
        who, dims = type(self).__name__, self._dims
        kernel = ntuple(kernel_size, dims, who, "kernel_size", minimum=1)
        ntuple(padding, dims, who, "padding", minimum=0)
        dilated = ntuple(dilation, dims, who, "dilation", minimum=1)
        if stride is not None:
            ntuple(stride, dims, who, "stride", minimum=1)
        padded = ntuple(padding, dims, who, "padding")
        if any(2 * p > d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilated)):
            raise ArgumentError(f"{who}: padding {padding} must be at most half the kernel size "
                                f"{kernel_size}")
        # PyTorch keeps the arguments as given (an int stays an int) and stride defaults to the kernel.
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def _check_input(self, x):
        """The input as a Tensor; a wrong rank is an error that names this layer."""
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, (self._dims + 2,), repr(self), "(N, C, H, W)" if self._dims == 2 else "(N, C, L)")
        return x


class _MaxPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, dilation)
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        fn = F.max_pool2d if self._dims == 2 else F.max_pool1d
        return fn(self._check_input(x), self.kernel_size, self.stride, self.padding, self.dilation,
                  ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPool):
    """Max over each ``kernel_size`` window of (N, C, H, W); ``stride`` defaults to ``kernel_size``.

    ``ceil_mode=True`` keeps a last partial window; ``return_indices=True`` returns
    ``(output, indices)`` with the flat position of each max (for ``MaxUnpool2d``).

    >>> dlkit.nn.MaxPool2d(2)(dlkit.randn(1, 3, 28, 28)).shape
    (1, 3, 14, 14)
    """


class MaxPool1d(_MaxPool):
    """Max over each window of (N, C, L) sequences (arguments as ``MaxPool2d``)."""
    _dims = 1


class AvgPool2d(_Pool):
    """Mean over each ``kernel_size`` window of (N, C, H, W).

    ``count_include_pad`` (default True) counts padded zeros in the mean; ``divisor_override``
    replaces the divisor by a fixed number.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        if divisor_override is not None and divisor_override == 0:
            raise ArgumentError("AvgPool2d: divisor_override must be non-zero, got 0")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x):
        return F.avg_pool2d(self._check_input(x), self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_Pool):
    """Mean over each window of (N, C, L) sequences."""
    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return F.avg_pool1d(self._check_input(x), self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(Module):
    """Undo ``MaxPool2d(..., return_indices=True)``: each value goes back to where its max was, the
    rest is zero (as in a SegNet-style decoder). Call it as ``unpool(x, indices, output_size=None)``.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        ntuple(kernel_size, 2, "MaxUnpool2d", "kernel_size", minimum=1)
        if stride is not None:
            ntuple(stride, 2, "MaxUnpool2d", "stride", minimum=1)
        ntuple(padding, 2, "MaxUnpool2d", "padding", minimum=0)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x, indices, output_size=None):
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool (N, C, H, W) to a fixed ``output_size`` (int or (h, w); None keeps that size),
    whatever H and W are. ``AdaptiveAvgPool2d(1)`` is global average pooling.

    >>> dlkit.nn.AdaptiveAvgPool2d((2, 3))(dlkit.randn(1, 4, 9, 7)).shape
    (1, 4, 2, 3)
    """

    def __init__(self, output_size):
        super().__init__()
        sizes = (output_size, output_size) if output_size is None or isinstance(output_size, int) \
            else output_size
        ntuple(tuple(1 if s is None else s for s in sizes), 2, "AdaptiveAvgPool2d", "output_size",
               minimum=1)
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
