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
