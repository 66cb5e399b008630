"""The optimizer kernels (csrc/optim.pyx) and their twins (minigrad/_reference/optim.py) on bad
arguments (same exception, same message, nothing written) and on NaN and inf (same bits)."""
import itertools
import re

import numpy as np
import pytest

from minigrad import kernels
from minigrad._reference import optim as twin

compiled = pytest.importorskip(kernels.compiled_module_name("optim"),
                               reason="compiled kernels are not built")
MODULES = [compiled, twin]
N = 37

# kernel: (its arrays in signature order, options under which every one of them is required)
KERNELS = {
    "sgd_step": (("param", "grad", "momentum_buffer"),
                 dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.1, nesterov=True,
                      maximize=False, new_buffer=False)),
    "adam_step": (("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                  dict(step=2, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1,
                       amsgrad=True, maximize=False, decoupled=False)),
    "rmsprop_step": (("param", "grad", "square_avg", "grad_avg", "momentum_buffer"),
                     dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.1, momentum=0.9,
                          centered=True, maximize=False)),
    "adagrad_step": (("param", "grad", "state_sum"),
                     dict(step=2, lr=0.1, lr_decay=0.01, eps=1e-10, weight_decay=0.1,
                          maximize=False)),
    "adadelta_step": (("param", "grad", "square_avg", "acc_delta"),
                      dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.1, maximize=False)),
}
# options that make a state array unused: then None is accepted for it
OPTIONAL = {"sgd_step": {"momentum_buffer": dict(momentum=0.0)},
            "adam_step": {"max_exp_avg_sq": dict(amsgrad=False)},
            "rmsprop_step": {"grad_avg": dict(centered=False), "momentum_buffer": dict(momentum=0.0)}}


def valid_arrays(kernel, dtype=np.float32, seed=0):
    """Arrays in [0, 1), square averages in [2, 3) (so that centered RMSprop stays real)."""
    rng = np.random.default_rng(seed)
    return {name: (rng.random(N) + (2 if name == "square_avg" else 0)).astype(dtype)
            for name in KERNELS[kernel][0]}


def readonly(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def other_of(arg):
    return "grad" if arg == "param" else "param"


# variant: (make the bad value from the arrays, exception, message regex; {arg}/{other} filled in)
VARIANTS = {
    "None": (lambda a, arg: None, TypeError, "{arg} must be a numpy.ndarray, got NoneType"),
    "list": (lambda a, arg: a[arg].tolist(), TypeError, "{arg} must be a numpy.ndarray, got list"),
    "int32": (lambda a, arg: a[arg].astype(np.int32), TypeError, "{arg} must .*int32"),
    "float64": (lambda a, arg: a[arg].astype(np.float64), TypeError,
                "{other} must have param's dtype float64, got float32|"
                "{arg} must have param's dtype float32, got float64"),
    "short": (lambda a, arg: a[arg][:-1].copy(), ValueError,
              r"{other} must have param's shape \(36,\)|{arg} must have param's shape \(37,\)"),
    "2-D": (lambda a, arg: a[arg][:36].reshape(6, 6), ValueError,
            r"param must be 1-D|{arg} must have param's shape"),
    "strided": (lambda a, arg: np.repeat(a[arg], 2)[::2], ValueError, "{arg} must be C-contiguous"),
    "read-only": (lambda a, arg: readonly(a[arg]), ValueError, "{arg} must be writeable"),
    "overlapping": (lambda a, arg: a[other_of(arg)], ValueError,
                    "({arg} overlaps {other}|{other} overlaps {arg}) in memory"),
}
CASES = [(kernel, arg, variant) for kernel, (names, _) in KERNELS.items() for arg in names
         for variant in VARIANTS if not (variant == "read-only" and arg == "grad")]


def call(module, kernel, arrays, **changes):
    return getattr(module, kernel)(**arrays, **{**KERNELS[kernel][1], "num_threads": 2,
                                                **changes})


@pytest.mark.parametrize("kernel, arg, variant", CASES)
def test_kernel_and_twin_reject_each_bad_argument_alike_before_writing(kernel, arg, variant):
    make, error, pattern = VARIANTS[variant]
    messages = []
    for module in MODULES:
        arrays = valid_arrays(kernel)
        arrays[arg] = make(arrays, arg)
        before = {name: np.array(value, copy=True) for name, value in arrays.items()
                  if value is not None}
        with pytest.raises(error) as caught:
            call(module, kernel, arrays)
        messages.append(str(caught.value))
        for name, value in before.items():  # nothing written
            np.testing.assert_array_equal(np.asarray(arrays[name]), value)
    assert messages[0] == messages[1]
    assert re.search(pattern.format(arg=arg, other=other_of(arg)), messages[0]), \
        messages[0]


def test_a_read_only_gradient_is_accepted_by_both():
    for kernel in KERNELS:
        results = []
        for module in MODULES:
            arrays = valid_arrays(kernel)
            arrays["grad"] = readonly(arrays["grad"])
            call(module, kernel, arrays)
            results.append(arrays)
        for name in results[0]:
            np.testing.assert_array_equal(results[0][name], results[1][name])


@pytest.mark.parametrize("kernel, arg", [(k, a) for k, args in OPTIONAL.items() for a in args])
def test_a_state_the_options_do_not_use_may_be_none(kernel, arg):
    results = []
    for module in MODULES:
        arrays = valid_arrays(kernel)
        arrays[arg] = None
        call(module, kernel, arrays, **OPTIONAL[kernel][arg])
        results.append(arrays)
    for name in KERNELS[kernel][0]:
        if name != arg:
            np.testing.assert_array_equal(results[0][name], results[1][name])


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.0, 1e30, 3e-39, 0.5])
FLAG_GRID = {  # each kernel over every combination of these options
    "sgd_step": dict(momentum=[0.0, 0.9], nesterov=[False, True], new_buffer=[False, True],
                     maximize=[False, True], weight_decay=[0.0, 0.1]),
    "adam_step": dict(amsgrad=[False, True], decoupled=[False, True], maximize=[False, True],
                      weight_decay=[0.0, 0.1]),
    "rmsprop_step": dict(centered=[False, True], momentum=[0.0, 0.9], maximize=[False, True],
                         weight_decay=[0.0, 0.1]),
    "adagrad_step": dict(maximize=[False, True], weight_decay=[0.0, 0.1]),
    "adadelta_step": dict(maximize=[False, True], weight_decay=[0.0, 0.1]),
}
FLAG_CASES = [(kernel, dict(zip(grid, values))) for kernel, grid in FLAG_GRID.items()
              for values in itertools.product(*grid.values())]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, options", FLAG_CASES, ids=[
    f"{k}-" + "-".join(f"{n}={v}" for n, v in o.items()) for k, o in FLAG_CASES])
def test_nan_and_inf_give_the_same_bits_in_kernel_and_twin(kernel, options, dtype):
    """Every array holds NaN, +-inf, +-0, a denormal (float32) and ordinary values, each array
    in another order, so every pairing of special values occurs somewhere."""
    rng = np.random.default_rng(7)
    values = np.tile(SPECIAL, 8).astype(dtype)
    start = {name: rng.permutation(values) for name in KERNELS[kernel][0]}
    results = []
    for module in MODULES:
        arrays = {name: array.copy() for name, array in start.items()}
        with np.errstate(all="ignore"):
            call(module, kernel, arrays, **options)
        results.append(arrays)
    for name in start:
        np.testing.assert_array_equal(results[0][name], results[1][name], err_msg=name)


def test_amsgrad_maximum_keeps_nan_as_numpy_and_pytorch_do():
    vmax = np.array([np.nan, 1.0, 0.0, np.nan, -0.0], np.float32)
    for module in MODULES:
        arrays = {"param": np.ones(5, np.float32), "grad": np.ones(5, np.float32),
                  "exp_avg": np.zeros(5, np.float32), "exp_avg_sq": np.zeros(5, np.float32),
                  "max_exp_avg_sq": vmax.copy()}
        call(module, "adam_step", arrays, beta2=0.5, weight_decay=0.0)
        expected = np.maximum(vmax, arrays["exp_avg_sq"])
        np.testing.assert_array_equal(arrays["max_exp_avg_sq"], expected)
        assert np.isnan(arrays["max_exp_avg_sq"][[0, 3]]).all()
        assert np.isnan(arrays["param"][[0, 3]]).all()
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        torch.maximum(torch.from_numpy(vmax), torch.from_numpy(arrays["exp_avg_sq"])).numpy(),
        expected)


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("num_threads, error, message", [
    (0, ValueError, r"num_threads must be in \[1, 2147483648\), got 0"),
    (None, TypeError, "num_threads must be an int, got NoneType"),
    (1.0, TypeError, "num_threads must be an int, got float")])
def test_kernel_and_twin_reject_a_bad_thread_count_alike(kernel, num_threads, error, message):
    for module in MODULES:
        arrays = valid_arrays(kernel)
        before = {name: value.copy() for name, value in arrays.items()}
        with pytest.raises(error, match=message):
            call(module, kernel, arrays, num_threads=num_threads)
        for name, value in before.items():
            np.testing.assert_array_equal(arrays[name], value)
