"""Backend selection (compiled kernels or NumPy twins), the missing-extension fallback, threads."""
import importlib
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
            "minigrad._C.linear" + kernels.SIMD_SUFFIX


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


def test_omp_and_openblas_threads_wait_passively_by_default():
    import os
    assert os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE"
    assert os.environ.get("OPENBLAS_THREAD_TIMEOUT") == "20"


def test_the_baseline_and_the_x86_64_v3_builds_agree_bit_for_bit(rng):
    variant = pytest.importorskip("minigrad._C.linear_v3", reason="no x86-64-v3 build here")
    baseline = pytest.importorskip("minigrad._C.linear")
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(33, 70), (50, 70), (50,)])
    for module in ("norm", "loss", "optim"):
        assert importlib.import_module(f"minigrad._C.{module}_v3").__name__.endswith("_v3")
    for activation in ("relu", "tanh"):
        np.testing.assert_array_equal(variant.linear_forward(x, w, b, activation),
                                      baseline.linear_forward(x, w, b, activation))


def test_minigrad_simd_baseline_selects_the_baseline_build():
    result = run_python("import minigrad.kernels as k, numpy as np;"
                        "print(k.SIMD_SUFFIX == '', k.load('norm', np.float32).__name__)",
                        MINIGRAD_SIMD="baseline")
    assert result.stdout.split() == ["True", "minigrad._C.norm"]
