"""PyTorch as the oracle for the sequence layers (embedding, recurrent, attention, transformer).

``check_against_torch`` copies a dlkit module's state_dict into the torch twin (strict), runs both on
the same inputs in float32 or float64, sends the same random upstream gradient into *every* output
(LSTM's ``output, (h_n, c_n)``, attention's ``output, weights``), and compares outputs, the gradients
of every float input and of every parameter.
"""
import numpy as np
import pytest

import dlkit

TOLERANCE = {np.float64: {"rtol": 1e-9, "atol": 1e-11}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}


def _flatten(value):
    if value is None:
        return []
    if isinstance(value, tuple | list):
        return [leaf for part in value for leaf in _flatten(part)]
    return [value]


def to_torch_state(state_dict):
    torch = pytest.importorskip("torch")
    return {key: torch.from_numpy(np.array(value)) for key, value in state_dict.items()}


def check_against_torch(dl_module, torch_module, inputs, dtype=np.float64, kwargs=None, seed=0,
                        tolerance=None):
    """``inputs``: numpy arrays (float ones get gradients), tuples of them, or None."""
    torch = pytest.importorskip("torch")
    kwargs = kwargs or {}
    dl_module.to(dtype)
    torch_module.to(torch.float64 if dtype == np.float64 else torch.float32)
    torch_module.load_state_dict(to_torch_state(dl_module.state_dict()), strict=True)
    torch_module.train(dl_module.training)
    tol = tolerance or TOLERANCE[dtype]

    def convert(value, lib):
        if value is None:
            return None
        if isinstance(value, tuple):
            return tuple(convert(v, lib) for v in value)
        array = np.asarray(value)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
            return (dlkit.Tensor(array.copy(), requires_grad=True) if lib == "dl"
                    else torch.tensor(array, requires_grad=True))
        return dlkit.Tensor(array) if lib == "dl" else torch.from_numpy(array)

    dl_inputs = [convert(v, "dl") for v in inputs]
    t_inputs = [convert(v, "torch") for v in inputs]
    # array options (masks) go to both as constants: float ones in the compared dtype
    kwargs = {key: value.astype(dtype) if isinstance(value, np.ndarray) and value.dtype.kind == "f"
              else value for key, value in kwargs.items()}
    t_kwargs = {key: torch.from_numpy(value) if isinstance(value, np.ndarray) else value
                for key, value in kwargs.items()}
    dl_out = _flatten(dl_module(*dl_inputs, **kwargs))
    t_out = _flatten(torch_module(*t_inputs, **t_kwargs))
    assert len(dl_out) == len(t_out), "number of outputs"
    rng = np.random.default_rng(seed)
    dl_loss, t_loss = 0, 0
    for k, (a, b) in enumerate(zip(dl_out, t_out)):
        assert tuple(a.shape) == tuple(b.shape), f"shape of output {k}"
        assert a.dtype == dtype, f"dtype of output {k}"
        np.testing.assert_allclose(a.data, b.detach().numpy(), **tol, err_msg=f"output {k}")
        upstream = rng.standard_normal(tuple(b.shape)).astype(dtype)
        dl_loss = dl_loss + (a * dlkit.Tensor(upstream)).sum()
        t_loss = t_loss + (b * torch.from_numpy(upstream)).sum()
    dl_loss.backward()
    t_loss.backward()
    for k, (a, b) in enumerate(zip(_flatten(dl_inputs), _flatten(t_inputs))):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad, b.grad.numpy(), **tol, err_msg=f"gradient of input {k}")
    t_params = dict(torch_module.named_parameters())
    dl_params = dict(dl_module.named_parameters())
    assert list(dl_params) == list(t_params), "parameter names and order"
    for name, param in dl_params.items():
        assert param.grad is not None, f"no gradient for {name}"
        np.testing.assert_allclose(param.grad, t_params[name].grad.numpy(), **tol,
                                   err_msg=f"gradient of {name}")
    return dl_out, t_out
