"""mg.save / mg.load called as PyTorch programs call torch.save / torch.load: file objects,
map_location, weights_only and the pickle keywords, and what tutorials save (checkpoints of a
model and its optimizer with the epoch and the loss), compared with PyTorch's round trip."""
import io
import math
import pickle

import numpy as np
import pytest

import minigrad as mg


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def plain(value):
    """A structure of Python values equal for a minigrad and a torch object: tensors as
    ("tensor", dtype name, shape, values), dicts (OrderedDict too) as dicts, NaN as "nan"."""
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        array = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
        return ("tensor", str(value.dtype).rpartition(".")[2], tuple(value.shape),
                array.tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def make_model(lib):
    # BatchNorm after the ReLU: a bias right before it gets no gradient, and Adam would step
    # it by the sign of rounding noise, differently in each library
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.BatchNorm1d(4),
                             lib.nn.Linear(4, 2))


def training_checkpoint(lib):
    """The checkpoint of PyTorch's saving-and-loading tutorial, after two Adam steps."""
    model = make_model(lib)
    weights = np.random.default_rng(0).standard_normal(sum(p.numel() for p in
                                                           model.parameters()))
    with lib.no_grad():
        start = 0
        for p in model.parameters():
            p.copy_(lib.tensor(weights[start:start + p.numel()].reshape(tuple(p.shape)),
                               dtype=lib.float32))
            start += p.numel()
    optimizer = lib.optim.Adam(model.parameters(), lr=0.01)
    x = lib.tensor(np.linspace(-1, 1, 15).reshape(5, 3), dtype=lib.float32)
    for _ in range(2):
        optimizer.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        optimizer.step()
    return {"epoch": 2, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item(),
            "history": [1.5, float("nan")], "tensors": [lib.ones(2), lib.arange(3)],
            "best": (0.25, None, True), "name": "mlp"}


def round_trip(lib, obj, **load_options):
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    buffer.seek(0)
    return lib.load(buffer, **load_options)


@pytest.mark.torch
def test_a_training_checkpoint_round_trips_as_in_pytorch(torch):
    ours = plain(round_trip(mg, training_checkpoint(mg)))
    theirs = plain(round_trip(torch, training_checkpoint(torch), weights_only=True))
    assert ours["optimizer_state_dict"]["param_groups"][1][0]["lr"] == 0.01
    ours["optimizer_state_dict"]["param_groups"] = theirs["optimizer_state_dict"][
        "param_groups"] = None  # each library has its own extra Adam options
    for state in theirs["optimizer_state_dict"]["state"].values():
        state["step"] = state["step"][3]  # PyTorch keeps a 0-d tensor, minigrad a float
    np.testing.assert_allclose(ours.pop("loss"), theirs.pop("loss"), rtol=1e-5)
    assert ours.keys() == theirs.keys()
    for key in ours:  # float32 steps: equal structure, values to float32 rounding
        assert _close(ours[key], theirs[key]), key


def _close(a, b):
    if isinstance(a, tuple) and a and a[0] == "tensor":
        return a[:3] == b[:3] and np.allclose(a[3], b[3], rtol=1e-5, atol=1e-6)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return a[0] == b[0] and len(a[1]) == len(b[1]) and all(map(_close, a[1], b[1]))
    return a == b


def test_a_loaded_checkpoint_resumes_training_exactly(tmp_path):
    checkpoint = training_checkpoint(mg)
    mg.save(checkpoint, tmp_path / "checkpoint.pt")
    back = mg.load(tmp_path / "checkpoint.pt", map_location="cpu", weights_only=True)
    model = make_model(mg)
    model.load_state_dict(back["model_state_dict"])
    optimizer = mg.optim.Adam(model.parameters(), lr=0.5)
    optimizer.load_state_dict(back["optimizer_state_dict"])
    assert back["epoch"] == 2 and optimizer.param_groups[0]["lr"] == 0.01
    assert plain(optimizer.state_dict()) == plain(checkpoint["optimizer_state_dict"])
    assert plain(model.state_dict()) == plain(checkpoint["model_state_dict"])


class OneWriteFile(io.BytesIO):
    """A file object that records each write."""

    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, data):
        self.writes += 1
        return super().write(data)


def test_a_file_object_gets_the_finished_checkpoint_in_one_write_at_its_position(tmp_path):
    file = OneWriteFile()
    file.write(b"prefix")
    mg.save({"w": mg.ones(3)}, file)
    assert file.writes == 2
    mg.save({"w": mg.ones(3)}, tmp_path / "c.pt")
    assert file.getvalue() == b"prefix" + (tmp_path / "c.pt").read_bytes()
    file.seek(len(b"prefix"))
    assert mg.load(file)["w"].numpy().tolist() == [1.0, 1.0, 1.0]


def test_files_opened_in_binary_mode_round_trip(tmp_path):
    path = tmp_path / "c.pt"
    with open(path, "wb") as file:
        mg.save([mg.tensor([1.5, 2.5]), 3], file)
    with open(path, "rb") as file:
        back = mg.load(file)
    assert back[0].numpy().tolist() == [1.5, 2.5] and back[1] == 3
    assert mg.load(str(path))[1] == 3


def test_text_files_and_other_objects_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "c.pt"
    with open(path, "w") as file:
        with pytest.raises(TypeError, match="text file: open it in binary mode"):
            mg.save({"v": 1}, file)
    assert path.read_bytes() == b""
    with open(path, "r") as file, pytest.raises(TypeError, match="binary mode"):
        mg.load(file)
    with pytest.raises(TypeError, match=r"path \(str or os.PathLike\) or a binary file object "
                                        r"with write\(\), got int"):
        mg.save({"v": 1}, 3)
    with pytest.raises(TypeError, match=r"with read\(\), got NoneType"):
        mg.load(None)


def test_a_damaged_file_object_raises_checkpoint_error_naming_it():
    buffer = io.BytesIO()
    mg.save({"w": mg.ones(100)}, buffer)
    with pytest.raises(mg.CheckpointError, match="BytesIO is not a valid minigrad checkpoint"):
        mg.load(io.BytesIO(buffer.getvalue()[:-40]))


@pytest.mark.parametrize("map_location", [None, "cpu", "cpu:0", mg.device("cpu"),
                                          {"cuda:0": "cpu"}, {"cpu": mg.device("cpu")},
                                          lambda storage, location: storage])
def test_map_locations_onto_the_cpu_are_accepted(map_location):
    back = round_trip(mg, {"w": mg.arange(4.0), "n": [mg.ones(1)]}, map_location=map_location)
    assert back["w"].numpy().tolist() == [0, 1, 2, 3] and back["n"][0].item() == 1


def test_a_map_location_callable_is_called_for_each_tensor_with_the_cpu():
    seen = []
    back = round_trip(mg, {"a": mg.ones(2), "b": (mg.zeros(1), 5)},
                      map_location=lambda tensor, location: seen.append(location) or tensor * 2)
    assert seen == ["cpu", "cpu"] and back["a"].numpy().tolist() == [2, 2]
    assert isinstance(back["b"], tuple) and back["b"][1] == 5
    with pytest.raises(TypeError, match="map_location returned int"):
        round_trip(mg, mg.ones(1), map_location=lambda tensor, location: 0)


@pytest.mark.parametrize("map_location, error, message", [
    ("cuda", RuntimeError, "CPU only"), ({"cpu": "cuda:0"}, RuntimeError, "CPU only"),
    (3, TypeError, "map_location must be None, a device"),
])
def test_other_devices_are_refused_before_the_file_is_read(tmp_path, map_location, error,
                                                            message):
    with pytest.raises(error, match=message):
        mg.load(tmp_path / "missing.pt", map_location=map_location)


def test_pytorchs_keywords_are_accepted_and_change_nothing(tmp_path):
    obj = {"w": mg.arange(3.0), "step": 1}
    mg.save(obj, tmp_path / "plain.pt")
    mg.save(obj, tmp_path / "keywords.pt", pickle_module=pickle, pickle_protocol=4)
    assert (tmp_path / "plain.pt").read_bytes() == (tmp_path / "keywords.pt").read_bytes()
    for options in (dict(weights_only=True), dict(weights_only=False), dict(mmap=True),
                    dict(pickle_module=pickle)):
        assert plain(mg.load(tmp_path / "plain.pt", **options)) == plain(obj)
    with pytest.raises(TypeError, match="weights_only must be a bool or None, got str"):
        mg.load(tmp_path / "plain.pt", weights_only="yes")


def test_what_would_need_pickle_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="cannot save an object of type Linear"):
        mg.save(mg.nn.Linear(2, 2), io.BytesIO())  # torch.save(model): whole modules pickle
