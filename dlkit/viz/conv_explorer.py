"""ConvExplorer: watch a kernel slide over an input, one output cell at a time.

Convolution (deep learning's cross-correlation) computes each output cell as a dot product::

    out[i, j] = Σ_{u, v} x_padded[i·stride + u·dilation, j·stride + v·dilation] · w[u, v]

The explorer shows the padded input with the current window marked, the kernel, the sum of products
written out with its numbers, and the output grid filling in cell by cell. Output size, per axis::

    out = ⌊(in + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1
"""
from __future__ import annotations

from html import escape

import numpy as np

from ..errors import ShapeError
from .arguments import VizArgumentError, check_number
from .live_demo import LiveDemo
from .preview import format_number

DEFAULT_INPUT = np.array([[0, 0, 0, 0, 0, 0],
                          [0, 1, 2, 2, 1, 0],
                          [0, 2, 4, 4, 2, 0],
                          [0, 2, 4, 4, 2, 0],
                          [0, 1, 2, 2, 1, 0],
                          [0, 0, 0, 0, 0, 0]], dtype=float)
DEFAULT_KERNEL = np.array([[1, 0, -1],
                           [2, 0, -2],
                           [1, 0, -1]], dtype=float)      # Sobel: responds to vertical edges

WINDOW, CURRENT, PADDING_CELL = "#ffd54f", "#c8e6c9", "#eeeeee"


def output_size(size, kernel, padding, stride, dilation):
    """Output length along one axis (the formula in the module docstring)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class ConvExplorer(LiveDemo):
    """A kernel sliding over a 2-D input with chosen padding, stride and dilation.

    Parameters
    ----------
    input : array of shape (H, W), optional
        The image (default: a 6×6 bump). Values are shown in the cells, so keep it small.
    kernel : array of shape (kh, kw), optional
        The filter (default: 3×3 Sobel, a vertical-edge detector).
    padding, stride, dilation : int
        As in ``nn.Conv2d`` (``padding`` zeros on every side; ``dilation`` spaces the kernel's taps).
    scale : float
        Text and cell size (1.6–2 for a projector).

    Examples
    --------
    >>> explorer = ConvExplorer(padding=1, stride=2)
    >>> explorer.play(3)           # three output cells filled
    >>> explorer.output            # NaN where not yet computed
    >>> explorer                   # doctest: +SKIP   (in Jupyter: the widget)
    """

    css_class = "dlkit-conv-explorer"

    def __init__(self, input=None, kernel=None, padding=0, stride=1, dilation=1, scale=1.0,
                 interval=700):
        super().__init__(scale=scale, interval=interval)
        who = "ConvExplorer"
        self.input = _matrix(who, "input", DEFAULT_INPUT if input is None else input)
        self.kernel = _matrix(who, "kernel", DEFAULT_KERNEL if kernel is None else kernel)
        self._set(padding, stride, dilation)

    def _set(self, padding, stride, dilation):
        who = "ConvExplorer"
        self.padding = check_number(who, "padding", padding, low=0, high=10, integer=True)
        self.stride = check_number(who, "stride", stride, low=1, high=10, integer=True)
        self.dilation = check_number(who, "dilation", dilation, low=1, high=10, integer=True)
        (h, w), (kh, kw) = self.input.shape, self.kernel.shape
        self.out_shape = (output_size(h, kh, self.padding, self.stride, self.dilation),
                          output_size(w, kw, self.padding, self.stride, self.dilation))
        if min(self.out_shape) < 1:
            span = (self.dilation * (kh - 1) + 1, self.dilation * (kw - 1) + 1)
            raise ShapeError(f"ConvExplorer: the dilated kernel spans {span[0]}×{span[1]} cells but "
                             f"the padded input is only {h + 2 * self.padding}×"
                             f"{w + 2 * self.padding}; use more padding or less dilation")
        self.padded = np.pad(self.input, self.padding)
        self._restart()

    def configure(self, padding=None, stride=None, dilation=None):
        """Change padding/stride/dilation (what the sliders do); starts again at the first cell."""
        self._set(self.padding if padding is None else padding,
                  self.stride if stride is None else stride,
                  self.dilation if dilation is None else dilation)
        self._redraw()

    # -- the sliding window ----------------------------------------------------------------------------
    @property
    def cells(self):
        return self.out_shape[0] * self.out_shape[1]

    def window(self, i, j):
        """Rows and columns of the padded input that output cell (i, j) reads."""
        rows = i * self.stride + self.dilation * np.arange(self.kernel.shape[0])
        cols = j * self.stride + self.dilation * np.arange(self.kernel.shape[1])
        return rows, cols

    def cell_value(self, i, j):
        rows, cols = self.window(i, j)
        return float(np.sum(self.padded[np.ix_(rows, cols)] * self.kernel))

    def _restart(self):
        self.position = 0                       # output cells filled so far
        self.output = np.full(self.out_shape, np.nan)

    def _advance(self):
        if self.position >= self.cells:
            return False
        i, j = divmod(self.position, self.out_shape[1])
        self.output[i, j] = self.cell_value(i, j)
        self.position += 1
        return True

    @property
    def current(self):
        """The output cell filled last, (i, j), or None before the first step."""
        return divmod(self.position - 1, self.out_shape[1]) if self.position else None

    def product_sum(self):
        """The current cell's sum of products, written out: ``"0·1 + 1·0 + … = 7"``."""
        if self.current is None:
            return ""
        rows, cols = self.window(*self.current)
        terms = [f"{_factor(self.padded[r, c])}·{_factor(self.kernel[u, v])}"
                 for u, r in enumerate(rows) for v, c in enumerate(cols)]
        return " + ".join(terms) + f" = {format_number(self.output[self.current])}"

    def size_arithmetic(self):
        """The output-size formula with this explorer's numbers, one line per axis."""
        lines = []
        for axis, size, k, out in zip(("rows", "cols"), self.input.shape, self.kernel.shape,
                                      self.out_shape):
            lines.append(f"{axis}: ⌊({size} + 2·{self.padding} − {self.dilation}·({k} − 1) − 1) / "
                         f"{self.stride}⌋ + 1 = {out}")
        return lines

    # -- what is shown -------------------------------------------------------------------------------
    def __repr__(self):
        head = (f"ConvExplorer: input {self.input.shape[0]}×{self.input.shape[1]}, kernel "
                f"{self.kernel.shape[0]}×{self.kernel.shape[1]}, padding {self.padding}, stride "
                f"{self.stride}, dilation {self.dilation} → output {self.out_shape[0]}×"
                f"{self.out_shape[1]}; {self.position} of {self.cells} cells filled")
        if self.current is None:
            return head
        return head + f"\n  out{list(self.current)} = {self.product_sum()}"

    def picture_html(self):
        size = f"{28 * self.scale:.0f}px"
        font = f"{12 * self.scale:.0f}px"
        marked, current = set(), None
        if self.current is not None:
            rows, cols = self.window(*self.current)
            marked = {(r, c) for r in rows for c in cols}
            current = self.current
        p = self.padding
        h, w = self.input.shape

        def input_fill(r, c):
            if (r, c) in marked:
                return WINDOW
            return PADDING_CELL if (r < p or c < p or r >= h + p or c >= w + p) else "white"

        parts = [
            _table("input (padded)", self.padded, input_fill, size, font, "input"),
            _table("kernel", self.kernel, lambda r, c: WINDOW, size, font, "kernel"),
            _table("output", self.output,
                   lambda r, c: CURRENT if (r, c) == current else "white", size, font, "output"),
        ]
        formula = escape(self.product_sum()) or "Press Step: the kernel visits the first window."
        formula += "<br>output size: " + ";  ".join(escape(line) for line in self.size_arithmetic())
        return (f'<div style="display:flex; gap:{24 * self.scale:.0f}px; align-items:flex-start; '
                f'flex-wrap:wrap">' + "".join(parts) + "</div>"
                f'<div class="dlkit-conv-sum" style="font-size:{font}; margin-top:0.5em; '
                f'font-family:monospace">{formula}</div>')

    def _controls(self):
        import ipywidgets as w
        style = self._style()
        self._sliders = {
            name: w.IntSlider(value=getattr(self, name), min=low, max=high, description=name,
                              style=style, layout=self._slider_layout(260))
            for name, low, high in [("padding", 0, 3), ("stride", 1, 3), ("dilation", 1, 3)]}
        for slider in self._sliders.values():
            slider.observe(self._on_setting, names="value")
        self._message = w.HTML()
        return [w.HBox(list(self._sliders.values())), self._message]

    def _on_setting(self, _change):
        values = {name: slider.value for name, slider in self._sliders.items()}
        try:
            self.configure(**values)
            self._message.value = ""
        except ShapeError as err:
            self._message.value = f'<span style="color:#b71c1c">{escape(str(err))}</span>'


def _factor(x):
    return f"({format_number(x)})" if x < 0 else format_number(x)


def _matrix(who, name, value):
    array = np.asarray(getattr(value, "data", value), dtype=float)
    if array.ndim != 2 or min(array.shape) < 1:
        raise VizArgumentError(f"{who}: {name} must be a 2-D array (H, W), got shape {array.shape}")
    if array.size > 400:
        raise VizArgumentError(f"{who}: {name} has {array.size} entries; the explorer writes every "
                               "value in its cell, so keep it at most 20×20")
    return array


def _table(title, array, fill, size, font, kind):
    rows = []
    for r in range(array.shape[0]):
        cells = []
        for c in range(array.shape[1]):
            value = array[r, c]
            text = "" if np.isnan(value) else format_number(value, 3)
            cells.append(f'<td data-r="{r}" data-c="{c}" style="width:{size}; height:{size}; '
                         f"text-align:center; border:1px solid #9e9e9e; background:{fill(r, c)}; "
                         f'padding:0">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div><div style="font-size:{font}; font-family:sans-serif">{title}</div>'
            f'<table class="dlkit-conv-{kind}" style="border-collapse:collapse; font-size:{font}">'
            + "".join(rows) + "</table></div>")
