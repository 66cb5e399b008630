"""Build the Cython kernels in csrc/ into the extension modules minigrad._C.<stem>.

Every csrc/<stem>.pyx becomes minigrad._C.<stem>; .pxd files are shared declarations only.
Compiler directives are set here once. MINIGRAD_DEBUG=1 turns Cython's safety checks back on
(bounds, wraparound, initialized memoryviews, overflow) and builds with -O0 -g.
MINIGRAD_SANITIZE=address,undefined (any -fsanitize= list) builds the release directives under AddressSanitizer (.ci/run uses it;
Python must then run with libasan preloaded, see .ci/run).
"""
import os
from pathlib import Path

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
compile_args = ["-fopenmp", "-fno-trapping-math", "-fno-math-errno"] + (
    ["-O0", "-g"] if DEBUG else ["-O3"])
link_args = ["-fopenmp"]
if SANITIZE:
    sanitizer = [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer", "-g"]
    compile_args += sanitizer
    link_args += sanitizer

extensions = [
    Extension(
        f"minigrad._C.{pyx.stem}",
        [str(pyx)],
        include_dirs=["csrc"],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
    for pyx in sorted(Path("csrc").glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=directives,
        include_path=["csrc"],
        build_dir="build/cython",
    ),
)
