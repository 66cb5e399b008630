"""The training loop and the minigrad command."""
import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import cli
from minigrad.data import DataLoader, TensorDataset, make_moons
from minigrad.train import evaluate, fit


def moons_loaders():
    x, y = make_moons(400, noise=0.1, seed=0)
    train = TensorDataset(mg.tensor(x[:300].astype(np.float32)), y[:300])
    test = TensorDataset(mg.tensor(x[300:].astype(np.float32)), y[300:])
    return (DataLoader(train, batch_size=32, shuffle=True, generator=np.random.default_rng(0)),
            DataLoader(test, batch_size=100))


def test_fit_learns_the_moons_and_records_its_history():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 2))
    train, test = moons_loaders()
    history = fit(model, mg.optim.Adam(model.parameters(), lr=0.02), nn.CrossEntropyLoss(),
                  train, epochs=15, val_loader=test, progress=False)
    assert len(history.iterations) == 15 * len(train) and len(history.epochs) == 15
    assert history.epochs[-1]["val_accuracy"] > 0.95
    best = min(history.epochs, key=lambda e: e["val_loss"])
    assert history.best_epoch == best["epoch"]
    restored = evaluate(model, test, nn.CrossEntropyLoss())
    assert restored["loss"] == pytest.approx(best["val_loss"])  # best weights restored


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))
    train, test = moons_loaders()
    history = fit(model, mg.optim.SGD(model.parameters(), lr=0.0), nn.CrossEntropyLoss(), train,
                  epochs=50, val_loader=test, early_stopping_patience=2, progress=False)
    assert len(history.epochs) == 4  # epoch 1 sets the best, 2-4 do not improve (lr 0)


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A cached MNIST sample of random images whose label is readable from their first row."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 5000)
    images = rng.integers(0, 50, (5000, 784)).astype(np.uint8)
    images[:, :28] = labels[:, None] * 25  # the first row of each image spells its label
    np.savez(tmp_path / "mnist_5k.npz", images=images, labels=labels)
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    return tmp_path


def test_train_and_evaluate_commands(fake_mnist, capsys):
    out = fake_mnist / "run"
    assert cli.main(["train", "--model", "mlp", "--epochs", "2", "--batch-size", "100",
                     "--lr", "0.01", "--out", str(out), "--no-progress"]) == 0
    report = capsys.readouterr().out
    assert "test accuracy" in report and (out / "model.ckpt").is_file()
    history = json.loads((out / "history.json").read_text())
    assert len(history["epochs"]) == 2 and history["epochs"][-1]["val_accuracy"] > 0.5
    assert cli.main(["evaluate", str(out / "model.ckpt")]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_command_errors_are_one_line(fake_mnist, capsys, monkeypatch):
    with pytest.raises(SystemExit):
        cli.main(["train", "--optimizer", "lbfgs"])
    assert "invalid choice: 'lbfgs'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "--epochs", "0"])
    assert "--epochs and --batch-size must be >= 1" in capsys.readouterr().err
    assert cli.main(["evaluate", str(fake_mnist / "missing.ckpt")]) == 1
    assert capsys.readouterr().err.strip().startswith(
        "minigrad: error: [Errno 2] No such file or directory")
    assert cli.main(["evaluate", str(fake_mnist)]) == 1  # a directory
    assert capsys.readouterr().err.strip().startswith("minigrad: error: [Errno 21] Is a directory")
    (fake_mnist / "mnist_5k.npz").unlink()
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert cli.main(["train", "--epochs", "1", "--no-progress"]) == 1
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and 'pip install "minigrad[mnist]"' in message


def test_validation_every_n_steps_is_recorded():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))
    train, test = moons_loaders()
    history = fit(model, mg.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), train,
                  epochs=2, val_loader=test, val_every=4, progress=False)
    steps = 2 * len(train)
    assert [v["step"] for v in history.validations] == list(range(4, steps + 1, 4))
    assert all(0 <= v["accuracy"] <= 1 for v in history.validations)
    assert model.training  # back in training mode after each validation


def test_digits_dataset_through_the_command(tmp_path, monkeypatch, capsys):
    """scikit-learn's digits file, read without importing scikit-learn (a stand-in here)."""
    import gzip
    import importlib.machinery

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 1797)
    pixels = rng.integers(0, 5, (1797, 64))
    pixels[:, :8] = labels[:, None]  # the first row of each image spells its label
    data = tmp_path / "sklearn" / "datasets" / "data"
    data.mkdir(parents=True)
    with gzip.open(data / "digits.csv.gz", "wt") as file:
        np.savetxt(file, np.hstack([pixels, labels[:, None]]), fmt="%d", delimiter=",")
    spec = importlib.machinery.ModuleSpec("sklearn", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path / "sklearn")]
    real = __import__("importlib").util.find_spec
    monkeypatch.setattr("importlib.util.find_spec",
                        lambda name, *a: spec if name == "sklearn" else real(name, *a))
    (x, y), (x_test, _) = mg.data.load_digits_sample()
    assert x.shape == (1437, 1, 8, 8) and x_test.shape == (360, 1, 8, 8) and x.max() <= 1
    out = tmp_path / "run"
    assert cli.main(["train", "--data", "digits", "--epochs", "3", "--lr", "0.01", "--out",
                     str(out), "--no-progress"]) == 0
    assert cli.main(["evaluate", str(out / "model.ckpt")]) == 0
    assert capsys.readouterr().out.count("test accuracy") == 2
