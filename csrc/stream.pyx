# The STREAM triad a[i] = b[i] + s * c[i] (McCalpin's STREAM benchmark), to measure the memory
# bandwidth that the roofline's sloped ceiling stands for (minigrad/profiler/roofline.py).
#
# Design notes
# - One parallel region per call: thread t owns the t-th of `num_threads` equal slices and runs
#   the triad over it `repeats` times. Each thread reads and writes the same slice in every
#   repeat, so arrays that fit the caches stay in its core's cache across repeats, and the
#   call's fixed cost (Python, the OpenMP fork) is paid once for all of them.
# - No thread-count cut-off: the caller measures under exactly the threads it names.
# - The public def validates (minigrad._validate.stream, shared with the twin); a private def on
#   fused-typed memoryviews (Cython picks float or double) releases the GIL and runs the loop.
# - setup.py compiles without FMA contraction, so b + s * c rounds twice, as in the twin.
from cython cimport floating
from cython.parallel cimport prange

from minigrad._validate.stream import triad_arguments


cdef void _triad_slice(floating* a, const floating* b, const floating* c, floating scalar,
                       Py_ssize_t start, Py_ssize_t stop, Py_ssize_t repeats) noexcept nogil:
    cdef Py_ssize_t i, r
    for r in range(repeats):
        for i in range(start, stop):
            a[i] = b[i] + scalar * c[i]


cdef void _triad(floating[::1] a, const floating[::1] b, const floating[::1] c, floating scalar,
                 Py_ssize_t repeats, int threads) noexcept nogil:
    cdef Py_ssize_t n = a.shape[0], t
    for t in prange(threads, nogil=True, schedule="static", num_threads=threads):
        _triad_slice(&a[0], &b[0], &c[0], scalar, n * t // threads, n * (t + 1) // threads,
                     repeats)


def _run_triad(floating[::1] a, const floating[::1] b, const floating[::1] c, double scalar,
               Py_ssize_t repeats, int threads):
    with nogil:
        _triad(a, b, c, <floating>scalar, repeats, threads)


def triad(a, b, c, scalar, repeats, *, num_threads):
    """a[i] = b[i] + scalar * c[i] in place, `repeats` times over (the same result each time);
    a writeable, contiguous and apart from b and c in memory, all three (n,) of one float dtype."""
    a, b, c, scalar, repeats, num_threads = triad_arguments(a, b, c, scalar, repeats,
                                                            num_threads)
    if a.shape[0] > 0:
        _run_triad(a, b, c, scalar, repeats, num_threads)
