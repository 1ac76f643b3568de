"""The 8x8 handwritten digits (UCI, 1,797 images, 10 classes), shipped inside dlkit (see DIGITS.md).

A real dataset that needs no download and trains in seconds: the default for chapters 4-7.
"""
from pathlib import Path

import numpy as np

_FILE = Path(__file__).with_name("digits.npz")


def load_digits(as_images=False):
    """The embedded digits with their fixed stratified split: 1,437 training and 360 test images.

    Parameters
    ----------
    as_images : bool, default False
        False: ``X`` of shape (n, 64), one row per image. True: shape (n, 1, 8, 8), ready for Conv2d.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X`` float64 in [0, 1] (pixel counts 0..16 divided by 16), ``y`` int64 digits 0..9.

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_digits()
    >>> X_train.shape, X_test.shape
    ((1437, 64), (360, 64))
    """
    with np.load(_FILE, allow_pickle=False) as stored:
        pixels, labels = stored["pixels"], stored["labels"].astype(np.int64)
        train, test = stored["train_index"].astype(np.intp), stored["test_index"].astype(np.intp)
    X = pixels.astype(np.float64) / 16.0
    if as_images:
        X = X.reshape(-1, 1, 8, 8)
    return (X[train], labels[train]), (X[test], labels[test])
