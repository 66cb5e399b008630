# Reductions over a contiguous run, shared by the kernels (cimported, inlined).
#
# LANES interleaved accumulators: element j goes to lane j % LANES, so the inner loop carries no
# dependency from one element to the next and vectorizes (a single double accumulator runs at one
# add per 4 cycles). The order is fixed, so results are the same on every run and thread count.
from cython cimport floating

cdef enum:
    LANES = 32
    GROUP = 8    # values per lane summed in the data's precision before the double add


cdef inline double _shifted_sum(const floating* u, const floating* v, Py_ssize_t n,
                                double ku, double kv) noexcept nogil:
    # sum((u - ku)(v - kv)), or sum(u - ku) for v NULL. Each lane first sums GROUP values in the
    # data's precision (float32: 8 lanes per AVX2 instruction, no conversions; the shifts split
    # in two as high + low so that u - ku is accurate for u far from 0), then adds that partial
    # sum to its double accumulator: a partial of GROUP float32 values is off by at most
    # GROUP x 2^-24 of its magnitude, and the long sums stay in double. The tail after the last
    # whole chunk is summed in double.
    cdef floating ku_high = <floating>ku, kv_high = <floating>kv
    cdef floating ku_low = <floating>(ku - ku_high), kv_low = <floating>(kv - kv_high)
    cdef floating part[LANES]
    cdef double lane[LANES]
    cdef double total = 0
    cdef Py_ssize_t chunk = LANES * GROUP, c, g, j, l
    for l in range(LANES):
        lane[l] = 0
    for c in range(n // chunk):
        for l in range(LANES):
            part[l] = 0
        for g in range(GROUP):
            j = c * chunk + g * LANES
            if v == NULL:
                for l in range(LANES):
                    part[l] += (u[j + l] - ku_high) - ku_low
            else:
                for l in range(LANES):
                    part[l] += ((u[j + l] - ku_high) - ku_low) * ((v[j + l] - kv_high) - kv_low)
        for l in range(LANES):
            lane[l] += part[l]
    for j in range(n - n % chunk, n):
        lane[0] += (u[j] - ku) * (1 if v == NULL else v[j] - kv)
    for l in range(LANES):
        total += lane[l]
    return total


cdef inline void centered_sums(const floating* u, const floating* v, Py_ssize_t n,
                               double ku, double kv,
                               double* total,               # OUT sum(u - ku)
                               double* dot) noexcept nogil:  # OUT sum((u - ku)(v - kv))
    # Two passes of one sum each (the run is short enough to stay in cache): one pass of both
    # kept 2 x LANES accumulators, more than the vector registers hold, and spilled them.
    total[0] = _shifted_sum(u, NULL, n, ku, 0)
    dot[0] = _shifted_sum(u, v, n, ku, kv)


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
