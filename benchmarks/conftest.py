"""Shared benchmark plumbing: every group times one case under several implementations
("compiled", "numpy-twin", "torch", baselines such as "gemm-x3"), and at the end of the run this
prints, per group, each implementation's median time divided by the compiled kernel's."""
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
    medians: dict[str, dict[str, float]] = defaultdict(dict)
    for bench in session.benchmarks:
        medians[bench.group][bench.param or bench.name] = bench.stats.median
    terminalreporter.section("median time relative to the compiled kernel (lower is faster)")
    for group, times in medians.items():
        base = times.get("compiled")
        cells = [f"{impl} {t * 1e3:.3f} ms" + (f" ({t / base:.2f}x)" if base else "")
                 for impl, t in times.items()]
        terminalreporter.write_line(f"{group}: " + "; ".join(cells))
