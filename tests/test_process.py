"""The process tuning of minigrad/_process.py: applied before the libraries that read it load, and
each opt-out works. Every check runs in a fresh interpreter, where minigrad is imported first."""
import ctypes
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import kernels

ROOT = Path(mg.__file__).parent.parent
TUNED_VARIABLES = ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT", "MINIGRAD_MALLOC_TUNING")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter that imports this minigrad, with none of the tuned
    variables inherited from this process (which set them when it imported minigrad)."""
    base = {k: v for k, v in os.environ.items() if k not in TUNED_VARIABLES}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, env={**base, **env}, cwd=str(ROOT), timeout=120)
    assert result.returncode == 0, result.stderr
    return result


# Records OPENBLAS_THREAD_TIMEOUT at the moment the kernels' OpenBLAS package is imported (which
# loads the library, and the library reads the variable then), imports minigrad, and reports
# whether libgomp was loaded yet; then a compiled kernel loads libgomp, which prints the wait
# policy it read (OMP_DISPLAY_ENV) on stderr.
LOAD_ORDER_SCRIPT = """
import ctypes, os, sys

class RecordTimeout:
    seen = "not imported"
    def find_spec(self, name, path=None, target=None):
        if name == "scipy_openblas32":
            RecordTimeout.seen = os.environ.get("OPENBLAS_THREAD_TIMEOUT", "unset")
        return None

sys.meta_path.insert(0, RecordTimeout())
import minigrad
from minigrad import kernels
try:
    ctypes.CDLL("libgomp.so.1", mode=os.RTLD_NOLOAD)
    gomp = "loaded"
except OSError:
    gomp = "not-loaded"
kernels.load("batch_norm")
print(RecordTimeout.seen, gomp, os.environ["OMP_WAIT_POLICY"])
"""

needs_compiled_on_linux = pytest.mark.skipif(
    not kernels.compiled_available("batch_norm") or not sys.platform.startswith("linux"),
    reason="needs the compiled kernels and GNU libgomp")


def wait_policy_libgomp_read(stderr: str) -> str:
    """OMP_WAIT_POLICY as libgomp's OMP_DISPLAY_ENV report printed it."""
    lines = [line for line in stderr.splitlines() if line.strip().startswith("OMP_WAIT_POLICY")]
    assert lines, f"libgomp printed no OMP_WAIT_POLICY:\n{stderr}"
    return lines[0].split("=")[1].strip().strip("'")


@needs_compiled_on_linux
def test_the_wait_policies_are_set_before_openmp_and_openblas_load():
    result = run_python(LOAD_ORDER_SCRIPT, OMP_DISPLAY_ENV="TRUE")
    assert result.stdout.split() == ["20", "not-loaded", "PASSIVE"]
    assert wait_policy_libgomp_read(result.stderr) == "PASSIVE"


@needs_compiled_on_linux
def test_wait_policies_set_by_the_user_win():
    result = run_python(LOAD_ORDER_SCRIPT, OMP_DISPLAY_ENV="TRUE", OMP_WAIT_POLICY="ACTIVE",
                        OPENBLAS_THREAD_TIMEOUT="4")
    assert result.stdout.split() == ["4", "not-loaded", "ACTIVE"]
    assert wait_policy_libgomp_read(result.stderr) == "ACTIVE"


# Allocates 16 MB with malloc and prints how many of glibc's blocks are mmapped before and while
# it is held (mallinfo2's hblks): glibc's default mmaps a block that size, the tuning does not.
MMAP_COUNT_SCRIPT = """
import ctypes
import minigrad

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
before = libc.mallinfo2().hblks
block = libc.malloc(16 << 20)
during = libc.mallinfo2().hblks
libc.free(ctypes.c_void_p(block))
print(during - before)
"""


def glibc_has_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


needs_glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or not glibc_has_mallinfo2(),
                                 reason="needs glibc 2.33+ (mallinfo2)")


@needs_glibc
def test_large_blocks_come_from_the_heap_by_default():
    assert run_python(MMAP_COUNT_SCRIPT).stdout.split() == ["0"]


@needs_glibc
def test_minigrad_malloc_tuning_0_leaves_malloc_alone():
    assert run_python(MMAP_COUNT_SCRIPT, MINIGRAD_MALLOC_TUNING="0").stdout.split() == ["1"]
