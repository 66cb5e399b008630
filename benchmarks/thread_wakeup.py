"""What waking minigrad's OpenMP threads costs on this machine.

A layer-norm forward on 1024 x 512 float32 (524,288 elements, the smallest the
normalization kernels split over threads: csrc/_norm.pxd) timed on 1 and on 2 threads,
each call after a short sleep (so that a passively waiting thread has gone to sleep, as it has
between the kernels of a training step). The 2-thread time minus half the 1-thread time is
roughly what one wake-up of the second thread costs; where it exceeds the 1-thread time,
splitting such a kernel over threads loses (docs/profiling.md, "Against PyTorch").

    python benchmarks/thread_wakeup.py [--calls 300] [--sleep-us 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from minigrad import kernels


def median_call_us(threads: int, calls: int, sleep_s: float) -> float:
    kernel = kernels.load("layer_norm", np.float32)
    x = np.ones((1024, 512), np.float32)
    weight, bias = np.ones(512, np.float32), np.zeros(512, np.float32)
    times = []
    for _ in range(calls):
        time.sleep(sleep_s)
        start = time.perf_counter()
        kernel.layer_norm_forward(x, weight, bias, 1e-5, num_threads=threads)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--sleep-us", type=float, default=200)
    args = parser.parse_args()
    one, two = (median_call_us(threads, args.calls, args.sleep_us / 1e6) for threads in (1, 2))
    print(f"layer_norm_forward 1024 x 512: 1 thread {one:.1f} us, 2 threads {two:.1f} us; "
          f"wake-up about {two - one / 2:.0f} us")


if __name__ == "__main__":
    main()
