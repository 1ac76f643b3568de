"""Read IDX files, the format of MNIST and Fashion-MNIST (plain or gzipped).

An IDX file is a tiny header followed by raw big-endian numbers::

    bytes 0-1   0x00 0x00
    byte  2     dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    then d      big-endian uint32 sizes, then the data (product of sizes × item size bytes)

Every check below turns a corrupt or truncated download into a message that says what is wrong.
"""
import gzip
import zlib
from pathlib import Path

import numpy as np

from .dataset import DataError

DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IDXFormatError(DataError):
    """A file that is not a valid IDX file (wrong magic number, truncated, corrupt gzip)."""


def read_idx(source):
    """Parse an IDX file (path, or the raw bytes) into a numpy array; gzip is detected and undone.

    Examples
    --------
    >>> images = read_idx("~/.cache/dlkit/mnist/train-images-idx3-ubyte.gz")
    >>> images.shape, images.dtype
    ((60000, 28, 28), dtype('uint8'))
    """
    where = "the given bytes"
    if not isinstance(source, bytes | bytearray):
        path = Path(source).expanduser()
        where = str(path)
        raw = path.read_bytes()
    else:
        raw = bytes(source)
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise IDXFormatError(f"read_idx: {where} is a corrupt or truncated gzip file ({err}); "
                                 "delete it and download it again") from None
    if len(raw) < 4:
        raise IDXFormatError(f"read_idx: {where} has only {len(raw)} bytes, too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise IDXFormatError(f"read_idx: {where} does not start with an IDX magic number "
                             f"(expected 0x00 0x00 <dtype> <ndim>, got {raw[:4].hex(' ')}); "
                             "is it really an IDX file?")
    code, ndim = raw[2], raw[3]
    if code not in DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in DTYPES)
        raise IDXFormatError(f"read_idx: {where} has unknown dtype code 0x{code:02X} (known: {known})")
    header = 4 + 4 * ndim
    if ndim == 0:
        raise IDXFormatError(f"read_idx: {where} declares 0 dimensions; an IDX file has at least one")
    if len(raw) < header:
        raise IDXFormatError(f"read_idx: {where} declares {ndim} dimensions but the header is "
                             f"truncated ({len(raw)} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = DTYPES[code]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IDXFormatError(
            f"read_idx: {where} declares shape {shape} of {dtype.name} ({expected} data bytes) but "
            f"holds {len(raw) - header} data bytes; the file is "
            f"{'truncated' if len(raw) - header < expected else 'longer than its header says'}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy
