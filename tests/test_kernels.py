"""Backend selection (compiled kernels or NumPy twins), the missing-extension fallback, threads."""
import contextlib
import importlib
import inspect
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels


def test_set_backend_switches_modules():
    mg.set_backend("numpy")
    try:
        assert kernels.load("linear", np.float32).__name__ == "minigrad._reference.linear"
    finally:
        mg.set_backend("compiled")
    if kernels.compiled_available("linear"):
        assert kernels.load("linear", np.float32).__name__ == \
            kernels.compiled_module_name("linear")


def test_non_float_dtypes_use_the_twin():
    assert kernels.load("linear", np.float16).__name__ == "minigrad._reference.linear"


def test_bad_backend_names_raise():
    with pytest.raises(ValueError, match="backend must be one of"):
        mg.set_backend("cuda")


def run_python(code, **env):
    import os
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, cwd=str(__import__("pathlib").Path(
                                mg.__file__).parent.parent))
    assert result.returncode == 0, result.stderr
    return result


def test_environment_variable_forces_the_twins():
    result = run_python("import minigrad, minigrad.kernels as k, numpy as np;"
                        "print(k.get_backend(), k.load('linear', np.float32).__name__)",
                        MINIGRAD_BACKEND="numpy")
    assert result.stdout.split() == ["numpy", "minigrad._reference.linear"]


def test_missing_compiled_modules_warn_once_and_fall_back():
    code = """
import sys, warnings
sys.modules['minigrad._C.linear'] = None   # make the compiled imports fail
sys.modules['minigrad._C.linear_v3'] = None
import minigrad as mg, minigrad.nn.functional as F
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    for _ in range(3):
        y = F.linear(mg.ones(2, 3), mg.ones(4, 3))
print(len([w for w in caught if 'not built' in str(w.message)]), float(y.sum()))
"""
    assert run_python(code).stdout.split() == ["1", "24.0"]


def test_set_num_threads():
    previous = mg.get_num_threads()
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1
    mg.set_num_threads(previous)
    with pytest.raises(ValueError, match="positive int"):
        mg.set_num_threads(0)


# ------------------------------------------------------- every kernel, bit for bit

STEMS = ("batch_norm", "conv", "dropout", "layer_norm", "linear", "loss", "optim",
         "pool", "stream")
FLAGS = dict(input_grad=True, weight_grad=True, bias_grad=True)  # every gradient asked for
INPUT_GRAD = dict(input_grad=True)


def public_kernels(module):
    """The kernel functions a compiled module defines (not what it imports)."""
    return {name for name, value in vars(module).items()
            if not name.startswith("_") and callable(value)
            and getattr(value, "__module__", None) == module.__name__}


def kernel_calls(rng, dtype):
    """{(stem, name): [arguments, ...]} for every public kernel function, forward and backward,
    on inputs large enough for each kernel's parallel path (batch and layer norm: >= 32,768
    values, loss: >= 16,384, dropout and optim: >= 65,536) and gemms whose inner dimension
    exceeds OpenBLAS's K blocks (784 and 520 > 448, csrc/_blas.pxd). Backward inputs come from
    the baseline build. A trailing dict holds keyword arguments (num_threads: call_outputs)."""
    def r(*shape):
        return rng.standard_normal(shape).astype(dtype)

    conv, pool, batch_norm, layer_norm, linear, loss = (
        importlib.import_module(f"minigrad._C.{stem}")
        for stem in ("conv", "pool", "batch_norm", "layer_norm", "linear", "loss"))
    images, kernel, bias = r(24, 4, 24, 24), r(8, 4, 5, 5), r(8)
    y, cols = conv.conv2d_forward(images, kernel, bias, 1, 2, 1, num_threads=1)
    pooled, argmax = pool.max_pool2d_forward(images, 2, 2, 0, num_threads=1)
    channels, gamma, beta = r(64, 16, 64), r(16), r(16)
    mean, var = batch_norm.batch_norm_stats(channels, num_threads=2)
    rows, row_weight = r(128, 512), r(512)
    _, row_mean, row_rstd = layer_norm.layer_norm_forward(rows, row_weight, None, 1e-5,
                                                          num_threads=2)
    no_input_grad = dict(input_grad=False, weight_grad=True, bias_grad=True)
    x, w, b = r(520, 784), r(300, 784), r(300)
    activated = linear.linear_forward(x, w, b, "tanh", 0.01)
    logits, classes = r(256, 100) * 3, rng.integers(0, 100, 256)
    soft_targets = rng.dirichlet(np.ones(100), 256).astype(dtype)
    _, probs = loss.cross_entropy_forward(logits, classes, None, -100, 0.1, num_threads=1)
    flat, n = r(100_000), 100_000
    p, g, state = r(n), r(n), (np.abs(r(n)) for _ in range(4))
    s1, s2, s3, s4 = state
    return {
        ("conv", "conv2d_forward"): [(images, kernel, bias, 1, 2, 1),
                                     (images, kernel, None, 2, 1, 2)],
        ("conv", "conv2d_backward"): [(r(*y.shape), images, cols, kernel, 1, 2, 1, FLAGS)],
        ("pool", "max_pool2d_forward"): [(images, 2, 2, 0), (images, 3, 2, 1)],
        ("pool", "max_pool2d_backward"): [(r(*pooled.shape), argmax, (24, 24), INPUT_GRAD)],
        ("pool", "avg_pool2d_forward"): [(images, 3, 2, 1)],
        ("pool", "avg_pool2d_backward"): [(r(24, 4, 12, 12), (24, 24), 3, 2, 1, INPUT_GRAD)],
        ("dropout", "alpha_coefficients"): [(0.3,)],
        ("dropout", "dropout_forward"): [(flat, 0.3, 7)],
        ("dropout", "alpha_dropout_forward"): [(flat, 0.3, 7)],
        ("dropout", "gaussian_dropout_forward"): [(flat, 0.3, 7)],
        ("dropout", "masked_scale"): [(flat, (flat > 0).astype(np.uint8), 1.5),
                                      (flat, r(n), 1.5)],
        ("linear", "linear_forward"): [(x, w, b, act, 0.01) for act in ("none", "relu",
                                                                        "sigmoid", "tanh",
                                                                        "leaky_relu")],
        ("linear", "linear_backward"): [(r(520, 300), x, w, activated, "tanh", 0.01, FLAGS),
                                        (r(520, 300), x, w, None, "none", 0.01, FLAGS)],
        ("loss", "cross_entropy_forward"): [(logits, classes, None, -100, 0.1),
                                            (logits, soft_targets, np.abs(r(100)), -100, 0.0)],
        ("loss", "cross_entropy_backward"): [(np.abs(r(256)).astype(np.float64), probs, classes,
                                              None, 3, 0.1, dict(input_grad=True))],
        ("loss", "bce_with_logits"): [(flat, (flat > 0).astype(dtype), np.abs(r(n)), np.abs(r(n)))],
        ("batch_norm", "batch_norm_stats"): [(channels,)],
        ("batch_norm", "batch_norm_apply"): [(channels, mean, var, gamma, beta, 1e-5)],
        ("batch_norm", "batch_norm_backward"): [
            (r(64, 16, 64), channels, mean, var, gamma, 1e-5, t, flags)
            for t in (True, False) for flags in (FLAGS, no_input_grad)],
        ("layer_norm", "layer_norm_forward"): [(rows, row_weight, r(512), 1e-5)],
        ("layer_norm", "layer_norm_backward"): [
            (r(128, 512), rows, row_mean, row_rstd, row_weight, flags)
            for flags in (FLAGS, no_input_grad)],
        ("optim", "sgd_step"): [(p, g, s1, 0.1, 0.9, 0.1, 0.01, True, False, False)],
        ("optim", "adam_step"): [(p, g, s1, s2, s3, 3, 1e-3, 0.9, 0.999, 1e-8, 0.01, True,
                                  False, False)],
        ("optim", "rmsprop_step"): [(p, g, s1, s2, s3, 1e-2, 0.99, 1e-8, 0.01, 0.9, True,
                                     False)],
        ("optim", "adagrad_step"): [(p, g, s4, 3, 1e-2, 0.01, 1e-10, 0.01, False)],
        ("optim", "adadelta_step"): [(p, g, s1, s2, 1.0, 0.9, 1e-6, 0.01, False)],
        ("optim", "zero_fill"): [(r(n),)],
        ("stream", "triad"): [(r(n), p, g, 1.5, 2)],
    }


def held_by_the_ops(stem, name, dtype):
    """What minigrad/ops/<family>.py holds around this kernel call: one BLAS thread around
    conv2d's per-image gemms, float64_gemm_threads around float64 linear gemms."""
    if stem == "conv" and name.startswith("conv2d"):
        return kernels.blas_on_one_thread()
    if stem == "linear" and dtype == np.float64:
        return kernels.float64_gemm_threads()
    return contextlib.nullcontext()


def call_outputs(module, stem, name, arguments):
    """What a call produces: its results and, for in-place kernels, its array arguments after
    the call (run on copies, so every call sees the same inputs). The call is made as the ops
    make it: keyword arguments from a trailing dict, num_threads=mg.get_num_threads() for a
    threaded kernel, under what the ops hold around it."""
    keywords = arguments[-1] if arguments and isinstance(arguments[-1], dict) else {}
    copies = [a.copy() if isinstance(a, np.ndarray) else a
              for a in arguments[:len(arguments) - bool(keywords)]]
    function = getattr(module, name)
    if "num_threads" in inspect.signature(function).parameters:
        keywords = dict(keywords, num_threads=mg.get_num_threads())
    dtype = next((a.dtype for a in copies if isinstance(a, np.ndarray)), None)
    with held_by_the_ops(stem, name, dtype):
        result = function(*copies, **keywords)
    results = list(result) if isinstance(result, tuple) else [result]
    return results + [a for a in copies if isinstance(a, np.ndarray)]


def same_bits(a, b):
    """a and b are both None, or arrays (or scalars) of the same dtype, shape and bytes."""
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def differing_calls(calls, run_a, run_b):
    """The (stem, name, case) whose outputs under run_a and run_b are not bit-identical."""
    differing = []
    for (stem, name), cases in calls.items():
        for case, arguments in enumerate(cases):
            for a, b in zip(run_a(stem, name, arguments), run_b(stem, name, arguments)):
                if not same_bits(a, b):
                    differing.append((stem, name, case))
                    break
    return differing


def test_the_call_table_covers_every_public_kernel(rng):
    calls = kernel_calls(rng, np.float32)
    for stem in STEMS:
        module = importlib.import_module(f"minigrad._C.{stem}")
        assert public_kernels(module) == {name for s, name in calls if s == stem}, stem


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_baseline_and_the_x86_64_v3_builds_agree_bit_for_bit(rng, dtype):
    pytest.importorskip("minigrad._C.linear_v3", reason="no x86-64-v3 build here")

    def build(module_name):
        def run(stem, name, arguments):
            return call_outputs(importlib.import_module(module_name(stem)), stem, name,
                                arguments)
        return run

    baseline = build(lambda stem: f"minigrad._C.{stem}")
    x86_64_v3 = build(lambda stem: f"minigrad._C.{stem}_v3")
    assert differing_calls(kernel_calls(rng, dtype), baseline, x86_64_v3) == []


# What docs/determinism.md says differs across thread counts with the deterministic mode off
NOT_THREAD_COUNT_INVARIANT = {np.float32: set(),
                              np.float64: {("linear", "linear_forward"),
                                           ("linear", "linear_backward")}}


@pytest.mark.parametrize("deterministic", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_kernel_is_bit_identical_for_one_and_two_threads(rng, dtype, deterministic):
    def on_threads(threads):
        def run(stem, name, arguments):
            mg.set_num_threads(threads)
            return call_outputs(kernels.load(stem, dtype), stem, name, arguments)
        return run

    calls = kernel_calls(rng, dtype)
    if not deterministic:
        for key in NOT_THREAD_COUNT_INVARIANT[dtype]:
            del calls[key]
    previous = mg.get_num_threads()
    mg.use_deterministic_algorithms(deterministic)
    try:
        differing = differing_calls(calls, on_threads(1), on_threads(2))
    finally:
        mg.use_deterministic_algorithms(False)
        mg.set_num_threads(previous)
    assert differing == []


def test_minigrad_simd_baseline_selects_the_baseline_build():
    result = run_python("import minigrad.kernels as k, numpy as np;"
                        "print(k.compiled_module_name('batch_norm'),"
                        "      k.load('batch_norm', np.float32).__name__)",
                        MINIGRAD_SIMD="baseline")
    assert result.stdout.split() == ["minigrad._C.batch_norm", "minigrad._C.batch_norm"]
