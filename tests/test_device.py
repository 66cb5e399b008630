"""Devices as no-ops on the CPU, Tensor.to / type / cpu / cuda, Module.to, and the device probes
(minigrad.cuda, minigrad.accelerator, minigrad.backends), against PyTorch where it runs.

PyTorch without CUDA raises AssertionError ("Torch not compiled with CUDA enabled") for "cuda";
minigrad raises RuntimeError naming the CPU as the only device, which the tests require instead.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from test_creation import assert_same_as_torch

CPU_ONLY = "CPU only"

TO_FORMS = {
    "to()": lambda lib: lib.ones(2).to(),
    "to(dtype)": lambda lib: lib.ones(2).to(lib.float64),
    "to(device)": lambda lib: lib.ones(2).to(lib.device("cpu")),
    "to('cpu')": lambda lib: lib.ones(2).to("cpu"),
    "to(None)": lambda lib: lib.ones(2).to(None),
    "to(other)": lambda lib: lib.ones(2).to(lib.zeros(1, dtype=lib.int64)),
    "to(device, dtype)": lambda lib: lib.ones(2).to("cpu", lib.float64),
    "to(device, dtype=)": lambda lib: lib.ones(2).to("cpu", dtype=lib.int32),
    "to(dtype=)": lambda lib: lib.ones(2).to(dtype=lib.float16),
    "to(device=, dtype=, non_blocking=)": lambda lib: lib.ones(2).to(
        device="cpu", dtype=lib.float64, non_blocking=True),
    "to(dtype, non_blocking, copy)": lambda lib: lib.ones(2).to(lib.float64, True, True),
    "to(device, dtype, non_blocking, copy)": lambda lib: lib.ones(2).to("cpu", lib.bool,
                                                                        False, True),
    "to(dtype, dtype=)": lambda lib: lib.ones(2).to(lib.float64, dtype=lib.float64),
    "to(other, dtype)": lambda lib: lib.ones(2).to(lib.zeros(1), lib.float64),
    "to(unknown keyword)": lambda lib: lib.ones(2).to(foo=1),
    "to('float64')": lambda lib: lib.ones(2).to("float64"),
    "float to int truncates": lambda lib: lib.tensor([1.7, -1.7]).to(lib.int64),
    "type(dtype)": lambda lib: lib.ones(2).type(lib.float64),
    "type(int)": lambda lib: lib.ones(2).type(3),
    "half": lambda lib: lib.ones(2).half(),
    "long": lambda lib: lib.tensor([1.5]).long(),
    "int": lambda lib: lib.tensor([1.5]).int(),
    "bool": lambda lib: lib.tensor([0.0, 2.0]).bool(),
    "double": lambda lib: lib.ones(2).double(),
    "cpu()": lambda lib: lib.ones(2).cpu(),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", TO_FORMS)
def test_to_forms_match_torch(name):
    assert_same_as_torch(TO_FORMS[name])


def test_to_returns_self_when_nothing_changes_unless_copy():
    t = mg.ones(2)
    for same in (t.to(), t.to(mg.float32), t.to("cpu"), t.to(mg.device("cpu")), t.to(t),
                 t.to("cpu", mg.float32, non_blocking=True), t.cpu(), t.float(),
                 t.type(mg.float32)):
        assert same is t
    copied = t.to(mg.float32, copy=True)
    assert copied is not t and not np.shares_memory(copied.numpy(), t.numpy())
    assert t.to("cpu", copy=True) is not t


def test_to_another_dtype_is_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(mg.float64)
    assert y.dtype == mg.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_tensor_device_properties():
    t = mg.zeros(2)
    assert t.device == mg.device("cpu") and repr(t.device) == "device(type='cpu')"
    assert t.device == "cpu" and not t.is_cuda and t.is_cpu and t.get_device() == -1


@pytest.mark.parametrize("dtype, name", [
    (mg.float32, "FloatTensor"), (mg.float64, "DoubleTensor"), (mg.float16, "HalfTensor"),
    (mg.int64, "LongTensor"), (mg.int32, "IntTensor"), (mg.int16, "ShortTensor"),
    (mg.int8, "CharTensor"), (mg.uint8, "ByteTensor"), (mg.bool, "BoolTensor")])
def test_type_names_and_their_round_trip(dtype, name):
    t = mg.zeros(2, dtype=dtype)
    assert t.type() == f"minigrad.{name}"
    assert mg.zeros(1).type(f"minigrad.{name}").dtype == dtype


def test_type_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="invalid type"):
        mg.ones(2).type("minigrad.FooTensor")


@pytest.mark.parametrize("ask_for_cuda", [
    lambda: mg.zeros(2, device="cuda"), lambda: mg.tensor([1.0], device="cuda:0"),
    lambda: mg.ones(2).to("cuda"), lambda: mg.ones(2).cuda(), lambda: mg.device("cuda"),
    lambda: mg.randn(2, device="cuda"), lambda: mg.arange(3, device="mps"),
    lambda: mg.zeros(2, device=0), lambda: mg.ones(2).to("cuda", mg.float64),
    lambda: nn.Linear(2, 2).cuda(), lambda: nn.Linear(2, 2).to("cuda"),
    lambda: mg.eye(2, device="cuda"), lambda: mg.linspace(0, 1, 3, device="cuda"),
    lambda: mg.normal(0.0, 1.0, (2,), device="cuda"), lambda: mg.randperm(3, device="cuda"),
    lambda: mg.randint(3, (2,), device="cuda"), lambda: mg.as_tensor([1], device="cuda"),
    lambda: mg.zeros_like(mg.ones(2), device="cuda"), lambda: mg.Tensor(2, device="cuda"),
    lambda: mg.empty(2, device="cuda"), lambda: mg.full((2,), 1.0, device="cuda"),
    lambda: mg.rand(2, device="cuda"), lambda: mg.ones(2).new_zeros(2, device="cuda")])
def test_asking_for_an_accelerator_raises_naming_the_cpu(ask_for_cuda):
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        ask_for_cuda()


def test_creation_accepts_the_cpu_in_every_spelling():
    for cpu in ("cpu", "cpu:0", mg.device("cpu"), mg.device("cpu", 0), None):
        assert mg.zeros(2, device=cpu).device == mg.device("cpu")


@pytest.mark.torch
def test_device_probes_answer_as_torch_without_accelerators():
    torch = pytest.importorskip("torch")
    assert mg.cuda.is_available() is torch.cuda.is_available() is False
    assert mg.cuda.device_count() == torch.cuda.device_count() == 0
    assert mg.accelerator.is_available() is torch.accelerator.is_available() is False
    assert mg.accelerator.current_accelerator() is torch.accelerator.current_accelerator()
    assert mg.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert mg.backends.cudnn.deterministic == torch.backends.cudnn.deterministic
    mg.backends.cudnn.deterministic, mg.backends.cudnn.benchmark = True, False
    assert mg.cuda.manual_seed(0) is None and mg.cuda.manual_seed_all(0) is None


def test_the_device_idiom_of_pytorch_programs():
    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    model = nn.Linear(3, 2).to(device)
    x = mg.randn(4, 3).to(device)
    assert model(x).device == device


# ------------------------------------------------------------------------------- Module.to

MODULE_FORMS = {
    "to(int64)": lambda lib: lib.nn.Linear(2, 2).to(lib.int64).weight,
    "to(float64)": lambda lib: lib.nn.Linear(2, 2).to(lib.float64).weight,
    "to('cpu')": lambda lib: lib.nn.Linear(2, 2).to("cpu").weight,
    "to(tensor)": lambda lib: lib.nn.Linear(2, 2).to(lib.zeros(1, dtype=lib.float64)).weight,
    "to(device, dtype)": lambda lib: lib.nn.Linear(2, 2).to("cpu", lib.float64).bias,
    "keywords": lambda lib: lib.nn.Linear(2, 2).to(device="cpu", dtype=lib.float64,
                                                   non_blocking=True).weight,
    "copy=": lambda lib: lib.nn.Linear(2, 2).to(lib.float32, copy=True).weight,
    "integer buffers stay": lambda lib: lib.nn.BatchNorm1d(2).double().num_batches_tracked,
    "float buffers cast": lambda lib: lib.nn.BatchNorm1d(2).to(lib.float64).running_var,
}


@pytest.mark.torch
@pytest.mark.parametrize("name", MODULE_FORMS)
def test_module_to_matches_torch(name):
    assert_same_as_torch(MODULE_FORMS[name], random=True)


def test_module_to_returns_the_module_and_casts_grads():
    model = nn.Linear(2, 2)
    assert model.to("cpu") is model and model.cpu() is model and model.to() is model
    model(mg.ones(1, 2)).sum().backward()
    expected = model.weight.grad.numpy().astype(np.float64)
    assert model.to(mg.float64) is model
    assert model.weight.dtype == model.weight.grad.dtype == mg.float64
    np.testing.assert_array_equal(model.weight.grad.numpy(), expected)
