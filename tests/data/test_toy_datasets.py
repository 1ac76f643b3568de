"""Toy 2-D sets: shapes, dtypes, class balance, seeds, and the geometry each one promises."""
import numpy as np
import pytest

from dlkit.data import DataError, make_blobs, make_circles, make_moons, make_spiral, make_xor

MAKERS = [make_spiral, make_moons, make_circles, make_xor, make_blobs]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_dtypes_and_seeds(make):
    X, y = make(n_samples=90, noise=0.1, seed=3)
    assert X.shape == (90, 2) and X.dtype == np.float64
    assert y.shape == (90,) and y.dtype == np.int64
    X2, y2 = make(n_samples=90, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n_samples=90, noise=0.1, seed=4)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("make", MAKERS)
def test_negative_noise_is_refused(make):
    with pytest.raises(DataError, match="noise"):
        make(n_samples=10, noise=-1.0)


def test_spiral_has_balanced_classes_and_radius_at_most_one_without_noise():
    X, y = make_spiral(n_samples=301, n_classes=3, noise=0.0)
    assert np.bincount(y).tolist() == [101, 100, 100]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1 + 1e-12)


def test_circles_without_noise_lie_on_radius_one_and_factor():
    X, y = make_circles(n_samples=40, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(n_samples=50, noise=0.0)
    np.testing.assert_allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert np.all(X[y == 0, 1] >= -1e-12) and np.all(X[y == 1, 1] <= 0.5 + 1e-12)


def test_xor_labels_are_the_sign_agreement_without_noise():
    X, y = make_xor(n_samples=200, noise=0.0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) == np.sign(X[:, 1])).astype(int))


def test_blobs_gather_around_their_centres():
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    X, y = make_blobs(n_samples=400, n_classes=2, noise=0.5, centers=centres)
    for c in range(2):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centres[c], atol=0.15)
