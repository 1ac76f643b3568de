"""Pooling layers: shrink feature maps by taking the max (or mean) of each window, per channel."""
from ..functional import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ..functional._checks import as_tensor, check_ndim
from .module import Module


class _Pool(Module):
    _fn, _ndim, _layout = None, 4, "(N, C, H, W)"

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        x = as_tensor(x, type(self).__name__)
        check_ndim(x, (self._ndim,), repr(self), self._layout)
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """Max over each ``kernel_size`` window of (N, C, H, W); ``stride`` defaults to ``kernel_size``.

    >>> dlkit.nn.MaxPool2d(2)(dlkit.randn(1, 3, 28, 28)).shape
    (1, 3, 14, 14)
    """
    _fn = staticmethod(max_pool2d)


class AvgPool2d(_Pool):
    """Mean over each ``kernel_size`` window of (N, C, H, W)."""
    _fn = staticmethod(avg_pool2d)


class MaxPool1d(_Pool):
    """Max over each window of (N, C, L) sequences."""
    _fn, _ndim, _layout = staticmethod(max_pool1d), 3, "(N, C, L)"


class AvgPool1d(_Pool):
    """Mean over each window of (N, C, L) sequences."""
    _fn, _ndim, _layout = staticmethod(avg_pool1d), 3, "(N, C, L)"
