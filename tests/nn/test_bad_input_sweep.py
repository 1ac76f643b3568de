"""Issue 10: every error dlkit.nn raises on purpose is a dlkit.DlkitError (still a ValueError /
TypeError / KeyError / … as before), with a message that names the layer or argument. A sweep over
bad constructor arguments and bad inputs; each case failed (plain Python errors or no error at all)
before these checks existed."""
from collections import OrderedDict

import numpy as np
import pytest

import dlkit
from dlkit import functional as F
from dlkit import nn

BAD = [  # (description, call, a word the message must contain)
    ("Linear(0, 3)", lambda: nn.Linear(0, 3), "in_features"),
    ("Linear(3, -1)", lambda: nn.Linear(3, -1), "out_features"),
    ("Linear(2.5, 3)", lambda: nn.Linear(2.5, 3), "in_features"),
    ("Conv2d kernel 0", lambda: nn.Conv2d(3, 8, 0), "kernel_size"),
    ("Conv2d stride 0", lambda: nn.Conv2d(3, 8, 3, stride=0), "stride"),
    ("Conv2d padding -1", lambda: nn.Conv2d(3, 8, 3, padding=-1), "padding"),
    ("Conv1d groups", lambda: nn.Conv1d(3, 6, 3, groups=2), "groups"),
    ("Conv2d kernel (3, 3, 3)", lambda: nn.Conv2d(3, 8, (3, 3, 3)), "kernel_size"),
    ("ConvTranspose2d out 0", lambda: nn.ConvTranspose2d(3, 0, 3), "out_channels"),
    ("MaxPool2d stride 0", lambda: nn.MaxPool2d(2, stride=0), "stride"),
    ("AvgPool1d kernel 0", lambda: nn.AvgPool1d(0), "kernel_size"),
    ("MaxPool2d padding > k/2", lambda: nn.MaxPool2d(2, padding=2), "padding"),
    ("Dropout(1.5)", lambda: nn.Dropout(1.5), "p"),
    ("Dropout('a')", lambda: nn.Dropout("a"), "p"),
    ("F.dropout p=-1", lambda: F.dropout(dlkit.ones(2), -1.0), "p"),
    ("BatchNorm1d(0)", lambda: nn.BatchNorm1d(0), "num_features"),
    ("BatchNorm2d eps 0", lambda: nn.BatchNorm2d(3, eps=0.0), "eps"),
    ("LayerNorm eps -1", lambda: nn.LayerNorm(3, eps=-1.0), "eps"),
    ("GroupNorm 4 into 6", lambda: nn.GroupNorm(4, 6), "num_groups"),
    ("Sequential('relu')", lambda: nn.Sequential("relu"), "Module"),
    ("Sequential(nn.ReLU)", lambda: nn.Sequential(nn.ReLU), "parentheses"),
    ("Sequential(OrderedDict str)", lambda: nn.Sequential(OrderedDict(a="relu")), "Module"),
    ("ModuleList([1])", lambda: nn.ModuleList([1]), "Module"),
    ("ModuleDict int key", lambda: nn.ModuleDict({1: nn.ReLU()}), "keys must be strings"),
    ("ModuleDict missing", lambda: nn.ModuleDict()["x"], "no module"),
    ("Sequential index", lambda: nn.Sequential(nn.ReLU())[3], "out of range"),
    ("ModuleList forward", lambda: nn.ModuleList()(1), "no forward"),
    ("Module without forward", lambda: nn.Module()(1), "forward"),
    ("get_submodule", lambda: nn.Sequential(nn.ReLU()).get_submodule("1"), "no submodule"),
    ("CrossEntropyLoss label 3 of 3", lambda: nn.CrossEntropyLoss()(dlkit.randn(2, 3), [0, 3]), "[0, 3)"),
    ("CrossEntropyLoss float labels", lambda: nn.CrossEntropyLoss()(dlkit.randn(2, 3), np.array([0.0, 1.0])), "integers"),
    ("NLLLoss label -1", lambda: nn.NLLLoss()(dlkit.randn(2, 3), [-1, 0]), "[0, 3)"),
    ("MSELoss reduction", lambda: nn.MSELoss(reduction="avg"), "reduction"),
    ("BCELoss probabilities", lambda: nn.BCELoss()(dlkit.Tensor([1.5]), np.array([1.0])), "probabilities"),
    ("CrossEntropyLoss smoothing", lambda: nn.CrossEntropyLoss(label_smoothing=-0.1), "label_smoothing"),
    ("Linear wrong features", lambda: nn.Linear(3, 2)(dlkit.zeros(4, 5)), "Linear"),
    ("Conv2d wrong channels", lambda: nn.Conv2d(3, 2, 3)(dlkit.zeros(1, 4, 5, 5)), "Conv2d"),
    ("Conv2d wrong rank", lambda: nn.Conv2d(3, 2, 3)(dlkit.zeros(3, 5, 5)), "Conv2d"),
    ("Conv2d kernel too big", lambda: nn.Conv2d(1, 1, 5)(dlkit.zeros(1, 1, 3, 3)), "kernel"),
    ("MaxPool2d wrong rank", lambda: nn.MaxPool2d(2)(dlkit.zeros(4, 4)), "MaxPool2d"),
    ("BatchNorm2d channels", lambda: nn.BatchNorm2d(3)(dlkit.zeros(2, 4, 2, 2)), "BatchNorm2d"),
    ("init fan of 1-D", lambda: nn.init.xavier_uniform_(dlkit.zeros(3)), "2 dimensions"),
    ("init gain name", lambda: nn.init.calculate_gain("swish"), "nonlinearity"),
    ("init kaiming mode", lambda: nn.init.kaiming_normal_(dlkit.zeros(2, 2), mode="fan"), "mode"),
    ("Upsample mode", lambda: nn.Upsample(scale_factor=2, mode="cubic"), "mode"),
    ("clip_grad_norm_ negative", lambda: nn.utils.clip_grad_norm_([], -1.0), "max_norm"),
    ("hook not callable", lambda: nn.ReLU().register_forward_hook(3), "callable"),
    ("load complex state", lambda: nn.Linear(1, 1).load_state_dict(
        {"weight": np.ones((1, 1)) * 1j, "bias": np.zeros(1)}), "complex"),
    ("load overflowing state", lambda: nn.Linear(1, 1).float().load_state_dict(
        {"weight": np.full((1, 1), 1e40), "bias": np.zeros(1)}), "too large"),
]


@pytest.mark.parametrize("call, word", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_every_bad_input_is_a_dlkit_error_that_says_what_is_wrong(call, word):
    with pytest.raises(Exception) as info:
        call()
    err = info.value
    assert isinstance(err, dlkit.DlkitError), f"{type(err).__mro__} is not a DlkitError: {err}"
    assert isinstance(err, ValueError | TypeError | KeyError | IndexError | AttributeError |
                      NotImplementedError)
    assert word in str(err)


def test_out_of_range_labels_and_bad_probabilities_stay_value_errors():
    with pytest.raises(ValueError):
        nn.CrossEntropyLoss()(dlkit.randn(2, 3), [0, 3])
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(TypeError):
        nn.Sequential("relu")
