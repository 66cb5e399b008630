# Reductions over a contiguous run, shared by the kernels (cimported, inlined).
#
# LANES interleaved accumulators: element j goes to lane j % LANES, so the inner loop carries no
# dependency from one element to the next and vectorizes (a single double accumulator runs at one
# add per 4 cycles). The order is fixed, so results are the same on every run and thread count.
from cython cimport floating

cdef enum:
    LANES = 32


cdef inline void centered_sums(const floating* u, const floating* v, Py_ssize_t n,
                               double ku, double kv,
                               double* total,               # OUT sum(u - ku)
                               double* dot) noexcept nogil:  # OUT sum((u - ku)(v - kv))
    cdef double lane_total[LANES]
    cdef double lane_dot[LANES]
    cdef double a
    cdef Py_ssize_t block, j, l
    for l in range(LANES):
        lane_total[l] = 0
        lane_dot[l] = 0
    for block in range(n // LANES):
        j = block * LANES
        for l in range(LANES):
            a = u[j + l] - ku
            lane_total[l] += a
            lane_dot[l] += a * (v[j + l] - kv)
    for j in range(n - n % LANES, n):
        a = u[j] - ku
        lane_total[0] += a
        lane_dot[0] += a * (v[j] - kv)
    total[0] = 0
    dot[0] = 0
    for l in range(LANES):
        total[0] += lane_total[l]
        dot[0] += lane_dot[l]


cdef inline double run_max(const floating* v, Py_ssize_t n) noexcept nogil:
    """max(v) for n >= 1 (a NaN may be skipped: callers let it propagate through the data)."""
    cdef floating lane[LANES]
    cdef floating top
    cdef Py_ssize_t block, j, l
    for l in range(LANES):
        lane[l] = v[0]
    for block in range(n // LANES):
        j = block * LANES
        for l in range(LANES):
            lane[l] = v[j + l] if v[j + l] > lane[l] else lane[l]
    for j in range(n - n % LANES, n):
        lane[0] = v[j] if v[j] > lane[0] else lane[0]
    top = lane[0]
    for l in range(1, LANES):
        top = lane[l] if lane[l] > top else top
    return top
