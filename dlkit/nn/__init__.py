"""dlkit.nn: layers, activations, losses and initialisers, with PyTorch's names and state_dict keys.

``dlkit.nn.functional`` is the same module as ``dlkit.functional``.
"""
import sys

from .. import functional
from . import init, utils
from .activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .attention import MultiheadAttention
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .linear import Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError, SubmoduleError
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, MaxUnpool2d
from .recurrent import GRU, LSTM, RNN, RNNBase
from .rnn_cell import GRUCell, LSTMCell, RNNCell
from .shape import Flatten, Identity, Reshape, Unflatten
from .transformer import TransformerEncoder, TransformerEncoderLayer, generate_square_subsequent_mask
from .upsampling import Upsample

# So that `import dlkit.nn.functional as F` works too, as it does in PyTorch.
sys.modules[__name__ + ".functional"] = functional

__all__ = ["AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d",
           "Conv1d", "Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
           "IncompatibleKeys", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool1d",
           "MaxPool2d", "Module", "NLLLoss", "Parameter", "ReLU", "Reshape", "Sequential", "Sigmoid",
           "Softmax", "StateDictError", "Tanh", "functional", "init"]
__all__ += ["ModuleDict", "ModuleList", "RemovableHandle", "SubmoduleError", "utils"]
__all__ += ["MaxUnpool2d"]
__all__ += ["ELU", "GELU", "Hardtanh", "PReLU", "SiLU", "Softplus"]
__all__ += ["AdaptiveAvgPool2d", "ConvTranspose2d", "Dropout2d", "GroupNorm", "HuberLoss", "KLDivLoss",
            "LayerNorm", "SmoothL1Loss", "Unflatten", "Upsample"]
__all__ += [
    "GRU",
    "LSTM",
    "RNN",
    "Embedding",
    "GRUCell",
    "LSTMCell",
    "MultiheadAttention",
    "RNNBase",
    "RNNCell",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "generate_square_subsequent_mask",
]
