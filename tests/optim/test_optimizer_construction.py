"""Every optimizer builds with its defaults, steps, and refuses bad arguments with a clear message."""
import numpy as np
import pytest

import dlkit
from dlkit import optim
from dlkit.errors import DataTypeError, DlkitError

ALL = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.AdamW, optim.NAdam, optim.RAdam]


def _param():
    p = dlkit.Tensor([1.0, -2.0], requires_grad=True)
    p.grad = np.array([0.5, 0.5])
    return p


@pytest.mark.parametrize("cls", ALL)
def test_constructs_with_defaults_and_steps(cls):
    p = _param()
    opt = cls([p])
    opt.step()
    assert np.all(p.data < [1.0, -2.0])  # a positive gradient moves every weight down
    assert "lr" in opt.param_groups[0]
    assert cls.__name__ in repr(opt)


@pytest.mark.parametrize("cls", ALL)
def test_negative_learning_rate_is_refused(cls):
    with pytest.raises(optim.OptimizerError, match=r"lr=-0.1.*>= 0"):
        cls([_param()], lr=-0.1)


@pytest.mark.parametrize("cls", ALL)
def test_empty_parameter_list_is_refused(cls):
    with pytest.raises(optim.OptimizerError, match="empty list of parameters"):
        cls([])


@pytest.mark.parametrize("cls", ALL)
def test_tensor_that_does_not_require_grad_is_refused(cls):
    with pytest.raises(optim.OptimizerError, match="does not require grad"):
        cls([dlkit.Tensor([1.0, 2.0])])


@pytest.mark.parametrize("cls", ALL)
def test_single_tensor_instead_of_a_list_is_refused(cls):
    with pytest.raises(DataTypeError, match=r"wrap it in a list"):
        cls(_param())


@pytest.mark.parametrize("cls", ALL)
def test_non_tensor_parameter_is_refused(cls):
    with pytest.raises(DataTypeError, match="expected a dlkit Tensor"):
        cls([np.zeros(3)])


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1), (0.9,), "ab"])
def test_betas_out_of_range_are_refused(cls, betas):
    with pytest.raises(optim.OptimizerError, match=r"betas.*\[0, 1\)"):
        cls([_param()], betas=betas)


def test_nesterov_needs_momentum():
    with pytest.raises(optim.OptimizerError, match="nesterov"):
        optim.SGD([_param()], lr=0.1, nesterov=True)


def test_non_leaf_tensor_is_refused():
    p = dlkit.Tensor([1.0], requires_grad=True)
    with pytest.raises(optim.OptimizerError, match="leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_duplicate_parameter_is_refused():
    p = _param()
    with pytest.raises(optim.OptimizerError, match="twice"):
        optim.SGD([p, p], lr=0.1)


@pytest.mark.parametrize("kwargs", [{"momentum": -0.5}, {"weight_decay": -1.0}, {"lr": float("nan")}])
def test_other_bad_hyperparameters_are_dlkit_value_errors(kwargs):
    with pytest.raises(ValueError) as info:
        optim.SGD([_param()], **{"lr": 0.1, **kwargs})
    assert isinstance(info.value, DlkitError)
    assert "SGD" in str(info.value)


def test_a_generator_of_parameters_is_accepted():
    params = (p for p in [_param(), _param()])
    opt = optim.SGD(params, lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2
