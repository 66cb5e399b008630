# One sliding window's geometry, shared by the convolution (conv.pyx) and pooling (pool.pyx)
# kernels: kernel size, stride, padding, dilation and output size, each (rows, columns), as
# minigrad._validate checked them.


cdef struct Window:
    Py_ssize_t kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


cdef inline Window window(geometry):
    """The Window of a (kernel, stride, padding, dilation, out_size) tuple of pairs."""
    cdef Window g
    kernel, stride, padding, dilation, out_size = geometry
    g.kh, g.kw = kernel
    g.sh, g.sw = stride
    g.ph, g.pw = padding
    g.dh, g.dw = dilation
    g.oh, g.ow = out_size
    return g
