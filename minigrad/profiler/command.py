"""`minigrad profile`: the main job's network, profiled over a few training steps.

    minigrad profile [--model lenet|mlp] [--batchnorm/--no-batchnorm] [--batch-size B]
                     [--optimizer NAME] [--backend compiled|numpy] [--threads N]
                     [--steps N] [--warmup N] [--compare numpy] [--out DIR]

builds the network `minigrad train` would (recipes.py), runs `--warmup` unrecorded and `--steps`
recorded training steps on a seeded random batch of the dataset's image size (the kernels' time
depends on the shapes, not on the pixels), prints the table and the step summary, and writes
DIR/profile.txt, DIR/trace.json (open it in chrome://tracing or ui.perfetto.dev) and
DIR/roofline.png (where each phase's time goes; matplotlib, the `plot` extra).
`--compare numpy` profiles the same steps on the NumPy twins too and adds, per kernel and op,
the twin's self time beside the compiled one's.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .. import kernels, nn
from ..creation import tensor
from ..random import manual_seed
from ..recipes import DATASETS, OPTIMIZERS, add_model_arguments, build_model
from . import plot, roofline
from .events import KERNEL
from .profile import profile
from .schedule import schedule
from .table import EventList, format_time, sort_rows


def add_parser(commands: Any) -> None:
    """The `profile` subcommand's options (the model options are `minigrad train`'s)."""
    run = commands.add_parser("profile", help="profile training steps of the main job's network")
    add_model_arguments(run)
    run.add_argument("--backend", choices=list(kernels.BACKENDS), default="compiled")
    run.add_argument("--threads", type=int, default=None, help="default: the cores available")
    run.add_argument("--steps", type=int, default=10, help="recorded training steps")
    run.add_argument("--warmup", type=int, default=3, help="unrecorded steps first")
    run.add_argument("--compare", choices=["numpy"], default=None,
                     help="also profile on the NumPy twins and show their times beside")
    run.add_argument("--roofline", action=argparse.BooleanOptionalAction, default=True,
                     help="the Bound and %% roof columns and the roofline plot, from the machine's "
                          "measured ceilings (`minigrad roofline`; measured once, then cached)")
    run.add_argument("--row-limit", type=int, default=25)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default="runs/profile")
    run.set_defaults(func=run_command)


def check(args: argparse.Namespace) -> None:
    """Bad options raise ValueError before anything runs."""
    if args.steps < 1 or args.warmup < 0 or args.batch_size < 1 or args.row_limit < 1:
        raise ValueError("--steps, --batch-size and --row-limit must be >= 1, --warmup >= 0")
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    if not 0 <= args.dropout < 1 or args.lr <= 0:
        raise ValueError("--dropout must be in [0, 1) and --lr > 0")


def profile_training(args: argparse.Namespace, backend: str) -> profile:
    """args.warmup + args.steps training steps on one seeded batch, the last args.steps recorded
    (one ProfilerStep each), on backend and args.threads threads (both restored after)."""
    manual_seed(args.seed)
    model = build_model(vars(args))
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    side = DATASETS[args.data][1]
    rng = np.random.default_rng(args.seed)
    images = tensor(rng.standard_normal((args.batch_size, 1, side, side)).astype(np.float32))
    labels = tensor(rng.integers(0, 10, args.batch_size))
    loss_fn = nn.CrossEntropyLoss()
    backend_before, threads_before = kernels.get_backend(), kernels.get_num_threads()
    kernels.set_backend(backend)
    if args.threads is not None:
        kernels.set_num_threads(args.threads)
    try:
        with profile(schedule=schedule(wait=0, warmup=args.warmup, active=args.steps, repeat=1),
                     record_shapes=True) as prof:
            for _ in range(args.warmup + args.steps):
                optimizer.zero_grad()
                loss_fn(model(images), labels).backward()
                optimizer.step()
                prof.step()
    finally:
        kernels.set_backend(backend_before)
        kernels.set_num_threads(threads_before)
    return prof


def comparison(compiled: EventList, twin: EventList, row_limit: int) -> str:
    """Per name, the compiled and the NumPy twin's mean self time per call and their ratio, the
    rows in the compiled table's order (by self time)."""
    twin_rows = {(row.key, row.phase): row for row in twin}
    lines = [f"{'Name':<40} {'Phase':>9} {'compiled':>11} {'NumPy twin':>11} {'twin/comp':>9}"]
    for row in sort_rows(list(compiled), "self_cpu_time_total")[:row_limit]:
        other = twin_rows.get((row.key, row.phase))
        ours = row.self_cpu_time_total / row.count
        theirs = None if other is None else other.self_cpu_time_total / other.count
        ratio = "-" if theirs is None or ours == 0 else f"{theirs / ours:.2f}x"
        lines.append(f"{row.key[:40]:<40} {row.phase:>9} {format_time(ours):>11} "
                     f"{'-' if theirs is None else format_time(theirs):>11} {ratio:>9}")
    return "\n".join(lines) + "\n"


def run_command(args: argparse.Namespace) -> None:
    """Profile, print the table and the summary, write profile.txt and trace.json."""
    check(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = roofline.machine(args.threads) if args.roofline else None
    prof = profile_training(args, args.backend)
    averages = prof.key_averages()
    report = averages.table(sort_by="self_cpu_time_total", row_limit=args.row_limit,
                            machine=machine)
    if args.compare == "numpy":
        twin = profile_training(args, "numpy").key_averages()
        report += "\nSelf time per call, compiled kernels against the NumPy twins:\n"
        report += comparison(averages, twin, args.row_limit)
    print(report, end="")
    (out / "profile.txt").write_text(report)
    prof.export_chrome_trace(str(out / "trace.json"))
    print(f"wrote {out / 'profile.txt'} and {out / 'trace.json'}")
    print(plot.save(kernel_points(averages), machine, plot.phase_times(prof.events()),
                    out / "roofline.png"))


def kernel_points(averages: EventList) -> list[plot.KernelPoint]:
    """The kernel rows with a count, as points of the roofline (share: of the kernels' time)."""
    rows = [row for row in averages if row.kind == KERNEL and row.intensity is not None
            and row.gflops_per_s is not None]
    total = sum(row.self_cpu_time_total for row in rows) or 1.0
    return [plot.KernelPoint(row.key, row.dtype, row.intensity, row.gflops_per_s,
                             row.self_cpu_time_total / total) for row in rows]
