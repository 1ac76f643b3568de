"""Data augmentation for small images: shifts and small rotations (chapter 6).

A shifted or slightly rotated 3 is still a 3, so showing the network such copies of the training
images teaches it that the label does not depend on the exact position — more data for free. The
label never changes; only the pixels move.

Conventions (the same for every function here):

* images are ``(H, W)``, ``(N, H, W)`` or ``(N, 1, H, W)`` numpy arrays (the last two axes are the
  rows and columns); the result has the input's shape and dtype;
* positive ``dx`` moves the picture **right**, positive ``dy`` moves it **down**;
* pixels that come in from outside the image are **0** (background) — nothing wraps around, unlike
  ``np.roll``, which would carry the right edge of a digit over to its left.

>>> (X, y), _ = load_digits(as_images=True)
>>> shift_images(X[:5], dx=1, dy=0).shape
(5, 1, 8, 8)
"""
import numpy as np

from .dataset import DataError


def _check_images(images, who):
    images = np.asarray(images)
    if images.ndim not in (2, 3, 4) or (images.ndim == 4 and images.shape[1] != 1):
        raise DataError(f"{who}: expected images of shape (H, W), (N, H, W) or (N, 1, H, W), got shape "
                        f"{images.shape}")
    if images.dtype.kind not in "fiub":
        raise DataError(f"{who}: expected numeric images, got dtype {images.dtype}")
    return images


def _check_offset(value, name, who):
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DataError(f"{who}: {name} must be a whole number of pixels, got {value!r}")
    return int(value)


def shift_images(images, dx=0, dy=0):
    """Move every image ``dx`` pixels right and ``dy`` pixels down, filling with zeros.

    Parameters
    ----------
    images : array of shape (H, W), (N, H, W) or (N, 1, H, W)
    dx, dy : int
        Negative values move left / up. A shift of the image's size or more leaves only zeros.

    Returns
    -------
    array of the same shape and dtype

    Examples
    --------
    >>> shift_images(np.array([[1, 2], [3, 4]]), dx=1)
    array([[0, 1],
           [0, 3]])
    """
    images = _check_images(images, "shift_images")
    dx, dy = _check_offset(dx, "dx", "shift_images"), _check_offset(dy, "dy", "shift_images")
    height, width = images.shape[-2:]
    out = np.zeros_like(images)
    if abs(dx) >= width or abs(dy) >= height:
        return out
    # out[r, c] = images[r - dy, c - dx] wherever that source pixel exists
    rows_to, rows_from = slice(max(dy, 0), height + min(dy, 0)), slice(max(-dy, 0), height - max(dy, 0))
    cols_to, cols_from = slice(max(dx, 0), width + min(dx, 0)), slice(max(-dx, 0), width - max(dx, 0))
    out[..., rows_to, cols_to] = images[..., rows_from, cols_from]
    return out


def rotate_images(images, degrees):
    """Rotate every image by ``degrees`` (anticlockwise as seen on screen) about its centre.

    Each output pixel looks up where it came from (the inverse rotation) and interpolates the four
    nearest input pixels bilinearly; places outside the input are 0.

    Parameters
    ----------
    images : array of shape (H, W), (N, H, W) or (N, 1, H, W)
    degrees : float, or a sequence of N floats (one angle per image)

    Returns
    -------
    float array of the input's shape
    """
    images = _check_images(images, "rotate_images")
    height, width = images.shape[-2:]
    flat = images.reshape(-1, height, width).astype(np.float64)
    angles = np.broadcast_to(np.radians(np.asarray(degrees, dtype=np.float64)), (len(flat),)) \
        if np.ndim(degrees) == 0 or len(np.ravel(degrees)) == len(flat) else None
    if angles is None:
        raise DataError(f"rotate_images: expected one angle or {len(flat)} angles, got {np.shape(degrees)}")
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    cy, cx = (height - 1) / 2, (width - 1) / 2
    out = np.empty_like(flat)
    for k, (image, angle) in enumerate(zip(flat, angles)):
        # Screen coordinates have y pointing down, so "anticlockwise on screen" is −angle in (col, row).
        cos, sin = np.cos(angle), np.sin(angle)
        src_c = cos * (cols - cx) - sin * (rows - cy) + cx
        src_r = sin * (cols - cx) + cos * (rows - cy) + cy
        out[k] = _bilinear(image, src_r, src_c)
    return out.reshape(images.shape).astype(images.dtype if images.dtype.kind == "f" else np.float64)


def _bilinear(image, r, c):
    """Sample ``image`` at real-valued positions (r, c), with zeros outside it."""
    height, width = image.shape
    padded = np.pad(image, 1)                   # a ring of zeros: outside reads as background
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    fr, fc = r - r0, c - c0
    total = np.zeros_like(r)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr, c0 + dc
            inside = (rr >= -1) & (rr <= height) & (cc >= -1) & (cc <= width)
            value = padded[np.clip(rr + 1, 0, height + 1), np.clip(cc + 1, 0, width + 1)]
            total += np.where(inside, value, 0.0) * wr * wc
    return total


def random_shift_rotate(images, max_shift=1, max_degrees=10.0, seed=None):
    """A randomly shifted and rotated copy of every image: the usual augmentation for digits.

    Each image gets its own whole-pixel shift in ``[-max_shift, max_shift]`` along each axis and
    its own angle uniform in ``[-max_degrees, max_degrees]``.

    Parameters
    ----------
    images : array of shape (N, H, W) or (N, 1, H, W)
    max_shift : int, default 1
    max_degrees : float, default 10
    seed : int or numpy Generator, optional
        The same seed gives the same copies.

    Returns
    -------
    float array of the input's shape (the labels stay as they are)
    """
    images = _check_images(images, "random_shift_rotate")
    if images.ndim == 2:
        raise DataError("random_shift_rotate: expected a batch (N, H, W) or (N, 1, H, W), got one image "
                        f"of shape {images.shape}")
    max_shift = _check_offset(max_shift, "max_shift", "random_shift_rotate")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    angles = rng.uniform(-max_degrees, max_degrees, len(images))
    out = rotate_images(images, angles)
    shifts = rng.integers(-max_shift, max_shift + 1, (len(images), 2))
    for k, (dx, dy) in enumerate(shifts):
        out[k] = shift_images(out[k], int(dx), int(dy))
    return out
