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

    def broken_savez(file, **arrays):
        file.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
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
