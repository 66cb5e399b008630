"""`minigrad profile`: the main job's network profiled, its files, and its bad options."""
import json

import pytest

import minigrad as mg
from minigrad import cli, kernels


def test_profile_writes_the_table_the_trace_and_the_comparison(tmp_path, capsys):
    threads, backend = mg.get_num_threads(), mg.get_backend()
    assert cli.main(["profile", "--model", "mlp", "--batch-size", "8", "--steps", "2",
                     "--warmup", "1", "--compare", "numpy", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    table = (tmp_path / "profile.txt").read_text()
    assert table in printed
    # the MLP's layers: two Linear kernel calls forward per step, their backward, Adam's step
    main_table = table.split("Self time per call")[0]
    rows = {line.split()[0]: line.split() for line in main_table.splitlines()
            if line[:1].isalpha()}
    assert rows["linear.linear_forward"][-1] == "4"  # 2 layers x 2 recorded steps
    assert rows["optim.adam_step"][-1] == "2"
    assert "step " in table and "kernels" in table and "NumPy twin" in table
    trace = json.loads((tmp_path / "trace.json").read_text())
    names = {event["name"] for event in trace["traceEvents"]}
    assert {"ProfilerStep#1", "ProfilerStep#2", "linear.linear_backward"} <= names  # after warm-up
    assert (mg.get_num_threads(), mg.get_backend()) == (threads, backend)  # restored
    if "matplotlib is not installed" not in printed:
        assert (tmp_path / "roofline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_phase_times_split_each_phase_into_kernels_and_the_rest():
    from minigrad.profiler import plot, profile
    layer, x = mg.nn.Linear(4, 3), mg.randn(5, 4)
    with profile() as prof:
        layer(x).sum().backward()
    phases = plot.phase_times(prof.events())
    kernel_ns = sum(e.self_ns for e in prof.events() if e.kind == "kernel")
    assert sum(k for k, _ in phases.values()) == pytest.approx(kernel_ns / 1e9)
    assert phases["forward"][0] > 0 and phases["backward"][0] > 0  # both ran a linear kernel
    total = sum(e.self_ns for e in prof.events()) / 1e9
    assert sum(k + o for k, o in phases.values()) == pytest.approx(total)


@pytest.mark.parametrize("options", [["--steps", "0"], ["--warmup", "-1"], ["--threads", "0"],
                                     ["--batch-size", "0"], ["--dropout", "1.5"]])
def test_bad_options_are_refused_before_anything_runs(tmp_path, capsys, options):
    out = tmp_path / "never"
    assert cli.main(["profile", "--out", str(out), *options]) == 1
    assert "minigrad: error:" in capsys.readouterr().err
    assert not out.exists()


def test_the_backend_is_restored_after_a_failing_step(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("a kernel failed")
    monkeypatch.setattr(kernels.load("linear", "float32"), "linear_forward", broken)
    with pytest.raises(RuntimeError, match="a kernel failed"):
        cli.main(["profile", "--model", "mlp", "--steps", "1", "--warmup", "0",
                  "--backend", "compiled", "--out", str(tmp_path)])
    assert mg.get_backend() == "compiled"
