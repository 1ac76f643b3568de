"""Save and load weights as ``.npz`` files: plain numpy arrays by name, no pickle, written atomically.

>>> dlkit.save(model, "digits_mlp.npz")
>>> model.load_state_dict(dlkit.load("digits_mlp.npz"))

An ``.npz`` is a zip of ``.npy`` arrays: any numpy (or a learner's own code) can read it, and loading
it cannot run code, unlike a pickle.
"""
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .errors import DataTypeError, DlkitError
from .tensor import Tensor


class SerializationError(DlkitError, ValueError):
    """A file that is not a dlkit weights file (not an .npz, corrupt, or holding pickled objects)."""


def save(model_or_state_dict, path):
    """Write a model's ``state_dict()`` (or a dict name -> array) to ``path`` as an ``.npz`` file.

    The file is first written under a temporary name in the same directory and then renamed with
    ``os.replace``, so a crash or a full disk never leaves a half-written file under ``path``: the
    previous file stays intact.
    """
    state = (model_or_state_dict.state_dict() if hasattr(model_or_state_dict, "state_dict")
             else model_or_state_dict)
    if not isinstance(state, dict):
        raise DataTypeError(f"save: expected a Module or a dict name -> array, got {type(state).__name__}")
    arrays = OrderedDict()
    for name, value in state.items():
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.kind not in "fiub":
            raise DataTypeError(f"save: {name!r} has dtype {array.dtype}; only numeric arrays can be saved")
        arrays[str(name)] = array
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".",
                                         prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)  # a file object: numpy adds no ".npz" to the name
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def load(path):
    """Read an ``.npz`` written by :func:`save`: an OrderedDict name -> numpy array.

    Loading never unpickles (``allow_pickle=False``): a file holding Python objects is refused.
    """
    path = Path(path)
    try:
        stored = np.load(path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            raise SerializationError(f"load: {path} holds a single .npy array, not an .npz of named "
                                     "arrays; save weights with dlkit.save")
        with stored:
            return OrderedDict((name, stored[name]) for name in stored.files)
    except (FileNotFoundError, SerializationError):
        raise
    except ValueError as err:
        if "Object arrays" in str(err):
            raise SerializationError(f"load: {path} holds Python objects (pickled data); dlkit loads only "
                                     "plain numeric arrays and refuses to unpickle them") from None
        raise SerializationError(f"load: {path} is not an .npz weights file: its bytes are neither a zip "
                                 "of .npy arrays nor a .npy array (corrupt, or another kind of file)") from None
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise SerializationError(f"load: {path} is not a valid .npz weights file: it is corrupt, truncated "
                                 f"or another kind of file ({type(err).__name__}: {err})") from None
