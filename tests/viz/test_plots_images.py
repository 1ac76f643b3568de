"""plot_image_rows and plot_codes_2d: the pictures of chapter 8 (autoencoders)."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import dlkit
from dlkit.viz import plot_codes_2d, plot_image_rows


def test_image_rows_draw_one_panel_per_image_on_a_shared_zero_one_scale():
    rng = np.random.default_rng(0)
    flat, images = rng.random((4, 64)), rng.random((4, 1, 8, 8)) * 0.5
    fig = plot_image_rows([flat.reshape(4, 8, 8), dlkit.Tensor(images)], ["input", "output"])
    shown = [a.get_images()[0] for a in fig.axes]
    assert len(shown) == 8
    np.testing.assert_array_equal(shown[0].get_array(), flat[0].reshape(8, 8))
    np.testing.assert_array_equal(shown[4].get_array(), images[0, 0])
    assert all(im.get_clim() == (0.0, 1.0) for im in shown)   # faded images must look faded
    assert [fig.axes[0].get_ylabel(), fig.axes[4].get_ylabel()] == ["input", "output"]


def test_image_rows_reject_rows_of_different_lengths_and_wrong_shapes():
    with pytest.raises(dlkit.ShapeError, match="same number of images"):
        plot_image_rows([np.zeros((3, 8, 8)), np.zeros((2, 8, 8))])
    with pytest.raises(dlkit.ShapeError, match="image_shape"):
        plot_image_rows([np.zeros((3, 64))])
    with pytest.raises(dlkit.ShapeError, match="2 titles for 1 rows"):
        plot_image_rows([np.zeros((3, 8, 8))], ["a", "b"])


def test_codes_2d_draw_one_scatter_per_label_at_the_codes():
    codes = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    labels = np.array([1, 0, 1])
    ax = Figure().subplots()
    plot_codes_2d(codes, labels, ax=ax)
    collections = ax.collections
    assert len(collections) == 2                               # labels 0 and 1
    np.testing.assert_array_equal(collections[0].get_offsets(), [[2.0, 3.0]])
    np.testing.assert_array_equal(collections[1].get_offsets(), [[0.0, 1.0], [4.0, 5.0]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1"]


def test_codes_2d_rejects_codes_that_are_not_two_dimensional():
    with pytest.raises(dlkit.ShapeError, match=r"\(n, 2\)"):
        plot_codes_2d(np.zeros((5, 3)), np.zeros(5))
