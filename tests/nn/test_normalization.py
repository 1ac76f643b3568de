"""BatchNorm1d / BatchNorm2d: against PyTorch float64 in train and eval, running statistics,
central differences, and clear errors."""
import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.functional import batch_norm


def _random_affine(layer, seed):
    """Non-trivial γ and β, so a gradient that ignores them fails."""
    rng = np.random.default_rng(seed)
    layer.weight.data[...] = rng.uniform(0.5, 2.0, layer.num_features)
    layer.bias.data[...] = rng.standard_normal(layer.num_features)
    return layer


CASES = [  # (dlkit class, torch class name, input shape)
    (nn.BatchNorm1d, "BatchNorm1d", (8, 4)),
    (nn.BatchNorm1d, "BatchNorm1d", (5, 3, 6)),
    (nn.BatchNorm2d, "BatchNorm2d", (4, 3, 5, 5)),
]


@pytest.mark.parametrize("cls, torch_name, shape", CASES)
def test_batchnorm_train_mode_matches_torch_over_several_steps(torch_compare, torch_load, cls,
                                                               torch_name, shape):
    torch = pytest.importorskip("torch")
    dl = _random_affine(cls(shape[1], momentum=0.3), seed=1)
    twin = getattr(torch.nn, torch_name)(shape[1], momentum=0.3)
    rng = np.random.default_rng(0)
    for step in range(3):   # running statistics are compared after every step
        x = 2.0 + 3.0 * rng.standard_normal(shape)
        torch_compare(dl, twin, x, seed=step)
        dl.zero_grad()
    assert int(dl.num_batches_tracked) == 3


@pytest.mark.parametrize("cls, torch_name, shape", CASES)
def test_batchnorm_eval_mode_uses_running_statistics_like_torch(torch_compare, cls, torch_name,
                                                                shape):
    torch = pytest.importorskip("torch")
    dl = _random_affine(cls(shape[1]), seed=2)
    rng = np.random.default_rng(3)
    dl.running_mean[...] = rng.standard_normal(shape[1])
    dl.running_var[...] = rng.uniform(0.5, 3.0, shape[1])
    dl.eval()
    before = dl.state_dict()
    torch_compare(dl, getattr(torch.nn, torch_name)(shape[1]), rng.standard_normal(shape))
    for key, value in before.items():     # evaluation never touches the statistics
        np.testing.assert_array_equal(dl.state_dict()[key], value)


def test_batchnorm_cumulative_average_when_momentum_is_none(torch_compare):
    torch = pytest.importorskip("torch")
    dl, twin = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(0)
    for step in range(3):
        torch_compare(dl, twin, rng.standard_normal((6, 3)) + step, seed=step)


def test_batchnorm_without_affine_matches_torch(torch_compare):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 3))
    torch_compare(nn.BatchNorm2d(2, affine=False), torch.nn.BatchNorm2d(2, affine=False), x)


def test_batchnorm_state_dict_keys_are_pytorchs():
    assert list(nn.BatchNorm2d(3).state_dict()) == ["weight", "bias", "running_mean",
                                                    "running_var", "num_batches_tracked"]


def test_batchnorm_train_output_is_standardised_per_channel():
    x = dlkit.Tensor(np.random.default_rng(0).normal(5.0, 3.0, (16, 3, 4, 4)))
    y = nn.BatchNorm2d(3)(x).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1.0, rtol=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    rng = np.random.default_rng(0)
    x = dlkit.Tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    weight = dlkit.Tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    bias = dlkit.Tensor(rng.standard_normal(3), requires_grad=True)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)

    def fn(x, w, b):
        # fresh copies: training mode updates the running statistics in place
        return batch_norm(x, mean.copy(), var.copy(), w, b, training=training)
    assert dlkit.gradcheck(fn, [x, weight, bias])


@pytest.mark.parametrize("layer, shape", [(nn.BatchNorm1d(3), (2, 3, 4, 4)),
                                          (nn.BatchNorm1d(3), (3,)),
                                          (nn.BatchNorm2d(3), (2, 3, 4))])
def test_batchnorm_wrong_ndim_names_the_layer(layer, shape):
    with pytest.raises(dlkit.ShapeError, match=type(layer).__name__ + r"\(3.*expected .*-D input"):
        layer(dlkit.randn(*shape))


def test_batchnorm_wrong_channel_count():
    with pytest.raises(dlkit.ShapeError, match=r"BatchNorm2d\(4.*expected 4 channels.*with 3"):
        nn.BatchNorm2d(4)(dlkit.randn(2, 3, 5, 5))


def test_batchnorm_training_on_a_single_value_per_channel_is_an_error():
    with pytest.raises(dlkit.ShapeError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(dlkit.randn(1, 3))
    nn.BatchNorm1d(3).eval()(dlkit.randn(1, 3))   # fine in evaluation mode
