# Row-major matrix multiply over OpenBLAS from the scipy-openblas32 wheel, the build NumPy and
# SciPy themselves are built against (its symbols carry the prefix scipy_, so it never clashes with
# another BLAS in the process). setup.py links every kernel module against it; minigrad.kernels
# imports scipy_openblas32 first, which loads the library the modules need.
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
    void set_blas_threads "scipy_openblas_set_num_threads" (int threads)


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                      const floating* a, int lda, const floating* b, int ldb,
                      floating beta, floating* c, int ldc) noexcept nogil:
    """C = alpha op(A) op(B) + beta C for row-major C (m x n), op(A) (m x k), op(B) (k x n).

    Leading dimensions are row lengths of the stored (untransposed) arrays.
    """
    cdef CBLAS_TRANSPOSE flag_a = CblasTrans if trans_a else CblasNoTrans
    cdef CBLAS_TRANSPOSE flag_b = CblasTrans if trans_b else CblasNoTrans
    if floating is float:
        scipy_cblas_sgemm(CblasRowMajor, flag_a, flag_b, m, n, k, alpha, a, lda, b, ldb,
                          beta, c, ldc)
    else:
        scipy_cblas_dgemm(CblasRowMajor, flag_a, flag_b, m, n, k, alpha, a, lda, b, ldb,
                          beta, c, ldc)
