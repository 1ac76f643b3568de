"""Shifts and rotations for augmentation: zero fill, no wrap-around, labels untouched, exact on
cases with known answers (hand-written arrays and numpy's rot90)."""
import numpy as np
import pytest

from dlkit.data import DataError, load_digits, random_shift_rotate, rotate_images, shift_images

IMAGE = np.array([[1, 2, 3],
                  [4, 5, 6],
                  [7, 8, 9]], dtype=float)


def test_shift_right_moves_columns_right_and_fills_the_left_with_zeros():
    expected = np.array([[0, 1, 2], [0, 4, 5], [0, 7, 8]], dtype=float)
    np.testing.assert_array_equal(shift_images(IMAGE, dx=1), expected)


def test_shift_up_and_left_fills_the_bottom_and_right_with_zeros():
    expected = np.array([[5, 6, 0], [8, 9, 0], [0, 0, 0]], dtype=float)
    np.testing.assert_array_equal(shift_images(IMAGE, dx=-1, dy=-1), expected)


def test_shift_down_by_two_keeps_only_the_top_row_at_the_bottom():
    expected = np.array([[0, 0, 0], [0, 0, 0], [1, 2, 3]], dtype=float)
    np.testing.assert_array_equal(shift_images(IMAGE, dy=2), expected)


def test_a_shift_as_large_as_the_image_leaves_only_zeros_and_never_wraps():
    assert not shift_images(IMAGE, dx=3).any()
    assert not shift_images(IMAGE, dy=-7).any()


def test_shift_works_on_batches_with_a_channel_axis_and_keeps_shape_and_dtype():
    batch = np.stack([IMAGE, 2 * IMAGE]).astype(np.float32)[:, None]
    out = shift_images(batch, dx=1, dy=1)
    assert out.shape == (2, 1, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1, 0], [[0, 0, 0], [0, 2, 4], [0, 8, 10]])


def test_shift_rejects_fractional_offsets_and_wrong_shapes():
    with pytest.raises(DataError, match="whole number"):
        shift_images(IMAGE, dx=0.5)
    with pytest.raises(DataError, match=r"\(N, 1, H, W\)"):
        shift_images(np.zeros((2, 3, 4, 4)), dx=1)


def test_rotating_by_zero_degrees_changes_nothing():
    np.testing.assert_allclose(rotate_images(IMAGE, 0.0), IMAGE, atol=1e-12)


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_rotating_by_quarter_turns_equals_numpys_rot90(quarter_turns):
    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(rotate_images(image, 90.0 * quarter_turns), np.rot90(image, quarter_turns),
                               atol=1e-9)


def test_rotating_a_batch_with_one_angle_per_image():
    batch = np.stack([IMAGE, IMAGE])
    out = rotate_images(batch, [0.0, 90.0])
    np.testing.assert_allclose(out[0], IMAGE, atol=1e-12)
    np.testing.assert_allclose(out[1], np.rot90(IMAGE), atol=1e-9)


def test_a_small_rotation_of_a_digit_keeps_most_of_its_ink_and_stays_in_range():
    (X, _), _ = load_digits(as_images=True)
    out = rotate_images(X[:20], 10.0)
    assert out.shape == X[:20].shape
    assert out.min() >= 0 and out.max() <= 1 + 1e-12
    assert 0.85 < out.sum() / X[:20].sum() < 1.05


def test_random_shift_rotate_is_repeatable_with_a_seed_and_differs_per_image():
    (X, _), _ = load_digits(as_images=True)
    a, b = random_shift_rotate(X[:10], seed=3), random_shift_rotate(X[:10], seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, X[:10])
    c = random_shift_rotate(X[:10], seed=4)
    assert not np.allclose(a, c)


def test_random_shift_rotate_with_no_shift_and_no_angle_is_the_identity():
    (X, _), _ = load_digits(as_images=True)
    np.testing.assert_allclose(random_shift_rotate(X[:5], max_shift=0, max_degrees=0.0, seed=0), X[:5],
                               atol=1e-12)
