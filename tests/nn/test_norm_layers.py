"""LayerNorm, GroupNorm, BatchNorm with track_running_stats=False and momentum=None, Dropout2d,
Unflatten and Identity: against PyTorch (float64 and float32, weights through state_dict both ways),
central differences, and clear errors."""
import numpy as np
import pytest

import dlkit
from dlkit import functional as F
from dlkit import nn

torch = pytest.importorskip("torch")
DTYPES = [np.float64, np.float32]


def _randomize(module, seed):
    """Give γ and β non-trivial values so their gradients and effect are really tested."""
    rng = np.random.default_rng(seed)
    for p in module.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    return module


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalized_shape, shape, kwargs", [
    (4, (3, 4), {}), ((5,), (2, 3, 5), {}), ((3, 4), (2, 3, 4), {}), ([2, 3, 4], (2, 2, 3, 4), {}),
    (4, (3, 4), {"elementwise_affine": False}), (4, (2, 3, 4), {"bias": False}),
    (6, (2, 6), {"eps": 0.1})])
def test_layer_norm_matches_torch(torch_compare, dtype, normalized_shape, shape, kwargs):
    x = np.random.default_rng(0).standard_normal(shape) * 3 + 1
    layer = _randomize(nn.LayerNorm(normalized_shape, **kwargs), 1)
    t_layer = torch.nn.LayerNorm(normalized_shape, **kwargs)
    torch_compare(layer, t_layer, x, dtype=dtype)
    torch_compare(nn.LayerNorm(normalized_shape, **kwargs), t_layer, x, dtype=dtype, from_torch=True)


def test_layer_norm_state_dict_keys_match_torch():
    for kwargs in ({}, {"elementwise_affine": False}, {"bias": False}):
        assert list(nn.LayerNorm((2, 3), **kwargs).state_dict()) == \
            list(torch.nn.LayerNorm((2, 3), **kwargs).state_dict())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("groups, channels, shape, affine", [
    (2, 6, (2, 6, 4, 3), True), (1, 4, (3, 4, 5), True), (4, 4, (2, 4, 3, 3), True),
    (3, 6, (2, 6), True), (2, 4, (2, 4, 5, 5), False)])
def test_group_norm_matches_torch(torch_compare, dtype, groups, channels, shape, affine):
    x = np.random.default_rng(2).standard_normal(shape) * 2 - 1
    layer = _randomize(nn.GroupNorm(groups, channels, affine=affine), 3)
    torch_compare(layer, torch.nn.GroupNorm(groups, channels, affine=affine), x, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                        ("BatchNorm2d", (3, 3, 4, 4))])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_without_running_stats_matches_torch(torch_compare, dtype, cls, shape, train):
    x = np.random.default_rng(4).standard_normal(shape)
    layer = _randomize(getattr(nn, cls)(3, track_running_stats=False), 5)
    t_layer = getattr(torch.nn, cls)(3, track_running_stats=False)
    layer.train(train)
    assert list(layer.state_dict()) == list(t_layer.state_dict()) == ["weight", "bias"]
    torch_compare(layer, t_layer, x, dtype=dtype)     # eval still uses the batch's statistics


def test_batch_norm_momentum_none_is_a_cumulative_average_like_torch():
    layer, t_layer = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None).double()
    rng = np.random.default_rng(6)
    for _ in range(4):
        x = rng.standard_normal((5, 3)) * rng.uniform(0.5, 3)
        layer(dlkit.Tensor(x))
        t_layer(torch.from_numpy(x))
    for key, value in t_layer.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[key], value.numpy(), rtol=1e-12)


def test_norm_gradcheck_float64():
    dlkit.manual_seed(0)
    x = dlkit.randn(2, 6, 3, requires_grad=True)
    w, b = dlkit.randn(6, requires_grad=True), dlkit.randn(6, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), [x, w, b])
    w2, b2 = dlkit.randn(6, 3, requires_grad=True), dlkit.randn(6, 3, requires_grad=True)
    assert dlkit.gradcheck(lambda x, w, b: F.layer_norm(x, (6, 3), w, b, eps=1e-3), [x, w2, b2])


def test_dropout2d_zeros_whole_channels_and_scales_the_rest():
    dlkit.manual_seed(0)
    x = dlkit.Tensor(np.ones((8, 16, 3, 3)), requires_grad=True)
    out = nn.Dropout2d(0.25)(x)
    per_channel = out.data.reshape(8, 16, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))    # whole channels
    assert set(np.unique(out.data)) == {0.0, 1 / 0.75}
    assert 0.1 < (per_channel[:, :, 0] == 0).mean() < 0.4
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad, out.data)                      # gradient = mask / (1 − p)
    drop = nn.Dropout2d(0.5).eval()
    assert drop(x) is x
    seq = F.dropout2d(dlkit.ones(4, 30, 5), 0.5).data                # 3-D: (N, C, L), as torch 2
    assert np.all(seq.min(axis=2) == seq.max(axis=2)) and 0 < (seq == 0).mean() < 1


def test_dropout2d_matches_torch_statistics():
    # torch's masks come from its own generator: compare the behaviour, not the draws.
    x = torch.ones(4, 50, 2, 2)
    kept_torch = (torch.nn.Dropout2d(0.3)(x)[:, :, 0, 0] != 0).double().mean().item()
    dlkit.manual_seed(1)
    kept = (nn.Dropout2d(0.3)(dlkit.ones(4, 50, 2, 2)).data[:, :, 0, 0] != 0).mean()
    assert abs(kept - 0.7) < 0.12 and abs(kept_torch - 0.7) < 0.12


@pytest.mark.parametrize("dim, sizes, shape", [(1, (2, 5), (3, 10)), (-1, (2, -1), (3, 4, 6)),
                                               (0, (1, 3), (3, 2)), (1, (1, 28, 28), (2, 784))])
def test_unflatten_matches_torch(dim, sizes, shape):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    out = nn.Unflatten(dim, sizes)(dlkit.Tensor(x))
    np.testing.assert_array_equal(out.data, torch.nn.Unflatten(dim, sizes)(torch.from_numpy(x)).numpy())


def test_identity_accepts_and_ignores_arguments_like_torch():
    x = dlkit.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x


@pytest.mark.parametrize("make, match", [
    (lambda: nn.LayerNorm(0), "normalized_shape entries must be an int >= 1"),
    (lambda: nn.LayerNorm(4, eps=0), r"eps must lie in \(0.0, inf\]"),
    (lambda: nn.GroupNorm(4, 6), "num_channels=6 must be divisible by num_groups=4"),
    (lambda: nn.GroupNorm(0, 6), "num_groups must be an int >= 1"),
    (lambda: nn.BatchNorm1d(0), "num_features must be an int >= 1"),
    (lambda: nn.BatchNorm2d(3, eps=-1e-5), "eps must lie in"),
    (lambda: nn.BatchNorm2d(3, momentum=1.5), r"momentum must lie in \[0.0, 1.0\]"),
    (lambda: nn.Dropout2d(-0.5), "p \\(a probability\\) must lie in"),
    (lambda: nn.Unflatten(1, (0, 3)), "unflattened_size entries must be >= 1"),
])
def test_bad_norm_and_shape_arguments_are_clear_dlkit_errors(make, match):
    with pytest.raises(dlkit.DlkitError, match=match):
        make()


def test_wrong_input_shapes_name_the_layer_and_the_shapes():
    with pytest.raises(dlkit.ShapeError, match=r"LayerNorm\(\(4,\).*last dimensions are \(4,\), got shape \(2, 5\)"):
        nn.LayerNorm(4)(dlkit.zeros(2, 5))
    with pytest.raises(dlkit.ShapeError, match=r"GroupNorm\(2, 6.*expected input \(N, 6, ...\), got shape \(2, 4, 3\)"):
        nn.GroupNorm(2, 6)(dlkit.zeros(2, 4, 3))
    with pytest.raises(dlkit.ShapeError, match=r"Unflatten.*cannot split dimension 1 of size 10.*\(3, 4\)"):
        nn.Unflatten(1, (3, 4))(dlkit.zeros(2, 10))
    with pytest.raises(dlkit.ShapeError, match=r"dropout2d: expected 4-D input .*got shape \(2, 3\)"):
        nn.Dropout2d()(dlkit.zeros(2, 3))
