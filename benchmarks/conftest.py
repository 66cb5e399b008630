"""Shared benchmark plumbing: every group times one case under several implementations
("compiled", "numpy-twin", "torch", baselines such as "gemm-x3"), and at the end of the run this
prints, per group, each implementation's minimum and median time and their ratios to the compiled
kernel's (the minimum is the steadier figure on a shared machine)."""
from collections import defaultdict

import pytest

import minigrad as mg


@pytest.fixture(autouse=True)
def all_cores():
    """Benchmarks run with minigrad's default: one thread per core."""
    mg.set_backend("compiled")
    yield


def pytest_terminal_summary(terminalreporter, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    stats: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for bench in session.benchmarks:
        impl = (bench.params or {}).get("impl") or bench.param or bench.name
        stats[bench.group][impl] = (bench.stats.min, bench.stats.median)
    terminalreporter.section("time (min / median) and ratio to the compiled kernel (lower is faster)")
    for group, times in stats.items():
        terminalreporter.write_line(f"{group}:")
        base = times.get("compiled")
        for impl, (fastest, median) in times.items():
            ratios = f"  {fastest / base[0]:5.2f}x / {median / base[1]:5.2f}x" if base else ""
            terminalreporter.write_line(
                f"  {impl:<14} {fastest * 1e3:9.3f} ms / {median * 1e3:9.3f} ms{ratios}")
