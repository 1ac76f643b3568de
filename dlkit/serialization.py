"""Save and load weights as ``.npz`` files: plain numpy arrays by name, no pickle, written atomically.

>>> dlkit.save(model, "digits_mlp.npz")
>>> model.load_state_dict(dlkit.load("digits_mlp.npz"))

An ``.npz`` is a zip of ``.npy`` arrays, one entry ``<name>.npy`` per state-dict key: any numpy
(``np.load``) or a learner's own code can read it, and loading it cannot run code, unlike a pickle.
We write and read the zip entries ourselves (not ``np.savez(**arrays)``), so any string key — even
``"file"`` or ``"allow_pickle"`` — round-trips, and every entry's size is checked against its header
before any memory is allocated.
"""
import math
import os
import tempfile
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .errors import DataTypeError, DlkitError
from .tensor import Tensor


class SerializationError(DlkitError, ValueError):
    """A file that is not a dlkit weights file (not an .npz, corrupt, or holding pickled objects), or a
    place it cannot be saved to."""


def save(model_or_state_dict, path):
    """Write a model's ``state_dict()`` (or a dict name -> array) to ``path`` as an ``.npz`` file.

    ``~`` in ``path`` means your home folder. The file is first written under a temporary name in the
    same folder and then renamed with ``os.replace``, so a crash or a full disk never leaves a
    half-written file under ``path``: the previous file stays intact (and a temporary file left by a
    save that was killed is removed by the next save to the same path).
    """
    state = (model_or_state_dict.state_dict() if hasattr(model_or_state_dict, "state_dict")
             else model_or_state_dict)
    if not isinstance(state, dict):
        raise DataTypeError(f"save: expected a Module or a dict name -> array, got {type(state).__name__}")
    arrays = OrderedDict()
    for name, value in state.items():
        if not isinstance(name, str):
            raise DataTypeError(f"save: every key must be a string (a parameter name like '0.weight'), "
                                f"got the key {name!r} of type {type(name).__name__}; convert it with str()")
        if "\x00" in name:
            raise DataTypeError(f"save: the key {name!r} contains a NUL character, which a zip entry name "
                                "cannot hold")
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.kind not in "fiub":
            raise DataTypeError(f"save: {name!r} has dtype {array.dtype}; only numeric arrays can be saved")
        arrays[name] = array
    path = _expand(path)
    folder = path.parent
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise SerializationError(f"save: cannot write {path.name!r}: the folder {str(folder)!r} {what}; "
                                 "create it first (e.g. os.makedirs(folder, exist_ok=True))")
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def _write_npz(file, arrays):
    """The zip layout of ``np.savez``: one stored (uncompressed) entry ``<name>.npy`` per array."""
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


def _remove_stale_temporaries(path):
    """Delete ``.<name>.<pid>.*.tmp`` files left in the folder by a save whose process no longer runs."""
    prefix = f".{path.name}."
    for leftover in path.parent.glob(f"{_glob_escape(prefix)}*.tmp"):
        pid = leftover.name[len(prefix):].split(".", 1)[0]
        if _process_alive(pid) and not _old(leftover):
            continue  # another save is writing it right now
        try:
            leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: the save itself does not depend on it


def _glob_escape(text):
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _process_alive(pid):
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    if os.name == "nt":  # no cheap liveness check: trust the age only
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _old(leftover, hours=24):
    try:
        return time.time() - leftover.stat().st_mtime > hours * 3600
    except OSError:
        return False


def load(path):
    """Read an ``.npz`` written by :func:`save`: an OrderedDict name -> numpy array.

    Loading never unpickles: a file holding Python objects is refused. Each array's declared size is
    checked against the bytes the file really holds before it is read, so a corrupt or hostile
    header gives a ``SerializationError``, never a huge allocation.
    """
    path = _expand(path)
    with open(path, "rb") as f:  # closed on every error path below
        start = f.read(6)
        f.seek(0)
        if start == b"\x93NUMPY":
            raise SerializationError(f"load: {path} holds a single .npy array, not an .npz of named "
                                     "arrays; save weights with dlkit.save")
        try:
            with zipfile.ZipFile(f) as archive:
                return OrderedDict((_key(path, info), _read_entry(path, archive, info))
                                   for info in archive.infolist())
        except SerializationError:
            raise
        except zipfile.BadZipFile as err:
            if not start.startswith(b"PK\x03\x04"):  # not even the start of a zip
                raise SerializationError(
                    f"load: {path} is not an .npz weights file: its bytes are neither a zip of .npy arrays "
                    "nor a .npy array (corrupt, or another kind of file)") from None
            raise SerializationError(f"load: {path} is not a valid .npz weights file: it is corrupt, truncated "
                                     f"or another kind of file ({err})") from None
        except (OSError, EOFError, ValueError, MemoryError) as err:
            raise SerializationError(f"load: {path} is not a valid .npz weights file: it is corrupt, truncated "
                                     f"or another kind of file ({type(err).__name__}: {err})") from None


def _key(path, info):
    if not info.filename.endswith(".npy"):
        raise SerializationError(f"load: {path} holds an entry {info.filename!r} that is not a .npy array; "
                                 "it is not a weights file written by dlkit.save or np.savez")
    return info.filename[:-len(".npy")]


def _read_entry(path, archive, info):
    """One array, after checking that its header's shape × dtype matches the bytes stored."""
    name = info.filename[:-len(".npy")]
    with archive.open(info) as entry:
        version = np.lib.format.read_magic(entry)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(entry)
        if dtype.hasobject:
            raise SerializationError(f"load: {path} holds Python objects (pickled data) in {name!r}; dlkit "
                                     "loads only plain numeric arrays and refuses to unpickle them")
        declared = math.prod(shape) * dtype.itemsize
        stored = info.file_size - entry.tell()
        if declared != stored:
            raise SerializationError(
                f"load: {path}: {name!r} declares shape {shape} of {dtype} ({declared} bytes) but holds "
                f"{stored} bytes; the file is corrupt or truncated")
    with archive.open(info) as entry:
        return np.lib.format.read_array(entry, allow_pickle=False)


def _expand(path):
    """``path`` as a Path with ``~`` expanded; a clear error for things that are not paths."""
    try:
        return Path(os.fspath(path)).expanduser()
    except TypeError:
        raise DataTypeError(f"expected a file path (a str or pathlib.Path), got {type(path).__name__}") from None
