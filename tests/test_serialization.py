"""mg.save / mg.load: round trips, atomic writes, and clear errors for damaged or foreign files."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import serialization


def test_round_trip_keeps_every_type_and_every_bit(tmp_path):
    rng = np.random.default_rng(0)
    obj = {"w": mg.tensor(rng.standard_normal((3, 2)).astype(np.float32)),
           "steps": mg.tensor(np.int64(7)), "mask": np.array([True, False]),
           "f64": rng.standard_normal(4), "n": 3, "x": 0.1, "name": "lenet", "on": True,
           "none": None, 5: [1, (2.5, np.arange(3, dtype=np.int64))], "nested": {"a": {"b": []}}}
    mg.save(obj, tmp_path / "c.ckpt")
    back = mg.load(tmp_path / "c.ckpt")
    assert set(back) == set(obj) and isinstance(back["w"], mg.Tensor)
    np.testing.assert_array_equal(back["w"].data, obj["w"].data)
    assert back["w"].dtype == np.float32 and back["steps"].shape == () and back["steps"].item() == 7
    np.testing.assert_array_equal(back["mask"], obj["mask"])
    assert back["f64"].tobytes() == obj["f64"].tobytes()
    assert back[5][1][0] == 2.5 and isinstance(back[5][1], tuple)
    assert (back["n"], back["x"], back["name"], back["on"], back["none"]) == (3, 0.1, "lenet",
                                                                             True, None)
    assert back["nested"] == {"a": {"b": []}}


def test_a_model_state_dict_round_trips(tmp_path):
    model = mg.nn.Sequential(mg.nn.Linear(4, 3), mg.nn.BatchNorm1d(3))
    mg.save(model.state_dict(), tmp_path / "m.ckpt")
    other = mg.nn.Sequential(mg.nn.Linear(4, 3), mg.nn.BatchNorm1d(3))
    other.load_state_dict(mg.load(tmp_path / "m.ckpt"))
    x = mg.randn(5, 4)
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_a_failed_write_leaves_the_old_checkpoint_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "c.ckpt"
    mg.save({"v": 1}, path)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"v": 2}, path)
    monkeypatch.undo()
    assert mg.load(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["c.ckpt"]


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "text"])
def test_damaged_or_foreign_files_raise_a_clear_error(tmp_path, damage):
    path = tmp_path / "c.ckpt"
    mg.save({"w": np.arange(1000, dtype=np.float64)}, path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        index = raw.index(np.arange(1000, dtype=np.float64)[500:501].tobytes())
        path.write_bytes(raw[:index] + bytes([raw[index] ^ 1]) + raw[index + 1:])
    elif damage == "foreign":  # a valid .npz, but not a minigrad checkpoint
        with open(path, "wb") as file:
            np.savez(file, w=np.zeros(3))
    else:
        path.write_text("not a checkpoint")
    with pytest.raises(mg.CheckpointError, match="checkpoint|corrupted"):
        mg.load(path)


def test_unsupported_objects_and_missing_files():
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        mg.save({"bad": object()}, "/tmp/never-written.ckpt")
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        mg.load("/nonexistent/model.ckpt")
