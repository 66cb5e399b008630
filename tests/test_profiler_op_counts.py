"""minigrad.profiler's counts of the NumPy ops that run no kernel (profiler/counts_ops.py):
closed forms at several shapes and dtypes (broadcasting included), forward and backward; the
table's FLOPs and GB/s of such rows in a profiled step; no op counted when a kernel ran inside it
(the table's FLOPs are the kernels' plus the NumPy ops'); which registry ops are counted."""
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import profiler
from minigrad._printing import node_name
from minigrad.ops.linear import Linear
from minigrad.profiler import counts, counts_ops
from minigrad.profiler.events import KERNEL, OP
from minigrad.registry import REGISTRY

F32, F64 = np.float32, np.float64


def _op_counts(run):
    """{event name: [(flops, bytes) per call]} of the counted op events run() makes (profiled
    without record_shapes)."""
    with profiler.profile() as prof:
        run()
    found = {}
    for event in prof.events():
        count = counts_ops.count_op_event(event)
        if count is not None:
            found.setdefault(event.name, []).append(count)
    return found


def _leaf(rng, shape, dtype):
    return mg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


@pytest.mark.parametrize("n, m", [(3, 5), (64, 1), (7, 128)])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_a_broadcast_add_reads_n_plus_m_values_and_writes_n_m(rng, n, m, dtype):
    a, b = _leaf(rng, (n, 1), dtype), _leaf(rng, (1, m), dtype)
    s = np.dtype(dtype).itemsize
    found = _op_counts(lambda: (a + b).sum().backward())
    assert found["Add"] == [(n * m, (n + m + n * m) * s)]
    assert found["AddBackward0"] == [(0, 0)]               # both gradients are gy itself
    assert found["Sum"] == [(n * m - 1, (n * m + 1) * s)]  # n m - 1 adds
    assert found["SumBackward0"] == [(0, 0)]               # a broadcast view of gy


@pytest.mark.parametrize("n, m", [(2, 3), (16, 33)])
def test_a_broadcast_product_and_its_two_gradients(rng, n, m):
    a, b = _leaf(rng, (n, 1), F32), _leaf(rng, (1, m), F32)
    found = _op_counts(lambda: (a * b).sum().backward())
    assert found["Mul"] == [(n * m, 4 * (n + m + n * m))]
    # ga = gy b, gb = gy a, each of the broadcast shape (the engine sums them back)
    assert found["MulBackward0"] == [(2 * n * m, 4 * (n * m + n + m + 2 * n * m))]


@pytest.mark.parametrize("shape", [(5,), (32, 17)])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_unary_ops_count_per_element(rng, shape, dtype):
    x = _leaf(rng, shape, dtype)
    n, s = int(np.prod(shape)), np.dtype(dtype).itemsize
    found = _op_counts(lambda: (mg.exp(x).relu() * 2.0).tanh().sum().backward())
    assert found["Exp"] == found["ReLU"] == found["Tanh"] == [(n, 2 * n * s)]
    assert found["Mul"] == [(n, 2 * n * s)]                    # a Python number reads nothing
    assert found["ExpBackward0"] == [(n, 3 * n * s)]           # gy y: gy, y read, gx written
    assert found["ReluBackward0"] == [(2 * n, 3 * n * s)]      # gy (y > 0)
    assert found["TanhBackward0"] == [(3 * n, 3 * n * s)]      # gy (1 - y y)
    assert found["MulBackward0"] == [(n, 2 * n * s)]           # gy 2: the number is not saved


@pytest.mark.parametrize("n, m", [(4, 6), (50, 10)])
def test_reductions_count_from_input_and_output_sizes(rng, n, m):
    x = _leaf(rng, (n, m), F64)
    found = _op_counts(lambda: (x.mean() + mg.var(x, dim=1).sum() + x.max()).backward())
    size = n * m
    assert found["Mean"] == [(size, 8 * (size + 1))]           # n m - 1 adds and a divide
    assert found["MeanBackward0"] == [(1, 16)]                 # gy / count
    assert found["Var"] == [(4 * size, 8 * (size + n))]
    assert found["VarBackward0"] == [(2 * size, 8 * (n + 2 * size))]  # gy, centered, gx
    # max over everything: n m - 1 compares + the tie mask (x == y, isnan x); backward gy mask /
    # count, reading gy and the bool mask
    assert found["Extremum"] == [(3 * size - 1, 8 * (size + 1))]
    assert found["ExtremumBackward0"] == [(2 * size, 8 + size + 8 * size)]


@pytest.mark.parametrize("n, m", [(3, 4), (64, 10)])
def test_softmax_along_a_dim(rng, n, m):
    x = _leaf(rng, (n, m), F32)
    found = _op_counts(lambda: (mg.softmax(x, dim=1) * mg.log_softmax(x, dim=0)).sum().backward())
    size = n * m
    assert found["Softmax"] == [(5 * size - 2 * n, 8 * size)]  # n rows along dim 1
    assert found["SoftmaxBackward0"] == [(4 * size - n, 12 * size)]
    assert found["LogSoftmax"] == [(5 * size - m, 8 * size)]   # m rows along dim 0
    assert found["LogSoftmaxBackward0"] == [(4 * size - m, 12 * size)]


@pytest.mark.parametrize("n, k, m", [(2, 3, 4), (64, 30, 20)])
def test_matmul_is_2mnk_forward_and_per_gradient(rng, n, k, m):
    a, b = _leaf(rng, (n, k), F32), _leaf(rng, (k, m), F32)
    found = _op_counts(lambda: (a @ b).sum().backward())
    assert found["Matmul"] == [(2 * n * k * m, 4 * (n * k + k * m + n * m))]
    assert found["MmBackward0"] == [(4 * n * k * m, 4 * (n * m + n * k + k * m + n * k + k * m))]


def test_where_reads_its_condition_and_clamp_counts_its_bounds(rng):
    x, y = _leaf(rng, (6, 5), F32), _leaf(rng, (5,), F32)
    condition = mg.tensor(rng.standard_normal((6, 5)) > 0)
    found = _op_counts(lambda: (mg.where(condition, x, y) + x.clamp(min=0.0)
                                + x.clamp(-0.5, 0.5)).sum().backward())
    assert found["Where"] == [(30, 30 + 4 * (30 + 5 + 30))]     # a bool byte per condition
    assert found["WhereBackward0"] == [(60, 30 + 4 * (30 + 30 + 30))]
    assert found["Clamp"] == [(30, 8 * 30), (60, 8 * 30)]
    assert found["ClampBackward1"] == [(60, 12 * 30), (90, 12 * 30)]


def _cells(text, name):
    """The table's header cells and the cells of the row named name."""
    lines = text.splitlines()
    header = re.split(r"\s{2,}", lines[1].strip())
    row = next(line for line in lines[3:] if line.startswith(name + " "))
    return dict(zip(header, re.split(r"\s{2,}", row.strip())))


def _mlp_step_profile():
    """A profiled 2-32-1 MLP step (linear kernels; ReLU, the loss's ops and the backward nodes
    in NumPy)."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((64, 2)).astype(F32))
    y = mg.tensor(rng.standard_normal((64, 1)).astype(F32))
    first, second = mg.nn.Linear(2, 32), mg.nn.Linear(32, 1)  # not fused with the relu
    optimizer = mg.optim.SGD([*first.parameters(), *second.parameters()], lr=0.1)
    with profiler.profile() as prof:
        optimizer.zero_grad()
        ((second(F.relu(first(x))) - y) ** 2).mean().backward()
        optimizer.step()
    return prof


def test_a_profiled_steps_numpy_op_rows_have_flops_and_bandwidth(backend):
    prof = _mlp_step_profile()
    rows = {row.key: row for row in prof.key_averages()}
    text = prof.key_averages().table(row_limit=-1)
    for name in ("ReLU", "ReluBackward0", "Sub", "Pow", "PowBackward0", "Mean"):
        assert rows[name].counted and rows[name].flops > 0, name
        cells = _cells(text, name)
        assert cells["FLOPs"] != "-" and cells["GB/s"] != "-" and cells["GFLOP/s"] != "-", name
    assert rows["ReLU"].flops == 64 * 32 and rows["ReLU"].bytes == 2 * 4 * 64 * 32
    assert rows["ReLU"].dtype == "float32"
    linear = _cells(text, "Linear")  # its kernel rows count it
    assert linear["FLOPs"] == linear["GB/s"] == "-"


def test_the_tables_flops_are_the_kernels_plus_the_numpy_ops(backend):
    events = _mlp_step_profile().events()
    kernels = [counts.count_event(e) for e in events if e.kind == KERNEL]
    ops = [c for c in map(counts_ops.count_op_event, events) if c is not None]
    rows = _mlp_step_profile().key_averages()  # a second step: the same counts
    assert sum(row.flops for row in rows) == sum(f for f, _ in kernels) + sum(f for f, _ in ops)
    assert sum(row.bytes for row in rows) == sum(b for _, b in kernels) + sum(b for _, b in ops)


def test_an_op_whose_kernel_ran_is_not_counted_again(monkeypatch, backend):
    """Give Linear (which runs the linear kernel) an op rule: its events keep operands, but the
    kernel inside them means the kernel rows alone count the work."""
    monkeypatch.setitem(counts_ops.forward_rules(), Linear, counts_ops.per_element(1))
    prof = _mlp_step_profile()
    linear_events = [e for e in prof.events() if e.kind == OP and e.name == "Linear"]
    assert linear_events and all(e.operands is not None and e.kernel_ns > 0
                                 for e in linear_events)
    assert all(counts_ops.count_op_event(e) is None for e in linear_events)
    rows = {row.key: row for row in prof.key_averages()}
    assert not rows["Linear"].counted and rows["Linear"].flops == 0
    assert rows["linear.linear_forward"].flops == 2 * (64 * 2 * 32 + 64 * 32 * 1) + 64 * 33


def _registry_arguments(sample):
    """A registry sample's arguments as tests/test_registry.py passes them: float arrays as
    tensors that require grad, other arrays as tensors, the rest as is."""
    def convert(value):
        if isinstance(value, np.ndarray):
            return mg.tensor(value, requires_grad=value.dtype.kind == "f")
        return value
    return [convert(a) for a in sample.args], sample.kwargs


def _registry_op_events():
    """Every op event of every registry sample, forward and backward (float64)."""
    rng = np.random.default_rng(0)
    events = []
    for info in REGISTRY:
        for sample in info.samples(rng):
            args, kwargs = _registry_arguments(sample)
            with profiler.profile() as prof:
                out = info.op(*args, **kwargs)
                out.sum().backward() if out.requires_grad else None
            events += [e for e in prof.events() if e.kind == OP]
    return events


COUNTED = {"Abs", "Add", "Clamp", "Clone", "Cos", "Cumsum", "Div", "ELU", "Exp", "Extremum",
           "LeakyReLU", "Log", "LogSoftmax", "LogSumExp", "MaskedFill", "Matmul", "Maximum",
           "Mean", "Minimum", "Mul", "Neg", "Pow", "Prod", "ReLU", "Sigmoid", "Sin", "Softmax",
           "Softplus", "Sqrt", "Step", "Sub", "Sum", "Tanh", "ToDtype", "Var", "VectorNorm",
           "Where"}
# kernel ops (counted by their kernel rows) and the shape, indexing and copy ops outside the table
NOT_COUNTED = {"AvgPool2d", "BCEWithLogits", "BatchNorm", "Cat", "Conv2d", "CrossEntropy",
               "DiagEmbed", "Diagonal", "Dropout", "Expand", "Flip", "Gather", "Index",
               "LayerNorm", "Linear", "MaxPool2d", "NLLLoss", "Permute", "Repeat", "Reshape",
               "Scatter", "Stack"}


def test_which_registry_ops_are_counted():
    events = _registry_op_events()
    forward = {e.name for e in events if e.phase == "forward"}
    counted = {e.name for e in events if e.phase == "forward" and e.operands is not None}
    assert counted == COUNTED
    assert forward - counted == NOT_COUNTED
    assert {cls.__name__ for cls in counts_ops.OPS} == COUNTED  # no rule for an op never run
    for event in events:
        count = counts_ops.count_op_event(event)
        if count is not None:
            flops, moved = count
            assert flops >= 0 and moved >= 0, event.name
            assert moved > 0 or event.phase == "backward", event.name
    backward_counted = {e.name for e in events if e.phase == "backward" and e.operands}
    assert backward_counted == {node_name(name) for name in COUNTED}


def test_an_op_that_raises_records_no_operands():
    empty = mg.tensor(np.zeros((0,)), requires_grad=True)
    with profiler.profile() as prof, pytest.raises(RuntimeError, match="empty"):
        mg.max(empty)
    (event,) = [e for e in prof.events() if e.kind == OP]
    assert event.name == "Extremum" and event.operands is None
