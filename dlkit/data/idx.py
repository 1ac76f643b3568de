"""Read IDX files, the format of MNIST and Fashion-MNIST (plain or gzipped).

An IDX file is a tiny header followed by raw big-endian numbers::

    bytes 0-1   0x00 0x00
    byte  2     dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    then d      big-endian uint32 sizes, then the data (product of sizes × item size bytes)

Every check below turns a corrupt or truncated download into a message that says what is wrong.
"""
import gzip
import io
import math
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

    A gzipped file is decompressed only up to the size its header declares, so a small file that
    would decompress to gigabytes (a "gzip bomb") is refused without taking the memory.

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
    zipped = raw[:2] == b"\x1f\x8b"  # the gzip magic number
    stream = gzip.GzipFile(fileobj=io.BytesIO(raw)) if zipped else io.BytesIO(raw)
    try:
        return _parse(stream, where)
    except (OSError, EOFError, zlib.error) as err:
        raise IDXFormatError(f"read_idx: {where} is a corrupt or truncated gzip file ({err}); "
                             "delete it and download it again") from None


def _parse(stream, where):
    magic = _read_at_most(stream, 4)
    if len(magic) < 4:
        raise IDXFormatError(f"read_idx: {where} has only {len(magic)} bytes, too short for an IDX header")
    if magic[0] != 0 or magic[1] != 0:
        raise IDXFormatError(f"read_idx: {where} does not start with an IDX magic number "
                             f"(expected 0x00 0x00 <dtype> <ndim>, got {magic.hex(' ')}); "
                             "is it really an IDX file?")
    code, ndim = magic[2], magic[3]
    if code not in DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in DTYPES)
        raise IDXFormatError(f"read_idx: {where} has unknown dtype code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise IDXFormatError(f"read_idx: {where} declares 0 dimensions; an IDX file has at least one")
    sizes = _read_at_most(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IDXFormatError(f"read_idx: {where} declares {ndim} dimensions but the header is "
                             f"truncated ({4 + len(sizes)} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(sizes, dtype=">u4"))
    dtype = DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: exact, never wraps around
    if expected >= 2 ** 63:
        raise IDXFormatError(f"read_idx: {where} declares shape {shape} of {dtype.name}: {expected} bytes, "
                             "which overflows a 64-bit size; the header is corrupt")
    data = _read_at_most(stream, expected)
    if len(data) < expected:
        raise IDXFormatError(f"read_idx: {where} declares shape {shape} of {dtype.name} ({expected} data bytes) "
                             f"but holds {len(data)} data bytes; the file is truncated")
    if stream.read(1):  # one byte more is enough to know; never decompress the rest
        raise IDXFormatError(f"read_idx: {where} declares shape {shape} of {dtype.name} ({expected} data bytes) "
                             "but holds more data; the file is longer than its header says")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def _read_at_most(stream, size, block=1 << 22):
    """Up to ``size`` bytes, read in blocks so memory grows with the bytes really there, not the size asked."""
    chunks, remaining = bytearray(), size
    while remaining > 0:
        chunk = stream.read(min(remaining, block))
        if not chunk:
            break
        chunks += chunk
        remaining -= len(chunk)
    return chunks
