"""Tensors, sizes, parameters and modules print as PyTorch prints them, byte for byte."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def arrays():
    """Values that exercise each branch of the layout: decimals, whole numbers, scientific
    notation, wrapping at the line width, summarization, non-finite values, every dim count."""
    rng = np.random.default_rng(12)
    yield "scalar", np.array(3.14159)
    yield "whole scalar", np.array(-2.0)
    yield "vector", rng.standard_normal(5)
    yield "whole floats", np.array([1.0, -20.0, 300.0])
    yield "zeros", np.zeros(4)
    yield "tiny", rng.standard_normal(6) * 1e-5
    yield "huge", rng.standard_normal(3) * 1e9
    yield "wide range", np.array([1e-3, 5.0, 1e4])
    yield "non-finite", np.array([np.nan, np.inf, -np.inf, 1.5])
    yield "wrapped", rng.standard_normal(30) * 100
    yield "matrix", rng.standard_normal((3, 4))
    yield "3-d", rng.standard_normal((2, 3, 4))
    yield "summarized vector", rng.standard_normal(2000)
    yield "summarized matrix", rng.standard_normal((40, 40))
    yield "summarized 3-d", rng.standard_normal((12, 10, 10))
    yield "wide rows", rng.standard_normal((2, 20))
    yield "empty", np.zeros((0,))
    yield "empty matrix", np.zeros((0, 3))
    yield "ints", rng.integers(-1000, 1000, (3, 5))
    yield "summarized ints", np.arange(3000).reshape(30, 100)
    yield "int32", np.arange(-3, 3, dtype=np.int32)
    yield "bools", rng.standard_normal((2, 3)) > 0


CASES = list(arrays())
DTYPES = ["float32", "float64"]


def same_in_both(values, dtype=None):
    if dtype is not None and values.dtype.kind == "f":
        values = values.astype(dtype)
    return mg.tensor(values), torch.tensor(values)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, values", CASES, ids=[name for name, _ in CASES])
def test_repr_and_str_match_pytorch(name, values, dtype):
    ours, theirs = same_in_both(values, dtype)
    assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")
    assert str(ours) == str(theirs).replace("torch.", "minigrad.")


@pytest.mark.parametrize("options", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
                                     dict(threshold=5, edgeitems=2), dict(linewidth=40),
                                     dict(edgeitems=0, threshold=5), dict(profile="short")])
def test_printoptions_change_the_layout_as_in_pytorch(options):
    rng = np.random.default_rng(3)
    values = [rng.standard_normal((4, 6)) * 1e-3, rng.standard_normal(12), np.arange(20)]
    try:
        mg.set_printoptions(**options)
        torch.set_printoptions(**options)
        for v in values:
            ours, theirs = same_in_both(v)
            assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")
    finally:
        mg.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert mg.get_printoptions() == torch._tensor_str.get_printoptions()


def test_requires_grad_grad_fn_and_dtype_suffixes_match_pytorch():
    rng = np.random.default_rng(4)
    x64, w, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    for dtype in (np.float32, np.float64):
        x, tx = (lib.tensor(x64.astype(dtype), requires_grad=True) for lib in (mg, torch))
        W, tW = (lib.tensor(w.astype(dtype), requires_grad=True) for lib in (mg, torch))
        B, tB = (lib.tensor(b.astype(dtype)) for lib in (mg, torch))
        pairs = [(x, tx), (x * 2, tx * 2), (x + 1, tx + 1), (x @ W.T, tx @ tW.T),
                 (mg.nn.functional.linear(x, W, B), torch.nn.functional.linear(tx, tW, tB)),
                 (x.sum(), tx.sum()), (x.relu(), tx.relu()), (x.exp().mean(), tx.exp().mean())]
        for ours, theirs in pairs:
            assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")


def test_suffixes_move_to_their_own_line_when_the_last_line_is_full():
    values = np.arange(1, 8, dtype=np.float64) * 1.23456
    ours, theirs = (lib.tensor(values, requires_grad=True) * 3 for lib in (mg, torch))
    assert "\n" in repr(theirs)
    assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")


def test_format_of_a_0d_tensor_is_the_format_of_its_number():
    for lib in (mg, torch):
        loss = lib.tensor(0.123456, requires_grad=True) * 2
        assert f"{loss:.4f}" == "0.2469" and format(lib.tensor(2.5), "") == "2.5"
        assert f"{lib.tensor([1, 2])}" == "tensor([1, 2])"
        with pytest.raises(TypeError, match="unsupported format string"):
            format(lib.tensor([1.5, 2.0]), ".4f")


def test_size_is_a_tuple_that_prints_as_pytorchs():
    x, tx = mg.ones(2, 3), torch.ones(2, 3)
    for ours, theirs in [(x.shape, tx.shape), (x.size(), tx.size()), (x.shape[1:], tx.shape[1:]),
                         (x.shape + (4,), tx.shape + (4,)), ((4,) + x.shape, (4,) + tx.shape),
                         (mg.tensor(1.0).shape, torch.tensor(1.0).shape)]:
        assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")
        assert type(ours) is mg.Size and ours == tuple(theirs)
    assert x.shape.numel() == 6 and x.size(1) == 3


def test_parameter_and_module_repr_match_pytorch():
    rng = np.random.default_rng(5)
    values = rng.standard_normal((2, 3)).astype(np.float32)
    assert repr(nn.Parameter(mg.tensor(values))) == repr(
        torch.nn.Parameter(torch.tensor(values))).replace("torch.", "minigrad.")
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(),
                                  lib.nn.Sequential(lib.nn.Linear(3, 1)))
        text = repr(model)
        assert text == repr(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                                                torch.nn.Sequential(torch.nn.Linear(3, 1))))
