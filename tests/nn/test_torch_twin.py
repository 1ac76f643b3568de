"""The graduation path: a dlkit model's state_dict loads strictly into the same PyTorch architecture
and gives the same outputs (and the way back)."""
import numpy as np
import pytest

import dlkit
from dlkit import nn


def _mlp(lib):
    return lib.Sequential(lib.Linear(4, 16), lib.ReLU(), lib.Dropout(0.5), lib.Linear(16, 8),
                          lib.BatchNorm1d(8), lib.Tanh(), lib.Linear(8, 3))


def _cnn(lib):
    return lib.Sequential(lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(),
                          lib.MaxPool2d(2), lib.Conv2d(4, 6, 3, stride=2), lib.LeakyReLU(0.1),
                          lib.AvgPool2d(2), lib.Flatten(), lib.Linear(6, 5))


@pytest.mark.parametrize("build, shape", [(_mlp, (10, 4)), (_cnn, (3, 1, 12, 12))])
def test_trained_dlkit_model_loads_strictly_into_torch_with_the_same_outputs(build, shape):
    torch = pytest.importorskip("torch")
    dlkit.manual_seed(0)
    model = build(nn)
    x = np.random.default_rng(0).standard_normal(shape)
    # a few training-mode forwards so BatchNorm's running statistics are not the defaults
    for _ in range(3):
        model(dlkit.Tensor(x + np.random.default_rng(1).standard_normal(shape)))
    twin = build(torch.nn).double()
    state = {key: torch.from_numpy(value) for key, value in model.state_dict().items()}
    result = twin.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert list(model.state_dict()) == list(twin.state_dict())
    model.eval(), twin.eval()
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dlkit.Tensor(x)).data, expected, rtol=1e-9, atol=1e-12)


def test_torch_state_dict_loads_into_dlkit():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    twin = _cnn(torch.nn).double().eval()
    model = _cnn(nn).eval()
    model.load_state_dict(twin.state_dict())     # torch tensors are read with np.asarray
    x = np.random.default_rng(2).standard_normal((2, 1, 12, 12))
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(dlkit.Tensor(x)).data, expected, rtol=1e-9, atol=1e-12)


def test_a_cnn_training_step_matches_torch():
    """Forward, cross-entropy, backward and an SGD update, step for step against torch."""
    torch = pytest.importorskip("torch")
    dlkit.manual_seed(1)
    model, twin = _cnn(nn), _cnn(torch.nn).double()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 1, 12, 12)), rng.integers(0, 5, 4)
    for _ in range(3):
        loss = nn.CrossEntropyLoss()(model(dlkit.Tensor(x)), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        t_loss = torch.nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(y))
        twin.zero_grad()
        t_loss.backward()
        with torch.no_grad():
            for p in twin.parameters():
                p -= 0.1 * p.grad
        assert loss.item() == pytest.approx(t_loss.item(), rel=1e-9)
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-8, atol=1e-12)


def _decoder(lib):
    """The newer layers together: 'same' and grouped/dilated conv, GroupNorm, GELU, ceil-mode pooling,
    a transposed conv, bilinear upsampling, adaptive pooling, Unflatten, LayerNorm, SiLU."""
    return lib.Sequential(
        lib.Conv2d(1, 4, 3, padding="same"), lib.GroupNorm(2, 4), lib.GELU(),
        lib.MaxPool2d(2, ceil_mode=True), lib.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2),
        lib.PReLU(4), lib.ConvTranspose2d(4, 2, 2, stride=2, output_padding=0),
        lib.Upsample(scale_factor=2, mode="bilinear"), lib.AdaptiveAvgPool2d((3, 3)), lib.Flatten(),
        lib.Unflatten(1, (2, 9)), lib.LayerNorm(9), lib.SiLU(), lib.Flatten(), lib.Linear(18, 5))


def test_a_training_step_through_the_newer_layers_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    twin = _decoder(torch.nn).double()
    model = _decoder(nn)
    model.load_state_dict(twin.state_dict())          # torch -> dlkit
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((3, 1, 7, 7)), rng.integers(0, 5, 3)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    t_loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    for _ in range(3):
        loss = loss_fn(model(dlkit.Tensor(x)), y)
        model.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        t_loss = t_loss_fn(twin(torch.from_numpy(x)), torch.from_numpy(y))
        twin.zero_grad()
        t_loss.backward()
        torch.nn.utils.clip_grad_norm_(twin.parameters(), 1.0)
        with torch.no_grad():
            for p in twin.parameters():
                p -= 0.1 * p.grad
        assert loss.item() == pytest.approx(t_loss.item(), rel=1e-9)
    for key, value in twin.state_dict().items():                # and back: dlkit -> torch keys
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-8, atol=1e-12)
    assert list(model.state_dict()) == list(twin.state_dict())
