"""A small plot drawn as SVG text: a frame, ticks, a background image, lines and points.

The live demos redraw several times a second. A matplotlib figure costs 100–400 ms to lay out and
rasterise; writing the same picture as SVG text costs a few milliseconds, and the browser draws it
crisply at any ``scale``. Only what the demos need is here.
"""
from __future__ import annotations

import base64
import io
from html import escape

import numpy as np

from .preview import format_number

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


class Panel:
    """One plot: data coordinates ``xlim × ylim`` mapped onto a ``width × height`` px box."""

    def __init__(self, width, height, xlim, ylim, title="", xlabel="", log_y=False, scale=1.0):
        self.scale = scale
        self.width, self.height = width * scale, height * scale
        self.margin = (46 * scale, 10 * scale, 26 * scale, 34 * scale)   # left, right, top, bottom
        self.log_y = log_y
        self.xlim = (float(xlim[0]), float(xlim[1]))
        self.ylim = tuple(np.log10(ylim) if log_y else (float(ylim[0]), float(ylim[1])))
        self.parts = []
        self.title, self.xlabel = title, xlabel

    # -- coordinates -------------------------------------------------------------------------------
    @property
    def box(self):
        left, right, top, bottom = self.margin
        return left, top, self.width - left - right, self.height - top - bottom

    def to_px(self, x, y):
        left, top, w, h = self.box
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.log_y:
            y = np.log10(np.maximum(y, 1e-300))
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        px = left + (x - x0) / ((x1 - x0) or 1) * w
        py = top + (1 - (y - y0) / ((y1 - y0) or 1)) * h
        return px, py

    # -- what can be drawn -------------------------------------------------------------------------
    def image(self, rgb):
        """An (rows, cols, 3) uint8 image filling the plot area, row 0 at the top."""
        left, top, w, h = self.box
        self.parts.append(f'<image x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
                          f'preserveAspectRatio="none" href="{png_data_uri(rgb)}"/>')

    def polyline(self, xs, ys, colour, width=1.6, label=None, halo=False, markers=False):
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        keep = np.isfinite(xs) & np.isfinite(ys) & ((ys > 0) if self.log_y else True)
        if keep.sum() == 0:
            return
        px, py = self.to_px(xs[keep], ys[keep])
        px, py = np.clip(px, -1e4, 1e4), np.clip(py, -1e4, 1e4)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
        name = f' data-label="{escape(label)}"' if label else ""
        if halo:   # a white edge keeps the line visible on a dark background
            self.parts.append(f'<polyline points="{points}" fill="none" stroke="white" '
                              f'stroke-width="{(width + 2) * self.scale:.1f}" stroke-linejoin="round" '
                              'stroke-opacity="0.8"/>')
        self.parts.append(f'<polyline{name} points="{points}" fill="none" stroke="{colour}" '
                          f'stroke-width="{width * self.scale:.1f}" stroke-linejoin="round"/>')
        if markers:
            self.parts.append("".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{1.8 * self.scale:.1f}" '
                                      f'fill="{colour}"/>' for a, b in zip(px[-200:], py[-200:])))

    def points(self, xs, ys, colours, radius=2.6, outline="#333"):
        px, py = self.to_px(xs, ys)
        r = radius * self.scale
        self.parts.append("".join(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{r:.1f}" fill="{c}" stroke="{outline}" '
            f'stroke-width="0.5"/>' for a, b, c in zip(px, py, colours)))

    def star(self, x, y, text=""):
        px, py = self.to_px(x, y)
        size = 13 * self.scale
        self.parts.append(f'<text x="{px:.1f}" y="{py + size / 3:.1f}" font-size="{size:.0f}" '
                          f'text-anchor="middle">★</text>')

    def legend(self, entries):
        """``[(label, colour), ...]`` in the top-right corner."""
        left, top, w, _ = self.box
        size = 11 * self.scale
        longest = max(len(label) for label, _ in entries)
        self.parts.append(f'<rect x="{left + w - (longest * 0.62 + 1) * size:.1f}" '
                          f'y="{top + 3 * self.scale:.1f}" width="{(longest * 0.62 + 0.8) * size:.1f}" '
                          f'height="{(len(entries) * 1.3 + 0.4) * size:.1f}" fill="white" '
                          'fill-opacity="0.85"/>')
        for k, (label, colour) in enumerate(entries):
            y = top + (k + 1) * size * 1.3
            x = left + w - 6 * self.scale
            self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.0f}" fill="{colour}" '
                              f'text-anchor="end" font-weight="bold">{escape(label)}</text>')

    # -- the frame and the whole picture ---------------------------------------------------------------
    def svg(self, css_class=""):
        left, top, w, h = self.box
        size = 11 * self.scale
        frame = [(f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
                  'fill="none" stroke="#555" stroke-width="1"/>')]
        for value in np.linspace(*self.xlim, 3):
            px, _ = self.to_px(value, 1.0)
            frame.append(f'<text x="{px:.1f}" y="{top + h + size * 1.3:.1f}" font-size="{size:.0f}" '
                         f'text-anchor="middle">{format_number(value, 3)}</text>')
        for value in np.linspace(*self.ylim, 3):
            shown = 10 ** value if self.log_y else value
            py = top + (1 - (value - self.ylim[0]) / ((self.ylim[1] - self.ylim[0]) or 1)) * h
            frame.append(f'<text x="{left - 4 * self.scale:.1f}" y="{py + size / 3:.1f}" '
                         f'font-size="{size:.0f}" text-anchor="end">{format_number(shown, 2)}</text>')
        frame.append(f'<text x="{left + w / 2:.1f}" y="{top - 8 * self.scale:.1f}" '
                     f'font-size="{size * 1.15:.0f}" text-anchor="middle">{escape(self.title)}</text>')
        if self.xlabel:
            frame.append(f'<text x="{left + w / 2:.1f}" y="{self.height - 3 * self.scale:.1f}" '
                         f'font-size="{size:.0f}" text-anchor="middle">{escape(self.xlabel)}</text>')
        clip = f"clip{id(self)}"
        return (f'<svg class="{css_class}" width="{self.width:.0f}" height="{self.height:.0f}" '
                f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" font-family="sans-serif" '
                f'xmlns="http://www.w3.org/2000/svg">'
                f'<defs><clipPath id="{clip}"><rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}"/></clipPath></defs>'
                f'<g clip-path="url(#{clip})">{"".join(self.parts)}</g>{"".join(frame)}</svg>')


def png_data_uri(rgb):
    """A small uint8 image as a ``data:image/png;base64,...`` URI (Pillow comes with matplotlib)."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def colour_map(values, name="viridis", low=None, high=None, pale=0.0):
    """Values → (…, 3) uint8 colours with a matplotlib colormap (``pale``: mixed with white)."""
    from matplotlib import colormaps
    values = np.asarray(values, dtype=float)
    low = np.nanmin(values) if low is None else low
    high = np.nanmax(values) if high is None else high
    unit = np.clip((values - low) / ((high - low) or 1), 0, 1)
    rgb = colormaps[name](unit)[..., :3] * (1 - pale) + pale
    return (rgb * 255).astype(np.uint8)


def limits(values, log=False):
    """A range that holds every finite (positive, for a log axis) value, with a small margin."""
    values = np.asarray([v for v in np.ravel(values) if np.isfinite(v) and (v > 0 or not log)])
    if values.size == 0:
        return (0.1, 1.0) if log else (0.0, 1.0)
    low, high = values.min(), values.max()
    if log:
        return low / 1.5, high * 1.5 if high > low else low * 10
    pad = 0.05 * (high - low) or 0.5
    return low - pad, high + pad
