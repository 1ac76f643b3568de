"""Downloads against a local HTTP server on 127.0.0.1 (never the internet): hashes, atomic writes,
corrupt and truncated files, the offline message."""
import gzip
import hashlib
import http.server
import struct
import threading
from functools import partial

import numpy as np
import pytest

from dlkit.data import DownloadError, IDXFormatError, fetch_files, load_idx_dataset, load_mnist


def idx_gz(array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/served over HTTP on a free local port; yields (base_url, served_dir)."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()
    httpd.server_close()


def _write_dataset(served, n_train=6, n_test=3):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 4, 4)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 4, 4)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test),
    }
    hashes = {}
    for name, array in arrays.items():
        raw = idx_gz(array)
        (served / name).write_bytes(raw)
        hashes[name] = hashlib.sha256(raw).hexdigest()
    return arrays, hashes


def test_download_verify_and_load(server, tmp_path):
    base, served = server
    arrays, hashes = _write_dataset(served)
    cache = tmp_path / "cache"
    (X_train, y_train), (_X_test, y_test) = load_idx_dataset("toy", hashes, [base], path=cache)
    assert X_train.shape == (6, 16) and X_train.dtype == np.float32
    np.testing.assert_allclose(X_train, arrays["train-images-idx3-ubyte.gz"].reshape(6, 16) / 255.0,
                               rtol=1e-6)
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert y_train.dtype == np.int64
    assert sorted(p.name for p in (cache / "toy").iterdir()) == sorted(hashes)  # no temporary files left
    # second call: served files gone, the verified cache is used
    for f in served.iterdir():
        f.unlink()
    (_, y_train2), _ = load_idx_dataset("toy", hashes, [base], path=cache, as_images=True)
    np.testing.assert_array_equal(y_train2, y_train)


def test_dlkit_data_environment_variable_chooses_the_cache(server, tmp_path, monkeypatch):
    base, served = server
    _, hashes = _write_dataset(served)
    monkeypatch.setenv("DLKIT_DATA", str(tmp_path / "env-cache"))
    load_idx_dataset("toy", hashes, [base])
    assert (tmp_path / "env-cache" / "toy" / "train-images-idx3-ubyte.gz").exists()


def test_wrong_hash_is_refused_and_nothing_is_kept(server, tmp_path):
    base, served = server
    _, hashes = _write_dataset(served)
    hashes["train-labels-idx1-ubyte.gz"] = "0" * 64
    with pytest.raises(DownloadError, match=r"train-labels-idx1-ubyte.gz.*SHA-256 [0-9a-f]{64}, expected 0{64}"):
        fetch_files(hashes, tmp_path / "cache", [base])
    assert not (tmp_path / "cache" / "train-labels-idx1-ubyte.gz").exists()
    assert not any(p.name.endswith(".part") for p in (tmp_path / "cache").iterdir())


def test_second_mirror_is_used_when_the_first_fails(server, tmp_path):
    base, served = server
    _, hashes = _write_dataset(served)
    paths = fetch_files(hashes, tmp_path / "cache", [base + "missing/", base])
    assert all(p.exists() for p in paths.values())


def test_truncated_file_on_the_server_fails_its_hash(server, tmp_path):
    base, served = server
    _, hashes = _write_dataset(served)
    name = "t10k-images-idx3-ubyte.gz"
    (served / name).write_bytes((served / name).read_bytes()[:20])
    with pytest.raises(DownloadError, match=name):
        fetch_files(hashes, tmp_path / "cache", [base])


def test_corrupt_file_with_a_matching_hash_gives_an_idx_error(server, tmp_path):
    base, served = server
    _, hashes = _write_dataset(served)
    bad = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x09" + bytes(4))  # says 9 labels, holds 4
    (served / "train-labels-idx1-ubyte.gz").write_bytes(bad)
    hashes["train-labels-idx1-ubyte.gz"] = hashlib.sha256(bad).hexdigest()
    with pytest.raises(IDXFormatError, match="truncated"):
        load_idx_dataset("toy", hashes, [base], path=tmp_path / "cache")


def test_offline_error_says_where_to_put_which_file(tmp_path):
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens, the connection is refused
    with pytest.raises(DownloadError) as info:
        load_mnist(path=tmp_path, mirrors=[closed])
    message = str(info.value)
    for name in ["train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]:
        assert str(tmp_path / "mnist" / name) in message
    assert "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609" in message
    assert "by hand" in message


def test_download_false_never_connects(tmp_path):
    with pytest.raises(DownloadError, match="missing \\(download=False\\)"):
        load_mnist(path=tmp_path, download=False)


def test_a_cached_file_with_the_wrong_hash_is_reported(tmp_path):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"not mnist")
    with pytest.raises(DownloadError, match="exists but its SHA-256"):
        load_mnist(path=tmp_path, download=False)


@pytest.fixture
def trickle_server():
    """A 127.0.0.1 server that promises 1000 bytes and sends one byte per 0.5 s (never the internet)."""
    import socket
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\n")
                    for _ in range(1000):
                        if stop.wait(0.5):
                            break
                        conn.sendall(b"x")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_the_timeout_is_a_deadline_for_the_whole_file(trickle_server, tmp_path):
    import time
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"longer than the 2 s timeout"):
        fetch_files({"slow.gz": "0" * 64}, tmp_path / "cache", [trickle_server], timeout=2)
    elapsed = time.monotonic() - start
    assert elapsed < 3.5, f"gave up after {elapsed:.1f} s with timeout=2"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []  # no half file left


def test_every_built_in_mirror_is_https():
    from dlkit.data import mnist
    for mirror in mnist.MNIST_MIRRORS + mnist.FASHION_MNIST_MIRRORS:
        assert mirror.startswith("https://"), mirror


def test_dlkit_data_pointing_at_a_file_gives_instructions(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("oops")
    monkeypatch.setenv("DLKIT_DATA", str(not_a_folder))
    with pytest.raises(DownloadError) as info:
        load_mnist(mirrors=["http://127.0.0.1:9/"])
    message = str(info.value)
    assert "a file is in the way" in message and f"DLKIT_DATA='{not_a_folder}'" in message
    assert "by hand" in message and str(not_a_folder / "mnist" / "train-images-idx3-ubyte.gz") in message


def test_an_unwritable_data_folder_gives_instructions(tmp_path, monkeypatch):
    import os
    import tempfile as tempfile_module
    writable = tmp_path / "readonly"
    writable.mkdir()

    def refuse(*args, **kwargs):  # what a read-only folder does (root would ignore chmod, so we simulate)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile_module, "mkstemp", refuse)
    monkeypatch.setenv("DLKIT_DATA", str(writable))
    with pytest.raises(DownloadError) as info:
        load_mnist(mirrors=["http://127.0.0.1:9/"])
    message = str(info.value)
    assert "is not writable (Permission denied)" in message and "by hand" in message
    assert os.listdir(writable / "mnist") == []
