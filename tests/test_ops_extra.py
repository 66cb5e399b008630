"""The tensor ops tutorials use (issue 12) against PyTorch on random inputs: values, dtypes,
gradients and error types. Each case is one function of the library module `m` (minigrad or
torch), so the very same expression runs on both. Gradients come from the registry's gradchecks
(tests/test_registry.py) and, here, from comparison with PyTorch's."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

def idx(m, array):
    return m.tensor(np.asarray(array, dtype=np.int64))


# (id, shape of the float64 input, expression of the library m and the input x)
CASES = [
    ("prod", (2, 3), lambda m, x: m.prod(x)),
    ("prod_dim", (2, 3, 2), lambda m, x: x.prod(1, keepdim=True)),
    ("prod_zeros", (2, 3), lambda m, x: (x * (x > 0)).prod(dim=-1)),
    ("cumsum", (3, 4), lambda m, x: m.cumsum(x, 0)),
    ("cumsum_last", (3, 4), lambda m, x: x.cumsum(dim=-1)),
    ("norm", (2, 3), lambda m, x: m.norm(x)),
    ("norm_p1", (2, 3), lambda m, x: x.norm(p=1, dim=1)),
    ("norm_p3", (2, 3), lambda m, x: x.norm(3, 0, True)),
    ("norm_inf", (2, 3), lambda m, x: m.norm(x, p=float("inf"), dim=1)),
    ("norm_fro_dims", (2, 3, 2), lambda m, x: m.norm(x, "fro", (0, 2))),
    ("norm_p2_all", (2, 3), lambda m, x: m.norm(x, 2)),
    ("linalg_norm", (2, 3), lambda m, x: m.linalg.norm(x)),
    ("linalg_norm_dim", (2, 3), lambda m, x: m.linalg.norm(x, ord=1, dim=1)),
    ("vector_norm", (2, 3), lambda m, x: m.linalg.vector_norm(x, ord=0.5, dim=(0, 1))),
    ("sign", (2, 3), lambda m, x: m.sign(x) * x),
    ("round", (2, 3), lambda m, x: (x * 10).round() + x),
    ("round_decimals", (2, 3), lambda m, x: m.round(x, decimals=2)),
    ("floor_ceil_trunc", (2, 3), lambda m, x: (3 * x).floor() + m.ceil(3 * x) + m.trunc(3 * x)),
    ("sort", (3, 4), lambda m, x: m.sort(x, dim=0)),
    ("sort_descending", (3, 4), lambda m, x: x.sort(descending=True)),
    ("sort_stable_ties", (3, 4),
     lambda m, x: (x > 0).double().sort(dim=1, descending=True, stable=True)),
    ("argsort", (3, 4), lambda m, x: m.argsort(x, dim=1, descending=True)),
    ("topk", (3, 5), lambda m, x: m.topk(x, 2)),
    ("topk_smallest", (4, 3), lambda m, x: x.topk(3, dim=0, largest=False)),
    ("gather", (3, 4), lambda m, x: m.gather(x, 1, idx(m, [[0, 3, 3], [1, 0, 2]]))),
    ("gather_int32", (3, 4), lambda m, x: x.gather(0, m.tensor([[2, 0]], dtype=m.int32))),
    ("scatter", (3, 4), lambda m, x: m.scatter(x, 1, idx(m, [[0, 3], [2, 1]]), x[:2, :2] * 2)),
    ("scatter_value", (3, 4), lambda m, x: x.scatter(0, idx(m, [[2, 0, 1, 2]]), 7.5)),
    ("scatter_add", (3, 4),
     lambda m, x: x.scatter_add(1, idx(m, [[0, 0, 3], [1, 1, 1]]), -x[:2, :3])),
    ("masked_fill", (3, 4), lambda m, x: x.masked_fill(x > 0.3, -1.0)),
    ("masked_fill_broadcast", (3, 4), lambda m, x: m.masked_fill(x, x[0] > 0, 2.0)),
    ("repeat", (2, 3), lambda m, x: x.repeat(2, 1, 3)),
    ("flip", (2, 3, 2), lambda m, x: m.flip(x, (0, 2))),
    ("flip_method", (2, 3), lambda m, x: x.flip(1)),
    ("chunk", (5, 2), lambda m, x: m.chunk(x, 3)),
    ("split", (5, 2), lambda m, x: x.split(2)),
    ("split_sizes", (2, 6), lambda m, x: m.split(x, [1, 0, 5], dim=1)),
    ("unbind", (2, 3), lambda m, x: m.unbind(x, 1)),
    ("view_as", (2, 3), lambda m, x: x.view_as(m.zeros(3, 2))),
    ("reshape_as", (2, 3), lambda m, x: x.reshape_as(m.zeros(6))),
    ("cat_promotes", (2, 3), lambda m, x: m.cat([x, m.ones(1, 3, dtype=m.float32)])),
    ("stack_promotes", (3,), lambda m, x: m.stack([m.arange(3), x.float()])),
    ("sum_axis", (2, 3, 2), lambda m, x: x.sum(axis=(0, 2), keepdims=True)),
    ("mean_axis", (2, 3), lambda m, x: m.mean(x, axis=1)),
    ("var_axis", (2, 3), lambda m, x: x.var(axis=0, keepdims=True)),
    ("std_axis", (2, 3), lambda m, x: m.std(x, axis=1)),
    ("max_axis", (2, 3), lambda m, x: x.max(axis=1)),
    ("min_axis", (2, 3), lambda m, x: m.min(x, axis=0, keepdims=True)),
    ("argmax_axis", (2, 3), lambda m, x: x.argmax(axis=1, keepdims=True)),
    ("argmin_axis", (2, 3), lambda m, x: m.argmin(x, axis=0)),
    ("logsumexp_axis", (2, 3), lambda m, x: m.logsumexp(x, axis=1, keepdims=True)),
    ("prod_axis", (2, 3), lambda m, x: x.prod(axis=1)),
    ("all_any_axis", (2, 3), lambda m, x: m.stack([(x > 0).all(axis=1), m.any(x > 0, dim=1)])),
]


def as_list(out):
    return list(out) if isinstance(out, tuple) else [out]


def run(m, expression, array):
    x = m.tensor(array, requires_grad=True)
    outputs = as_list(expression(m, x))
    return x, outputs


@pytest.mark.parametrize("shape, expression",
                         [pytest.param(s, e, id=name) for name, s, e in CASES])
def test_matches_pytorch(shape, expression):
    rng = np.random.default_rng()
    array = rng.standard_normal(shape)
    ours_x, ours = run(mg, expression, array)
    theirs_x, theirs = run(torch, expression, array)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    differentiable = [(a, b) for a, b in zip(ours, theirs) if b.requires_grad]
    if not differentiable:
        return
    seeds = [rng.standard_normal(b.shape) for _, b in differentiable]
    sum(mg.sum(a * mg.tensor(s, dtype=a.dtype)) for (a, _), s in zip(differentiable, seeds)) \
        .backward()
    sum((b * torch.tensor(s, dtype=b.dtype)).sum() for (_, b), s in zip(differentiable, seeds)) \
        .backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-10,
                               atol=1e-12)


# (id, expression of m and two bool tensors a, b) on integer and boolean data, outside the
# graph: values and dtypes
DATA_CASES = [
    ("float_math_of_ints", lambda m, a, b: [f(m.tensor([1, 2, 4])) for f in (
        m.exp, m.log, m.sqrt, m.sin, m.cos, m.sigmoid, m.tanh)]),
    ("float_math_of_bools", lambda m, a, b: [
        m.exp(m.tensor([True, False])), m.tensor([1, 0]).sqrt()]),
    ("prod_cumsum_of_ints", lambda m, a, b: [
        m.tensor([1, 2, 3], dtype=m.int32).prod(), m.cumsum(m.tensor([True, True, False]), 0),
        m.tensor([[1, 2], [3, 4]]).prod(dim=0)]),
    ("rounding_ints", lambda m, a, b: [
        m.tensor([-3, 0, 2]).sign(), m.tensor([-3, 2]).floor(), m.ceil(m.tensor([4])),
        m.tensor([1, -2]).round()]),
    ("bitwise_bools", lambda m, a, b: [a & b, a | b, a ^ b, ~a, a & True, False | b]),
    ("bitwise_ints", lambda m, a, b: [
        m.tensor([3, 5]) & m.tensor([1, 4]), m.tensor([3, 5]) | 8, m.tensor([3, 5]) ^ 1,
        ~m.tensor([3, -5]), m.tensor([3, 5], dtype=m.int32) & 6,
        m.tensor([1, 2]) & m.tensor([True, False])]),
    ("logical", lambda m, a, b: [
        m.logical_and(m.tensor([1.0, 0.0]), m.tensor([2, 2])),
        m.logical_or(m.tensor([0, 0]), m.tensor([0.0, 1.0])), m.logical_xor(a, b),
        m.logical_not(m.tensor([0.5, 0.0])), m.tensor([1, 0]).logical_not()]),
    ("all_any", lambda m, a, b: [
        m.tensor([[1.0, 0.0], [2.0, 3.0]]).all(dim=1), m.tensor([1, 2]).all(),
        m.tensor([[0, 0], [0, 1]]).any(0, keepdim=True), a.any(), a.all()]),
    ("isclose", lambda m, a, b: [
        m.isclose(m.tensor([1.0, 2.0, float("nan")]), m.tensor([1.0 + 1e-9, 2.1, float("nan")])),
        m.tensor([1.0, float("nan")]).isclose(m.tensor([1.5, float("nan")]), rtol=0.5,
                                              equal_nan=True)]),
    ("one_hot", lambda m, a, b: [
        m.nn.functional.one_hot(m.tensor([0, 3, 1])),
        m.nn.functional.one_hot(m.tensor([[1], [0]]), num_classes=4),
        m.nn.functional.one_hot(m.tensor([], dtype=m.int64), 3)]),
    ("sort_ints_and_nan", lambda m, a, b: [
        *m.sort(m.tensor([3, 1, 2, 1])), *m.tensor([1.0, float("nan"), -1.0]).sort(descending=True),
        m.tensor([2.0, float("nan"), 0.0]).topk(2).values]),
    ("integer_split_repeat", lambda m, a, b: [
        *m.tensor([1, 2, 3, 4, 5]).chunk(2), m.tensor([[1, 2]]).repeat(2, 2),
        m.tensor([1, 2, 3]).flip(0)]),
    ("masked_fill_int", lambda m, a, b: [
        m.tensor([1, 2]).masked_fill(m.tensor([True, False]), 2.7)]),
]

a_bits, b_bits = np.array([True, True, False, False]), np.array([True, False, True, False])


@pytest.mark.parametrize("expression", [pytest.param(e, id=n) for n, e in DATA_CASES])
def test_data_ops_match_pytorch(expression):
    results = {}
    for m in (mg, torch):
        results[m.__name__] = expression(m, m.tensor(a_bits), m.tensor(b_bits))
    for ours, theirs in zip(results["minigrad"], results["torch"]):
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_whole_tensor_comparisons_match_pytorch():
    for m in (mg, torch):
        x, y = m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-6])
        assert m.allclose(x, y) and not m.allclose(x, y, rtol=0, atol=0)
        assert x.allclose(m.tensor([[1.0, 2.0]] * 3))  # broadcasts
        assert m.equal(x, x.clone()) and not m.equal(x, y) and not m.equal(x, m.ones(3))
        assert m.equal(m.tensor([1, 2]), m.tensor([1.0, 2.0]))
        assert m.numel(m.zeros(2, 3)) == 6


def test_in_place_scatter_and_masked_fill_match_pytorch():
    rng = np.random.default_rng()
    array = rng.standard_normal((3, 4))
    outs = {}
    for m in (mg, torch):
        x = m.tensor(array.copy())
        index = idx(m, [[0, 3, 3], [2, 2, 1]])
        y = x.scatter_(1, index, m.tensor(array[:2, :3] * 3))
        assert y is x
        x.scatter_add_(0, idx(m, [[2, 2, 0, 1]]), m.ones(1, 4, dtype=m.float64))
        x.scatter_(1, idx(m, [[1], [0], [2]]), value=-4.0)
        x.masked_fill_(x > 1, 0.5)
        x.masked_fill_(m.tensor([True, False, False, True]), m.tensor(9.0, dtype=m.float64))
        outs[m.__name__] = x.numpy()
    np.testing.assert_array_equal(outs["minigrad"], outs["torch"])


def test_in_place_ops_refuse_a_leaf_that_requires_grad():
    for m in (mg, torch):
        w = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            w.masked_fill_(m.tensor([True, False, True]), 0.0)
        with pytest.raises(RuntimeError, match="leaf"):
            w.scatter_(0, idx(m, [0]), value=2.0)


def test_an_alias_and_its_name_together_are_a_type_error():
    x = mg.ones(2, 3)
    with pytest.raises(TypeError, match="'dim' and its alias 'axis'"):
        x.sum(dim=0, axis=0)
    with pytest.raises(TypeError, match="'keepdim' and its alias 'keepdims'"):
        mg.mean(x, 1, keepdim=True, keepdims=True)


def test_max_along_a_dim_is_a_named_tuple_of_values_and_indices():
    values, indices = mg.tensor([[1.0, 5.0, 2.0]]).max(axis=1)
    result = mg.tensor([[1.0, 5.0, 2.0]]).min(1)
    assert values.tolist() == [5.0] and indices.tolist() == [1]
    assert result.values.tolist() == [1.0] and result.indices.tolist() == [0]


# (id, expression of m raising the same exception type in both; a regex for minigrad's message)
ERROR_CASES = [
    ("gather_int16_index", lambda m: m.gather(m.ones(2, 3), 1, m.tensor([[0]], dtype=m.int16)),
     "int32/int64 for index"),
    ("gather_ndim", lambda m: m.gather(m.ones(2, 3), 1, idx(m, [0, 1])), "number of dimensions"),
    ("gather_out_of_range", lambda m: m.ones(2, 3).gather(1, idx(m, [[5], [1]])),
     "index 5 is out of bounds for dimension 1 with size 3"),
    ("gather_negative", lambda m: m.ones(2, 3).gather(1, idx(m, [[-1]])), "out of bounds"),
    ("gather_index_too_large", lambda m: m.ones(2, 3).gather(1, idx(m, [[0]] * 3)),
     "Size does not match at dimension 0"),
    ("scatter_dtype", lambda m: m.ones(2, 3).scatter(1, idx(m, [[0]]), m.ones(1, 1, dtype=m.int64)),
     "self.dtype to be equal to src.dtype"),
    ("scatter_add_number", lambda m: m.ones(2, 3).scatter_add(1, idx(m, [[0]]), 1.0),
     "must be Tensor, not float"),
    ("masked_fill_int_mask", lambda m: m.ones(3).masked_fill(m.tensor([1, 0, 1]), 0.0),
     "boolean masks"),
    ("masked_fill_1d_value", lambda m: m.ones(3).masked_fill(m.tensor([True, False, True]),
                                                             m.ones(2)), "0-dimensional value"),
    ("topk_k", lambda m: m.ones(2, 3).topk(4), "selected index k out of range"),
    ("split_sizes_sum", lambda m: m.ones(2, 3).split([1, 1], dim=1),
     "split_sizes to sum exactly to 3"),
    ("split_zero", lambda m: m.ones(2).split(0), "split_size can only be 0"),
    ("chunk_zero", lambda m: m.ones(2).chunk(0), "greater than 0"),
    ("repeat_too_few", lambda m: m.ones(2, 3).repeat(2), "can not be smaller"),
    ("flip_repeated_dim", lambda m: m.ones(2, 3).flip(0, 0), "multiple times"),
    ("prod_tuple_dim", lambda m: m.ones(2, 3).prod(dim=(0, 1)), "must be int"),
    ("norm_of_ints", lambda m: m.norm(m.tensor([1, 2])), "floating point"),
    ("norm_unknown_order", lambda m: m.norm(m.ones(2, 2), p="abc"), "Order abc not supported"),
    ("bitwise_and_floats", lambda m: m.ones(2) & m.ones(2), "not implemented"),
    ("bitwise_or_float_int", lambda m: m.ones(2) | 1, "not implemented"),
    ("invert_floats", lambda m: ~m.ones(2), "integer and Boolean"),
    ("round_decimals_int", lambda m: m.tensor([1, 2]).round(decimals=1), "round_cpu"),
    ("isclose_dtypes", lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
     "did not match"),
    ("isclose_number", lambda m: m.isclose(m.ones(1), 1.0), "must be Tensor"),
    ("isclose_negative_rtol", lambda m: m.isclose(m.ones(1), m.ones(1), rtol=-1),
     "rtol must be greater than or equal to zero"),
    ("one_hot_float", lambda m: m.nn.functional.one_hot(m.tensor([0.0, 1.0])), "LongTensor"),
    ("one_hot_too_small", lambda m: m.nn.functional.one_hot(m.tensor([0, 3]), 2),
     "smaller than num_classes"),
    ("one_hot_negative", lambda m: m.nn.functional.one_hot(m.tensor([0, -1]), 5), "non-negative"),
    ("one_hot_empty", lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.int64)),
     "empty tensor"),
]


@pytest.mark.parametrize("expression, message",
                         [pytest.param(e, r, id=n) for n, e, r in ERROR_CASES])
def test_bad_input_raises_what_pytorch_raises(expression, message):
    with pytest.raises(Exception) as theirs:
        expression(torch)
    with pytest.raises(theirs.type, match=message):
        expression(mg)
