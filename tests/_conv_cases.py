"""What tests/test_conv.py and tests/test_pool.py share: the compiled conv and pool modules, the
tolerances of TESTING.md's point 4, and the conv kernels called as ops/conv.py calls them."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels

compiled = pytest.importorskip(kernels.compiled_module_name("conv"),
                              reason="compiled kernels are not built")
compiled_pool = pytest.importorskip(kernels.compiled_module_name("pool"),
                                   reason="compiled kernels are not built")

TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}


def threads():
    """The num_threads argument the ops layer passes: minigrad's thread count."""
    return dict(num_threads=mg.get_num_threads())


def conv_forward(module, *arguments):
    """module.conv2d_forward called as ops/conv.py calls it (BLAS on one thread)."""
    with kernels.blas_on_one_thread():
        return module.conv2d_forward(*arguments, **threads())


def conv_backward(module, *arguments, input_grad=True, weight_grad=True, bias_grad=True):
    """module.conv2d_backward called as ops/conv.py calls it, every gradient asked for."""
    with kernels.blas_on_one_thread():
        return module.conv2d_backward(*arguments, input_grad=input_grad,
                                      weight_grad=weight_grad, bias_grad=bias_grad, **threads())
