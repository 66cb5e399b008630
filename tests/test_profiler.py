"""minigrad.profiler: nothing installed outside a profile, the rows of a profiled training step
on both backends, self times, nesting, the trace's format, the table, the schedule (against
PyTorch's), and a slowed kernel found at the top."""
import functools
import json
import re
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd, function, kernels, profiler
from minigrad._reference import linear as linear_twin
from minigrad.optim.optimizer import Optimizer
from minigrad.profiler.instrument import _subclasses

STEPS = 2


def _moons_step():
    """The moons 2-20-3-1 SGD step of benchmarks/count_moons_step.py, as a function."""
    x, y = mg.data.make_moons(64, noise=0.2, seed=0)
    x = mg.tensor(np.asarray(x, np.float32))
    y = mg.tensor(np.asarray(y, np.float32).reshape(-1, 1))
    model = mg.nn.Sequential(mg.nn.Linear(2, 20), mg.nn.ReLU(), mg.nn.Linear(20, 3),
                             mg.nn.ReLU(), mg.nn.Linear(3, 1))
    optimizer = mg.optim.SGD(model.parameters(), lr=0.2)
    loss_fn = mg.nn.BCEWithLogitsLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    step()  # builds the optimizer's state
    return step


def _installed_objects():
    """Everything the profiler replaces, as the objects in place now."""
    return {
        "apply": function.Function.__dict__["apply"],
        "load": kernels.load,
        "cache": dict(kernels._cache),
        "backpropagate": autograd.backpropagate,
        "backward": {c: c.__dict__.get("backward") for c in _subclasses(function.Function)},
        "step": {c: c.__dict__.get("step") for c in [Optimizer, *_subclasses(Optimizer)]},
    }


def _assert_same_objects(before, after):
    assert before.keys() == after.keys()
    for key in before:
        if isinstance(before[key], dict):
            assert before[key].keys() == after[key].keys(), key
            for name in before[key]:
                assert after[key][name] is before[key][name], (key, name)
        else:
            assert after[key] is before[key], key


def test_nothing_is_wrapped_outside_a_profile_even_after_an_exception():
    step = _moons_step()
    before = _installed_objects()
    with profiler.profile():
        step()
        during = _installed_objects()
    assert during["apply"] is not before["apply"] and during["load"] is not before["load"]
    assert during["backpropagate"] is not before["backpropagate"]
    assert any(during["backward"][c] is not before["backward"][c] for c in before["backward"])
    _assert_same_objects(before, _installed_objects())
    with pytest.raises(ZeroDivisionError):
        with profiler.profile():
            step()
            1 / 0
    _assert_same_objects(before, _installed_objects())


def test_one_profile_records_at_a_time():
    before = _installed_objects()
    with profiler.profile():
        with pytest.raises(RuntimeError, match="already recording"):
            with profiler.profile():
                pass
    _assert_same_objects(before, _installed_objects())


def _rows(prof):
    return {(row.key, row.phase): row for row in prof.key_averages()}


def test_a_training_step_shows_op_kernel_backward_and_optimizer_rows(backend):
    step = _moons_step()
    with profiler.profile(activities=[profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(STEPS):
            step()
    rows = _rows(prof)
    assert rows["Linear", "forward"].count == 3 * STEPS
    assert rows["linear.linear_forward", "forward"].count == 3 * STEPS
    assert rows["linear.linear_backward", "backward"].count == 3 * STEPS
    assert rows["AddmmBackward0", "backward"].count == 3 * STEPS
    assert rows["autograd::backward", "backward"].count == STEPS
    assert rows["Optimizer.step#SGD.step", "optimizer"].count == STEPS
    assert rows["optim.sgd_step", "optimizer"].count == STEPS
    kernel_events = [e for e in prof.events() if e.kind == "kernel"]
    assert {e.args["backend"] for e in kernel_events} == {backend}
    forward = next(e for e in kernel_events if e.name == "linear.linear_forward")
    assert forward.input_shapes[0] == (64, 2)


def test_self_times_of_a_step_sum_to_its_wall_time_at_most():
    step = _moons_step()
    plan = profiler.schedule(wait=0, warmup=0, active=STEPS, repeat=1)
    with profiler.profile(schedule=plan) as prof:
        for _ in range(STEPS):
            step()
            prof.step()
    events = prof.events()
    steps = [e for e in events if e.name.startswith("ProfilerStep#")]
    assert len(steps) == STEPS
    for step_event in steps:
        inside = [e for e in events if step_event.start_ns <= e.start_ns
                  and e.end_ns <= step_event.end_ns]
        assert all(e.self_ns >= 0 for e in inside)
        assert sum(e.self_ns for e in inside) <= step_event.duration_ns
    match = re.fullmatch(r"step ([\d,]+) us: kernels ([\d,]+) us, engine (-?[\d,]+) us "
                         rf"\(mean of {STEPS} steps\)", prof.summary())
    assert match, prof.summary()
    wall, kernel, engine = (int(g.replace(",", "")) for g in match.groups())
    assert abs(wall - kernel - engine) <= 1 and 0 < kernel < wall


def test_nested_record_function_ranges_nest_in_the_trace(tmp_path):
    @profiler.record_function("inner")
    def inner():
        return mg.ones(3) * 2

    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            inner()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    events = {e["name"]: e for e in json.loads(path.read_text())["traceEvents"]}
    outer, inner_event, mul = events["outer"], events["inner"], events["Mul"]
    for parent, child in ((outer, inner_event), (inner_event, mul)):
        assert parent["ts"] <= child["ts"]
        assert child["ts"] + child["dur"] <= parent["ts"] + parent["dur"]


def test_the_trace_is_trace_event_json(tmp_path):
    step = _moons_step()
    with profiler.profile(record_shapes=True) as prof:
        step()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert isinstance(trace["traceEvents"], list) and trace["traceEvents"]
    for event in trace["traceEvents"]:
        assert {"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"} <= event.keys()
        assert isinstance(event["name"], str) and isinstance(event["cat"], str)
        assert event["ph"] == "X" and isinstance(event["args"], dict)
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        for key in ("ts", "dur"):
            assert isinstance(event[key], (int, float)) and event[key] >= 0


_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6}


def _microseconds(cell):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", cell).groups()
    return float(number) * _UNITS[unit]


_HEADERS = ["Name", "Phase", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
            "CPU time avg", "Python", "# of Calls"]
_SORTED_COLUMN = {"self_cpu_time_total": "Self CPU", "cpu_time_total": "CPU total",
                  "count": "# of Calls", "cpu_time": "CPU time avg"}


@pytest.mark.parametrize("sort_by", list(_SORTED_COLUMN))
def test_the_table_has_pytorchs_columns_and_sorts_by_each_key(sort_by):
    step = _moons_step()
    with profiler.profile() as prof:
        step()
    text = prof.key_averages().table(sort_by=sort_by, row_limit=-1)
    lines = text.splitlines()
    assert re.split(r"\s{2,}", lines[1].strip()) == _HEADERS + ["FLOPs", "GFLOP/s", "GB/s",
                                                                 "FLOP/B"]
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[3:lines.index(lines[0], 3)]]
    assert len(rows) == len(prof.key_averages())
    column = _HEADERS.index(_SORTED_COLUMN[sort_by])
    values = [float(r[column]) if sort_by == "count" else _microseconds(r[column]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert lines[-1] == prof.summary()
    assert len(prof.key_averages().table(sort_by=sort_by, row_limit=3).splitlines()) == 3 + 3 + 3


def test_the_table_groups_by_input_shape():
    step = _moons_step()
    with profiler.profile(record_shapes=True) as prof:
        step()
    grouped = prof.key_averages(group_by_input_shape=True)
    linear_shapes = {row.input_shapes for row in grouped if row.key == "Linear"}
    assert linear_shapes == {"[[64, 2], [20, 2], [20]]", "[[64, 20], [3, 20], [3]]",
                             "[[64, 3], [1, 3], [1]]"}
    assert "Input Shapes" in grouped.table().splitlines()[1]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="sort_by must be one of"):
        profiler.profile().key_averages().table(sort_by="flops")
    with pytest.raises(ValueError, match="active to be an int >= 1"):
        profiler.schedule(wait=1, warmup=1, active=0)
    with pytest.raises(ValueError, match="ProfilerActivity.CPU only"):
        profiler.profile(activities=["cuda"])
    with pytest.raises(TypeError, match="str name"):
        profiler.record_function(3)


A = profiler.ProfilerAction
_EXPECTED = [A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE] + [A.NONE] * 4


def test_the_schedule_and_the_spans_handed_to_on_trace_ready():
    plan = profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [plan(step) for step in range(8)] == _EXPECTED
    skipped = profiler.schedule(wait=1, warmup=1, active=2, repeat=1, skip_first=2)
    assert [skipped(step) for step in range(10)] == [A.NONE] * 2 + _EXPECTED
    spans = []
    with profiler.profile(schedule=plan, on_trace_ready=lambda p: spans.append(
            sorted(e.name for e in p.events() if e.name.startswith("ProfilerStep")))) as prof:
        for _ in range(8):
            mg.ones(2) + 1
            prof.step()
    assert spans == [["ProfilerStep#2", "ProfilerStep#3"]]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Profiler won't be using warmup")  # torch's, for warmup=0
def test_the_schedule_matches_pytorchs():
    torch = pytest.importorskip("torch")
    for options in (dict(wait=1, warmup=1, active=2, repeat=1),
                    dict(wait=1, warmup=1, active=2, repeat=0, skip_first=3),
                    dict(wait=0, warmup=0, active=1, repeat=2)):
        ours, theirs = profiler.schedule(**options), torch.profiler.schedule(**options)
        assert [ours(s).name for s in range(16)] == [theirs(s).name for s in range(16)], options


def test_a_kernel_made_slow_is_at_the_top_of_the_table(monkeypatch):
    original = linear_twin.linear_forward

    @functools.wraps(original)  # the twin's own function, only slower
    def slow_linear_forward(*args, **kwargs):
        time.sleep(0.005)
        return original(*args, **kwargs)

    monkeypatch.setattr(linear_twin, "linear_forward", slow_linear_forward)
    previous = mg.get_backend()
    mg.set_backend("numpy")
    try:
        step = _moons_step()
        with profiler.profile() as prof:
            step()
    finally:
        mg.set_backend(previous)
    top = prof.key_averages().table(sort_by="self_cpu_time_total").splitlines()[3]
    assert top.startswith("linear.linear_forward")
