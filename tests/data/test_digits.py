"""The embedded digits: sizes, value ranges, the fixed stratified split, as_images."""
import numpy as np

from dlkit.data import load_digits


def test_sizes_and_dtypes():
    (X_train, y_train), (X_test, _y_test) = load_digits()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # pixels were counts 0..16, so every value is a multiple of 1/16
    np.testing.assert_array_equal(X_train * 16, np.round(X_train * 16))


def test_all_ten_classes_in_both_parts_in_proportion():
    (_, y_train), (_, y_test) = load_digits()
    totals = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    assert totals.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # the UCI counts
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - totals * 360 / 1797) < 1)


def test_the_split_is_fixed_and_disjoint():
    (X_train, _), (X_test, _) = load_digits()
    (X_train2, _), _ = load_digits()
    np.testing.assert_array_equal(X_train, X_train2)
    train_rows = {row.tobytes() for row in X_train}
    # the UCI set has a few duplicate images, but nearly all test images are unseen in training
    assert sum(row.tobytes() in train_rows for row in X_test) < 5


def test_as_images_gives_nchw():
    (X_train, _), (X_test, _) = load_digits(as_images=True)
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8)
    (flat, _), _ = load_digits()
    np.testing.assert_array_equal(X_train.reshape(1437, 64), flat)
