"""Creation, random tensors and in-place methods, each program run on minigrad and on PyTorch.

A program is written once against a library `lib`; minigrad must give PyTorch's shape, dtype and
values (random programs: shape and dtype, their values are checked against closed forms), and
raise PyTorch's exception type where PyTorch raises.
"""
import warnings

import numpy as np
import pytest

import minigrad as mg


def outcome(program, lib):
    """("raises", exception type) or ("gives", [(shape, dtype name, values), ...])."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = program(lib)
    except Exception as error:  # noqa: BLE001  (the type is what is compared)
        return "raises", type(error)
    results = result if isinstance(result, (tuple, list)) else [result]
    return "gives", [(tuple(r.shape), str(r.dtype).split(".")[-1], r.detach().numpy().copy())
                     for r in results]


def assert_same_as_torch(program, random=False):
    torch = pytest.importorskip("torch")
    ours, theirs = outcome(program, mg), outcome(program, torch)
    assert ours[0] == theirs[0], f"minigrad {ours}, PyTorch {theirs}"
    if ours[0] == "raises":
        assert ours[1] is theirs[1] or issubclass(ours[1], theirs[1])
        return
    assert [r[:2] for r in ours[1]] == [r[:2] for r in theirs[1]]
    if not random:
        for (_, _, a), (_, _, b) in zip(ours[1], theirs[1]):
            np.testing.assert_allclose(a, b, rtol=1.3e-6, atol=1e-6)


CREATION = {
    "tensor floats": lambda lib: lib.tensor([[1.0, 2.0]]),
    "tensor ints": lambda lib: lib.tensor([1, 2]),
    "tensor empty list": lambda lib: lib.tensor([]),
    "tensor numpy float64 scalar": lambda lib: lib.tensor(np.float64(1.5)),
    "tensor list of numpy float64": lambda lib: lib.tensor([np.float64(1.5)]),
    "tensor int32 array": lambda lib: lib.tensor(np.arange(3, dtype=np.int32)),
    "tensor dtype device grad": lambda lib: lib.tensor([1, 2], dtype=lib.float64, device="cpu",
                                                       requires_grad=True),
    "tensor of a tensor": lambda lib: lib.tensor(lib.ones(2)),
    "tensor list of 0-d tensors": lambda lib: lib.tensor([lib.tensor(1.0), lib.tensor(2.0)]),
    "tensor int requires grad": lambda lib: lib.tensor([1], requires_grad=True),
    "as_tensor list": lambda lib: lib.as_tensor([1.0, 2.0], device="cpu"),
    "as_tensor cast": lambda lib: lib.as_tensor(lib.ones(2), dtype=lib.float64),
    "zeros sizes": lambda lib: lib.zeros(2, 3, device="cpu"),
    "zeros tuple": lambda lib: lib.zeros((2, 3)),
    "zeros list": lambda lib: lib.zeros([2, 3], dtype=lib.int64),
    "zeros size keyword": lambda lib: lib.zeros(size=(2, 3)),
    "zeros negative": lambda lib: lib.zeros(-1),
    "zeros float size": lambda lib: lib.zeros(2.5),
    "ones": lambda lib: lib.ones(3, dtype=lib.float64, device=lib.device("cpu")),
    "ones size keyword": lambda lib: lib.ones(size=[4]),
    "empty shape": lambda lib: lib.empty(2, 0).fill_(0),
    "full int": lambda lib: lib.full((2,), 3),
    "full bool": lambda lib: lib.full((2,), True),
    "full float into int": lambda lib: lib.full((2,), 1.5, dtype=lib.int64),
    "full int size": lambda lib: lib.full(2, 1.0),
    "eye": lambda lib: lib.eye(3),
    "eye rectangular": lambda lib: lib.eye(2, 3, dtype=lib.int64),
    "eye m keyword": lambda lib: lib.eye(2, m=4),
    "eye negative": lambda lib: lib.eye(-1),
    "arange int": lambda lib: lib.arange(5),
    "arange float step": lambda lib: lib.arange(0, 1, 0.1),
    "arange numpy float": lambda lib: lib.arange(np.float64(3)),
    "arange 0-d tensor": lambda lib: lib.arange(lib.tensor(3)),
    "arange dtype": lambda lib: lib.arange(5, dtype=lib.float64),
    "arange negative step": lambda lib: lib.arange(5, 0, -2),
    "arange zero step": lambda lib: lib.arange(0, 5, 0),
    "arange wrong sign": lambda lib: lib.arange(0, 5, -1),
    "linspace": lambda lib: lib.linspace(-1, 1, 7),
    "linspace one step": lambda lib: lib.linspace(0, 1, 1),
    "linspace no step": lambda lib: lib.linspace(0, 1, 0),
    "linspace float64": lambda lib: lib.linspace(0, 3, 11, dtype=lib.float64),
    "linspace int64": lambda lib: lib.linspace(0, 10, 4, dtype=lib.int64),
    "linspace tensors": lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(1.0), 5),
    "linspace negative steps": lambda lib: lib.linspace(0, 1, -1),
    "logspace": lambda lib: lib.logspace(0, 2, 5),
    "logspace base 2": lambda lib: lib.logspace(0, 1, 3, base=2),
    "meshgrid ij": lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3), indexing="ij"),
    "meshgrid xy": lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3), lib.arange(4),
                                            indexing="xy"),
    "meshgrid list": lambda lib: lib.meshgrid([lib.arange(2.0), lib.arange(3.0)], indexing="xy"),
    "meshgrid default": lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3)),
    "meshgrid 0-d": lambda lib: lib.meshgrid(lib.tensor(1.0), lib.zeros(3), indexing="ij"),
    "meshgrid 2-d": lambda lib: lib.meshgrid(lib.zeros(2, 2), indexing="ij"),
    "meshgrid bad indexing": lambda lib: lib.meshgrid(lib.zeros(2), indexing="yx"),
    "meshgrid mixed dtypes": lambda lib: lib.meshgrid(lib.zeros(2), lib.arange(2), indexing="ij"),
    "meshgrid nothing": lambda lib: lib.meshgrid(indexing="ij"),
    "zeros_like": lambda lib: lib.zeros_like(lib.arange(3), dtype=lib.float64),
    "ones_like": lambda lib: lib.ones_like(lib.arange(3), device="cpu"),
    "empty_like": lambda lib: lib.empty_like(lib.ones(2, 2)).fill_(1),
    "full_like": lambda lib: lib.full_like(lib.arange(3), 2.7),
    "Tensor sizes": lambda lib: lib.Tensor(2, 3).fill_(0),
    "Tensor no argument": lambda lib: lib.Tensor(),
    "Tensor list": lambda lib: lib.Tensor([1, 2]),
    "Tensor tuple is data": lambda lib: lib.Tensor((2, 3)),
    "Tensor float64 array": lambda lib: lib.Tensor(np.array([1.0, 2.0])),
    "Tensor int array": lambda lib: lib.Tensor(np.array([1, 2])),
    "Tensor numpy int size": lambda lib: lib.Tensor(np.int64(3)).fill_(0),
    "Tensor of a tensor": lambda lib: lib.Tensor(lib.arange(3)),
    "Tensor device": lambda lib: lib.Tensor(2, device="cpu").fill_(0),
    "Tensor float": lambda lib: lib.Tensor(2.5),
    "Tensor negative": lambda lib: lib.Tensor(-1),
    "Tensor requires_grad": lambda lib: lib.Tensor([1.0], requires_grad=True),
    "new_tensor": lambda lib: lib.ones(2, dtype=lib.float64).new_tensor([1, 2]),
    "new_tensor truncates": lambda lib: lib.arange(2).new_tensor([1.5]),
    "new_tensor grad": lambda lib: lib.ones(2).new_tensor([1.0], requires_grad=True),
    "new_zeros sizes": lambda lib: lib.arange(2).new_zeros(2, 3),
    "new_zeros tuple": lambda lib: lib.ones(2).new_zeros((2, 3), dtype=lib.int32),
    "new_zeros size keyword": lambda lib: lib.ones(2).new_zeros(size=(2,)),
    "new_ones": lambda lib: lib.ones(2, dtype=lib.float64).new_ones(3),
    "new_empty": lambda lib: lib.ones(2).new_empty((0,)),
    "new_full": lambda lib: lib.arange(2).new_full((2,), 1.5),
    "new_full int size": lambda lib: lib.ones(2).new_full(2, 1.5),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", CREATION)
def test_creation_matches_torch(name):
    assert_same_as_torch(CREATION[name])


def test_meshgrid_warns_without_indexing_and_is_differentiable():
    x, y = mg.arange(2.0, requires_grad=True), mg.arange(3.0, requires_grad=True)
    with pytest.warns(UserWarning, match="indexing"):
        gx, gy = mg.meshgrid(x, y)
    (gx * gy).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(2, y.detach().numpy().sum()))
    np.testing.assert_allclose(y.grad.numpy(), np.full(3, x.detach().numpy().sum()))


def test_as_tensor_shares_memory_and_returns_a_tensor_of_its_dtype_itself():
    array = np.zeros(3)
    assert np.shares_memory(mg.as_tensor(array).numpy(), array)
    t = mg.ones(2)
    assert mg.as_tensor(t) is t and mg.as_tensor(t, dtype=mg.float32) is t
    assert not np.shares_memory(mg.tensor(array).numpy(), array)


def test_creation_follows_the_default_dtype():
    mg.set_default_dtype(mg.float64)
    try:
        made = [mg.zeros(2), mg.tensor([1.0]), mg.Tensor(2), mg.linspace(0, 1, 3),
                mg.arange(0.5), mg.eye(2), mg.rand(2), mg.normal(0.0, 1.0, (2,))]
        assert all(t.dtype == mg.float64 for t in made)
    finally:
        mg.set_default_dtype(mg.float32)


# ------------------------------------------------------------------------------- randomness

RANDOM = {
    "rand": lambda lib: lib.rand(2, 3),
    "rand size keyword generator": lambda lib: lib.rand(size=(2,), generator=lib.Generator()),
    "rand float64": lambda lib: lib.rand(2, dtype=lib.float64, device="cpu"),
    "rand int dtype": lambda lib: lib.rand(2, dtype=lib.int64),
    "randn": lambda lib: lib.randn((3,), generator=lib.Generator().manual_seed(1)),
    "randn requires grad": lambda lib: lib.randn(2, requires_grad=True),
    "randn int dtype": lambda lib: lib.randn(2, dtype=lib.int64),
    "rand_like": lambda lib: lib.rand_like(lib.ones(2, dtype=lib.float64),
                                           generator=lib.Generator()),
    "randn_like": lambda lib: lib.randn_like(lib.ones(2)),
    "rand_like int": lambda lib: lib.rand_like(lib.arange(2)),
    "randint high size": lambda lib: lib.randint(10, (3,)),
    "randint low high size": lambda lib: lib.randint(3, 10, (3, 2)),
    "randint keywords": lambda lib: lib.randint(low=3, high=10, size=(3,)),
    "randint high keyword": lambda lib: lib.randint(high=10, size=[3]),
    "randint size keyword": lambda lib: lib.randint(10, size=(3,), generator=lib.Generator()),
    "randint float dtype": lambda lib: lib.randint(0, 3, (3,), dtype=lib.float32),
    "randint no size": lambda lib: lib.randint(10),
    "randint int size": lambda lib: lib.randint(5, 3),
    "randint empty range": lambda lib: lib.randint(5, 5, (3,)),
    "randint float bound": lambda lib: lib.randint(0.5, 3, (3,)),
    "randint requires grad": lambda lib: lib.randint(0, 3, (3,), requires_grad=True),
    "randint out of uint8": lambda lib: lib.randint(0, 300, (3,), dtype=lib.uint8),
    "randint_like": lambda lib: lib.randint_like(lib.ones(2), 5),
    "randperm": lambda lib: lib.randperm(4, generator=lib.Generator()),
    "randperm float dtype": lambda lib: lib.randperm(3, dtype=lib.float32),
    "randperm negative": lambda lib: lib.randperm(-1),
    "randperm float n": lambda lib: lib.randperm(3.0),
    "normal numbers": lambda lib: lib.normal(0.0, 1.0, size=(2, 3)),
    "normal numbers positional size": lambda lib: lib.normal(2, 3, (4,), dtype=lib.float64),
    "normal numbers no size": lambda lib: lib.normal(0.0, 1.0),
    "normal tensors": lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3)),
    "normal tensor mean": lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), 2.0),
    "normal tensor mean only": lambda lib: lib.normal(lib.zeros(3)),
    "normal tensor std": lambda lib: lib.normal(2.0, lib.ones(3), generator=lib.Generator()),
    "normal shapes mismatch": lambda lib: lib.normal(lib.zeros(2), lib.ones(3)),
    "normal negative std": lambda lib: lib.normal(0.0, -1.0, size=(2,)),
    "normal negative std tensor": lambda lib: lib.normal(lib.zeros(2), -lib.ones(2)),
    "normal int mean": lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0),
    "uniform_": lambda lib: lib.zeros(3).uniform_(-1, 1, generator=lib.Generator()),
    "uniform_ reversed": lambda lib: lib.zeros(3).uniform_(1, 0),
    "uniform_ int": lambda lib: lib.zeros(2, dtype=lib.int64).uniform_(),
    "normal_": lambda lib: lib.zeros(3, dtype=lib.float64).normal_(0, 2),
    "normal_ negative std": lambda lib: lib.zeros(3).normal_(0, -1),
    "normal_ int": lambda lib: lib.zeros(2, dtype=lib.int64).normal_(),
    "exponential_": lambda lib: lib.zeros(3).exponential_(2.0, generator=lib.Generator()),
    "exponential_ zero rate": lambda lib: lib.zeros(3).exponential_(0.0),
    "random_": lambda lib: lib.zeros(3).random_(),
    "random_ to": lambda lib: lib.zeros(3, dtype=lib.int64).random_(5),
    "random_ from to": lambda lib: lib.zeros(3).random_(2, 5, generator=lib.Generator()),
    "random_ empty range": lambda lib: lib.zeros(3).random_(5, 2),
    "bernoulli_": lambda lib: lib.zeros(3).bernoulli_(0.5, generator=lib.Generator()),
    "bernoulli_ int": lambda lib: lib.zeros(3, dtype=lib.int64).bernoulli_(),
    "bernoulli_ tensor p": lambda lib: lib.zeros(2, 3).bernoulli_(lib.full((3,), 0.5)),
    "bernoulli_ bad p": lambda lib: lib.zeros(3).bernoulli_(1.5),
    "leaf uniform_": lambda lib: lib.zeros(3, requires_grad=True).uniform_(),
    "leaf normal_": lambda lib: lib.zeros(3, requires_grad=True).normal_(),
    "leaf data normal_": lambda lib: lib.zeros(3, requires_grad=True).data.normal_(0, 0.01),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", RANDOM)
def test_random_matches_torch_in_shape_dtype_and_errors(name):
    assert_same_as_torch(RANDOM[name], random=True)


def test_generators_repeat_their_streams_and_leave_the_global_one_alone():
    mg.manual_seed(0)
    expected_global = mg.rand(4).numpy()
    mg.manual_seed(0)
    draws = [lambda g: mg.rand(3, generator=g), lambda g: mg.randn(3, generator=g),
             lambda g: mg.randint(0, 100, (3,), generator=g),
             lambda g: mg.randperm(5, generator=g), lambda g: mg.normal(0.0, 1.0, (3,), generator=g),
             lambda g: mg.zeros(3).uniform_(generator=g), lambda g: mg.zeros(3).normal_(generator=g),
             lambda g: mg.zeros(3).exponential_(generator=g),
             lambda g: mg.zeros(3).random_(10, generator=g),
             lambda g: mg.zeros(3).bernoulli_(generator=g)]
    for draw in draws:
        first = draw(mg.Generator().manual_seed(7)).numpy()
        np.testing.assert_array_equal(draw(mg.Generator().manual_seed(7)).numpy(), first)
    np.testing.assert_array_equal(mg.rand(4).numpy(), expected_global)


def test_samples_lie_in_their_ranges():
    assert set(mg.randperm(50).tolist()) == set(range(50))
    ints = mg.randint(-3, 4, (2000,)).numpy()
    assert ints.min() >= -3 and ints.max() <= 3 and len(np.unique(ints)) == 7
    uniform = mg.zeros(2000, dtype=mg.float64).uniform_(-2, 5).numpy()
    assert uniform.min() >= -2 and uniform.max() < 5
    assert mg.zeros(2000).exponential_(3.0).numpy().min() >= 0
    assert set(mg.zeros(200).bernoulli_(0.5).tolist()) <= {0.0, 1.0}
    assert mg.zeros(100).bernoulli_(0.0).sum().item() == 0
    assert mg.zeros(100).bernoulli_(1.0).sum().item() == 100
    assert set(mg.zeros(500).random_(2, 5).tolist()) <= {2.0, 3.0, 4.0}


def test_sample_moments_match_the_distributions():
    """Means and standard deviations within 6 standard errors, for any seed."""
    n = 20000
    cases = [(mg.normal(2.0, 3.0, (n,)), 2.0, 3.0),
             (mg.normal(mg.full((n,), -1.0), mg.full((n,), 0.5)), -1.0, 0.5),
             (mg.zeros(n).normal_(1.0, 2.0), 1.0, 2.0),
             (mg.zeros(n).uniform_(0, 1), 0.5, 12 ** -0.5),
             (mg.zeros(n).exponential_(4.0), 0.25, 0.25)]
    for samples, mean, std in cases:
        values = samples.numpy().astype(np.float64)
        assert abs(values.mean() - mean) < 6 * std / n ** 0.5
        assert abs(values.std() - std) < 0.05 * std


# ------------------------------------------------------------------------------- in-place

INPLACE = {
    "fill_": lambda lib: lib.zeros(3).fill_(2),
    "fill_ 0-d tensor": lambda lib: lib.zeros(3).fill_(lib.tensor(2.0)),
    "fill_ 1-d tensor": lambda lib: lib.zeros(3).fill_(lib.ones(2)),
    "fill_ float into int": lambda lib: lib.zeros(3, dtype=lib.int64).fill_(2.7),
    "fill_ string": lambda lib: lib.zeros(3).fill_("a"),
    "zero_": lambda lib: lib.ones(2, 2, dtype=lib.int64).zero_(),
    "copy_ broadcast": lambda lib: lib.zeros(2, 3).copy_(lib.arange(3)),
    "copy_ float into int": lambda lib: lib.zeros(3, dtype=lib.int64).copy_(lib.full((3,), 2.7)),
    "copy_ bad shape": lambda lib: lib.zeros(2, 3).copy_(lib.arange(2)),
    "copy_ would grow": lambda lib: lib.zeros(3).copy_(lib.zeros(2, 3)),
    "copy_ list": lambda lib: lib.zeros(3).copy_([1, 2, 3]),
    "clamp_": lambda lib: lib.arange(-2.0, 3.0).clamp_(-1, 1),
    "clamp_ min only": lambda lib: lib.arange(-2.0, 3.0).clamp_(min=0),
    "clamp_ tensor bound": lambda lib: lib.arange(3.0).clamp_(min=lib.tensor(1.0)),
    "clamp_ min above max": lambda lib: lib.arange(3.0).clamp_(2, 1),
    "clamp_ nan": lambda lib: lib.tensor([float("nan"), 2.0]).clamp_(0, 1),
    "clamp_ nothing": lambda lib: lib.zeros(3).clamp_(),
    "clamp_ int with float": lambda lib: lib.arange(3).clamp_(0.5),
    "add_ alpha": lambda lib: lib.zeros(3).add_(lib.ones(3), alpha=2),
    "add_ broadcast": lambda lib: lib.zeros(2, 3).add_(lib.arange(3.0)),
    "add_ would grow": lambda lib: lib.zeros(3).add_(lib.ones(2, 3)),
    "add_ float64 into float32": lambda lib: lib.zeros(3).add_(lib.full((3,), 1 / 3,
                                                                        dtype=lib.float64)),
    "add_ float into int": lambda lib: lib.zeros(3, dtype=lib.int64).add_(1.5),
    "add_ int float alpha": lambda lib: lib.arange(3).add_(lib.arange(3), alpha=2.5),
    "add_ bool into int": lambda lib: lib.arange(3).add_(True),
    "add_ bool": lambda lib: lib.zeros(2, dtype=lib.bool).add_(True),
    "mul_": lambda lib: lib.arange(3.0).mul_(np.float64(2.5)),
    "mul_ bool by int": lambda lib: lib.zeros(2, dtype=lib.bool).mul_(2),
    "sub_ alpha": lambda lib: lib.zeros(3).sub_(1, alpha=2),
    "sub_ bools": lambda lib: lib.zeros(2, dtype=lib.bool).sub_(True),
    "div_": lambda lib: lib.arange(3.0).div_(4),
    "div_ int": lambda lib: lib.arange(3).div_(2),
    "div_ int floor": lambda lib: lib.arange(-3, 4).div_(2, rounding_mode="floor"),
    "div_ float trunc": lambda lib: lib.arange(-3.0, 4.0).div_(2, rounding_mode="trunc"),
    "div_ bad rounding": lambda lib: lib.arange(3.0).div_(2, rounding_mode="up"),
    "in-place on a leaf that requires grad": lambda lib: lib.ones(3, requires_grad=True).mul_(2),
    "copy_ into a leaf that requires grad": lambda lib: lib.ones(3, requires_grad=True).copy_(
        lib.zeros(3)),
    "fill_ through .data": lambda lib: _through_data(lib),
    "in-place under no_grad": lambda lib: _under_no_grad(lib),
}


def _through_data(lib):
    w = lib.ones(3, requires_grad=True)
    w.data.fill_(0.5)
    w.data.mul_(2).add_(1)
    return w


def _under_no_grad(lib):
    w = lib.ones(3, requires_grad=True)
    with lib.no_grad():
        w.add_(lib.arange(3.0), alpha=-0.5).clamp_(max=0.75)
    return w


@pytest.mark.torch
@pytest.mark.parametrize("name", INPLACE)
def test_inplace_matches_torch(name):
    assert_same_as_torch(INPLACE[name])


def test_inplace_methods_return_self_and_change_nothing_when_they_refuse():
    t = mg.arange(3)
    assert t.add_(1) is t and t.fill_(2) is t and t.uniform_ is not None
    before = t.numpy().copy()
    for refused in (lambda: t.add_(0.5), lambda: t.div_(2), lambda: t.copy_(mg.zeros(2)),
                    lambda: t.uniform_()):
        with pytest.raises((RuntimeError, NotImplementedError)):
            refused()
        np.testing.assert_array_equal(t.numpy(), before)
    assert t._version == 2  # the two changes that happened, not the refused ones


@pytest.mark.torch
@pytest.mark.parametrize("bounds", [(-8.0, 8.0, 0.1), (0, 1, 0.01), (1.5, -3, -0.3), (0.0, 10.0, 1 / 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_arange_is_within_an_ulp_of_pytorchs(bounds, dtype):
    """PyTorch computes start + i * step with fused multiply-adds (in vector chunks whose layout
    depends on the CPU); minigrad with one exactly rounded fma per value: the same at the chunk
    starts and within one unit in the last place elsewhere. NumPy's arange drifts (x[80] of
    arange(-8, 8, 0.1) is -2.8e-14 there, 4.4e-16 in PyTorch, so relu'(x[80]) would flip)."""
    torch = pytest.importorskip("torch")
    ours = mg.arange(*bounds, dtype=getattr(mg, dtype)).numpy()
    theirs = torch.arange(*bounds, dtype=getattr(torch, dtype)).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours[::16], theirs[::16])
    np.testing.assert_allclose(ours, theirs, rtol=np.finfo(ours.dtype).eps,
                               atol=np.finfo(ours.dtype).eps * abs(bounds[2]))
