"""Build the Cython kernels in csrc/ into the extension modules minigrad._C.<stem>.

Every csrc/<stem>.pyx becomes minigrad._C.<stem>, compiled for the x86-64 baseline, and on x86-64
Linux also minigrad._C.<stem>_v3, the same source compiled for x86-64-v3 (AVX2, FMA); every build
is compiled without floating-point contraction, so both round identically (tests/test_kernels.py
compares every kernel bit for bit); minigrad.kernels loads the _v3 build when the CPU has those
instructions. .pxd and .h files are shared declarations only.
Compiler directives are set here once. MINIGRAD_DEBUG=1 turns Cython's safety checks back on
(bounds, wraparound, initialized memoryviews, overflow) and builds with -O0 -g.
MINIGRAD_SANITIZE=address,undefined (any -fsanitize= list) builds the release directives under
the sanitizers (.ci/run uses it; Python must then run with libasan preloaded, see .ci/run).
The gemms call OpenBLAS from the scipy-openblas32 wheel (a build and run requirement): every
module links against its library, which minigrad.kernels loads before the modules.
"""
import os
import platform
import sys
from pathlib import Path

import scipy_openblas32
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("MINIGRAD_DEBUG", "0") == "1"

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "overflowcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}
SANITIZE = os.environ.get("MINIGRAD_SANITIZE", "")

# -fno-trapping-math and -fno-math-errno: the kernels never read floating-point exception flags
# or errno. Without the first GCC keeps selects such as `x < c ? c : x` as branches instead of
# vector blends; without the second every sqrt is a library call that stops vectorization.
# -ffp-contract=off keeps a * b + c as two roundings, as in the NumPy twin, in every build: GCC
# contracts to FMA by default wherever the target has it, which is not only the _v3 build but
# also the x86-64-v3/v4 clones of functions marked target_clones (csrc/_fastmath.h) in the
# baseline build; that made the baseline's float32 softmax round differently from the _v3 one.
compile_args = ["-fopenmp", "-fno-trapping-math", "-fno-math-errno", "-ffp-contract=off"] + (
    ["-O0", "-g"] if DEBUG else ["-O3"])
link_args = ["-fopenmp"]
if SANITIZE:
    sanitizer = [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer", "-g"]
    compile_args += sanitizer
    link_args += sanitizer

# (module suffix, extra flags): the baseline build, and where the CPU family allows, an
# x86-64-v3 one.
VARIANTS = [("", [])]
if sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64"):
    VARIANTS.append(("_v3", ["-march=x86-64-v3"]))


def variant_source(pyx: Path, suffix: str) -> str:
    """The .pyx for module <stem><suffix>: the source itself, or a copy under that name (Cython
    names a module after its file)."""
    if not suffix:
        return str(pyx)
    copy = Path("build/variants") / f"{pyx.stem}{suffix}.pyx"
    copy.parent.mkdir(parents=True, exist_ok=True)
    if not copy.exists() or copy.read_text() != pyx.read_text():
        copy.write_text(pyx.read_text())
    return str(copy)


extensions = [
    Extension(
        f"minigrad._C.{pyx.stem}{suffix}",
        [variant_source(pyx, suffix)],
        include_dirs=["csrc", scipy_openblas32.get_include_dir()],
        library_dirs=[scipy_openblas32.get_lib_dir()],
        libraries=[scipy_openblas32.get_library()],
        extra_compile_args=compile_args + flags,
        extra_link_args=link_args,
    )
    for pyx in sorted(Path("csrc").glob("*.pyx"))
    for suffix, flags in VARIANTS
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        include_path=["csrc"],
        build_dir="build/cython",
    ),
)
