"""docs/benchmarks.md from one run of every pytest-benchmark suite in benchmarks/.

    python benchmarks/report.py [--quick] [--out docs/benchmarks.md]

runs the suites once in this process (pytest with `--benchmark-json`), then writes the report:
the machine, the versions, the command, and per suite a table of each case's median time for the
compiled kernels, the NumPy twins and PyTorch with their ratios, all from that one run. The
hand-written sections (how to read the tables, what we tried) are kept from the repository's
docs/benchmarks.md, from the line HAND_WRITTEN_START on. --quick runs every case for
QUICK_ROUNDS rounds without warm-up: a check that the suites and the script work, not figures.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
HAND_WRITTEN_START = "## How to read the tables"
QUICK_ROUNDS = 2
BASELINE, TWIN, TORCH = "compiled", "numpy-twin", "torch"
VERSIONED = ("numpy", "scipy", "scipy-openblas32", "torch", "pytest-benchmark")


class Versions:
    """pytest plugin: records the versions and minigrad's kernel build in the JSON's machine_info,
    so that the JSON alone describes the run."""

    def pytest_benchmark_update_machine_info(self, config: Any, machine_info: dict) -> None:
        import minigrad
        from minigrad import kernels

        packages = {}
        for name in VERSIONED:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                packages[name] = importlib.metadata.version(name)
        machine_info["packages"] = packages
        machine_info["minigrad"] = {
            "build": "x86-64-v3" if kernels.SIMD_SUFFIX else "baseline",
            "threads": minigrad.get_num_threads(),
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)")}


@contextlib.contextmanager
def quick_rounds() -> Iterator[None]:
    """Every benchmark.pedantic call (all the suites use it) limited to QUICK_ROUNDS rounds."""
    from pytest_benchmark.fixture import BenchmarkFixture

    pedantic = BenchmarkFixture.pedantic

    def quick(self, target, args=(), kwargs=None, setup=None, teardown=None, rounds=1,
              warmup_rounds=0, iterations=1):
        return pedantic(self, target, args, kwargs, setup, teardown,
                        rounds=min(rounds, QUICK_ROUNDS), warmup_rounds=0, iterations=iterations)

    BenchmarkFixture.pedantic = quick
    try:
        yield
    finally:
        BenchmarkFixture.pedantic = pedantic


def pytest_arguments(json_path: str) -> list[str]:
    return [str(ROOT / "benchmarks"), "--benchmark-only", "-q", "-p", "no:randomly",
            "-p", "no:cacheprovider", f"--benchmark-json={json_path}"]


def run_suites(json_path: str, quick: bool) -> int:
    """One run of every suite; pytest's exit code."""
    import pytest

    with quick_rounds() if quick else contextlib.nullcontext():
        return pytest.main(pytest_arguments(json_path), plugins=[Versions()])


# ---------------------------------------------------------------------- the report
def implementation(bench: dict) -> str:
    """The implementation a benchmark times (its `impl` parameter), as benchmarks/conftest.py."""
    return (bench.get("params") or {}).get("impl") or bench.get("param") or bench["name"]


def medians_by_suite(benchmarks: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """suite (bench_<stem>.py) -> case (the benchmark group) -> implementation -> median (s)."""
    suites: dict = defaultdict(lambda: defaultdict(dict))
    for bench in benchmarks:
        suite = Path(bench["fullname"].split("::")[0]).name
        suites[suite][bench["group"] or bench["name"]][implementation(bench)] = \
            bench["stats"]["median"]
    return suites


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.3f}"


def ratio(seconds: float | None, baseline: float | None) -> str:
    return "-" if seconds is None or not baseline else f"{seconds / baseline:.2f}x"


def suite_table(cases: dict[str, dict[str, float]]) -> list[str]:
    """One row per case: compiled, twin and PyTorch medians, their ratios, and other baselines."""
    with_torch = any(TORCH in times for times in cases.values())
    head = "| case | compiled (ms) | NumPy twin (ms) | twin / compiled |"
    rule = "| --- | ---: | ---: | ---: |"
    if with_torch:
        head, rule = head + " PyTorch (ms) | PyTorch / compiled |", rule + " ---: | ---: |"
    lines = [head + " other / compiled |", rule + " --- |"]
    for case, times in cases.items():
        base = times.get(BASELINE)
        cells = [case, ms(base), ms(times.get(TWIN)), ratio(times.get(TWIN), base)]
        if with_torch:
            cells += [ms(times.get(TORCH)), ratio(times.get(TORCH), base)]
        others = [f"{impl} {ratio(t, base)}" for impl, t in times.items()
                  if impl not in (BASELINE, TWIN, TORCH)]
        lines.append("| " + " | ".join(cells + [", ".join(others)]) + " |")
    return lines


def machine_lines(info: dict) -> list[str]:
    cpu = info.get("cpu") or {}
    # cpuinfo spells some flags both ways (avx512_vnni, avx512vnni): one of each
    flags = sorted({f.replace("_", "") for f in cpu.get("flags", [])
                    if f.startswith(("avx", "fma"))})
    minigrad = info.get("minigrad", {})
    return [f"- CPU: {cpu.get('brand_raw') or info.get('processor') or 'unknown'}, "
            f"{cpu.get('count', os.cpu_count())} cores, {cpu.get('arch', info.get('machine'))}; "
            f"vector flags: {' '.join(flags) or 'none reported'}",
            f"- System: {info.get('system', '?')} {info.get('release', '')}",
            f"- minigrad kernels: {minigrad.get('build', '?')} build, "
            f"{minigrad.get('threads', '?')} threads, OMP_WAIT_POLICY "
            f"{minigrad.get('OMP_WAIT_POLICY', '?')} during the run"]


def version_line(info: dict, commit: dict) -> str:
    packages = info.get("packages", {})
    versions = [f"Python {info.get('python_version', '?')}"]
    versions += [f"{name} {packages[name]}" for name in VERSIONED if name in packages]
    if TORCH not in packages:
        versions.append("PyTorch not installed")
    dirty = " with uncommitted changes" if commit.get("dirty") else ""
    return (f"- Versions: {', '.join(versions)}; minigrad commit "
            f"{commit.get('id', 'unknown')[:10]}{dirty}")


def render(results: dict, command: str, quick: bool, hand_written: str) -> str:
    """The whole report from a pytest-benchmark JSON and the command that made it."""
    lines = ["# Benchmarks", "",
             "Generated by `benchmarks/report.py` from one run of the suites in `benchmarks/` "
             "(edit the sections from \"How to read the tables\" on by hand; the rest is "
             "rewritten by the script).", ""]
    if quick:
        lines += [f"**Quick run ({QUICK_ROUNDS} rounds per case, no warm-up): the script's "
                  "check, not figures to quote.**", ""]
    lines += [f"Run {results.get('datetime', '?')[:19].replace('T', ' ')} UTC.", ""]
    lines += machine_lines(results.get("machine_info", {}))
    lines += [version_line(results.get("machine_info", {}), results.get("commit_info", {})),
              f"- Command: `{command}`", "",
              "Median times of each case; a ratio is that implementation's median over the "
              "compiled kernels' median in the same run (above 1: slower than minigrad).", ""]
    for suite, cases in sorted(medians_by_suite(results.get("benchmarks", [])).items()):
        lines += [f"## {suite}", ""] + suite_table(cases) + [""]
    return "\n".join(lines) + "\n" + hand_written


def hand_written_sections(doc: Path = DOC) -> str:
    """The report's hand-written tail, from HAND_WRITTEN_START on ('' when it has none)."""
    text = doc.read_text() if doc.exists() else ""
    start = text.find(HAND_WRITTEN_START)
    return "" if start < 0 else text[start:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ROUNDS} rounds per case, no warm-up (checks the script)")
    parser.add_argument("--out", default=str(DOC), help="where to write the report")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    os.chdir(ROOT)  # time this checkout's minigrad, and record its commit
    sys.path.insert(0, str(ROOT))
    command = "python benchmarks/report.py" + (" --quick" if args.quick else "") + \
        ("" if out == DOC else f" --out {args.out}")
    hand_written = hand_written_sections()  # read first: --out may be the same file
    with tempfile.TemporaryDirectory() as scratch:
        json_path = os.path.join(scratch, "benchmarks.json")
        code = run_suites(json_path, args.quick)
        if code != 0:
            print(f"report.py: the suites failed (pytest exit code {code}); nothing written",
                  file=sys.stderr)
            return int(code)
        results = json.loads(Path(json_path).read_text())
    out.write_text(render(results, command, args.quick, hand_written))
    print(f"report.py: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
