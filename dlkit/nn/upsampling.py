"""``Upsample``: resize feature maps (nearest or (bi)linear), e.g. in a decoder; the maths is in
``dlkit.functional.interpolate``."""
from .. import functional as F
from ..errors import ArgumentError
from ..functional.interpolate import MODES
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) by ``scale_factor`` or to ``size`` ('nearest', 'linear',
    'bilinear'); see ``dlkit.functional.interpolate``.

    >>> dlkit.nn.Upsample(scale_factor=2, mode="bilinear")(dlkit.randn(1, 1, 3, 3)).shape
    (1, 1, 6, 6)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if mode not in MODES:
            raise ArgumentError(f"Upsample: mode must be one of 'nearest', 'linear', 'bilinear', "
                                f"got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ArgumentError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
