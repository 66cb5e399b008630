"""The experiments' frame: discovery, run(), the JSON record and the figure, the command."""
import json

import numpy as np
import pytest

import minigrad.experiments as experiments
from minigrad import cli
from minigrad.experiments import Experiment, jsonable


def parabola(quick, seed):
    xs = np.linspace(-1, 1, 5 if quick else 50)
    return {"x": xs, "y": xs ** 2, "minimum": np.float64(0.0), "seed": seed}


def draw(results, figure):
    figure.add_subplot(1, 1, 1).plot(results["x"], results["y"])


FAKE = Experiment("parabola", "y = x^2 on a grid", "none (a test)", parabola, draw,
                  lambda results: [f"minimum {results['minimum']:.1f}"])


@pytest.fixture
def fake_catalog(monkeypatch):
    monkeypatch.setattr(experiments, "catalog", lambda: {"parabola": FAKE})


def test_every_module_defines_experiments_with_unique_names():
    found = experiments.catalog()  # raises on a duplicate name
    for name, entry in found.items():
        assert name == entry.name and name == name.lower() and " " not in name
        assert entry.summary and entry.source


def test_run_returns_results_and_writes_json_and_png(fake_catalog, tmp_path):
    pytest.importorskip("matplotlib")
    messages = []
    results = experiments.run("parabola", quick=True, seed=3, out=tmp_path, messages=messages)
    assert len(results["x"]) == 5
    saved = json.loads((tmp_path / "parabola.json").read_text())
    assert saved["config"] == {"quick": True, "seed": 3}
    assert saved["results"]["y"] == pytest.approx(list(np.linspace(-1, 1, 5) ** 2))
    assert set(saved["versions"]) >= {"python", "numpy", "minigrad"}
    assert (tmp_path / "parabola.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert messages == [f"figure: {tmp_path / 'parabola.png'}"]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_unknown_name_and_bad_seed_raise_before_writing(fake_catalog, tmp_path):
    with pytest.raises(KeyError, match="no experiment named 'nope'.*parabola"):
        experiments.run("nope", out=tmp_path)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        experiments.run("parabola", seed=-1, out=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_jsonable_converts_numpy_and_rejects_objects():
    assert jsonable({"a": np.arange(3), "b": (np.float32(0.5), 1)}) == {"a": [0, 1, 2],
                                                                       "b": [0.5, 1]}
    with pytest.raises(TypeError, match="JSON-able, got object"):
        jsonable({"x": object()})


def test_command_lists_and_runs(fake_catalog, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert cli.main(["experiment", "list"]) == 0
    assert "parabola" in capsys.readouterr().out
    assert cli.main(["experiment", "parabola", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "minimum 0.0" in out and "parabola.json" in out
    assert cli.main(["experiment", "nope", "--out", str(tmp_path)]) == 1
    assert "no experiment named 'nope'" in capsys.readouterr().err


def write_idx(path, array):
    """An IDX file of unsigned bytes (the MNIST format: magic 0x08 0x<ndim>, big-endian sizes)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big")
                                                          for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_splits_use_the_full_set_when_its_directory_is_given(tmp_path, monkeypatch):
    from minigrad.experiments import _mnist
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 50), ("t10k", 20)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, count))
    monkeypatch.setenv(_mnist.FULL_SET, str(tmp_path))
    data = _mnist.mnist_splits(seed=0, quick=False)
    assert (data.x_train.shape, data.x_val.shape, data.x_test.shape) == ((45, 784), (5, 784),
                                                                          (20, 784))
    train = data.x_train.numpy()
    assert abs(train.mean()) < 1e-5 and abs(train.std() - 1) < 1e-5  # standardized on train
    monkeypatch.delenv(_mnist.FULL_SET)
    assert _mnist.mnist_splits(seed=0, quick=False).x_test.shape == (1000, 784)  # the sample


def test_without_matplotlib_the_json_is_written_and_the_figure_skipped(fake_catalog, tmp_path,
                                                                       monkeypatch):
    import sys
    from minigrad.experiments._base import MISSING_MATPLOTLIB
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises
    messages = []
    experiments.run("parabola", quick=True, out=tmp_path, messages=messages)
    assert messages == [MISSING_MATPLOTLIB]
    assert (tmp_path / "parabola.json").exists() and not (tmp_path / "parabola.png").exists()
