"""Helpers for the nn tests: PyTorch float64 as the oracle, with the same weights via state_dict.

``compare_with_torch`` copies a dlkit layer's state_dict into the twin torch layer (strict load, so
the keys and shapes must match), runs both on the same input, sends the same random upstream
gradient back, and compares outputs, input gradients, parameter gradients and buffers.
"""
import numpy as np
import pytest

import dlkit

RTOL, ATOL = 1e-9, 1e-12


TOLERANCES = {np.float64: (RTOL, ATOL), np.float32: (1e-4, 1e-5)}


def load_into_torch(dl_module, torch_module, dtype=np.float64):
    torch = pytest.importorskip("torch")
    torch_module.double() if dtype == np.float64 else torch_module.float()
    torch_module.load_state_dict({k: torch.from_numpy(v) for k, v in dl_module.state_dict().items()},
                                 strict=True)
    return torch_module


def compare_with_torch(dl_module, torch_module, x, *, seed=0, extra=(), rtol=None, atol=None,
                       dtype=np.float64, from_torch=False):
    """Assert dlkit and torch agree on forward, input/parameter gradients and buffers.

    ``extra`` are further (non-differentiable) arguments such as class labels, passed to both.
    ``dtype`` is float64 or float32 (looser default tolerances). With ``from_torch`` the torch
    module's own weights are first loaded into dlkit (so both directions of state_dict are used).
    Returns the two outputs.
    """
    torch = pytest.importorskip("torch")
    rtol = TOLERANCES[dtype][0] if rtol is None else rtol
    atol = TOLERANCES[dtype][1] if atol is None else atol
    dl_module.to(dtype)
    if from_torch:
        torch_module.double() if dtype == np.float64 else torch_module.float()
        dl_module.load_state_dict(torch_module.state_dict())
    load_into_torch(dl_module, torch_module, dtype)
    torch_module.train(dl_module.training)
    torch_module.zero_grad()
    dl_module.zero_grad()
    dl_x = dlkit.Tensor(np.array(x, dtype=dtype), requires_grad=True)
    t_x = torch.tensor(np.array(x, dtype=dtype), requires_grad=True)
    dl_out = dl_module(dl_x, *extra)
    t_out = torch_module(t_x, *[torch.as_tensor(e) for e in extra])
    np.testing.assert_allclose(dl_out.data, t_out.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward output")
    assert dl_out.dtype == dtype, f"output dtype {dl_out.dtype}, expected {np.dtype(dtype)}"
    upstream = np.random.default_rng(seed).standard_normal(t_out.shape).astype(dtype)
    dl_out.backward(upstream)
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(dl_x.grad, t_x.grad.numpy(), rtol=rtol, atol=atol,
                               err_msg="input gradient")
    t_params = dict(torch_module.named_parameters())
    dl_params = dict(dl_module.named_parameters())
    assert dl_params.keys() == t_params.keys()
    for name, param in dl_params.items():
        np.testing.assert_allclose(param.grad, t_params[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name}")
    t_state = torch_module.state_dict()
    for name, value in dl_module.state_dict().items():
        np.testing.assert_allclose(value, t_state[name].numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"state {name}")
    return dl_out, t_out


@pytest.fixture(scope="session")
def torch_compare():
    return compare_with_torch


@pytest.fixture(scope="session")
def torch_load():
    return load_into_torch
