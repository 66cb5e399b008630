"""mg.save / mg.load: round trips, atomic writes, and clear errors for damaged or foreign files."""
import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

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


def test_unsupported_objects_and_missing_files(tmp_path):
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        mg.save({"bad": object()}, tmp_path / "never-written.ckpt")
    with pytest.raises(TypeError, match="dtype object"):
        mg.save({"bad": np.array([None])}, tmp_path / "never-written.ckpt")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="No such file"):
        mg.load("/nonexistent/model.ckpt")
    with pytest.raises(IsADirectoryError):
        mg.load(tmp_path)
    with pytest.raises(IsADirectoryError):
        mg.save({"v": 1}, tmp_path)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"),
                                   OSError(5, "Input/output error")])
def test_io_errors_keep_their_own_type(tmp_path, monkeypatch, error):
    path = tmp_path / "c.ckpt"
    mg.save({"v": 1}, path)

    def failing_read(self):
        raise error

    monkeypatch.setattr(serialization.Path, "read_bytes", failing_read)
    with pytest.raises(type(error)) as raised:
        mg.load(path)
    assert not isinstance(raised.value, mg.CheckpointError)


# ---------------------------------------------------------------------- every damaged byte
def _small_checkpoint():
    return {"w": mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)), "step": 3,
            "name": "x", "t": (1.5, None, [True]), 7: np.array([1, -2], dtype=np.int64)}


def _equal(a, b):
    """Exactly the same object: same keys, types, values, dtypes and bits."""
    if isinstance(a, (mg.Tensor, np.ndarray)):
        return (type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
                and np.asarray(a.data).tobytes() == np.asarray(b.data).tobytes())
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_equal(x, y) for x, y in zip(a, b)))
    return type(a) is type(b) and a == b


def test_every_flipped_byte_and_every_truncation_raises_checkpoint_error_or_loads_the_same(
        tmp_path):
    original = _small_checkpoint()
    path = tmp_path / "c.ckpt"
    mg.save(original, path)
    raw = path.read_bytes()
    damages = [(length, None, None) for length in range(len(raw))]
    damages += [(len(raw), i, raw[i] ^ flip) for i in range(len(raw)) for flip in (1, 0x80, 0xFF)]
    harmless = 0
    fd = os.open(path, os.O_RDWR)  # damaged in place: reopening the file 7,000 times is slow
    try:
        for length, index, value in damages:
            os.pwrite(fd, raw, 0)
            os.ftruncate(fd, length)
            if index is not None:
                os.pwrite(fd, bytes([value]), index)
            try:
                loaded = mg.load(path)
            except mg.CheckpointError as error:
                assert "is not a valid minigrad checkpoint" in str(error)
                continue
            assert _equal(loaded, original), "a damaged file loaded as a different object"
            harmless += 1
    finally:
        os.close(fd)
    assert harmless < len(damages) // 5  # most damage is detected, not silently absorbed


def _npy(array):
    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=True)
    return stream.getvalue()


def _rewrite(path, structure=None, header=None, members=None, compression=zipfile.ZIP_STORED):
    """Rebuild a checkpoint with valid zip CRCs and (unless header is given) a valid checksum,
    so that the damage reaches the checks behind them."""
    arrays = [np.arange(3.0)]
    structure = json.dumps(structure if structure is not None
                           else {"__dict__": [["w", {"__array__": 0, "tensor": True}]]})
    header = header if header is not None else json.dumps(
        {"magic": serialization.MAGIC, "version": serialization.VERSION,
         "sha256": serialization._checksum(structure, arrays)})
    members = members if members is not None else {
        "header.npy": _npy(np.array(header)), "structure.npy": _npy(np.array(structure)),
        "a0.npy": _npy(arrays[0])}
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("damage", [
    dict(header="not json"), dict(header="[1, 2]"), dict(header='{"magic": "other"}'),
    dict(header=json.dumps({"magic": serialization.MAGIC, "version": 99})),
    dict(header=json.dumps({"magic": serialization.MAGIC, "version": 1, "sha256": 5})),
    dict(structure={"__array__": 1, "tensor": True}),
    dict(structure={"__array__": "0", "tensor": True}),
    dict(structure={"__array__": 0, "tensor": "yes"}),
    dict(structure={"__array__": 0}), dict(structure={"__array__": 0, "tensor": True, "x": 1}),
    dict(structure={"__foo__": []}), dict(structure={"__list__": 3}),
    dict(structure={"__list__": [], "__tuple__": []}), dict(structure={"__dict__": [[1.5, 2]]}),
    dict(structure={"__dict__": [["a"]]}), dict(structure=[1, 2]),
    dict(members={"header.npy": b"", "structure.npy": b""}),
    dict(members={"a0.npy": _npy(np.zeros(1))}),
    dict(compression=zipfile.ZIP_DEFLATED),
])
def test_damage_behind_the_crc_and_the_checksum_raises_checkpoint_error(tmp_path, damage):
    path = tmp_path / "c.ckpt"
    _rewrite(path, **damage)
    with pytest.raises(mg.CheckpointError, match="is not a valid minigrad checkpoint"):
        mg.load(path)


@pytest.mark.parametrize("array_member", [
    _npy(np.arange(3.0)).replace(b"(3,)", b"(9,)"),        # shape larger than the data
    _npy(np.arange(3.0)).replace(b"(3,)", b"(-1,"),        # negative / malformed shape
    _npy(np.arange(3.0)).replace(b"'<f8'", b"'|O8'"),      # Python objects (pickle)
    _npy(np.arange(3.0)).replace(b"'descr'", b"'dexcr'"),  # a missing key in the npy header
    _npy(np.arange(3.0))[:20], b"\x93NUMPY\x03\x00" + _npy(np.arange(3.0))[8:],
    _npy(np.array([None, 1], dtype=object)),
])
def test_damaged_array_headers_raise_checkpoint_error(tmp_path, array_member):
    path = tmp_path / "c.ckpt"
    _rewrite(path)
    members = {}
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    _rewrite(path, members={**members, "a0.npy": array_member})
    with pytest.raises(mg.CheckpointError, match="is not a valid minigrad checkpoint"):
        mg.load(path)


def test_a_rewritten_valid_archive_still_loads(tmp_path):  # the helper above is faithful
    _rewrite(tmp_path / "c.ckpt")
    np.testing.assert_array_equal(mg.load(tmp_path / "c.ckpt")["w"].data, np.arange(3.0))


# ---------------------------------------------------------------------- kill -9 while saving
WRITER = """
import sys
import numpy as np
import minigrad as mg
weights = np.zeros(4_000_000)  # 32 MB: each save takes long enough to be killed inside
for step in range(1_000_000):
    weights[:] = step
    mg.save({"step": step, "w": weights}, sys.argv[1])
"""


def _temporaries(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".minigrad-tmp"))


def _kill_while_saving(path, delay):
    """Start a process that saves to path in a loop, SIGKILL it `delay` s after one of its
    temporaries appears."""
    root = Path(mg.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not _temporaries(path.parent):
            assert writer.poll() is None, "the writer died on its own"
            assert time.monotonic() < deadline, "the writer never started a save"
            time.sleep(0.001)
        time.sleep(delay)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)


def test_a_save_killed_with_sigkill_leaves_a_loadable_checkpoint_and_the_next_save_cleans_up(
        tmp_path):
    path = tmp_path / "c.ckpt"
    mg.save({"step": -1, "w": np.full(3, -1.0)}, path)
    left_behind = []
    for delay in (0.0, 0.002, 0.01, 0.03, 0.1):
        _kill_while_saving(path, delay)
        left_behind.append(len(_temporaries(tmp_path)))
        checkpoint = mg.load(path)  # the old one or a complete new one, never half of one
        assert np.all(checkpoint["w"] == checkpoint["step"])
        assert _temporaries(tmp_path) == []  # the load removed the dead writer's temporary
    _kill_while_saving(path, 0.0)
    left_behind.append(len(_temporaries(tmp_path)))
    mg.save({"step": 0, "w": np.zeros(3)}, path)
    assert _temporaries(tmp_path) == []  # and so does a save
    assert mg.load(path)["step"] == 0
    assert sum(left_behind) >= 1, "no kill landed inside a save: the test tested nothing"


def _pid_of_a_finished_process():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=60)
    return process.pid


@pytest.mark.parametrize("operation", ["save", "load"])
def test_only_stale_temporaries_of_this_path_are_removed(tmp_path, operation):
    path = tmp_path / "c.ckpt"
    mg.save({"v": 1}, path)
    dead, token = _pid_of_a_finished_process(), "0123456789ab"
    stale = tmp_path / f".c.ckpt.{dead}.{token}.minigrad-tmp"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        kept = [tmp_path / f".c.ckpt.{sleeper.pid}.{token}.minigrad-tmp",  # a live writer
                tmp_path / f".c.ckpt.{os.getpid()}.{token}.minigrad-tmp",  # this process
                tmp_path / f".c.ckpt.5.{dead}.{token}.minigrad-tmp",       # path "c.ckpt.5"
                tmp_path / f".other.{dead}.{token}.minigrad-tmp",          # another target
                tmp_path / f".c.ckpt.{dead}.{token}.tmp",                  # not our pattern
                tmp_path / f".c.ckpt.{dead}.fedcba987654.minigrad-tmp"]    # locked (below)
        for file in [stale] + kept:
            file.write_bytes(b"partial")
        with open(kept[-1], "rb") as locked:  # a writer in another pid namespace holds it
            fcntl.flock(locked.fileno(), fcntl.LOCK_EX)
            mg.save({"v": 2}, path) if operation == "save" else mg.load(path)
        assert not stale.exists()
        assert all(file.exists() for file in kept)
    finally:
        sleeper.kill()
        sleeper.wait(timeout=60)
