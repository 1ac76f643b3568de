"""IDX parsing: valid files (plain and gzipped) and clear errors for every kind of corruption.

The test files are written byte by byte here, independently of the code under test.
"""
import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

from dlkit.data import IDXFormatError, read_idx


def idx_bytes(array, code=0x08):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_reads_uint8_images(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(idx_bytes(images))
    out = read_idx(path)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)


def test_reads_gzipped_labels_and_big_endian_floats(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    (tmp_path / "labels.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), labels)
    values = np.array([[1.5, -2.25]], dtype=np.float32)
    out = read_idx(idx_bytes(values, code=0x0D))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, values)
    ints = np.array([70000, -3], dtype=np.int32)
    np.testing.assert_array_equal(read_idx(idx_bytes(ints, code=0x0C)), ints)


def test_wrong_magic_number_is_refused():
    with pytest.raises(IDXFormatError, match="magic number"):
        read_idx(b"PK\x03\x04" + bytes(20))


def test_unknown_dtype_code_is_refused():
    raw = bytearray(idx_bytes(np.zeros(3, dtype=np.uint8)))
    raw[2] = 0x42
    with pytest.raises(IDXFormatError, match="unknown dtype code 0x42"):
        read_idx(bytes(raw))


def test_truncated_data_is_refused_with_the_byte_counts():
    raw = idx_bytes(np.zeros((4, 5), dtype=np.uint8))
    with pytest.raises(IDXFormatError, match=r"shape \(4, 5\).*20 data bytes.*holds 15.*truncated"):
        read_idx(raw[:-5])


def test_extra_bytes_are_refused():
    with pytest.raises(IDXFormatError, match="longer than its header says"):
        read_idx(idx_bytes(np.zeros(3, dtype=np.uint8)) + b"\x00")


def test_truncated_header_is_refused():
    with pytest.raises(IDXFormatError, match="header is truncated"):
        read_idx(b"\x00\x00\x08\x03\x00\x00\x00\x02")


def test_truncated_gzip_is_refused(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8) % 251))
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXFormatError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")


def test_zero_dimensions_are_refused():
    with pytest.raises(IDXFormatError, match="0 dimensions"):
        read_idx(b"\x00\x00\x08\x00")


def _gzip_bomb(header, zeros):
    """A gzip stream holding ``header`` then ``zeros`` zero bytes, compressed (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    block = bytes(1 << 20)
    parts = [compressor.compress(header)]
    for _ in range(zeros >> 20):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_refused_without_decompressing_it():
    header = b"\x00\x00\x08\x02" + struct.pack(">II", 16, 16)  # declares 256 bytes of uint8
    bomb = _gzip_bomb(header, 256 << 20)                          # holds 256 MB of zeros
    assert len(bomb) < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match=r"\(16, 16\).*256 data bytes.*longer than its header says"):
            read_idx(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"read_idx took {peak / 2 ** 20:.0f} MB for a header declaring 256 bytes"


def test_a_header_declaring_more_than_the_gzip_holds_reads_only_what_is_there():
    header = b"\x00\x00\x0e\x03" + struct.pack(">III", 60000, 60000, 60000)  # declares 1.7 PB of float64
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match=r"declares shape \(60000, 60000, 60000\).*truncated"):
            read_idx(_gzip_bomb(header, 4 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_a_size_product_that_overflows_is_a_clear_error():
    header = b"\x00\x00\x08\x04" + struct.pack(">IIII", 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1)
    for raw in (header + b"\x00" * 8, gzip.compress(header + b"\x00" * 8)):
        with pytest.raises(IDXFormatError, match="overflows a 64-bit size"):
            read_idx(raw)
