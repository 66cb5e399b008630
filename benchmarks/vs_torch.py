"""minigrad against PyTorch, each in its own process, timed in interleaved blocks.

Importing minigrad tunes the process (OMP_WAIT_POLICY=PASSIVE, malloc settings: see
minigrad/_process.py), which slows PyTorch's OpenMP when both live in one interpreter; and two
libraries timed back to back in one process share its heap. So here each library runs in a
worker process of its own, and the driver asks them in turn for a block of timed repetitions
(never both at once): the machine's noise falls on both alike, and the ratio of the medians of
the per-block medians is the figure. Before each block the driver waits `--settle` seconds:
PyTorch's OpenMP threads spin for milliseconds after its last op (libgomp's default), and
without the pause they would still be spinning on the cores through the first part of the
next minigrad block.

    python benchmarks/vs_torch.py [--cases mlp,batchnorm1d,layernorm] [--blocks 12]
                                  [--repeats 15] [--threads 2] [--settle 0.1]
                                  [--minigrad-env NAME=VALUE]

prints one line per case: both medians, the ratio torch / minigrad (above 1: minigrad faster)
and the spread of the per-block ratios.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from typing import Callable

import numpy as np

CASES = ("mlp", "batchnorm1d", "layernorm")
LIBRARIES = ("minigrad", "torch")


def _import(library: str):
    if library == "torch":
        import torch
        return torch
    import minigrad
    return minigrad


def mlp_step(lib) -> Callable[[], None]:
    """The 784-1024-1024-10 ReLU MLP, batch 256, cross-entropy, Adam: one training step."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((256, 784), dtype=np.float32))
    labels = lib.tensor(rng.integers(0, 10, 256))
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(784, 1024), lib.nn.ReLU(), lib.nn.Linear(1024, 1024),
                              lib.nn.ReLU(), lib.nn.Linear(1024, 10))
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(x), labels).backward()
        optimizer.step()
    return step


def normalization_step(layer_class: str) -> Callable:
    """Forward and backward of a 1024-feature normalization layer on a 256 x 1024 batch."""
    def build(lib) -> Callable[[], None]:
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal((256, 1024), dtype=np.float32), requires_grad=True)
        grad = lib.tensor(rng.standard_normal((256, 1024), dtype=np.float32))
        layer = getattr(lib.nn, layer_class)(1024)

        def step() -> None:
            x.grad = None
            layer(x).backward(grad)
        return step
    return build


BUILDERS = {"mlp": mlp_step, "batchnorm1d": normalization_step("BatchNorm1d"),
            "layernorm": normalization_step("LayerNorm")}


def worker(library: str, threads: int, environment: dict, connection) -> None:
    """Build every case, then answer (case, repeats) requests with that many step times (s)."""
    os.environ.update(environment)  # before the library loads its OpenMP runtime
    lib = _import(library)
    lib.set_num_threads(threads)
    steps = {name: build(lib) for name, build in BUILDERS.items()}
    for step in steps.values():
        for _ in range(3):
            step()
    connection.send("ready")
    while (request := connection.recv()) is not None:
        case, repeats = request
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            steps[case]()
            times.append(time.perf_counter() - start)
        connection.send(times)


def start_workers(threads: int, minigrad_environment: dict) -> dict:
    context = mp.get_context("spawn")
    workers = {}
    for library in LIBRARIES:
        ours, theirs = context.Pipe()
        process = context.Process(target=worker, args=(library, threads, minigrad_environment if library == "minigrad" else {}, theirs), daemon=True)
        process.start()
        workers[library] = (process, ours)
    for _, connection in workers.values():
        assert connection.recv() == "ready"
    return workers


def compare(workers: dict, case: str, blocks: int, repeats: int,
            settle: float) -> dict[str, list[float]]:
    """Per-block medians for each library, the libraries alternating which goes first."""
    medians = {library: [] for library in LIBRARIES}
    for block in range(blocks):
        order = LIBRARIES if block % 2 == 0 else LIBRARIES[::-1]
        for library in order:
            time.sleep(settle)  # the other library's threads stop spinning
            connection = workers[library][1]
            connection.send((case, repeats))
            medians[library].append(statistics.median(connection.recv()))
    return medians


def report(case: str, medians: dict[str, list[float]]) -> str:
    ours, theirs = medians["minigrad"], medians["torch"]
    ratios = sorted(t / m for m, t in zip(ours, theirs))
    return (f"{case:12s} minigrad {statistics.median(ours) * 1e3:8.3f} ms   "
            f"torch {statistics.median(theirs) * 1e3:8.3f} ms   "
            f"torch/minigrad {statistics.median(theirs) / statistics.median(ours):5.2f}x "
            f"(blocks {ratios[0]:.2f}-{ratios[-1]:.2f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--blocks", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--settle", type=float, default=0.1,
                        help="seconds of idle before each block")
    parser.add_argument("--minigrad-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the minigrad worker only")
    args = parser.parse_args(argv)
    cases = args.cases.split(",")
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {', '.join(CASES)}")
    workers = start_workers(args.threads, dict(item.split("=", 1) for item in args.minigrad_env))
    print(f"{args.threads} threads, {args.blocks} blocks x {args.repeats} steps, cpu "
          f"{os.cpu_count()} logical")
    try:
        for case in cases:
            print(report(case, compare(workers, case, args.blocks, args.repeats, args.settle)), flush=True)
    finally:
        for process, connection in workers.values():
            connection.send(None)
            process.join()


if __name__ == "__main__":
    main()
