# What the two normalization stems (batch_norm.pyx, layer_norm.pyx) share (cimported, inlined).

cdef enum:
    PARALLEL_MIN = 524288  # elements below which one thread does the whole tensor


cdef inline int threads_for(Py_ssize_t size, int num_threads) noexcept nogil:
    """The caller's thread count for a tensor large enough to pay for threads, else 1."""
    return num_threads if size >= PARALLEL_MIN else 1
