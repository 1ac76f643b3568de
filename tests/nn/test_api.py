"""The names and signatures other parts of dlkit (and the course) are written against."""
import inspect

import dlkit
from dlkit import nn

NN_NAMES = ["Module", "Parameter", "Linear", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool2d",
            "Flatten", "Reshape", "Dropout", "BatchNorm1d", "BatchNorm2d", "Identity", "Sequential",
            "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MSELoss", "L1Loss",
            "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
INIT_NAMES = ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "uniform_",
              "normal_", "zeros_", "ones_"]
FUNCTIONAL_NAMES = ["softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
                    "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d", "conv2d",
                    "max_pool1d", "max_pool2d", "avg_pool2d", "dropout", "batch_norm"]


def test_every_promised_name_exists():
    missing = [n for n in NN_NAMES if not hasattr(nn, n)]
    missing += [f"init.{n}" for n in INIT_NAMES if not hasattr(nn.init, n)]
    missing += [f"functional.{n}" for n in FUNCTIONAL_NAMES if not hasattr(dlkit.functional, n)]
    assert not missing


def _params(fn):
    return list(inspect.signature(fn).parameters)


def test_signatures_follow_pytorch():
    assert _params(nn.Linear)[:3] == ["in_features", "out_features", "bias"]
    assert _params(nn.Conv2d)[:5] == ["in_channels", "out_channels", "kernel_size", "stride", "padding"]
    assert _params(nn.MaxPool2d)[:2] == ["kernel_size", "stride"]
    assert _params(dlkit.functional.softmax)[:2] == ["x", "axis"]
    assert _params(dlkit.functional.dropout) == ["x", "p", "training"]
    # PyTorch's names and order, so keyword calls port unchanged
    assert _params(dlkit.functional.cross_entropy) == ["input", "target", "weight", "size_average",
                                                       "ignore_index", "reduce", "reduction",
                                                       "label_smoothing"]
    assert _params(nn.CrossEntropyLoss) == ["weight", "size_average", "ignore_index", "reduce",
                                            "reduction", "label_smoothing"]
    assert _params(nn.BCEWithLogitsLoss) == ["weight", "size_average", "reduce", "reduction",
                                             "pos_weight"]
    assert _params(nn.KLDivLoss) == ["size_average", "reduce", "reduction", "log_target"]
    assert _params(nn.Conv2d)[:8] == ["in_channels", "out_channels", "kernel_size", "stride",
                                      "padding", "dilation", "groups", "bias"]
    assert _params(nn.ConvTranspose2d)[:9] == ["in_channels", "out_channels", "kernel_size", "stride",
                                               "padding", "output_padding", "groups", "bias",
                                               "dilation"]
    assert _params(nn.MaxPool2d) == ["kernel_size", "stride", "padding", "dilation",
                                     "return_indices", "ceil_mode"]
    for name in ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]:
        assert getattr(nn, name)(reduction="sum").reduction == "sum"
