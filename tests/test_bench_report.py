"""benchmarks/report.py's report writer on a fake pytest-benchmark JSON (no suite is run)."""
import importlib.util
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parent.parent / "benchmarks" / "report.py"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench(suite: str, group: str, impl: str, median: float) -> dict:
    return {"fullname": f"benchmarks/{suite}::test_case[{impl}]", "name": f"test_case[{impl}]",
            "group": group, "params": {"impl": impl}, "param": impl,
            "stats": {"min": median / 2, "median": median}}


FAKE = {
    "datetime": "2026-12-01T12:34:56.789",
    "machine_info": {"python_version": "3.11.7", "system": "Linux", "release": "6.1",
                     "cpu": {"brand_raw": "Test CPU", "count": 2, "arch": "X86_64",
                             "flags": ["sse2", "avx2", "avx512_vnni", "avx512vnni", "fma"]},
                     "packages": {"numpy": "2.4.6"},
                     "minigrad": {"build": "x86-64-v3", "threads": 2,
                                  "OMP_WAIT_POLICY": "PASSIVE"}},
    "commit_info": {"id": "0123456789abcdef", "dirty": True},
    "benchmarks": [bench("bench_linear.py", "linear", "compiled", 0.002),
                   bench("bench_linear.py", "linear", "numpy-twin", 0.003),
                   bench("bench_linear.py", "linear", "gemm-x3", 0.001),
                   bench("bench_linear.py", "linear", "torch", 0.004),
                   bench("bench_optim.py", "zero_grad", "compiled", 0.0005)],
}


def test_a_suite_gets_one_row_per_case_with_medians_and_ratios(report):
    text = report.render(FAKE, "python benchmarks/report.py", False, "")
    row = "| linear | 2.000 | 3.000 | 1.50x | 4.000 | 2.00x | gemm-x3 0.50x |"
    assert row in text.splitlines()
    assert text.index("## bench_linear.py") < text.index(row) < text.index("## bench_optim.py")


def test_a_suite_without_pytorch_rows_has_no_pytorch_columns(report):
    lines = report.render(FAKE, "cmd", False, "").splitlines()
    optim = lines[lines.index("## bench_optim.py") + 2:]
    assert "PyTorch" not in optim[0]
    assert optim[2] == "| zero_grad | 0.500 | - | - |  |"


def test_the_header_names_machine_versions_and_command(report):
    text = report.render(FAKE, "python benchmarks/report.py --quick", True, "")
    assert "Test CPU, 2 cores" in text and "vector flags: avx2 avx512vnni fma" in text
    assert "Python 3.11.7, numpy 2.4.6, PyTorch not installed" in text
    assert "minigrad commit 0123456789 with uncommitted changes" in text
    assert "`python benchmarks/report.py --quick`" in text and "Quick run" in text


def test_the_hand_written_sections_are_kept_from_their_heading_on(report, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# old tables\n\n" + report.HAND_WRITTEN_START + "\n\nkept\n")
    kept = report.hand_written_sections(doc)
    assert kept == report.HAND_WRITTEN_START + "\n\nkept\n"
    assert report.render(FAKE, "cmd", False, kept).endswith("\nkept\n")
    assert report.hand_written_sections(tmp_path / "missing.md") == ""
