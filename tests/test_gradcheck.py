"""gradcheck itself: it passes correct gradients and catches wrong ones, naming where."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


class WrongSquare(Function):
    """x^2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x


def test_correct_gradients_pass():
    x = mg.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    assert mg.gradcheck(lambda t: (t * t).sum(), (x,))


def test_wrong_gradients_are_reported_with_input_index_and_values():
    x = mg.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0.*element 0.*analytic 1\.5.*numerical"):
        mg.gradcheck(WrongSquare.apply, (x,))
    assert mg.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_float32_inputs_are_refused():
    with pytest.raises(mg.GradcheckError, match="float64"):
        mg.gradcheck(mg.exp, (mg.ones(2, requires_grad=True),))


def test_inputs_are_restored_after_checking():
    data = np.array([0.3, 0.7])
    x = mg.tensor(data, requires_grad=True)
    mg.gradcheck(mg.sin, (x,))
    np.testing.assert_array_equal(x.data, data)
    assert x.grad is None
