# Row-major matrix multiply over SciPy's BLAS (scipy.linalg.cython_blas): no BLAS headers are needed
# to build, and SciPy's bundled OpenBLAS does the work.
from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                      const floating* a, int lda, const floating* b, int ldb,
                      floating beta, floating* c, int ldc) noexcept nogil:
    """C = alpha op(A) op(B) + beta C for row-major C (m x n), op(A) (m x k), op(B) (k x n).

    BLAS is column-major, and a row-major matrix is its column-major transpose, so compute
    C^T = op(B)^T op(A)^T: swap the operands (and their dimensions), keep the transpose flags.
    Leading dimensions are row lengths of the stored (untransposed) arrays.
    """
    cdef char flag_b = b'T' if trans_b else b'N'
    cdef char flag_a = b'T' if trans_a else b'N'
    if floating is float:
        sgemm(&flag_b, &flag_a, &n, &m, &k, &alpha, <float*>b, &ldb, <float*>a, &lda,
              &beta, c, &ldc)
    else:
        dgemm(&flag_b, &flag_a, &n, &m, &k, &alpha, <double*>b, &ldb, <double*>a, &lda,
              &beta, c, &ldc)
