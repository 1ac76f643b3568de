"""Metrics against hand-computed values."""
import numpy as np
import pytest

from dlkit.training import MetricError, accuracy, binary_accuracy, mae, rmse


def test_accuracy_from_logits_and_probabilities_and_one_hot_targets():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.5, 0.2, 0.9], [1.0, 0.0, 0.0]])
    targets = np.array([0, 1, 1, 0])
    assert accuracy(logits, targets) == 0.75
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert accuracy(probabilities, targets) == 0.75
    assert accuracy(logits, np.eye(3)[targets]) == 0.75


def test_accuracy_on_a_single_output_column_points_to_binary_accuracy():
    with pytest.raises(MetricError, match="binary_accuracy"):
        accuracy(np.zeros((4, 1)), np.zeros(4))


def test_binary_accuracy_thresholds():
    probabilities, targets = np.array([[0.9], [0.2], [0.6], [0.4]]), np.array([1, 0, 0, 0])
    assert binary_accuracy(probabilities, targets) == 0.75
    assert binary_accuracy(np.array([2.0, -1.0, -0.5, 0.3]), np.array([1, 0, 0, 1]), threshold=0) == 1.0


def test_mae_and_rmse_by_hand():
    outputs, targets = np.array([1.0, 2.0, 4.0]), np.array([[1.0], [0.0], [1.0]])
    assert mae(outputs, targets) == pytest.approx((0 + 2 + 3) / 3)
    assert rmse(outputs, targets) == pytest.approx(np.sqrt((0 + 4 + 9) / 3))
