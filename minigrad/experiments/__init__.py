"""The source texts' experiments, one command each: `minigrad experiment list` and
`minigrad experiment NAME [--quick] [--seed S] [--out DIR]` (docs/experiments.md).

Every module of this package that does not start with an underscore defines `EXPERIMENTS`, a
list of `Experiment`s (_base.py); they are found here, so adding an experiment is adding a
module. `run(name, quick=..., seed=..., out=...)` computes one, prints nothing, returns its
results and, given `out`, writes out/NAME.json (config, seed, versions, results) and
out/NAME.png.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

from ..utils.atomic_file import write_atomically
from ._base import Experiment, jsonable, save_figure, versions

__all__ = ["Experiment", "catalog", "run", "record"]


def catalog() -> dict[str, Experiment]:
    """Every experiment by name, in the order of their modules' names."""
    found: dict[str, Experiment] = {}
    for module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
        if module.startswith("_"):
            continue
        for experiment in importlib.import_module(f"{__name__}.{module}").EXPERIMENTS:
            if experiment.name in found:
                raise RuntimeError(f"two experiments are named {experiment.name!r}")
            found[experiment.name] = experiment
    return found


def lookup(name: str) -> Experiment:
    experiments = catalog()
    if name not in experiments:
        raise KeyError(f"no experiment named {name!r}; `minigrad experiment list` shows "
                       f"{len(experiments)}: {', '.join(experiments)}")
    return experiments[name]


def record(experiment: Experiment, results: dict, quick: bool, seed: int) -> dict:
    """What NAME.json holds: the experiment, its configuration, the versions, the results."""
    return {"experiment": experiment.name, "source": experiment.source,
            "config": {"quick": quick, "seed": seed}, "versions": versions(),
            "results": jsonable(results)}


def run(name: str, quick: bool = False, seed: int = 0, out: str | Path | None = None,
        messages: list[str] | None = None) -> dict:
    """Compute experiment `name` and return its results; with `out`, also write
    out/NAME.json and out/NAME.png (the figure's messages appended to `messages`)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    experiment = lookup(name)
    results = experiment.compute(bool(quick), seed)
    if out is not None:
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically(directory / f"{name}.json",
                         json.dumps(record(experiment, results, quick, seed), indent=1).encode(),
                         "an experiment's results")
        note = save_figure(experiment, results, directory / f"{name}.png")
        if messages is not None:
            messages.append(note)
    return results
