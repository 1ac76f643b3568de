"""Functions behind the layers of ``dlkit.nn``: activations, losses, convolution, pooling, dropout,
normalisation, resizing. Also importable as ``dlkit.nn.functional`` (``import dlkit.nn.functional as F``).

Each is one op in the graph with its forward and backward side by side in its file:

====================  ==============================================================================
``activations.py``    softmax, log_softmax (stable, fused), relu, leaky_relu, sigmoid, logsigmoid,
                      tanh, elu, gelu, silu, softplus, hardtanh, prelu
``linear.py``         linear: x Wᵀ + b
``conv.py``           conv1d, conv2d (stride, padding incl. 'same', dilation, groups) by im2col,
                      conv_transpose2d; the sliding-window code pooling shares
``pooling.py``        max_pool1d/2d (ceil_mode, return_indices), avg_pool1d/2d, adaptive_avg_pool2d,
                      max_unpool2d
``interpolate.py``    interpolate: nearest and (bi)linear resizing
``normalization.py``  batch_norm, layer_norm, group_norm
``dropout.py``        dropout, dropout2d
``losses.py``         cross_entropy, nll_loss, mse_loss, l1_loss, huber_loss, smooth_l1_loss, kl_div,
                      binary_cross_entropy(_with_logits)
``attention.py``      scaled_dot_product_attention
``embedding.py``      embedding
``_threads.py``       the batch split that lets conv and pooling use several cores
                      (``set_num_threads`` / ``get_num_threads``)
====================  ==============================================================================
"""
from ._threads import get_num_threads, set_num_threads
from .activations import (
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    prelu,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .attention import scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose2d
from .dropout import dropout, dropout2d
from .embedding import embedding
from .interpolate import interpolate
from .linear import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool2d,
)

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "interpolate",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "softmax",
    "tanh",
]
__all__ += ["elu", "gelu", "hardtanh", "prelu", "silu", "softplus"]
__all__ += ["get_num_threads", "max_unpool2d", "set_num_threads"]
__all__ += ["dropout2d", "group_norm", "huber_loss", "kl_div", "layer_norm", "smooth_l1_loss"]
