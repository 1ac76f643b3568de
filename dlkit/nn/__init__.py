"""dlkit.nn: layers, activations, losses and initialisers, with PyTorch's names and state_dict keys.

``dlkit.nn.functional`` is the same module as ``dlkit.functional``.
"""
import sys

from .. import functional
from . import init
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention
from .container import Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, Parameter, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .recurrent import GRU, LSTM, RNN, RNNBase
from .rnn_cell import GRUCell, LSTMCell, RNNCell
from .shape import Flatten, Identity, Reshape
from .transformer import generate_square_subsequent_mask, TransformerEncoder, TransformerEncoderLayer
from .upsampling import Upsample

# So that `import dlkit.nn.functional as F` works too, as it does in PyTorch.
sys.modules[__name__ + ".functional"] = functional

__all__ = ["AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d",
           "Conv1d", "Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
           "IncompatibleKeys", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool1d",
           "MaxPool2d", "Module", "NLLLoss", "Parameter", "ReLU", "Reshape", "Sequential", "Sigmoid",
           "Softmax", "StateDictError", "Tanh", "functional", "init"]
__all__ += ["GRU", "LSTM", "RNN", "Embedding", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "AdaptiveAvgPool2d", "ConvTranspose2d", "Upsample", "MultiheadAttention", "TransformerEncoder", "TransformerEncoderLayer", "generate_square_subsequent_mask"]
