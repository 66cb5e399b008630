"""minigrad.profiler's FLOP and byte counts: every kernel function has one, the counts of real
calls (recorded without record_shapes, on both backends) against closed forms worked out by hand,
and the table's FLOPs, GFLOP/s, GB/s, FLOP/B, Bound and % roof columns."""
import importlib
import pkgutil
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import _reference, kernels, profiler
from minigrad.profiler import counts
from minigrad.profiler.events import KERNEL, Event
from minigrad.profiler.machine import Machine
from minigrad.profiler.table import key_averages

F32, F64 = np.float32, np.float64


def _public_kernel_functions():
    """"<stem>.<function>" for every public function of every twin module (the kernel contract)."""
    names = set()
    for info in pkgutil.iter_modules(_reference.__path__):
        module = importlib.import_module(f"minigrad._reference.{info.name}")
        names |= {f"{info.name}.{name}" for name, value in vars(module).items()
                  if not name.startswith("_") and callable(value)
                  and getattr(value, "__module__", None) == module.__name__}
    return names


def test_every_public_kernel_function_has_a_count():
    kernel_names = _public_kernel_functions()
    assert len(kernel_names) >= 27
    assert kernel_names - set(counts.counts()) == set(), "kernels without a count"
    assert set(counts.counts()) - kernel_names == set(), "counts of no kernel"


def _kernel_counts(run):
    """{name: (flops, bytes)} of the kernel calls run() makes, profiled without record_shapes."""
    with profiler.profile() as prof:
        run()
    found = {}
    for event in prof.events():
        if event.kind == KERNEL:
            assert event.input_shapes is not None  # kept without record_shapes
            found.setdefault(event.name, []).append(counts.count_event(event))
    return found


def _one_count(stem, function, *args, **kwargs):
    """(flops, bytes) of one call of kernel stem.function(*args, **kwargs)."""
    dtype = next(a.dtype for a in args if isinstance(a, np.ndarray))
    found = _kernel_counts(lambda: getattr(kernels.load(stem, dtype), function)(*args, **kwargs))
    (count,) = found[f"{stem}.{function}"]
    return count


def _array(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- linear
@pytest.mark.parametrize("n, k, m, bias, activation, dtype, flops, moved", [
    (3, 4, 5, True, "relu", F32, 120 + 15 + 15, 4 * (12 + 20 + 5 + 15)),
    (64, 784, 256, False, "none", F64, 25_690_112, 8 * (50_176 + 200_704 + 16_384)),
    (2, 3, 1, True, "sigmoid", F32, 12 + 2 + 6, 4 * (6 + 3 + 1 + 2)),
])
def test_linear_forward_counts(backend, rng, n, k, m, bias, activation, dtype, flops, moved):
    x, w = _array(rng, (n, k), dtype), _array(rng, (m, k), dtype)
    b = _array(rng, (m,), dtype) if bias else None
    assert _one_count("linear", "linear_forward", x, w, b, activation, 0.01) == (flops, moved)


@pytest.mark.parametrize("shape, activation, flags, dtype, flops, moved", [
    # act' 15, gx 120, gW 120, gb 15; gy 60 + y 60 + gz 120 + W 80 + gx 48 + x 48 + gW 80 + gb 20
    ((3, 4, 5), "relu", (True, True, True), F32, 270, 516),
    ((3, 4, 5), "none", (False, True, False), F32, 120, 60 + 48 + 80),  # gy, x, gW
    # act' 3 * 160, gx 2*8*20*2, gb 160; 8 * (gy 160 + y 160 + gz 320 + W 40 + gx 16 + gb 20)
    ((8, 2, 20), "tanh", (True, False, True), F64, 1280, 8 * 716),
])
def test_linear_backward_counts_the_products_its_flags_ask_for(backend, rng, shape, activation,
                                                               flags, dtype, flops, moved):
    n, k, m = shape
    x, w, gy = _array(rng, (n, k), dtype), _array(rng, (m, k), dtype), _array(rng, (n, m), dtype)
    y = None if activation == "none" else np.tanh(_array(rng, (n, m), dtype))
    gx, gw, gb = flags
    assert _one_count("linear", "linear_backward", gy, x, w, y, activation, 0.01, input_grad=gx,
                      weight_grad=gw, bias_grad=gb) == (flops, moved)


# ----------------------------------------------------------------------------- convolution
def _conv_inputs(rng, x_shape, w_shape, bias, dtype):
    return (_array(rng, x_shape, dtype), _array(rng, w_shape, dtype),
            _array(rng, (w_shape[0],), dtype) if bias else None)


@pytest.mark.parametrize("x_shape, w_shape, bias, stride, padding, dtype, flops, moved", [
    # L = 25, K = 27, N L = 50: gemm 2*4*27*50 + bias 200; x 600 + cols (1350 values) 2 * 5400
    # + W 432 + b 16 + y 800
    ((2, 3, 5, 5), (4, 3, 3, 3), True, 1, 1, F32, 11_000, 12_648),
    # OH = OW = 3, K = 8: gemm 2*3*8*9; x 576 + cols 2 * 576 + W 192 + y 216
    ((1, 2, 6, 6), (3, 2, 2, 2), False, 2, 0, F64, 432, 2_136),
])
def test_conv2d_forward_counts(backend, rng, x_shape, w_shape, bias, stride, padding, dtype,
                               flops, moved):
    x, w, b = _conv_inputs(rng, x_shape, w_shape, bias, dtype)
    assert _one_count("conv", "conv2d_forward", x, w, b, stride, padding, 1,
                      num_threads=1) == (flops, moved)


@pytest.mark.parametrize("flags, flops, moved", [
    # gx 10800 + col2im 1350, gW 10800, gb 200; gy 800 + W 432 + column grads 2 * 5400 + gx 600
    # + cols 5400 + gW 432 + gb 16
    ((True, True, True), 23_150, 18_480),
    ((False, True, False), 10_800, 800 + 5_400 + 432),
])
def test_conv2d_backward_counts_both_products_as_asked(backend, rng, flags, flops, moved):
    x, w, b = _conv_inputs(rng, (2, 3, 5, 5), (4, 3, 3, 3), True, F32)
    _, cols = kernels.load("conv", F32).conv2d_forward(x, w, b, 1, 1, 1, num_threads=1)
    gy = _array(rng, (2, 4, 5, 5), F32)
    gx, gw, gb = flags
    assert _one_count("conv", "conv2d_backward", gy, x, cols, w, 1, 1, 1, input_grad=gx,
                      weight_grad=gw, bias_grad=gb, num_threads=1) == (flops, moved)


def test_pooling_counts(backend, rng):
    x = _array(rng, (1, 2, 4, 4), F32)  # 2x2 windows, stride 2: 8 outputs
    pool = kernels.load("pool", F32)
    # 4 compares per output; x 128 + y 32 + argmax (int64) 64
    assert _one_count("pool", "max_pool2d_forward", x, 2, None, 0, num_threads=1) == (32, 224)
    y, argmax = pool.max_pool2d_forward(x, 2, None, 0, num_threads=1)
    assert _one_count("pool", "max_pool2d_backward", y, argmax, (4, 4), input_grad=True,
                      num_threads=1) == (8, 32 + 64 + 128)
    assert _one_count("pool", "avg_pool2d_forward", x, 2, None, 0, num_threads=1) == (32, 160)
    # the divide and 4 adds per output gradient; gy 32 + gx 128
    assert _one_count("pool", "avg_pool2d_backward", y, (4, 4), 2, None, 0, input_grad=True,
                      num_threads=1) == (40, 160)


# ----------------------------------------------------------------------------- norms
def test_batch_norm_counts(backend, rng):
    x = _array(rng, (4, 3, 5), F32)  # n = 60, C = 3
    w, b = _array(rng, (3,), F32), _array(rng, (3,), F32)
    mean, var = kernels.load("batch_norm", F32).batch_norm_stats(x, num_threads=1)
    assert _one_count("batch_norm", "batch_norm_stats", x, num_threads=1) == (246, 240 + 48)
    assert _one_count("batch_norm", "batch_norm_apply", x, mean, var, w, b, 1e-5,
                      num_threads=1) == (135, 480 + 48 + 24)
    backward = ("batch_norm", "batch_norm_backward", x, x, mean, var, w, 1e-5)
    # sums 300 + gx 300 + 12; gy 240 + mean, var 48 + w 12 + x 240 + gx 240 + gw, gb 24
    assert _one_count(*backward, True, input_grad=True, weight_grad=True, bias_grad=True,
                      num_threads=1) == (612, 804)
    # evaluation, gx only: no sums, gx = w invstd gy
    assert _one_count(*backward, False, input_grad=True, weight_grad=False, bias_grad=False,
                      num_threads=1) == (72, 240 + 48 + 12 + 240)


def test_layer_norm_counts(backend, rng):
    x, w, b = _array(rng, (6, 8), F32), _array(rng, (8,), F32), _array(rng, (8,), F32)
    _, mean, rstd = kernels.load("layer_norm", F32).layer_norm_forward(x, w, b, 1e-5,
                                                                        num_threads=1)
    # 7 * 48 + 4 * 6; x, y 384 + w, b 64 + mean, rstd 96
    assert _one_count("layer_norm", "layer_norm_forward", x, w, b, 1e-5,
                      num_threads=1) == (360, 544)
    # xhat 96 + g 48 + gx 7*48 + 12 + gw 96 + gb 48; gy, x, gx 576 + mean, rstd 96 + w, gw, gb 96
    assert _one_count("layer_norm", "layer_norm_backward", x, x, mean, rstd, w, input_grad=True,
                      weight_grad=True, bias_grad=True, num_threads=1) == (636, 768)


# ----------------------------------------------------------------------------- losses, dropout
@pytest.mark.parametrize("smoothing, forward_flops", [(0.0, 256), (0.1, 336)])
def test_cross_entropy_counts(backend, rng, smoothing, forward_flops):
    logits = _array(rng, (4, 10), F32)  # n = 40, N = 4
    target = rng.integers(0, 10, 4)
    # softmax 6*40 + 2*4, losses 2*4 (+ 2*40 smoothed); logits, probs 320 + target 32 + losses 32
    assert _one_count("loss", "cross_entropy_forward", logits, target, None, -100, smoothing,
                      num_threads=1) == (forward_flops, 384)
    _, probs = kernels.load("loss", F32).cross_entropy_forward(logits, target, None, -100,
                                                               smoothing, num_threads=1)
    # 3*40 + 4; grad_losses 32 + probs, grad 320 + target 32
    assert _one_count("loss", "cross_entropy_backward", np.ones(4), probs, target, None, -100,
                      smoothing, input_grad=True, num_threads=1) == (124, 384)


def test_dropout_counts(backend, rng):
    x = _array(rng, (1000,), F32)
    # compare, scale per element; x, y 8000 + the uint8 mask 1000
    assert _one_count("dropout", "dropout_forward", x, 0.3, 7, num_threads=1) == (2000, 9000)
    _, mask = kernels.load("dropout", F32).dropout_forward(x, 0.3, 7, num_threads=1)
    assert _one_count("dropout", "masked_scale", x, mask, 1 / 0.7,
                      num_threads=1) == (2000, 9000)


# ----------------------------------------------------------------------------- an optimizer
@pytest.mark.parametrize("options, flops_per_element, arrays", [
    ({}, 13, 7),                                      # p, m, v read and written, g read
    ({"amsgrad": True, "weight_decay": 0.1}, 16, 9),  # + L2 2, max 1; + v_max
])
def test_adam_counts(backend, rng, options, flops_per_element, arrays):
    param = mg.nn.Parameter(mg.tensor(_array(rng, (5, 5), F32)))
    optimizer = mg.optim.Adam([param], **options)
    param.grad = mg.tensor(_array(rng, (5, 5), F32))
    found = _kernel_counts(optimizer.step)
    assert found["optim.adam_step"] == [(flops_per_element * 25, arrays * 25 * 4)]


def test_adamw_decays_in_one_multiply(backend, rng):
    param = mg.nn.Parameter(mg.tensor(_array(rng, (25,), F64)))
    optimizer = mg.optim.AdamW([param], weight_decay=0.01)
    param.grad = mg.tensor(_array(rng, (25,), F64))
    assert _kernel_counts(optimizer.step)["optim.adam_step"] == [(14 * 25, 7 * 25 * 8)]


# ----------------------------------------------------------------------------- the table
def _linear_step_rows(machine=None):
    x = mg.tensor(np.random.default_rng(0).standard_normal((64, 300)).astype(F32))
    layer = mg.nn.Linear(300, 200)
    with profiler.profile(machine=machine) as prof:
        layer(x).sum().backward()
    return prof.key_averages()


def _cells(text, name):
    """The table's header cells and the cells of the row named name."""
    lines = text.splitlines()
    header = re.split(r"\s{2,}", lines[1].strip())
    row = next(line for line in lines[3:] if line.startswith(name + " "))
    return dict(zip(header, re.split(r"\s{2,}", row.strip())))


def test_the_table_gives_gflops_and_gbs_of_the_kernel_rows(backend):
    rows = _linear_step_rows()
    forward = next(row for row in rows if row.key == "linear.linear_forward")
    # gemm 2*64*300*200 + bias 64*200; 4 * (x 19200 + W 60000 + b 200 + y 12800)
    assert (forward.flops, forward.bytes) == (7_692_800, 4 * 92_200)
    cells = _cells(rows.table(row_limit=-1), "linear.linear_forward")
    seconds = forward.self_cpu_time_total / 1e6
    assert cells["FLOPs"] == "7.693M"
    assert float(cells["GFLOP/s"].replace(",", "")) == pytest.approx(
        forward.flops / seconds / 1e9, abs=0.006)
    assert float(cells["GB/s"].replace(",", "")) == pytest.approx(
        forward.bytes / seconds / 1e9, abs=0.006)
    assert float(cells["FLOP/B"]) == pytest.approx(7_692_800 / 368_800, abs=0.006)
    assert "Bound" not in cells and "% roof" not in cells  # no Machine
    op_cells = _cells(rows.table(row_limit=-1), "Linear")
    assert op_cells["FLOPs"] == op_cells["GFLOP/s"] == "-"


@pytest.mark.parametrize("dram_gbs, bound", [(1e6, "compute"), (1e-3, "memory")])
def test_bound_and_percent_of_roof_follow_the_machine(dram_gbs, bound):
    machine = Machine("fake", 1, {"float32": 50.0, "float64": 25.0}, dram_gbs, 2 * dram_gbs)
    rows = _linear_step_rows(machine)
    forward = next(row for row in rows if row.key == "linear.linear_forward")
    intensity = forward.flops / forward.bytes
    achieved = forward.flops / (forward.self_cpu_time_total * 1e3)
    roof = 100 * achieved / min(50.0, intensity * dram_gbs)
    for text in (rows.table(row_limit=-1), rows.table(row_limit=-1, machine=machine)):
        cells = _cells(text, "linear.linear_forward")
        assert cells["Bound"] == bound
        assert float(cells["% roof"].replace(",", "")) == pytest.approx(roof, abs=0.06)


def test_a_kernel_event_without_a_count_is_an_error():
    event = Event("linear.made_up_kernel", KERNEL, "forward", 0, 10, 1, ((2, 2),), ("float32",),
                  {"backend": "numpy", "scalars": {}, "keywords": ()})
    with pytest.raises(LookupError, match="no FLOP/byte count for kernel 'linear.made_up_kernel'"):
        key_averages([event], False, "")


_OPTIMIZERS = [
    (mg.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (mg.optim.RMSprop, {"centered": True, "momentum": 0.5}),
    (mg.optim.Adagrad, {}),
    (mg.optim.Adadelta, {"weight_decay": 0.1}),
    (mg.optim.AdamW, {"amsgrad": True}),
]


@pytest.mark.parametrize("optimizer_class, options", _OPTIMIZERS)
def test_every_kernel_of_a_convolutional_step_is_counted(backend, optimizer_class, options):
    """Each kernel a step reaches binds its recorded arguments and gets a count moving bytes."""
    model = mg.nn.Sequential(
        mg.nn.Conv2d(2, 4, 3, padding=1), mg.nn.BatchNorm2d(4), mg.nn.ReLU(), mg.nn.MaxPool2d(2),
        mg.nn.AvgPool2d(2, stride=1), mg.nn.Flatten(), mg.nn.Dropout(0.2), mg.nn.AlphaDropout(0.1),
        mg.nn.GaussianDropout(0.1), mg.nn.LayerNorm(36), mg.nn.Linear(36, 3))
    optimizer = optimizer_class(model.parameters(), **options)
    x = mg.randn(5, 2, 8, 8)
    target = mg.tensor(np.arange(5) % 3)

    def step():
        optimizer.zero_grad()
        logits = model(x)
        loss = mg.nn.CrossEntropyLoss()(logits, target)
        loss = loss + mg.nn.BCEWithLogitsLoss()(logits[:, 0], mg.ones(5))
        loss.backward()
        optimizer.step()

    step()  # the optimizer's state exists: its update reads it
    found = _kernel_counts(step)
    assert len(found) >= 15
    assert found.pop("dropout.alpha_coefficients") == [(0, 0)]  # scalar arithmetic on p
    for name, calls in found.items():
        assert all(moved > 0 for _, moved in calls), name


def test_the_triad_counts_two_flops_and_three_arrays_per_element_and_repeat():
    from minigrad.profiler import counts
    a = counts.Array((1000,), 8)
    call = {"a": a, "b": a, "c": a, "scalar": 3.0, "repeats": 5, "num_threads": 1}
    assert counts.count("stream.triad", call) == (2 * 1000 * 5, 3 * 1000 * 8 * 5)
