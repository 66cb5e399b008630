"""Bad calls across the public API: the exception type, a message naming what was wrong, and no
state changed by the failed call (model parameters, buffers and gradients, optimizer state, the
checkpoint file and its directory). Rows with a PyTorch equivalent are also run against PyTorch
(test_pytorch_raises_the_same_exception_type), which must raise the same type."""
from __future__ import annotations

import re
import zipfile
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import (Compose, DataLoader, Dataset, GaussianNoise, MinMaxScaler,
                           PCAWhitening, RandomHorizontalFlip, RandomRotation, RandomShift,
                           RandomZoom, StandardScaler, TensorDataset)
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.train import fit


class World:
    """A trained model with optimizer state, its checkpoint on disk, and inputs (the same for
    minigrad and, with `lib=torch`, PyTorch)."""

    def __init__(self, lib: Any, tmp_path: Any) -> None:
        lib.manual_seed(0)
        self.lib, self.directory = lib, tmp_path
        self.model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                                       lib.nn.ReLU(), lib.nn.Linear(4, 2))
        self.optimizer = lib.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)
        self.x, self.x4 = lib.ones(4, 3), lib.ones(2, 3, 5, 5)
        self.xn, self.x4n = np.ones((4, 3), np.float32), np.ones((2, 3, 5, 5), np.float32)
        self.labels = lib.zeros(4, dtype=lib.int64)
        self.model(lib.randn(5, 3)).sum().backward()
        self.optimizer.step()
        self.checkpoint = tmp_path / "model.ckpt"
        lib.save(self.model.state_dict(), self.checkpoint)
        self.dataset = TensorDataset(np.ones((10, 3), np.float32), np.zeros(10, np.int64))
        if lib is not mg:
            self.dataset = lib.utils.data.TensorDataset(lib.ones(10, 3), lib.zeros(10))

    @property
    def weight(self):
        return self.model[0].weight

    @property
    def params(self):
        return list(self.model.parameters())

    def state_dict_with(self, **changes: Any) -> dict:
        return {**self.model.state_dict(), **changes}

    def fit(self, **options: Any) -> Any:
        loader = DataLoader(self.dataset, batch_size=5)
        return fit(self.model, self.optimizer, nn.CrossEntropyLoss(), loader, progress=False,
                   **options)

    def damaged_checkpoint(self) -> Any:
        damaged = self.directory / "damaged.ckpt"
        raw = self.checkpoint.read_bytes()
        damaged.write_bytes(raw[: len(raw) // 2])
        return damaged

    def foreign_checkpoint(self) -> Any:
        foreign = self.directory / "foreign.npz"
        with zipfile.ZipFile(foreign, "w") as archive:
            archive.writestr("w.npy", b"not an array")
        return foreign


class Row(NamedTuple):
    call: Callable[[World], Any]
    error: type
    match: str
    torch: Callable[[World], Any] | None = None  # the same call in PyTorch, if it has one


TENSOR_EXPECTED = r"argument 'input' \(position 1\) must be Tensor, not numpy.ndarray"

ROWS = {
    # ---------------------------------------------------------------- layers
    "Linear negative size": Row(lambda w: w.lib.nn.Linear(-1, 2), RuntimeError,
                                r"in_features must be >= 0 .*got -1", "same"),
    "Linear float size": Row(lambda w: w.lib.nn.Linear(2.5, 2), TypeError,
                             "in_features must be an int, got float", "same"),
    "Linear str size": Row(lambda w: w.lib.nn.Linear("3", 2), TypeError,
                           "in_features must be an int, got str", "same"),
    "Linear numpy input": Row(lambda w: w.model[0](w.xn), TypeError,
                              r"linear\(\): " + TENSOR_EXPECTED, "same"),
    "Linear None input": Row(lambda w: w.model[0](None), TypeError,
                             "must be Tensor, not NoneType", "same"),
    "Sequential numpy input": Row(lambda w: w.model(w.xn), TypeError, TENSOR_EXPECTED, "same"),
    "F.linear numpy input": Row(lambda w: w.lib.nn.functional.linear(w.xn, w.weight),
                                TypeError, r"linear\(\): " + TENSOR_EXPECTED, "same"),
    "Conv2d negative channels": Row(lambda w: w.lib.nn.Conv2d(-1, 2, 3), RuntimeError,
                                    "in_channels must be >= 0", "same"),
    "Conv2d negative kernel": Row(lambda w: w.lib.nn.Conv2d(3, 2, -1), RuntimeError,
                                  "kernel size should be greater than zero", "same"),
    "Conv2d float kernel": Row(lambda w: w.lib.nn.Conv2d(3, 2, 2.5), TypeError,
                               "kernel_size must be an int or a tuple of 2 ints, got float",
                               "same"),
    "Conv2d stride 0": Row(lambda w: w.lib.nn.Conv2d(3, 2, 3, stride=0)(w.x4), RuntimeError,
                           "non-positive stride is not supported", "same"),
    "Conv2d padding -1": Row(lambda w: w.lib.nn.Conv2d(3, 2, 3, padding=-1)(w.x4),
                             RuntimeError, "negative padding is not supported", "same"),
    "Conv2d dilation 0": Row(lambda w: w.lib.nn.Conv2d(3, 2, 3, dilation=0)(w.x4),
                             RuntimeError, "non-positive dilation is not supported", "same"),
    "Conv2d padding string": Row(lambda w: w.lib.nn.Conv2d(3, 2, 3, padding="foo"), ValueError,
                                 "Invalid padding string 'foo'", "same"),
    "Conv2d numpy input": Row(lambda w: w.lib.nn.Conv2d(3, 2, 3)(w.x4n), TypeError,
                              "conv2d.*numpy.ndarray", "same"),
    "MaxPool2d kernel 0": Row(lambda w: w.lib.nn.MaxPool2d(0)(w.x4), RuntimeError,
                              "kernel size should be greater than zero", "same"),
    "MaxPool2d stride 0": Row(lambda w: w.lib.nn.MaxPool2d(2, stride=0)(w.x4), RuntimeError,
                              "non-positive stride", "same"),
    "MaxPool2d padding too big": Row(lambda w: w.lib.nn.MaxPool2d(2, padding=2)(w.x4),
                                     RuntimeError, "pad should be at most half", "same"),
    "AvgPool2d padding -1": Row(lambda w: w.lib.nn.AvgPool2d(2, padding=-1)(w.x4),
                                RuntimeError, "negative padding", "same"),
    "MaxPool2d float kernel": Row(lambda w: w.lib.nn.MaxPool2d(2.5)(w.x4), TypeError,
                                  "kernel_size must be an int", "same"),
    "MaxPool2d numpy input": Row(lambda w: w.lib.nn.MaxPool2d(2)(w.x4n), TypeError,
                                 r"max_pool2d\(\): " + TENSOR_EXPECTED, "same"),
    "Flatten float dim": Row(lambda w: w.lib.nn.Flatten(1.5)(w.x4), TypeError,
                             "start_dim must be an int, got float", "same"),
    # ---------------------------------------------------------------- normalization, dropout
    "BatchNorm1d eps -1": Row(lambda w: w.lib.nn.BatchNorm1d(3, eps=-1)(w.x), ValueError,
                              "eps must be positive, got -1", "same"),
    "BatchNorm1d eps str": Row(lambda w: w.lib.nn.BatchNorm1d(3, eps="a")(w.x), TypeError,
                               "eps must be a number, got str", "same"),
    "BatchNorm1d momentum str": Row(lambda w: w.lib.nn.BatchNorm1d(3, momentum="a")(w.x),
                                    TypeError, "momentum must be a number, got str", "same"),
    "BatchNorm1d negative size": Row(lambda w: w.lib.nn.BatchNorm1d(-1), RuntimeError,
                                     "num_features must be >= 0", "same"),
    "BatchNorm1d float size": Row(lambda w: w.lib.nn.BatchNorm1d(2.5), TypeError,
                                  "num_features must be an int", "same"),
    "BatchNorm1d one value per channel": Row(lambda w: w.model[1](w.lib.ones(1, 4)),
                                             ValueError, "more than 1 value per channel",
                                             "same"),
    "BatchNorm1d 4-D input": Row(lambda w: w.model[1](w.lib.ones(2, 4, 5, 5)), ValueError,
                                 "expected 2D or 3D input", "same"),
    "BatchNorm1d numpy input": Row(lambda w: w.model[1](np.ones((5, 4))), TypeError,
                                   r"batch_norm\(\): argument 'input'"),  # PyTorch: AttributeError
    "LayerNorm negative shape": Row(lambda w: w.lib.nn.LayerNorm(-1), RuntimeError,
                                    "normalized_shape must be >= 0", "same"),
    "LayerNorm str shape": Row(lambda w: w.lib.nn.LayerNorm(["3"]), TypeError,
                               "normalized_shape must be an int, got str", "same"),
    "LayerNorm eps 0": Row(lambda w: w.lib.nn.LayerNorm(3, eps=0), ValueError,
                           "eps must be positive"),  # PyTorch accepts it (and divides by 0)
    "LayerNorm numpy input": Row(lambda w: w.lib.nn.LayerNorm(3)(w.xn), TypeError,
                                 r"layer_norm\(\): " + TENSOR_EXPECTED, "same"),
    "Dropout p 2": Row(lambda w: w.lib.nn.Dropout(2), ValueError,
                       "dropout probability has to be", "same"),
    "Dropout numpy input": Row(lambda w: w.lib.nn.Dropout()(w.xn), TypeError,
                               r"dropout\(\): " + TENSOR_EXPECTED, "same"),
    # ---------------------------------------------------------------- activations
    "Softmax float dim": Row(lambda w: w.lib.nn.Softmax(1.5)(w.x), TypeError,
                             "dim must be an int, got float", "same"),
    "Softmax dim out of range": Row(lambda w: w.lib.nn.Softmax(9)(w.x), IndexError,
                                    "Dimension out of range", "same"),
    "LeakyReLU str slope": Row(lambda w: w.lib.nn.LeakyReLU("a")(w.x), TypeError,
                               "negative_slope must be a number, got str", "same"),
    "ELU str alpha": Row(lambda w: w.lib.nn.ELU("a")(w.x), TypeError,
                         "alpha must be a number, got str", "same"),
    "ReLU numpy input": Row(lambda w: w.lib.nn.ReLU()(w.xn), TypeError,
                            r"relu\(\): " + TENSOR_EXPECTED, "same"),
    "Sigmoid numpy input": Row(lambda w: w.lib.nn.Sigmoid()(w.xn), TypeError,
                               r"sigmoid\(\): " + TENSOR_EXPECTED, "same"),
    "PReLU negative size": Row(lambda w: w.lib.nn.PReLU(-1), RuntimeError,
                               "num_parameters must be >= 0", "same"),
    "PReLU channel mismatch": Row(lambda w: w.lib.nn.PReLU(4)(w.x), RuntimeError,
                                  "Mismatch of parameter numbers and input channel size",
                                  "same"),
    # ---------------------------------------------------------------- losses
    "CrossEntropyLoss bad reduction": Row(
        lambda w: w.lib.nn.CrossEntropyLoss(reduction="avg")(w.x, w.labels), ValueError,
        "'avg' is not a valid value for reduction", "same"),
    "CrossEntropyLoss float ignore_index": Row(
        lambda w: w.lib.nn.CrossEntropyLoss(ignore_index=1.5)(w.x, w.labels), TypeError,
        "ignore_index must be an int, got float", "same"),
    "CrossEntropyLoss numpy input": Row(
        lambda w: w.lib.nn.CrossEntropyLoss()(w.xn, w.labels), TypeError,
        r"cross_entropy_loss\(\): " + TENSOR_EXPECTED, "same"),
    "CrossEntropyLoss class out of range": Row(
        lambda w: w.lib.nn.CrossEntropyLoss()(w.x, w.lib.full((4,), 7)), IndexError,
        "Target 7 is out of bounds", "same"),
    "MSELoss reduction None": Row(lambda w: w.lib.nn.MSELoss(reduction=None)(w.x, w.x),
                                  ValueError, "None is not a valid value for reduction", "same"),
    "MSELoss batchmean": Row(lambda w: w.lib.nn.MSELoss(reduction="batchmean")(w.x, w.x),
                             ValueError, "'batchmean' is not a valid value", "same"),
    "KLDivLoss bad reduction": Row(lambda w: w.lib.nn.KLDivLoss(reduction="avg")(w.x, w.x),
                                   ValueError, "expected one of .*'batchmean'", "same"),
    "NLLLoss bad reduction": Row(lambda w: w.lib.nn.NLLLoss(reduction="avg")(w.x, w.labels),
                                 ValueError, "not a valid value for reduction", "same"),
    "BCEWithLogitsLoss bad reduction": Row(
        lambda w: w.lib.nn.BCEWithLogitsLoss(reduction="x")(w.x, w.x), ValueError,
        "not a valid value for reduction", "same"),
    "HuberLoss delta 0": Row(lambda w: w.lib.nn.HuberLoss(delta=0)(w.x, w.x), RuntimeError,
                             "non-positive values for delta", "same"),
    "SmoothL1Loss beta -1": Row(lambda w: w.lib.nn.SmoothL1Loss(beta=-1)(w.x, w.x),
                                RuntimeError, "negative values for beta", "same"),
    "CrossEntropyLoss numpy weight": Row(lambda w: nn.CrossEntropyLoss(weight=np.ones(3)),
                                         TypeError, "weight must be a Tensor or None"),
    "F.mse_loss shape mismatch": Row(lambda w: w.lib.nn.functional.mse_loss(w.x, w.lib.ones(4, 4)),
                                     RuntimeError, "does not broadcast with input", "same"),
    # ---------------------------------------------------------------- init, clipping
    "calculate_gain unknown": Row(lambda w: w.lib.nn.init.calculate_gain("foo"), ValueError,
                                  "Unsupported nonlinearity foo", "same"),
    "calculate_gain str slope": Row(lambda w: w.lib.nn.init.calculate_gain("leaky_relu", "a"),
                                    ValueError, "negative_slope 'a' not a valid number",
                                    "same"),
    "kaiming_uniform_ bad mode": Row(lambda w: w.lib.nn.init.kaiming_uniform_(w.weight,
                                                                              mode="bad"),
                                     ValueError, "Mode bad not supported", "same"),
    "xavier_uniform_ 1-D": Row(lambda w: w.lib.nn.init.xavier_uniform_(w.model[0].bias),
                               ValueError, "fewer than 2 dimensions", "same"),
    "orthogonal_ 1-D": Row(lambda w: w.lib.nn.init.orthogonal_(w.model[0].bias), ValueError,
                           "2 or more dimensions", "same"),
    "normal_ std -1": Row(lambda w: w.lib.nn.init.normal_(w.weight, std=-1), RuntimeError,
                          "normal expects std >= 0.0", "same"),
    "uniform_ a > b": Row(lambda w: w.lib.nn.init.uniform_(w.weight, 2, 1), RuntimeError,
                          "from=2 > to=1", "same"),
    "trunc_normal_ a > b": Row(lambda w: w.lib.nn.init.trunc_normal_(w.weight, a=2, b=1),
                               RuntimeError, "a=2 > b=1"),  # PyTorch's: from a uniform_ inside
    "uniform_ numpy array": Row(lambda w: init.uniform_(np.ones(3)), TypeError,
                                "fills a Tensor in place, got numpy.ndarray"),
    "clip_grad_norm_ str max_norm": Row(
        lambda w: w.lib.nn.utils.clip_grad_norm_(w.params, "a"), ValueError,
        "could not convert string to float", "same"),
    "clip_grad_norm_ str norm_type": Row(
        lambda w: w.lib.nn.utils.clip_grad_norm_(w.params, 1.0, norm_type="foo"), ValueError,
        "could not convert string to float", "same"),
    "clip_grad_value_ str": Row(lambda w: w.lib.nn.utils.clip_grad_value_(w.params, "a"),
                                ValueError, "could not convert string to float", "same"),
    "clip_grad_norm_ int parameters": Row(lambda w: w.lib.nn.utils.clip_grad_norm_(3, 1.0),
                                          TypeError, "not iterable", "same"),
    # ---------------------------------------------------------------- Module
    "load_state_dict list": Row(lambda w: w.model.load_state_dict([1, 2]), TypeError,
                                "Expected state_dict to be dict-like.*got list", "same"),
    "load_state_dict None": Row(lambda w: w.model.load_state_dict(None), TypeError,
                                "dict-like.*got NoneType", "same"),
    "load_state_dict str value": Row(
        lambda w: w.model.load_state_dict(w.state_dict_with(**{"0.weight": "a"})),
        RuntimeError, "expected a Tensor or numpy.ndarray for '0.weight', got str", "same"),
    "load_state_dict one bad shape": Row(
        lambda w: w.model.load_state_dict(w.state_dict_with(**{"3.bias": w.lib.zeros(5)})),
        RuntimeError, r"size mismatch for '3.bias'.*\(5,\)", "same"),
    "load_state_dict missing key": Row(
        lambda w: w.model.load_state_dict({"0.weight": w.lib.zeros(4, 3)}), RuntimeError,
        r'Missing key\(s\) in state_dict: "0.bias"', "same"),
    "Sequential of an int": Row(lambda w: w.lib.nn.Sequential(3), TypeError,
                                "int is not a Module subclass", "same"),
    "ModuleList of an int": Row(lambda w: w.lib.nn.ModuleList([3]), TypeError,
                                "int is not a Module subclass", "same"),
    "add_module dotted name": Row(lambda w: w.model.add_module("a.b", w.lib.nn.ReLU()),
                                  KeyError, "module name can.*t be empty or contain", "same"),
    "add_module int name": Row(lambda w: w.model.add_module(1, w.lib.nn.ReLU()), TypeError,
                               "module name should be a string. Got int", "same"),
    "register_buffer int": Row(lambda w: w.model.register_buffer("b", 3), TypeError,
                               "cannot assign 'int' object to buffer 'b'", "same"),
    "register_buffer over a parameter": Row(
        lambda w: w.model[0].register_buffer("weight", w.lib.ones(1)), KeyError,
        "attribute 'weight' already exists", "same"),
    "register_parameter plain tensor": Row(
        lambda w: w.model.register_parameter("p", w.lib.ones(1)), TypeError,
        "Parameter or None required", "same"),
    "train str": Row(lambda w: w.model.train("a"), ValueError,
                     "training mode is expected to be boolean", "same"),
    "to an integer dtype": Row(lambda w: w.model.to(w.lib.int64), TypeError,
                               "only accepts floating point", "same"),
    "Sequential index out of range": Row(lambda w: w.model[9], IndexError, "out of range",
                                         "same"),
    # ---------------------------------------------------------------- data
    "DataLoader batch_size True": Row(lambda w: DataLoader(w.dataset, batch_size=True),
                                      ValueError, "positive integer value.*True",
                                      lambda w: w.lib.utils.data.DataLoader(w.dataset,
                                                                            batch_size=True)),
    "DataLoader batch_size 0": Row(lambda w: DataLoader(w.dataset, batch_size=0), ValueError,
                                   "batch_size=0", lambda w: w.lib.utils.data.DataLoader(
                                       w.dataset, batch_size=0)),
    "DataLoader batch_size 2.5": Row(lambda w: DataLoader(w.dataset, batch_size=2.5),
                                     ValueError, "batch_size=2.5", lambda w: w.lib.utils.data
                                     .DataLoader(w.dataset, batch_size=2.5)),
    "DataLoader drop_last str": Row(lambda w: DataLoader(w.dataset, drop_last="yes"),
                                    ValueError, "drop_last should be a boolean value",
                                    lambda w: w.lib.utils.data.DataLoader(w.dataset,
                                                                          drop_last="yes")),
    "DataLoader shuffle str": Row(lambda w: DataLoader(w.dataset, shuffle="yes"), ValueError,
                                  "shuffle should be a boolean value"),  # PyTorch accepts it
    "DataLoader collate_fn int": Row(lambda w: DataLoader(w.dataset, collate_fn=3), TypeError,
                                     "collate_fn must be callable"),
    "DataLoader generator int": Row(lambda w: DataLoader(w.dataset, generator=3), TypeError,
                                    "numpy.random.Generator or None, got int"),
    "DataLoader of an int": Row(lambda w: DataLoader(3), TypeError,
                                "dataset with __getitem__ and __len__, got int"),
    "TensorDataset size mismatch": Row(lambda w: TensorDataset(np.ones(3), np.ones(4)),
                                       ValueError, "Size mismatch between tensors"),
    "Dataset without __getitem__": Row(lambda w: Dataset()[0], NotImplementedError,
                                       "must implement __getitem__",
                                       lambda w: w.lib.utils.data.Dataset()[0]),
    "RandomHorizontalFlip p 2": Row(lambda w: RandomHorizontalFlip(p=2), ValueError,
                                    r"must be in \[0, 1\], got 2"),
    "RandomRotation negative": Row(lambda w: RandomRotation(-5), ValueError, "must be positive"),
    "RandomShift float": Row(lambda w: RandomShift(1.5), TypeError,
                             "max_shift must be an int, got float"),
    "RandomZoom 1.5": Row(lambda w: RandomZoom(1.5), ValueError, r"amount must be in \[0, 1\)"),
    "GaussianNoise std -1": Row(lambda w: GaussianNoise(-1), ValueError, "std must be >= 0"),
    "MinMaxScaler reversed range": Row(lambda w: MinMaxScaler((1, 0)), ValueError,
                                       "must be smaller than maximum"),
    "PCAWhitening 0 components": Row(lambda w: PCAWhitening(n_components=0), ValueError,
                                     "n_components must be >= 1"),
    "Compose of an int": Row(lambda w: Compose([3]), TypeError, "takes callables, got int"),
    "StandardScaler not fitted": Row(lambda w: StandardScaler().transform(w.xn), RuntimeError,
                                     "is not fitted"),
    # ---------------------------------------------------------------- serialization
    "load a missing file": Row(lambda w: w.lib.load(w.directory / "missing.ckpt"),
                               FileNotFoundError, "No such file", "same"),
    "load a directory": Row(lambda w: w.lib.load(w.directory), IsADirectoryError,
                            "Is a directory", "same"),
    "load a truncated file": Row(lambda w: mg.load(w.damaged_checkpoint()), mg.CheckpointError,
                                 "damaged.ckpt is not a valid minigrad checkpoint"),
    "load a foreign zip": Row(lambda w: mg.load(w.foreign_checkpoint()), mg.CheckpointError,
                              "not a valid minigrad checkpoint"),
    "save an object": Row(lambda w: mg.save({"bad": object()}, w.checkpoint), TypeError,
                          "cannot save an object of type object"),
    "save over a directory": Row(lambda w: mg.save(w.model.state_dict(), w.directory),
                                 IsADirectoryError, "cannot save a checkpoint over a directory"),
    # ---------------------------------------------------------------- train
    "fit negative epochs": Row(lambda w: w.fit(epochs=-1), ValueError, "epochs must be >= 0"),
    "fit float epochs": Row(lambda w: w.fit(epochs=1.5), TypeError,
                            "epochs must be an int, got float"),
    "fit checkpoint_path a directory": Row(lambda w: w.fit(checkpoint_path=w.directory),
                                           IsADirectoryError, "checkpoint_path is a directory"),
    "fit checkpoint_path in a missing directory": Row(
        lambda w: w.fit(checkpoint_path=w.directory / "no" / "c.ckpt"), FileNotFoundError,
        "directory of checkpoint_path does not exist"),
    "fit negative patience": Row(lambda w: w.fit(early_stopping_patience=-1), ValueError,
                                 "early_stopping_patience must be >= 0"),
    "fit val_every 0": Row(lambda w: w.fit(val_every=0), ValueError, "val_every must be >= 1"),
    "fit clip_grad_norm 0": Row(lambda w: w.fit(clip_grad_norm=0), ValueError,
                                "clip_grad_norm must be positive"),
    "fit a non-module": Row(lambda w: fit("model", w.optimizer, nn.MSELoss(), []), TypeError,
                            "model must be an nn.Module, got str"),
    # ---------------------------------------------------------------- optimizers, functional
    "SGD negative lr": Row(lambda w: w.lib.optim.SGD(w.params, lr=-1), ValueError,
                           "Invalid learning rate: -1", "same"),
    "SGD negative momentum": Row(lambda w: w.lib.optim.SGD(w.params, lr=0.1, momentum=-1),
                                 ValueError, "Invalid momentum value: -1", "same"),
    "Adam beta 1.5": Row(lambda w: w.lib.optim.Adam(w.params, betas=(1.5, 0.9)), ValueError,
                         "Invalid beta parameter at index 0", "same"),
    "SGD no parameters": Row(lambda w: w.lib.optim.SGD([], lr=0.1), ValueError,
                             "empty parameter list", "same"),
    "optimizer load_state_dict wrong groups": Row(
        lambda w: w.optimizer.load_state_dict({"state": {}, "param_groups": []}), ValueError,
        "different number of parameter groups", "same"),
    "F.dropout p 2": Row(lambda w: w.lib.nn.functional.dropout(w.x, p=2), ValueError,
                         "dropout probability has to be", "same"),
    "F.softmax dim 5": Row(lambda w: w.lib.nn.functional.softmax(w.x, dim=5), IndexError,
                           "Dimension out of range", "same"),
    "F.cross_entropy class 7": Row(
        lambda w: w.lib.nn.functional.cross_entropy(w.x, w.lib.full((4,), 7)), IndexError,
        "Target 7 is out of bounds", "same"),
}


def _frozen(obj: Any) -> Any:
    """A comparable, independent copy: arrays as (dtype, shape, bytes), containers as tuples."""
    if isinstance(obj, (mg.Tensor, np.ndarray)):
        array = np.asarray(obj.data)
        return (array.dtype.str, array.shape, array.tobytes())
    if isinstance(obj, dict):
        return tuple((repr(k), _frozen(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return tuple(_frozen(v) for v in obj)
    return repr(obj)


def _state(world: World) -> Any:
    model = world.model
    return (_frozen(dict(model.named_parameters())), _frozen(dict(model.named_buffers())),
            _frozen([p.grad for p in model.parameters()]),
            _frozen(world.optimizer.state_dict()), world.checkpoint.read_bytes(),
            sorted(p.name for p in world.directory.iterdir() if "damaged" not in p.name
                   and "foreign" not in p.name))


def test_there_are_enough_rows():
    assert len(ROWS) >= 60


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_call_raises_a_clear_error_and_changes_no_state(name, tmp_path):
    row = ROWS[name]
    world = World(mg, tmp_path)
    before = _state(world)
    with pytest.raises(row.error, match=row.match):
        row.call(world)
    assert _state(world) == before


@pytest.mark.torch
@pytest.mark.parametrize("name", [name for name, row in ROWS.items() if row.torch])
def test_pytorch_raises_the_same_exception_type(name, tmp_path):
    torch = pytest.importorskip("torch")
    row = ROWS[name]
    call = row.call if row.torch == "same" else row.torch
    world = World(torch, tmp_path)
    with pytest.raises(Exception) as raised:
        call(world)
    assert isinstance(raised.value, row.error), (
        f"PyTorch raised {type(raised.value).__name__}: {raised.value}")
    assert re.search(r"\w", str(raised.value))
