"""Softmax cross-entropy (csrc/loss.pyx) and NLL against the twin, closed forms and PyTorch."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import kernels
import minigrad.nn.functional as F
from minigrad._reference import loss as twin

compiled = pytest.importorskip(kernels.compiled_module_name("loss"),
                              reason="compiled kernels are not built")

TOL = {np.float32: dict(rtol=1.3e-6, atol=1e-5), np.float64: dict(rtol=1e-7, atol=1e-7)}
THREADS = dict(num_threads=2)  # the OpenMP team the ops would pass on a two-core machine
BACKWARD = dict(input_grad=True, **THREADS)


def problem(rng, rows=6, classes=5, dtype=np.float64):
    x = rng.standard_normal((rows, classes)).astype(dtype)
    target = rng.integers(0, classes, rows)
    target[1] = -100
    probs = rng.dirichlet(np.ones(classes), rows).astype(dtype)
    weight = rng.uniform(0.5, 2.0, classes).astype(dtype)
    return x, target, probs, weight


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind, weighted, smoothing",
                         list(itertools.product(["index", "probability"], [False, True],
                                                [0.0, 0.25])))
def test_kernel_matches_twin(rng, dtype, kind, weighted, smoothing):
    x, target, probs, weight = problem(rng, rows=300, classes=70, dtype=dtype)  # threaded
    target = target if kind == "index" else probs
    weight = weight if weighted else None
    grad_losses = rng.standard_normal(300)
    results = []
    for module in (compiled, twin):
        losses, p = module.cross_entropy_forward(x, target, weight, -100, smoothing, **THREADS)
        results.append((losses, p, *module.cross_entropy_backward(grad_losses, p, target, weight,
                                                                  -100, smoothing, **BACKWARD)))
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, **TOL[dtype])


def test_unweighted_loss_is_the_negative_log_softmax_of_the_target(rng):
    x, target, _, _ = problem(rng)
    target[1] = 0
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    loss = F.cross_entropy(mg.tensor(x, requires_grad=True), target)
    np.testing.assert_allclose(loss.item(), -logp[np.arange(6), target].mean(), rtol=1e-12)
    x_t = mg.tensor(x, requires_grad=True)
    F.cross_entropy(x_t, target, reduction="sum").backward()
    onehot = np.eye(5)[target]
    np.testing.assert_allclose(x_t.grad.data, np.exp(logp) - onehot, rtol=1e-10, atol=1e-12)


OPTIONS = [dict(reduction=r, label_smoothing=s, weighted=w, ignore_index=i)
           for r, s, w, i in itertools.product(["mean", "sum", "none"], [0.0, 0.2], [False, True],
                                               [-100, 2])]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("kind", ["index", "index-2d", "probability"])
def test_cross_entropy_and_nll_match_pytorch(backend, kind, options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    shape = (4, 5, 3) if kind == "index-2d" else (6, 5)
    x = rng.standard_normal(shape)
    target = rng.integers(0, 5, shape[:1] + shape[2:])
    target.flat[1] = options["ignore_index"] if kind != "probability" else target.flat[1]
    if kind == "probability":
        target = rng.dirichlet(np.ones(5), 6)
    weight = rng.uniform(0.5, 2.0, 5) if options["weighted"] else None
    kwargs = dict(reduction=options["reduction"], label_smoothing=options["label_smoothing"])
    if kind != "probability":
        kwargs["ignore_index"] = options["ignore_index"]
    ours_x, theirs_x = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = F.cross_entropy(ours_x, target, None if weight is None else mg.tensor(weight), **kwargs)
    theirs = torch.nn.functional.cross_entropy(
        theirs_x, torch.from_numpy(target), None if weight is None else torch.from_numpy(weight),
        **kwargs)
    gy = rng.standard_normal(theirs.shape)
    ours.backward(mg.tensor(gy))
    theirs.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-10, atol=1e-12)
    if kind != "probability":
        del kwargs["label_smoothing"]
        logp = np.log(np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
        ours_nll = F.nll_loss(mg.tensor(logp), target,
                              None if weight is None else mg.tensor(weight), **kwargs)
        theirs_nll = torch.nn.functional.nll_loss(
            torch.from_numpy(logp), torch.from_numpy(target),
            None if weight is None else torch.from_numpy(weight), **kwargs)
        np.testing.assert_allclose(ours_nll.data, theirs_nll.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_of_plus_minus_a_thousand_stay_finite(backend, dtype):
    x = mg.tensor(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], dtype),
                  requires_grad=True)
    loss = F.cross_entropy(x, np.array([1, 2]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.data).all()
    # rows: lse = 1000; -logp = (0, 2000, 1000) and (2000, 2000, 0); targets 1 and 2
    np.testing.assert_allclose(loss.item(), (0.9 * 2000 + 0.1 / 3 * (3000 + 4000)) / 2,
                               rtol=1e-6)


def test_all_targets_ignored_gives_nan_as_pytorch(backend):
    loss = F.cross_entropy(mg.randn(3, 4), np.array([-100, -100, -100]))
    assert np.isnan(loss.item())


def test_nan_logits_propagate_to_their_row_only(backend):
    x = np.zeros((3, 4))
    x[1, 2] = np.nan
    losses = F.cross_entropy(mg.tensor(x), np.array([0, 1, 2]), reduction="none").data
    assert np.isnan(losses[1]) and np.isfinite(losses[[0, 2]]).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, 4, 1])), IndexError,
     r"Target 4 is out of bounds"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, -1, 1])), IndexError,
     r"Target -1 is out of bounds"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, 1])), ValueError,
     r"target of shape \(2,\) does not match input of shape \(3, 4\)"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.zeros((3, 3), np.float32)), RuntimeError,
     r"probability targets of shape \(3, 3\) do not match input of shape \(3, 4\)"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.zeros(3, bool)), TypeError,
     "target must hold class indices"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, 1, 2]), mg.ones(3)), ValueError,
     r"weight has shape \(3,\), expected \(4,\)"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, 1, 2]), reduction="avg"), ValueError,
     "reduction must be one of"),
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0, 1, 2]), label_smoothing=1.5),
     ValueError, r"label_smoothing must be in \[0, 1\]"),
    (lambda: F.nll_loss(mg.randn(3, 4), np.array([0, 9, 2])), IndexError, "Target 9"),
    (lambda: F.nll_loss(mg.randn(3, 4), np.zeros((3, 4), np.float32)), RuntimeError,
     r"nll_loss: expected a Long \(integer\) tensor of class indices, got float32"),
    # float class labels where probabilities do not fit: PyTorch's meaning, not a shape message
    (lambda: F.cross_entropy(mg.randn(3, 4), np.array([0.0, 1.0, 2.0], np.float32)),
     RuntimeError,
     r"expected a Long \(integer\) tensor of class indices, got float32 of shape \(3,\) "
     r"\(probability targets must have the input's shape \(3, 4\)\)"),
    (lambda: F.nll_loss(mg.randn(3, 4), np.array([0.0, 1.0, 2.0])), RuntimeError,
     r"expected a Long \(integer\) tensor of class indices, got float64 of shape \(3,\)$"),
])
def test_bad_inputs_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_non_contiguous_logits_give_the_same_results(backend, rng):
    base = rng.standard_normal((5, 8))
    target = rng.integers(0, 4, 5)
    for view in (base[:, ::2], np.asfortranarray(base)[:, :4], base.T.copy().T[:, 4:]):
        results = []
        for array in (view, np.ascontiguousarray(view)):
            x = mg.tensor(array, requires_grad=True)
            F.cross_entropy(x, target, label_smoothing=0.1).backward()
            results.append(x.grad.data)
        np.testing.assert_array_equal(*results)


def test_inputs_are_not_mutated(rng):
    x, target, probs, weight = problem(rng)
    copies = [a.copy() for a in (x, target, probs, weight)]
    for t in (target, probs):
        _, p = compiled.cross_entropy_forward(x, t, weight, -100, 0.1, **THREADS)
        compiled.cross_entropy_backward(np.ones(6), p, t, weight, -100, 0.1, **BACKWARD)
    for a, c in zip((x, target, probs, weight), copies):
        np.testing.assert_array_equal(a, c)


def test_results_do_not_depend_on_the_thread_count(rng):
    x, target, probs, weight = problem(rng, rows=256, classes=300, dtype=np.float32)
    runs = []
    for threads in (1, 2):
        losses, p = compiled.cross_entropy_forward(x, target, weight, -100, 0.1,
                                                   num_threads=threads)
        runs.append((losses, p, *compiled.cross_entropy_backward(
            np.ones(256), p, target, weight, -100, 0.1, input_grad=True, num_threads=threads)))
    for a, e in zip(*runs):
        np.testing.assert_array_equal(a, e)


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(0, 4), classes=st.integers(0, 4),
       dtype=st.sampled_from([np.float32, np.float64, np.int32]), transpose=st.booleans(),
       probabilities=st.booleans(), weighted=st.booleans(), data=st.data())
def test_random_shapes_strides_and_dtypes_raise_or_match_the_twin(rows, classes, dtype, transpose,
                                                                  probabilities, weighted, data):
    def array(shape, kind=dtype):
        return data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5))).astype(kind)

    x = array((classes, rows)).T if transpose else array((rows, classes))
    if probabilities:
        target = np.abs(array((rows, data.draw(st.integers(max(classes - 1, 0), classes + 1)))))
    else:
        target = data.draw(hnp.arrays(np.int64, (rows,), elements=st.integers(-1, classes)))
    weight = np.abs(array((classes,))) if weighted else None

    def run(module):
        losses, p = module.cross_entropy_forward(x, target, weight, -100, 0.1, **THREADS)
        return (losses, p, *module.cross_entropy_backward(np.ones(rows), p, target, weight, -100,
                                                          0.1, **BACKWARD))

    try:
        expected = run(twin)
    except (TypeError, ValueError, IndexError) as error:
        with pytest.raises(type(error)):
            run(compiled)
        return
    for a, e in zip(run(compiled), expected):
        np.testing.assert_allclose(a, e, **TOL[np.float32 if x.dtype == np.float32 else
                                               np.float64])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_matches_pytorch_and_stays_finite(reduction, weighted):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.standard_normal(8) * 3, [100.0, -100.0]])
    y = (rng.random(10) > 0.5).astype(np.float64)
    weight, pos_weight = (rng.uniform(0.5, 2, 10), rng.uniform(0.5, 2, 10)) if weighted else \
        (None, None)
    ours_x, theirs_x = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = mg.nn.BCEWithLogitsLoss(None if weight is None else mg.tensor(weight), reduction,
                                   None if pos_weight is None else mg.tensor(pos_weight))(ours_x, y)
    theirs = torch.nn.BCEWithLogitsLoss(
        None if weight is None else torch.from_numpy(weight), reduction=reduction,
        pos_weight=None if pos_weight is None else torch.from_numpy(pos_weight))(
        theirs_x, torch.from_numpy(y))
    gy = rng.standard_normal(theirs.shape)
    ours.backward(mg.tensor(gy))
    theirs.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert np.isfinite(ours_x.grad.data).all()
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input"):
        F.binary_cross_entropy_with_logits(mg.randn(4), np.zeros(3))


@pytest.mark.parametrize("kernel", [compiled, twin])
def test_missing_grad_losses_raise_a_type_error(kernel, rng):
    # the compiled kernel used to read them through a NULL pointer
    _, probs = kernel.cross_entropy_forward(rng.standard_normal((3, 4)), np.array([0, 1, 2]),
                                            None, -100, 0.0, **THREADS)
    with pytest.raises(TypeError, match="grad_losses must be a numpy.ndarray, got NoneType"):
        kernel.cross_entropy_backward(None, probs, np.array([0, 1, 2]), None, -100, 0.0,
                                      **BACKWARD)


@pytest.mark.parametrize("kernel", [compiled, twin])
def test_float_class_labels_given_to_the_kernel_get_pytorchs_meaning(kernel):
    with pytest.raises(RuntimeError, match=r"expected a Long \(integer\) array of class indices, "
                                        r"got float64 of shape \(3,\)"):
        kernel.cross_entropy_forward(np.zeros((3, 4)), np.zeros(3), None, -100, 0.0, **THREADS)
