"""Toy 2-D classification sets for decision-boundary pictures (chapters 3, 4, 6).

Each returns ``(X, y)``: ``X`` float64 of shape (n_samples, 2), ``y`` int64 class labels. The same
``seed`` gives the same points; ``noise`` is the standard deviation of Gaussian jitter.
"""
import numpy as np

from .dataset import DataError


def _check(name, n_samples, noise, minimum=1):
    if not isinstance(n_samples, int | np.integer) or n_samples < minimum:
        raise DataError(f"{name}: n_samples must be an integer >= {minimum}, got {n_samples!r}")
    if noise < 0:
        raise DataError(f"{name}: noise is a standard deviation and must be >= 0, got {noise}")


def _split(n_samples, n_classes):
    """How many points each class gets (as even as possible)."""
    return [n_samples // n_classes + (c < n_samples % n_classes) for c in range(n_classes)]


def make_spiral(n_samples=300, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class (the CS231n spiral): not separable by a line."""
    _check("make_spiral", n_samples, noise, minimum=n_classes)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, n in enumerate(_split(n_samples, n_classes)):
        radius = np.linspace(0.0, 1.0, n)
        angle = np.linspace(c * 4.0, (c + 1) * 4.0, n) + rng.standard_normal(n) * noise
        xs.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        ys.append(np.full(n, c))
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def make_moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles (class 0 on top, class 1 below and shifted right)."""
    _check("make_moons", n_samples, noise, minimum=2)
    rng = np.random.default_rng(seed)
    n0, n1 = _split(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    X += rng.standard_normal(X.shape) * noise
    return X, np.repeat([0, 1], [n0, n1]).astype(np.int64)


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (class 1, radius ``factor``) inside a big one (class 0, radius 1)."""
    _check("make_circles", n_samples, noise, minimum=2)
    if not 0 < factor < 1:
        raise DataError(f"make_circles: factor is the inner radius and must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n0, n1 = _split(n_samples, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        factor * np.column_stack([np.cos(t1), np.sin(t1)])])
    X += rng.standard_normal(X.shape) * noise
    return X, np.repeat([0, 1], [n0, n1]).astype(np.int64)


def make_xor(n_samples=200, noise=0.1, seed=0):
    """Points in [-1, 1]²: class 1 where x₁ and x₂ have the same sign (the XOR problem)."""
    _check("make_xor", n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # labels from the clean points, then jitter
    return X + rng.standard_normal(X.shape) * noise, y


def make_blobs(n_samples=200, n_classes=3, noise=0.5, seed=0, centers=None):
    """Gaussian clusters, one per class; centres evenly spaced on a circle of radius 3 unless given."""
    _check("make_blobs", n_samples, noise, minimum=n_classes)
    rng = np.random.default_rng(seed)
    if centers is None:
        angles = 2 * np.pi * np.arange(n_classes) / n_classes
        centers = 3 * np.column_stack([np.cos(angles), np.sin(angles)])
    centers = np.asarray(centers, dtype=np.float64)
    if centers.shape != (n_classes, 2):
        raise DataError(f"make_blobs: centers must have shape (n_classes, 2) = ({n_classes}, 2), "
                        f"got {centers.shape}")
    counts = _split(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), counts).astype(np.int64)
    return centers[y] + rng.standard_normal((n_samples, 2)) * noise, y
