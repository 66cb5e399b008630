"""NumPy twins of the compiled kernels: same function names, signatures and results.

They are the readable specification of each kernel, the fallback when the extensions are not
built, and the baseline the tests and benchmarks compare the compiled kernels against.
"""
