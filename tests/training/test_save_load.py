"""save/load: round trip, atomic writes, refusing corrupt files and pickled objects, key/shape mismatches."""
import os
import zipfile

import numpy as np
import pytest

import dlkit
from dlkit import nn
from dlkit.errors import ShapeError
from dlkit.serialization import SerializationError


def _model(hidden=8, seed=0):
    dlkit.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 3))


def test_round_trip_restores_every_weight_and_the_outputs(tmp_path):
    model = _model(seed=1)
    path = dlkit.save(model, tmp_path / "weights.npz")
    assert path.name == "weights.npz"
    loaded = dlkit.load(tmp_path / "weights.npz")
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # PyTorch's key order
    fresh = _model(seed=2)
    x = dlkit.Tensor(np.random.default_rng(0).standard_normal((5, 4)))
    assert not np.allclose(fresh(x).data, model(x).data)
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(fresh(x).data, model(x).data)
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)


def test_a_plain_state_dict_and_float32_keep_their_dtype(tmp_path):
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "steps": np.array(7)}
    dlkit.save(state, tmp_path / "s.npz")
    loaded = dlkit.load(tmp_path / "s.npz")
    assert loaded["w"].dtype == np.float32 and loaded["steps"] == 7


def test_the_file_is_a_plain_npz_numpy_can_read(tmp_path):
    dlkit.save(_model(), tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz", allow_pickle=False) as f:
        assert f["0.weight"].shape == (8, 4)


def test_a_failing_write_leaves_the_old_file_intact_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    dlkit.save(_model(seed=1), path)
    before = path.read_bytes()

    def broken_write(file, arrays):
        file.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(dlkit.serialization, "_write_npz", broken_write)
    with pytest.raises(OSError, match="disk full"):
        dlkit.save(_model(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_a_corrupt_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"these are not weights")
    with pytest.raises(SerializationError, match="not an .npz weights file"):
        dlkit.load(path)


def test_a_truncated_npz_is_a_clear_error(tmp_path):
    dlkit.save(_model(), tmp_path / "w.npz")
    raw = (tmp_path / "w.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(SerializationError, match="corrupt, truncated"):
        dlkit.load(tmp_path / "cut.npz")


def test_a_single_npy_array_is_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(SerializationError, match="single .npy array"):
        dlkit.load(tmp_path / "one.npy")


def test_pickled_objects_are_refused(tmp_path):
    np.savez(tmp_path / "evil.npz", weight=np.array([{"code": "run me"}], dtype=object))
    assert zipfile.is_zipfile(tmp_path / "evil.npz")
    with pytest.raises(SerializationError, match="refuses to unpickle"):
        dlkit.load(tmp_path / "evil.npz")


def test_object_arrays_cannot_be_saved(tmp_path):
    with pytest.raises(dlkit.DataTypeError, match="only numeric arrays"):
        dlkit.save({"w": np.array(["a", "b"])}, tmp_path / "w.npz")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        dlkit.load(tmp_path / "nope.npz")


def test_loading_into_a_different_architecture_names_the_shapes(tmp_path):
    dlkit.save(_model(hidden=8), tmp_path / "w.npz")
    other = _model(hidden=5)
    with pytest.raises(ShapeError, match=r"0\.weight: model \(5, 4\), state_dict \(8, 4\)"):
        other.load_state_dict(dlkit.load(tmp_path / "w.npz"))


def test_loading_with_missing_and_unexpected_keys_names_them(tmp_path):
    state = _model().state_dict()
    state["extra.weight"] = np.zeros(2)
    del state["2.bias"]
    dlkit.save(state, tmp_path / "w.npz")
    with pytest.raises(KeyError, match=r"2\.bias.*extra\.weight"):
        _model().load_state_dict(dlkit.load(tmp_path / "w.npz"))


def test_weights_load_into_the_same_torch_architecture(tmp_path):
    torch = pytest.importorskip("torch")
    model = _model(seed=3)
    dlkit.save(model, tmp_path / "w.npz")
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in dlkit.load(tmp_path / "w.npz").items()})
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), model(dlkit.Tensor(x)).data,
                               rtol=1e-12)


AWKWARD_KEYS = ["allow_pickle", "file", "1", "", "a/b", "a.npy", "a.npy.npy", "ünïcode", " space ", "/lead",
                "fix_imports", "args", "kwds", "x" * 200]


def test_any_string_key_round_trips(tmp_path):
    state = {key: np.full((2,), i, dtype=np.float32) for i, key in enumerate(AWKWARD_KEYS)}
    dlkit.save(state, tmp_path / "w.npz")
    loaded = dlkit.load(tmp_path / "w.npz")
    assert list(loaded) == AWKWARD_KEYS
    for i, key in enumerate(AWKWARD_KEYS):
        np.testing.assert_array_equal(loaded[key], [i, i])
        assert loaded[key].dtype == np.float32


@pytest.mark.parametrize("key", [1, ("a", 1), None, b"bytes"])
def test_non_string_keys_are_refused_clearly(tmp_path, key):
    with pytest.raises(dlkit.DataTypeError, match=r"every key must be a string.*" + type(key).__name__):
        dlkit.save({key: np.zeros(2)}, tmp_path / "w.npz")
    assert not (tmp_path / "w.npz").exists()


def test_the_int_1_and_the_string_1_no_longer_collide(tmp_path):
    with pytest.raises(dlkit.DataTypeError, match="got the key 1 of type int"):
        dlkit.save({1: np.zeros(1), "1": np.ones(1)}, tmp_path / "w.npz")


def test_tilde_means_the_home_folder_for_save_and_load(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    dlkit.save({"w": np.arange(3.0)}, "~/w.npz")
    assert (tmp_path / "w.npz").exists()
    np.testing.assert_array_equal(dlkit.load("~/w.npz")["w"], [0.0, 1.0, 2.0])


def test_saving_into_a_missing_folder_names_that_folder(tmp_path):
    missing = tmp_path / "runs" / "today"
    with pytest.raises(SerializationError, match=f"the folder '{missing}' does not exist"):
        dlkit.save({"w": np.zeros(1)}, missing / "w.npz")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SerializationError, match="is a file, not a folder"):
        dlkit.save({"w": np.zeros(1)}, tmp_path / "afile" / "w.npz")


def test_a_temporary_file_left_by_a_killed_save_is_removed_by_the_next_save(tmp_path):
    import signal
    import subprocess
    import sys
    import textwrap
    path = tmp_path / "w.npz"
    # A save that hangs after writing its temporary file, then is killed (kill -9: no cleanup runs).
    script = textwrap.dedent(f"""
        import os, time, numpy as np, dlkit, dlkit.serialization as s
        def hang(*args):
            print("writing", flush=True); time.sleep(60)
        s.os.replace = hang
        dlkit.save({{"w": np.zeros(1000)}}, {str(path)!r})
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout.readline().strip() == b"writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".w.npz.{child.pid}.")
    (tmp_path / ".other.npz.1.x.tmp").write_bytes(b"")   # another file's temporary is left alone
    dlkit.save({"w": np.ones(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.1.x.tmp", "w.npz"]


def test_loading_a_truncated_file_closes_it(tmp_path):
    dlkit.save(_model(), tmp_path / "w.npz")
    raw = (tmp_path / "w.npz").read_bytes()
    for cut in (len(raw) // 2, len(raw) - 30, 100):
        (tmp_path / "cut.npz").write_bytes(raw[:cut])
        before = len(os.listdir("/proc/self/fd"))
        with pytest.raises(SerializationError) as info:
            dlkit.load(tmp_path / "cut.npz")
        assert len(os.listdir("/proc/self/fd")) == before, f"a file handle stayed open (cut at {cut})"
        del info


def _npz_with_header(tmp_path, shape, data=b"\0" * 16):
    """An .npz whose single entry's header declares ``shape`` (float64) but holds only ``data``."""
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    import io
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w.npy", buffer.getvalue() + data)
    return path


def test_a_header_declaring_an_impossible_size_is_a_serialization_error(tmp_path):
    for shape in [(2 ** 40,), (2 ** 31, 2 ** 31, 2 ** 31), (3,)]:
        path = _npz_with_header(tmp_path, shape)
        with pytest.raises(SerializationError, match=r"'w' declares shape .* but holds 16 bytes"):
            dlkit.load(path)
    np.testing.assert_array_equal(dlkit.load(_npz_with_header(tmp_path, (2,)))["w"], [0.0, 0.0])
