"""Fuzzing every compiled kernel against its NumPy twin (hypothesis).

One table, KERNELS, describes each kernel function's arguments: for an array its shape (in the
names of its stem's sizes), what its values are and whether the kernel writes it in place; for
a scalar, a strategy of valid values. From it one test builds, per example, a valid call and then
perhaps breaks one argument: a wrong dtype (float16, int32, big-endian float32, the other float
type), a wrong rank, None, a list, a scalar, a string, an alias of another array, NaN. Arrays come
in every layout: contiguous, Fortran order, stepped slices, negative strides, zero strides
(np.broadcast_to), read-only. The property, for kernel and twin called on identical arguments:
both raise the same exception type with the same message and leave every argument unchanged, or
both return equal results (tight in float64, float32 tolerance in float32, NaN and inf in the
same places) and leave the same arguments in the same state, inputs untouched.
Examples per kernel are counted in conftest.FUZZ_COUNTS and printed at the end of the run.
"""
from __future__ import annotations

import importlib
import inspect
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import FUZZ_COUNTS
from minigrad import kernels

EXAMPLES = 120
STEMS = ("linear", "batch_norm", "layer_norm", "loss", "dropout", "conv", "pool", "optim",
         "stream")
TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}
LAYOUTS = ("contiguous", "fortran", "stepped", "reversed", "broadcast", "read-only")
BREAKS = ("none", "none", "none", "nan", "dtype", "rank", "none-value", "list", "scalar", "string",
          "alias")
WRONG_DTYPES = (np.float16, np.int32, np.dtype(">f4"), "other-float")
SPECIAL = (np.nan, np.inf, -np.inf)


@dataclass(frozen=True)
class Array:
    """An array argument: shape in size names, values ('normal', 'positive', 'target',
    'argmax', 'mask'), dtype ('data' = the example's float type, or a NumPy dtype)."""
    name: str
    shape: str
    values: str = "normal"
    dtype: Any = "data"
    optional: bool = False  # None is a valid value
    inplace: bool = False   # the kernel writes it (documented output)


@dataclass(frozen=True)
class Scalar:
    """A scalar argument: value(sizes) draws a valid value from a strategy."""
    name: str
    value: Callable[[dict], st.SearchStrategy]


def const(strategy):
    return lambda sizes: strategy


def side():
    return st.integers(0, 4)


def linear_sizes(draw):
    return dict(N=draw(side()), IN=draw(side()), OUT=draw(side()))


def norm_sizes(draw):
    return dict(N=draw(side()), C=draw(side()), L=draw(side()), M=draw(side()), D=draw(side()))


def loss_sizes(draw):
    return dict(N=draw(side()), C=draw(side()))


def dropout_sizes(draw):
    return dict(N=draw(st.integers(0, 9)))


def conv_sizes(draw):
    s = dict(N=draw(side()), C=draw(side()), O=draw(side()), KH=draw(st.integers(1, 3)),
             KW=draw(st.integers(1, 3)), S=draw(st.integers(1, 2)), P=draw(st.integers(0, 1)),
             DIL=draw(st.integers(1, 2)), PK=draw(st.integers(1, 3)), PS=draw(st.integers(1, 2)))
    # mostly large enough for both windows, sometimes empty or too small
    s["H"], s["W"] = (draw(st.integers(max(k * s["DIL"], s["PK"]), 7) | st.integers(0, 2))
                      for k in (s["KH"], s["KW"]))
    s["PP"] = draw(st.integers(0, s["PK"] // 2))
    s["OH"], s["OW"] = (max(0, (n + 2 * s["P"] - s["DIL"] * (k - 1) - 1) // s["S"] + 1)
                        for n, k in ((s["H"], s["KH"]), (s["W"], s["KW"])))
    s["POH"], s["POW"] = (max(0, (n + 2 * s["PP"] - s["PK"]) // s["PS"] + 1)
                          for n in (s["H"], s["W"]))
    s["CKK"], s["OL"] = s["C"] * s["KH"] * s["KW"], s["OH"] * s["OW"]
    return s


def optim_sizes(draw):
    return dict(P=draw(st.integers(0, 9)))


FLAG = const(st.booleans())
UNIT = const(st.floats(0, 1))
EPS = const(st.sampled_from([1e-5, 1e-8, 0.1]))
CONV_GEOMETRY = [Scalar("stride", lambda s: st.just(s["S"])),
                 Scalar("padding", lambda s: st.just(s["P"])),
                 Scalar("dilation", lambda s: st.just(s["DIL"]))]
POOL_GEOMETRY = [Scalar("kernel_size", lambda s: st.just(s["PK"])),
                 Scalar("stride", lambda s: st.just(s["PS"])),
                 Scalar("padding", lambda s: st.just(s["PP"]))]
INPUT_SIZE = Scalar("input_size", lambda s: st.just((s["H"], s["W"])))
THREADS = Scalar("num_threads", const(st.integers(1, 3)))
GRAD_FLAGS = [Scalar(name, FLAG) for name in ("input_grad", "weight_grad", "bias_grad")]
LR = Scalar("lr", const(st.floats(0, 0.1)))
DECAY = Scalar("weight_decay", const(st.sampled_from([0.0, 0.01])))
MAXIMIZE = Scalar("maximize", FLAG)
STEP = Scalar("step", const(st.integers(1, 5)))
SOFTMAX = dict(ignore_index=Scalar("ignore_index", const(st.just(-100))),
               label_smoothing=Scalar("label_smoothing", const(st.sampled_from([0.0, 0.1]))))


def state(name, optional=False):
    return Array(name, "P", "positive", optional=optional, inplace=True)


KERNELS = {  # (stem, function): (sizes, arguments in call order)
    ("linear", "linear_forward"): (linear_sizes, [
        Array("x", "N IN"), Array("weight", "OUT IN"), Array("bias", "OUT", optional=True),
        Scalar("activation", const(st.sampled_from(["none", "relu", "leaky_relu", "sigmoid",
                                                     "tanh"]))),
        Scalar("negative_slope", const(st.floats(0, 1)))]),
    ("linear", "linear_backward"): (linear_sizes, [
        Array("grad_output", "N OUT"), Array("x", "N IN"), Array("weight", "OUT IN"),
        Array("output", "N OUT"),
        Scalar("activation", const(st.sampled_from(["none", "relu", "leaky_relu", "sigmoid",
                                                     "tanh"]))),
        Scalar("negative_slope", const(st.floats(0, 1))), *GRAD_FLAGS]),
    ("batch_norm", "batch_norm_stats"): (norm_sizes, [Array("x", "N C L"), THREADS]),
    ("batch_norm", "batch_norm_apply"): (norm_sizes, [
        Array("x", "N C L"), Array("mean", "C", dtype=np.float64),
        Array("var", "C", "positive", np.float64), Array("weight", "C", optional=True),
        Array("bias", "C", optional=True), Scalar("eps", EPS), THREADS]),
    ("batch_norm", "batch_norm_backward"): (norm_sizes, [
        Array("grad_output", "N C L"), Array("x", "N C L"), Array("mean", "C", dtype=np.float64),
        Array("var", "C", "positive", np.float64), Array("weight", "C", optional=True),
        Scalar("eps", EPS), Scalar("training", FLAG), *GRAD_FLAGS, THREADS]),
    ("layer_norm", "layer_norm_forward"): (norm_sizes, [
        Array("x", "M D"), Array("weight", "D", optional=True), Array("bias", "D", optional=True),
        Scalar("eps", EPS), THREADS]),
    ("layer_norm", "layer_norm_backward"): (norm_sizes, [
        Array("grad_output", "M D"), Array("x", "M D"), Array("mean", "M", dtype=np.float64),
        Array("rstd", "M", "positive", np.float64), Array("weight", "D", optional=True),
        *GRAD_FLAGS, THREADS]),
    ("loss", "cross_entropy_forward"): (loss_sizes, [
        Array("logits", "N C"), Array("target", "N C", "target"),
        Array("weight", "C", "positive", optional=True), *SOFTMAX.values(), THREADS]),
    ("loss", "cross_entropy_backward"): (loss_sizes, [
        Array("grad_losses", "N", dtype=np.float64), Array("probs", "N C", "positive"),
        Array("target", "N C", "target"), Array("weight", "C", "positive", optional=True),
        *SOFTMAX.values(), Scalar("input_grad", FLAG), THREADS]),
    ("loss", "bce_with_logits"): (dropout_sizes, [
        Array("x", "N"), Array("y", "N", "positive"), Array("weight", "N", optional=True),
        Array("pos_weight", "N", "positive", optional=True)]),
    **{("dropout", name): (dropout_sizes, [
        Array("x", "N"), Scalar("p", const(st.floats(0, 0.95))),
        Scalar("seed", const(st.integers(0, 2 ** 64 - 1))), THREADS])
       for name in ("dropout_forward", "alpha_dropout_forward", "gaussian_dropout_forward")},
    ("dropout", "alpha_coefficients"): (dropout_sizes, [Scalar("p", const(st.floats(0, 0.95)))]),
    ("dropout", "masked_scale"): (dropout_sizes, [
        Array("grad_output", "N"), Array("mask", "N", "mask"), Scalar("scale", UNIT),
        THREADS]),
    ("conv", "conv2d_forward"): (conv_sizes, [
        Array("x", "N C H W"), Array("weight", "O C KH KW"), Array("bias", "O", optional=True),
        *CONV_GEOMETRY, THREADS]),
    ("conv", "conv2d_backward"): (conv_sizes, [
        Array("grad_output", "N O OH OW"), Array("x", "N C H W"), Array("cols", "N CKK OL"),
        Array("weight", "O C KH KW"), *CONV_GEOMETRY, *GRAD_FLAGS, THREADS]),
    ("pool", "max_pool2d_forward"): (conv_sizes, [Array("x", "N C H W"), *POOL_GEOMETRY,
                                                  THREADS]),
    ("pool", "max_pool2d_backward"): (conv_sizes, [
        Array("grad_output", "N C POH POW"), Array("argmax", "N C POH POW", "argmax", np.int64),
        INPUT_SIZE, Scalar("input_grad", FLAG), THREADS]),
    ("pool", "avg_pool2d_forward"): (conv_sizes, [Array("x", "N C H W"), *POOL_GEOMETRY,
                                                  THREADS]),
    ("pool", "avg_pool2d_backward"): (conv_sizes, [
        Array("grad_output", "N C POH POW"), INPUT_SIZE, *POOL_GEOMETRY, Scalar("input_grad", FLAG),
        THREADS]),
    ("optim", "sgd_step"): (optim_sizes, [
        Array("param", "P", inplace=True), Array("grad", "P"), state("momentum_buffer", True),
        LR, Scalar("momentum", const(st.sampled_from([0.0, 0.9]))),
        Scalar("dampening", const(st.sampled_from([0.0, 0.5]))), DECAY,
        Scalar("nesterov", FLAG), MAXIMIZE, Scalar("new_buffer", FLAG), THREADS]),
    ("optim", "adam_step"): (optim_sizes, [
        Array("param", "P", inplace=True), Array("grad", "P"), state("exp_avg"),
        state("exp_avg_sq"), state("max_exp_avg_sq", True), STEP, LR,
        Scalar("beta1", const(st.just(0.9))), Scalar("beta2", const(st.just(0.999))),
        Scalar("eps", EPS), DECAY, Scalar("amsgrad", FLAG), MAXIMIZE,
        Scalar("decoupled", FLAG), THREADS]),
    ("optim", "rmsprop_step"): (optim_sizes, [
        Array("param", "P", inplace=True), Array("grad", "P"), state("square_avg"),
        state("grad_avg", True), state("momentum_buffer", True), LR,
        Scalar("alpha", const(st.just(0.99))), Scalar("eps", EPS), DECAY,
        Scalar("momentum", const(st.sampled_from([0.0, 0.9]))), Scalar("centered", FLAG),
        MAXIMIZE, THREADS]),
    ("optim", "adagrad_step"): (optim_sizes, [
        Array("param", "P", inplace=True), Array("grad", "P"), state("state_sum"), STEP, LR,
        Scalar("lr_decay", const(st.sampled_from([0.0, 0.01]))), Scalar("eps", EPS), DECAY,
        MAXIMIZE, THREADS]),
    ("optim", "adadelta_step"): (optim_sizes, [
        Array("param", "P", inplace=True), Array("grad", "P"), state("square_avg"),
        state("acc_delta"), LR, Scalar("rho", const(st.just(0.9))), Scalar("eps", EPS), DECAY,
        MAXIMIZE, THREADS]),
    ("optim", "zero_fill"): (optim_sizes, [Array("array", "P", inplace=True)]),
    ("stream", "triad"): (optim_sizes, [
        Array("a", "P", inplace=True), Array("b", "P"), Array("c", "P"), Scalar("scalar", UNIT),
        Scalar("repeats", const(st.integers(1, 3))), THREADS]),
}


# ------------------------------------------------------------------------------ the examples

@st.composite
def recipes(draw, key):
    """Everything one example needs, drawn once; build() turns it into arguments as often as
    needed, each time identical (values come from a NumPy generator with the drawn seed)."""
    sizes_of, specs = KERNELS[key]
    sizes = sizes_of(draw)
    plan = [dict(layout=draw(st.sampled_from(LAYOUTS)), absent=spec.optional and
                 draw(st.booleans()), variant=draw(st.booleans())) if isinstance(spec, Array)
            else dict(value=draw(spec.value(sizes))) for spec in specs]
    return dict(sizes=sizes, plan=plan, dtype=draw(st.sampled_from([np.float32, np.float64])),
                seed=draw(st.integers(0, 2 ** 32 - 1)), brk=draw(st.sampled_from(BREAKS)),
                target=draw(st.integers(0, len(specs) - 1)), extra=draw(st.integers(0, 3)))


def values_of(spec, sizes, variant, rng):
    """Valid values for an array argument (variant picks probabilities or class targets, keep
    flags or noise)."""
    shape = tuple(sizes[name] for name in spec.shape.split())
    if spec.values == "target" and not variant:  # class indices, some ignored
        rows, classes = shape
        target = rng.integers(0, max(classes, 1), rows)
        return np.where((rng.random(rows) < 0.2) | (classes == 0), -100, target)
    if spec.values == "target":  # probabilities, rows summing to one
        e = np.exp(rng.standard_normal(shape))
        return e / np.maximum(e.sum(axis=1, keepdims=True), 1e-300)
    if spec.values == "argmax":
        return rng.integers(0, max(sizes["H"] * sizes["W"], 1), shape)
    if spec.values == "mask" and variant:
        return (rng.random(shape) < 0.7).astype(np.uint8)
    values = rng.standard_normal(shape)
    return np.abs(values) + 0.1 if spec.values in ("positive", "mask") else values


def lay_out(array, layout):
    """The same values in another memory layout."""
    if layout == "fortran":
        return np.asfortranarray(array)
    if layout == "stepped":  # every other element of a wider array
        wider = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), array.dtype)
        wider[..., ::2] = array
        return wider[..., ::2]
    if layout == "reversed":  # negative strides
        return array[::-1].copy()[::-1]
    if layout == "broadcast":  # zero strides: every row a view of the first
        return np.broadcast_to(array[:1], array.shape)
    if layout == "read-only":
        array = array.copy()
        array.flags.writeable = False
    return array


def build(key, recipe):
    """The example's arguments, valid ones with at most one broken (recipe['brk'])."""
    specs = KERNELS[key][1]
    rng = np.random.default_rng(recipe["seed"])
    broken, brk, extra = recipe["target"], recipe["brk"], recipe["extra"]
    args = []
    for index, (spec, plan) in enumerate(zip(specs, recipe["plan"])):
        if isinstance(spec, Scalar):
            args.append(plan["value"])
            continue
        values = values_of(spec, recipe["sizes"], plan["variant"], rng)
        if spec.dtype != "data":
            values = values.astype(spec.dtype)
        elif values.dtype.kind == "f":  # (class targets and keep flags keep their int type)
            values = values.astype(recipe["dtype"])
        if brk == "nan" and index == broken and values.dtype.kind == "f" and values.size:
            values.flat[rng.integers(0, values.size, 1 + values.size // 3)] = SPECIAL[extra % 3]
        args.append(None if plan["absent"] else lay_out(values, plan["layout"]))
    args[broken] = broken_value(args, broken, brk, extra, recipe["dtype"])
    return args


def broken_value(args, index, brk, extra, dtype):
    """args[index] broken in the way brk names (itself for 'none' and 'nan' on arrays)."""
    value = args[index]
    if not isinstance(value, np.ndarray):  # a scalar (or an absent optional array)
        return {"nan": np.nan, "dtype": np.asarray(value, dtype=object), "rank": (value, value),
                "none-value": None, "list": [value], "scalar": 1.5, "string": "1"}.get(brk, value)
    if brk == "dtype":
        wrong = WRONG_DTYPES[extra]
        if wrong == "other-float":
            wrong = np.float64 if value.dtype == np.float32 else np.float32
        return value.astype(wrong)
    if brk == "alias":  # another argument of the same shape and dtype, itself
        same = [a for i, a in enumerate(args) if i != index and isinstance(a, np.ndarray) and
                a.shape == value.shape and a.dtype == value.dtype]
        return same[0] if same else value
    return {"rank": value[None], "none-value": None, "list": value.tolist(), "scalar": 1.0,
            "string": "1"}.get(brk, value)


# ----------------------------------------------------------------------------- the property

def call(function, specs, args, keyword_only):
    """(result, None) or (None, the exception), with NumPy's NaN warnings silenced; the
    arguments named in keyword_only are passed by keyword."""
    positional = [a for spec, a in zip(specs, args) if spec.name not in keyword_only]
    keywords = {spec.name: a for spec, a in zip(specs, args) if spec.name in keyword_only}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return function(*positional, **keywords), None
        except Exception as error:  # noqa: BLE001 - any exception is compared with the twin's
            return None, error


def assert_same(kernel, twin, tol, where):
    """Equal structure, dtypes and shapes; values within tol, NaN and inf in the same places."""
    if isinstance(kernel, (tuple, list)):
        assert isinstance(twin, type(kernel)) and len(twin) == len(kernel), where
        for i, (k, t) in enumerate(zip(kernel, twin)):
            assert_same(k, t, tol, f"{where}[{i}]")
    elif isinstance(kernel, np.ndarray):
        assert isinstance(twin, np.ndarray), where
        assert (kernel.dtype, kernel.shape) == (twin.dtype, twin.shape), where
        if kernel.dtype.kind == "f":
            np.testing.assert_allclose(kernel, twin, err_msg=where, **tol)
        else:
            np.testing.assert_array_equal(kernel, twin, err_msg=where)
    elif isinstance(kernel, float):
        np.testing.assert_allclose(kernel, twin, err_msg=where, **tol)
    else:
        assert kernel == twin, where


def run_example(key, compiled, twin, recipe):
    specs = KERNELS[key][1]
    kernel_args, twin_args, pristine = (build(key, recipe) for _ in range(3))
    keyword_only = {name for name, parameter in inspect.signature(twin).parameters.items()
                    if parameter.kind is parameter.KEYWORD_ONLY}
    result, error = call(compiled, specs, kernel_args, keyword_only)
    expected, expected_error = call(twin, specs, twin_args, keyword_only)
    FUZZ_COUNTS[f"{key[0]}.{key[1]}"] += 1
    assert type(error) is type(expected_error), (error, expected_error)
    if error is not None:
        assert str(error) == str(expected_error)
    tol = TOL[recipe["dtype"]]
    if error is None:
        assert_same(result, expected, tol, "result")
    for spec, k, t, p in zip(specs, kernel_args, twin_args, pristine):
        if not isinstance(p, np.ndarray):
            continue
        if isinstance(spec, Array) and spec.inplace and error is None:  # written: alike
            assert_same(k, t, tol, f"{spec.name} after the call")
        else:  # read only, or the call failed: untouched
            np.testing.assert_array_equal(k, p, err_msg=f"kernel changed {spec.name}")
            np.testing.assert_array_equal(t, p, err_msg=f"twin changed {spec.name}")


FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=False)


@pytest.mark.parametrize("key", list(KERNELS), ids=lambda key: f"{key[0]}.{key[1]}")
def test_kernel_and_twin_agree_on_any_arguments(key):
    stem, name = key
    module = pytest.importorskip(kernels.compiled_module_name(stem),
                                 reason="compiled kernels are not built")
    twin = getattr(importlib.import_module(f"minigrad._reference.{stem}"), name)
    check = FUZZ(given(recipes(key))(lambda recipe: run_example(key, getattr(module, name),
                                                                twin, recipe)))
    check()


@pytest.mark.parametrize("stem", STEMS)
def test_the_table_covers_every_compiled_kernel(stem):
    module = pytest.importorskip(f"minigrad._C.{stem}", reason="compiled kernels are not built")
    public = {name for name in dir(module) if not name.startswith("_") and
              getattr(getattr(module, name), "__module__", None) == module.__name__}
    assert public == {name for s, name in KERNELS if s == stem}
