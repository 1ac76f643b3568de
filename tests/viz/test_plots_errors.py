"""Error-analysis plots: the confusion matrix puts the truth on rows (counts checked against hand-made
ones), and the image grid draws one titled panel per image."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlkit.viz import VizArgumentError, plot_confusion_matrix, plot_image_grid


def test_confusion_matrix_rows_are_true_classes_and_columns_predictions():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    fig = plot_confusion_matrix(y_true, y_pred, num_classes=3)
    assert isinstance(fig, Figure)
    counts = np.asarray(fig.axes[0].images[0].get_array())
    expected = np.array([[1, 1, 0],     # two zeros: one right, one called "1"
                         [0, 1, 0],
                         [1, 0, 2]])    # three twos: one called "0"
    np.testing.assert_array_equal(counts, expected)
    assert fig.axes[0].get_ylabel() == "true class" and fig.axes[0].get_xlabel() == "predicted class"
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1", "1", "2"]
    assert "66.7%" in fig.axes[0].get_title()


def test_confusion_matrix_counts_classes_never_predicted_and_draws_into_an_axes():
    fig = plot_confusion_matrix(np.array([3, 3]), np.array([3, 3]))
    assert np.asarray(fig.axes[0].images[0].get_array()).shape == (4, 4)
    host = Figure()
    ax = host.subplots()
    assert plot_confusion_matrix(np.array([0, 1]), np.array([1, 1]), num_classes=5, ax=ax) is host


@pytest.mark.parametrize("y_true, y_pred, fragment", [
    (np.array([0, 1]), np.array([0, 1, 1]), "one prediction per example"),
    (np.array([0.0, 1.0]), np.array([0, 1]), "integer class labels"),
    (np.array([0, 7]), np.array([0, 1]), "expected 0..2"),
])
def test_confusion_matrix_refuses_bad_labels(y_true, y_pred, fragment):
    with pytest.raises(VizArgumentError, match=fragment):
        plot_confusion_matrix(y_true, y_pred, num_classes=3)


def test_image_grid_draws_each_image_with_its_title():
    images = np.random.default_rng(0).random((5, 1, 8, 8))
    fig = plot_image_grid(images, [f"#{k}" for k in range(5)], max_cols=3)
    shown = [a for a in fig.axes if a.images]
    assert len(shown) == 5 and len(fig.axes) == 6           # 2 rows x 3 columns, one left empty
    assert [a.get_title() for a in shown] == ["#0", "#1", "#2", "#3", "#4"]
    np.testing.assert_array_equal(shown[3].images[0].get_array(), images[3, 0])


def test_image_grid_refuses_wrong_shapes_and_title_counts():
    with pytest.raises(VizArgumentError, match="shape"):
        plot_image_grid(np.zeros((8, 8)))
    with pytest.raises(VizArgumentError, match="2 images but 1 titles"):
        plot_image_grid(np.zeros((2, 8, 8)), ["a"])
