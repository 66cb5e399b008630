"""The machine's roofline: the STREAM triad kernel, the measurement, its cache and the command.

No timing is asserted beyond positivity and orderings that hold on any machine: a float32 gemm
does at least 1.2x the FLOP/s of a float64 one (twice the SIMD lanes), and a cache-sized stream
is at least as fast as a DRAM-sized one.
"""
from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

import minigrad as mg
from minigrad import cli, kernels
from minigrad.profiler import roofline
from minigrad.profiler.machine import Machine


def triads():
    """The compiled triad (when built) and its twin."""
    found = [importlib.import_module("minigrad._reference.stream").triad]
    try:
        found.append(importlib.import_module(kernels.compiled_module_name("stream")).triad)
    except ImportError:
        pass
    return found


# -------------------------------------------------------------------------------- the kernel

@pytest.mark.parametrize("triad", triads(), ids=lambda f: f.__module__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_triad_is_the_closed_form_on_any_thread_count(triad, dtype, threads):
    # b_i = i, c_i = n - i, s = 0.5: a_i = i + (n - i) / 2, exact in float32 for n < 2^23
    n = 100_003
    b, c = np.arange(n, dtype=dtype), np.arange(n, 0, -1, dtype=dtype)
    a = np.full(n, np.nan, dtype)
    triad(a, b, c, 0.5, 3, num_threads=threads)
    index = np.arange(n, dtype=np.float64)
    np.testing.assert_array_equal(a, (index + (n - index) / 2).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_triad_equals_its_twin_bit_for_bit(rng, dtype):
    compiled, twin = (pytest.importorskip(kernels.compiled_module_name("stream")).triad,
                      importlib.import_module("minigrad._reference.stream").triad)
    b, c = (rng.standard_normal(70_001).astype(dtype) for _ in range(2))
    scalar = float(rng.standard_normal())
    outputs = [np.empty_like(b), np.empty_like(b)]
    for triad, a in zip((compiled, twin), outputs):
        triad(a, b, c, scalar, 2, num_threads=2)
    assert outputs[0].tobytes() == outputs[1].tobytes()


@pytest.mark.parametrize("triad", triads(), ids=lambda f: f.__module__)
@pytest.mark.parametrize("arguments, error, message", [
    (lambda a, b, c: (a, a, c, 1.0, 1), ValueError, "b overlaps a in memory"),
    (lambda a, b, c: (a, b, c[:-1], 1.0, 1), ValueError, "c has shape (7,), expected a's shape"),
    (lambda a, b, c: (a, b, c.astype(np.float32), 1.0, 1), TypeError, "c has dtype float32"),
    (lambda a, b, c: (a, b, c, 1.0, 0), ValueError, "repeats must be in [1, "),
    (lambda a, b, c: (a[::2], b[::2], c[::2], 1.0, 1), ValueError, "a must be a writeable"),
])
def test_triad_rejects_bad_arguments_before_writing(triad, arguments, error, message):
    a, b, c = np.zeros(8), np.ones(8), np.ones(8)
    with pytest.raises(error) as caught:
        triad(*arguments(a, b, c), num_threads=1)
    assert message in str(caught.value)
    assert not a.any()


# --------------------------------------------------------------------------- the measurement

def test_quick_measurement_is_positive_and_restores_the_threads():
    # Which ceiling is higher is a timing and not asserted here: on CI's -O0 debug build the
    # triad is bound by its own instructions, and cache and DRAM came out equal (12.30 against
    # 12.33 GB/s). `minigrad roofline` reports the figures; docs/profiling.md has them.
    previous = mg.get_num_threads()
    ceilings = roofline.measure(threads=1, quick=True)
    assert mg.get_num_threads() == previous
    assert (ceilings.threads, ceilings.cpu) == (1, roofline.cpu_model())
    assert set(ceilings.peak_gflops) == {"float32", "float64"}
    assert min(ceilings.peak_gflops.values()) > 0
    assert ceilings.dram_gbs > 0 and ceilings.cache_gbs > 0


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_bad_thread_counts_are_rejected_before_anything_changes(threads):
    previous = mg.get_num_threads()
    with pytest.raises(ValueError, match="threads must be a positive int or None"):
        roofline.measure(threads=threads, quick=True)
    assert mg.get_num_threads() == previous


def test_ridge_points_are_peak_over_dram_bandwidth():
    ceilings = Machine("cpu", 1, {"float32": 120.0, "float64": 60.0}, 30.0, 200.0)
    assert roofline.ridge_points(ceilings) == {"float32": 4.0, "float64": 2.0}


# -------------------------------------------------------------------------------- the cache

@pytest.fixture
def counted_measure(monkeypatch, tmp_path):
    """roofline.measure replaced by a fake that counts its calls (a list of (threads, quick)),
    with the cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []

    def fake(threads=None, quick=False):
        calls.append((threads, quick))
        return Machine(roofline.cpu_model(), threads, {"float32": 100.0 + len(calls),
                                                       "float64": 50.0}, 20.0, 90.0)

    monkeypatch.setattr(roofline, "measure", fake)
    return calls


def test_the_cache_lives_in_the_user_cache_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert roofline.cache_path() == tmp_path / "minigrad" / "roofline.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # XDG: ignored, as when unset
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert roofline.cache_path() == tmp_path / "home" / ".cache" / "minigrad" / "roofline.json"


def test_a_second_call_reads_the_cache_and_refresh_measures_again(counted_measure):
    first = roofline.machine(threads=1)
    assert roofline.machine(threads=1) == first and len(counted_measure) == 1
    refreshed = roofline.machine(threads=1, refresh=True)
    assert len(counted_measure) == 2 and refreshed != first
    assert roofline.machine(threads=1) == refreshed and len(counted_measure) == 2


def test_the_cache_is_keyed_by_cpu_and_thread_count(counted_measure):
    one, two = roofline.machine(threads=1), roofline.machine(threads=2)
    assert (one.threads, two.threads) == (1, 2) and one != two
    assert (roofline.machine(threads=1), roofline.machine(threads=2)) == (one, two)
    assert counted_measure == [(1, False), (2, False)]
    stored = json.loads(roofline.cache_path().read_text())
    assert set(stored) == {roofline.cpu_model()} and set(stored[roofline.cpu_model()]) == {"1", "2"}
    assert stored[roofline.cpu_model()]["2"]["peak_gflops"] == two.peak_gflops


def test_a_quick_entry_serves_quick_requests_only(counted_measure):
    quick = roofline.machine(threads=1, quick=True)
    assert roofline.machine(threads=1, quick=True) == quick and len(counted_measure) == 1
    full = roofline.machine(threads=1)
    assert counted_measure == [(1, True), (1, False)]
    assert roofline.machine(threads=1, quick=True) == full and len(counted_measure) == 2


@pytest.mark.parametrize("contents", ["{not json", "[1, 2]", '{"%s": {"1": {"dram_gbs": 1}}}',
                                      '{"%s": {"1": {"peak_gflops": {"float32": -1, "float64": 1},'
                                      ' "dram_gbs": 1, "cache_gbs": 1}}}'])
def test_a_corrupt_cache_is_measured_again_with_a_warning(counted_measure, contents):
    path = roofline.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text(contents.replace("%s", roofline.cpu_model()))
    with pytest.warns(RuntimeWarning, match="roofline cache"):
        measured = roofline.machine(threads=1)
    assert len(counted_measure) == 1
    assert roofline.machine(threads=1) == measured and len(counted_measure) == 1


# ------------------------------------------------------------------------------ the command

def test_the_command_prints_the_cached_ceilings(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cli.main(["roofline", "--quick", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    entry = json.loads(roofline.cache_path().read_text())[roofline.cpu_model()]["1"]
    ceilings = Machine(roofline.cpu_model(), 1, entry["peak_gflops"], entry["dram_gbs"],
                       entry["cache_gbs"])
    ridges = roofline.ridge_points(ceilings)
    for figure in (*entry["peak_gflops"].values(), entry["dram_gbs"], entry["cache_gbs"],
                   *ridges.values()):
        assert f"{figure:.1f}" in printed or f"{figure:.2f}" in printed
    assert "GFLOP/s" in printed and "GB/s" in printed and "1 thread" in printed
    assert str(roofline.cache_path()) in printed


def test_the_command_rejects_a_bad_thread_count(capsys):
    with pytest.raises(SystemExit):
        cli.main(["roofline", "--threads", "0"])
    assert "--threads must be >= 1" in capsys.readouterr().err


def test_measure_times_the_compiled_kernels_whatever_the_backend(monkeypatch):
    seen = []
    real_load = kernels.load
    monkeypatch.setattr(kernels, "load", lambda stem, dtype: seen.append(kernels.get_backend())
                        or real_load(stem, dtype))
    kernels.set_backend("numpy")
    try:
        roofline.measure(threads=1, quick=True)
        assert set(seen) == {"compiled"} and kernels.get_backend() == "numpy"
    finally:
        kernels.set_backend("compiled")
