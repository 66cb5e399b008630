"""`minigrad profile`: the main job's network profiled, its files, and its bad options."""
import json
import re

import pytest

import minigrad as mg
from minigrad import cli, kernels


def table_rows(table: str) -> dict:
    """{name: {column header: cell}} of the profile table (cells are 2+ spaces apart)."""
    lines = [line for line in table.split("Self time per call")[0].splitlines()
             if line[:1].isalnum() or line.startswith("#")]
    header = re.split(r"\s{2,}", lines[0].strip())
    return {cells[0]: dict(zip(header, cells)) for cells in
            (re.split(r"\s{2,}", line.strip()) for line in lines[1:]) if len(cells) == len(header)}


def test_profile_writes_the_table_the_trace_and_the_comparison(tmp_path, capsys):
    threads, backend = mg.get_num_threads(), mg.get_backend()
    assert cli.main(["profile", "--model", "mlp", "--batch-size", "8", "--steps", "2",
                     "--warmup", "1", "--compare", "numpy", "--no-roofline",
                     "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    table = (tmp_path / "profile.txt").read_text()
    assert table in printed
    # the MLP's layers: two Linear kernel calls forward per step, their backward, Adam's step
    rows = table_rows(table)
    assert rows["linear.linear_forward"]["# of Calls"] == "4"  # 2 layers x 2 recorded steps
    assert rows["optim.adam_step"]["# of Calls"] == "2"
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
                  "--backend", "compiled", "--no-roofline", "--out", str(tmp_path)])
    assert mg.get_backend() == "compiled"


def test_with_the_roofline_the_table_says_what_bounds_each_kernel(monkeypatch, tmp_path, capsys):
    from minigrad.profiler import roofline
    from minigrad.profiler.machine import Machine
    fake = Machine(cpu="test", threads=1, peak_gflops={"float32": 100.0, "float64": 50.0},
                   dram_gbs=20.0, cache_gbs=80.0)
    monkeypatch.setattr(roofline, "machine", lambda threads=None: fake)
    assert cli.main(["profile", "--model", "mlp", "--batch-size", "16", "--steps", "1",
                     "--warmup", "0", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "profile.txt").read_text()
    assert "Bound" in table and "% roof" in table
    rows = table_rows(table)
    assert rows["optim.adam_step"]["Bound"] == "memory"  # elementwise: far left of the ridge
    assert rows["linear.linear_forward"]["Bound"] == "compute"  # a 784 x 256 gemm
    if "matplotlib is not installed" not in capsys.readouterr().out:
        assert (tmp_path / "roofline.png").stat().st_size > 10_000  # the roofline, not only bars
