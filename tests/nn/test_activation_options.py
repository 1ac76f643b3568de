"""ELU, GELU (exact and tanh), SiLU, Softplus, PReLU and Hardtanh against PyTorch (float64 and float32,
PReLU's weight through state_dict both ways), central differences, and clear errors."""
import numpy as np
import pytest

import dlkit
from dlkit import functional as F
from dlkit import nn

torch = pytest.importorskip("torch")

CASES = [("ELU", {}), ("ELU", {"alpha": 0.5}), ("GELU", {}), ("GELU", {"approximate": "tanh"}),
         ("SiLU", {}), ("Softplus", {}), ("Softplus", {"beta": 2.0, "threshold": 3.0}),
         ("Hardtanh", {}), ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}),
         ("PReLU", {}), ("PReLU", {"num_parameters": 3, "init": 0.1})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CASES)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_activations_match_torch(torch_compare, dtype, name, kwargs, shape):
    x = np.random.default_rng(0).standard_normal(shape) * 3
    x.flat[:3] = [0.0, -0.5, 2.0]              # the kinks of Hardtanh's ends and ELU/PReLU's zero
    layer = getattr(nn, name)(**kwargs)
    if name == "PReLU":
        layer.weight.data[...] = np.random.default_rng(1).uniform(-0.5, 0.5, layer.weight.shape)
    torch_compare(layer, getattr(torch.nn, name)(**kwargs), x, dtype=dtype)
    if name == "PReLU":
        torch_compare(getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x, dtype=dtype,
                      from_torch=True)


def test_prelu_on_1d_and_4d_inputs_matches_torch(torch_compare):
    torch_compare(nn.PReLU(), torch.nn.PReLU(), np.random.default_rng(2).standard_normal(4))
    torch_compare(nn.PReLU(3), torch.nn.PReLU(3), np.random.default_rng(3).standard_normal((2, 3, 2, 2)))


def test_softplus_is_exactly_linear_above_the_threshold_like_torch():
    x = np.array([25.0, 5.0, -30.0])
    out = F.softplus(dlkit.Tensor(x), beta=1.0, threshold=20.0).data
    np.testing.assert_array_equal(out, torch.nn.functional.softplus(torch.from_numpy(x)).numpy())
    assert out[0] == 25.0


def test_gelu_by_hand():
    # GELU(1) = Φ(1) = 0.8413447460685429 (normal CDF table); tanh form ≈ 0.8411919906082768
    assert F.gelu(dlkit.Tensor(1.0)).item() == pytest.approx(0.8413447460685429, rel=1e-15)
    assert F.gelu(dlkit.Tensor(1.0), approximate="tanh").item() == pytest.approx(0.8411919906082768,
                                                                                 rel=1e-12)


def test_activations_gradcheck_float64():
    dlkit.manual_seed(0)
    x = dlkit.randn(3, 4, requires_grad=True)
    for fn in (F.elu, F.gelu, lambda t: F.gelu(t, "tanh"), F.silu, lambda t: F.softplus(t, 2.0, 1.5),
               lambda t: F.hardtanh(t * 2)):
        assert dlkit.gradcheck(fn, [x])
    a = dlkit.Tensor(np.array([0.2, -0.3, 0.7, 0.1]), requires_grad=True)
    assert dlkit.gradcheck(lambda x, a: F.prelu(x, a), [x, a])


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.GELU("fast"), dlkit.ArgumentError, "approximate must be 'none' or 'tanh'"),
    (lambda: nn.PReLU(0), dlkit.ArgumentError, "num_parameters must be an int >= 1"),
    (lambda: nn.Hardtanh(1.0, -1.0), dlkit.ArgumentError, "min_val 1.0 must not exceed max_val -1.0"),
    (lambda: nn.ELU(alpha="1"), dlkit.DataTypeError, "alpha must be a number"),
    (lambda: nn.PReLU(3)(dlkit.zeros(2, 4)), dlkit.ShapeError,
     r"prelu: weight of 3 slopes does not match the 4 channel\(s\) \(axis 1\) of the input of shape \(2, 4\)"),
])
def test_bad_activation_arguments_are_clear_dlkit_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()
