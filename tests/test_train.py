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
    """(training loader, validation loader) over 300 and 100 disjoint moons."""
    x, y = make_moons(400, noise=0.1, seed=0)
    train = TensorDataset(mg.tensor(x[:300].astype(np.float32)), y[:300])
    validation = TensorDataset(mg.tensor(x[300:].astype(np.float32)), y[300:])
    return (DataLoader(train, batch_size=32, shuffle=True, generator=np.random.default_rng(0)),
            DataLoader(validation, batch_size=100))


def test_fit_learns_the_moons_and_records_its_history():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 2))
    train, validation = moons_loaders()
    history = fit(model, mg.optim.Adam(model.parameters(), lr=0.02), nn.CrossEntropyLoss(),
                  train, epochs=15, val_loader=validation, progress=False)
    assert len(history.iterations) == 15 * len(train) and len(history.epochs) == 15
    assert history.epochs[-1]["val_accuracy"] > 0.95
    best = min(history.epochs, key=lambda e: e["val_loss"])
    assert history.best_epoch == best["epoch"]
    restored = evaluate(model, validation, nn.CrossEntropyLoss())
    assert restored["loss"] == pytest.approx(best["val_loss"])  # best weights restored


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))
    train, validation = moons_loaders()
    history = fit(model, mg.optim.SGD(model.parameters(), lr=0.0), nn.CrossEntropyLoss(), train,
                  epochs=50, val_loader=validation, early_stopping_patience=2, progress=False)
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


@pytest.mark.parametrize("count, seed", [(4000, 0), (4000, 7), (1437, 3), (5, 1)])
def test_validation_split_is_disjoint_seeded_and_a_tenth(count, seed):
    train_index, val_index = cli.validation_split(count, seed)
    assert len(val_index) == max(1, round(count / 10))
    assert not set(train_index) & set(val_index)  # disjoint
    assert sorted([*train_index, *val_index]) == list(range(count))  # together: every image
    again = cli.validation_split(count, seed)
    assert np.array_equal(again[1], val_index)  # the seed alone decides it
    if count > 100:
        assert not np.array_equal(cli.validation_split(count, seed + 1)[1], val_index)


def _counting(monkeypatch, module, calls):
    """Replace module.evaluate by a wrapper that records the size of every evaluated dataset."""
    real = module.evaluate

    def counted(model, loader, loss_fn):
        calls.append(len(loader.dataset))
        return real(model, loader, loss_fn)
    monkeypatch.setattr(module, "evaluate", counted)


def test_train_selects_on_validation_and_evaluates_the_test_set_once(fake_mnist, monkeypatch,
                                                                     capsys):
    import minigrad.train as training

    calls = []
    _counting(monkeypatch, training, calls)  # fit's per-epoch validation
    _counting(monkeypatch, cli, calls)       # the command's final test evaluation
    out = fake_mnist / "run"
    assert cli.main(["train", "--model", "mlp", "--epochs", "3", "--batch-size", "100",
                     "--lr", "0.01", "--seed", "4", "--out", str(out), "--no-progress"]) == 0
    history = json.loads((out / "history.json").read_text())
    epochs = len(history["epochs"])
    assert calls == [400] * epochs + [1000]  # 10% of 4,000 validated per epoch; test once, last
    best = min(history["epochs"], key=lambda e: e["val_loss"])
    assert history["best_epoch"] == best["epoch"]
    # the saved weights are the best epoch's by validation: re-evaluating them on the same
    # held-out split gives that epoch's validation loss, and the test figures are the report's
    checkpoint = mg.load(out / "model.ckpt")
    model = cli.build_model(checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    _, (x_val, y_val), (x_test, y_test) = cli._standardized_data("mnist", 4)
    validation = evaluate(model, DataLoader(TensorDataset(x_val, y_val), batch_size=500),
                          nn.CrossEntropyLoss())
    assert validation["loss"] == pytest.approx(best["val_loss"], rel=1e-6)
    test = evaluate(model, DataLoader(TensorDataset(x_test, y_test), batch_size=500),
                    nn.CrossEntropyLoss())
    assert checkpoint["test_accuracy"] == history["test_accuracy"] == test["accuracy"]
    assert f"test accuracy {test['accuracy']:.4f}" in capsys.readouterr().out


def test_validation_images_are_not_trained_on(fake_mnist):
    """The training and validation tensors hold different images of the training part, and the
    test images are neither."""
    (x_train, _), (x_val, _), (x_test, _) = cli._standardized_data("mnist", 0)
    assert (len(x_train), len(x_val), len(x_test)) == (3600, 400, 1000)
    rows = {row.tobytes() for row in x_train.numpy().reshape(len(x_train), -1)}
    assert not any(row.tobytes() in rows for row in x_val.numpy().reshape(len(x_val), -1))


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
    train, validation = moons_loaders()
    history = fit(model, mg.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), train,
                  epochs=2, val_loader=validation, val_every=4, progress=False)
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
