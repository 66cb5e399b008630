# Row-major matrix multiply over OpenBLAS from the scipy-openblas32 wheel, the build NumPy and
# SciPy themselves are built against (its symbols carry the prefix scipy_, so it never clashes with
# another BLAS in the process). setup.py links every kernel module against it; minigrad.kernels
# imports scipy_openblas32 first, which loads the library the modules need.
#
# The same bits for any BLAS thread count. OpenBLAS sums the inner dimension K in blocks of at
# most GEMM_Q (its per-CPU kernel parameter: 448 float32 / 384 float64 on SkylakeX, 320 / 128 on
# Haswell and Zen) and rounds C to the data's precision after each block. A remainder between Q
# and 2Q is cut in two, and its single-threaded driver (driver/level3/level3.c) rounds the cut
# to a multiple of the kernel's unroll while the threaded one (level3_thread.c) halves exactly:
# K = 784 in float32 is summed as 400 + 384 on one thread and 392 + 392 on two. Which
# driver runs depends on the process-wide OpenBLAS thread count at the call (and on M*N*K), so a
# gemm's bits changed with mg.set_num_threads and with another Python thread's conv2d, which
# sets that count to 1 for its batch loop. gemm below therefore cuts K itself into equal chunks
# of at most K_BLOCK (no larger than any of those Q), one OpenBLAS call each, accumulating into C
# after the first: every call then has a single K block in either driver. The threads then only
# split the rows and columns of C, which leaves each float32 element's sum unchanged; float64
# results still depend on where C is cut (minigrad.kernels.float64_gemm_threads).
from cython cimport floating


cdef extern from "cblas.h" nogil:
    enum CBLAS_ORDER:
        CblasRowMajor
    enum CBLAS_TRANSPOSE:
        CblasNoTrans
        CblasTrans
    void scipy_cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b,
                           int m, int n, int k, float alpha, const float* a, int lda,
                           const float* b, int ldb, float beta, float* c, int ldc)
    void scipy_cblas_dgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b,
                           int m, int n, int k, double alpha, const double* a, int lda,
                           const double* b, int ldb, double beta, double* c, int ldc)

cdef enum:
    SGEMM_K_BLOCK = 256  # the most K per OpenBLAS call, float32 (<= every x86-64 sgemm Q)
    DGEMM_K_BLOCK = 128  # the same for float64 (Haswell's and Zen's dgemm Q)


cdef inline void _gemm_call(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                            const floating* a, int lda, const floating* b, int ldb,
                            floating beta, floating* c, int ldc) noexcept nogil:
    cdef CBLAS_TRANSPOSE flag_a = CblasTrans if trans_a else CblasNoTrans
    cdef CBLAS_TRANSPOSE flag_b = CblasTrans if trans_b else CblasNoTrans
    if floating is float:
        scipy_cblas_sgemm(CblasRowMajor, flag_a, flag_b, m, n, k, alpha, a, lda, b, ldb,
                          beta, c, ldc)
    else:
        scipy_cblas_dgemm(CblasRowMajor, flag_a, flag_b, m, n, k, alpha, a, lda, b, ldb,
                          beta, c, ldc)


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                      const floating* a, int lda, const floating* b, int ldb,
                      floating beta, floating* c, int ldc) noexcept nogil:
    """C = alpha op(A) op(B) + beta C for row-major C (m x n), op(A) (m x k), op(B) (k x n).

    Leading dimensions are row lengths of the stored (untransposed) arrays. K is summed in
    chunks of at most K_BLOCK whose bounds depend on k alone (see the notes above).
    """
    cdef int block = SGEMM_K_BLOCK if floating is float else DGEMM_K_BLOCK
    cdef int chunks = max(1, (k + block - 1) // block), chunk, start, stop
    for chunk in range(chunks):
        start = <int>(<long long>k * chunk // chunks)
        stop = <int>(<long long>k * (chunk + 1) // chunks)
        # column `start` of op(A) and row `start` of op(B), in their stored layouts
        _gemm_call(trans_a, trans_b, m, n, stop - start, alpha,
                   a + (<Py_ssize_t>start * lda if trans_a else start), lda,
                   b + (start if trans_b else <Py_ssize_t>start * ldb), ldb,
                   beta if chunk == 0 else 1, c, ldc)
