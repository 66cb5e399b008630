"""What an experiment is, and how one is run, saved and drawn.

An experiment is a `compute(quick, seed) -> results` function and a `draw(results, figure)`
function: compute does the work and returns every number the figure shows (JSON-able: numbers,
strings, lists, dicts; NumPy arrays and scalars are converted), draw only plots them. So the
JSON file holds everything the picture does, and a test can check the numbers without pixels.
`headline(results)` gives the lines printed on the terminal: the numbers the experiment is about.
"""
from __future__ import annotations

import dataclasses
import platform
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import __version__

MISSING_MATPLOTLIB = "figure skipped: matplotlib is not installed (pip install \"minigrad[plot]\")"


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One experiment of the source texts.

    name:     the command's argument, lowercase words joined by hyphens ("optimizer-paths")
    summary:  one line on what it shows
    source:   where it comes from ("text 004 (DLFS 6.1)")
    compute:  (quick: bool, seed: int) -> results, a dict of everything plotted
    draw:     (results, figure) -> None, a matplotlib Figure to draw on
    headline: results -> the lines to print
    figsize:  the figure's size in inches
    """

    name: str
    summary: str
    source: str
    compute: Callable[[bool, int], dict]
    draw: Callable[[dict, Any], None]
    headline: Callable[[dict], list[str]]
    figsize: tuple[float, float] = (10.0, 4.0)


def jsonable(value: Any) -> Any:
    """`value` with NumPy arrays and scalars (and tuples) turned into lists and Python numbers;
    non-finite floats are kept (json writes NaN / Infinity, which Python's json reads back)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"experiment results must be JSON-able, got {type(value).__name__}")


def versions() -> dict[str, str]:
    """The versions that produced a result: Python, NumPy, minigrad and the machine."""
    return {"python": platform.python_version(), "numpy": np.__version__,
            "minigrad": __version__, "machine": platform.machine(), "platform": sys.platform}


def save_figure(experiment: Experiment, results: dict, path: Path) -> str:
    """Draw the results into `path` (PNG); the message to print."""
    try:
        import matplotlib  # optional: the `plot` extra
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return MISSING_MATPLOTLIB
    figure = plt.figure(figsize=experiment.figsize)
    try:
        experiment.draw(results, figure)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
    return f"figure: {path}"
