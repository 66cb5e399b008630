"""How tensors print: PyTorch's layout, byte for byte (the algorithm of torch/_tensor_str.py).

A tensor prints as `tensor(<values>, <suffixes>)`. The values share one formatter, chosen from
the values that will be shown (all of them, or the edge items when summarized):

- floating values print with `precision` decimals; when every finite value is a whole number they
  print as `3.` ("int mode"); scientific notation when the magnitudes span more than 1000x, or
  some exceeds 1e8 or falls below 1e-4 (or as `sci_mode` forces);
- every value is right-aligned to the widest one, and a row wraps so that no line exceeds
  `linewidth` characters;
- above `threshold` elements only `edgeitems` items at each end of each dimension are shown,
  with `...` between them.

The suffixes (dtype when it is not the default float / int64 / bool, grad_fn or requires_grad)
go on the last line if they fit in the line width, else on lines of their own.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator

import numpy as np

from . import dtypes


@dataclasses.dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = PrintOptions()
_PROFILES = {"default": PrintOptions(), "short": PrintOptions(precision=2, edgeitems=2),
             "full": PrintOptions(threshold=math.inf)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (torch.set_printoptions). As in PyTorch, sci_mode is always set:
    leaving it out returns to choosing scientific notation automatically."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        for field in ("precision", "threshold", "edgeitems", "linewidth"):
            setattr(OPTIONS, field, getattr(_PROFILES[profile], field))
    for field, value in (("precision", precision), ("threshold", threshold),
                         ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, field, value)
    OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keywords for set_printoptions."""
    return dataclasses.asdict(OPTIONS)


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    """Change the print options inside a with block only."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------------------- values


class Formatter:
    """Formats every value of one tensor to a common width (PyTorch's _Formatter)."""

    def __init__(self, shown: np.ndarray) -> None:
        self.floating = shown.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max([len(str(v)) for v in shown.tolist()], default=1)
            return
        values = shown[np.isfinite(shown) & (shown != 0)].astype(np.float64)
        if values.size == 0:  # nothing but zeros, infinities and NaNs
            return
        magnitudes = np.abs(values)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(values == np.ceil(values)))
        self.sci_mode = (largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
                         if OPTIONS.sci_mode is None else OPTIONS.sci_mode)
        extra = 1 if self.int_mode and not self.sci_mode else 0  # the "." after a whole number
        self.width = max(len(self._plain(v)) + extra for v in values.tolist())

    def _plain(self, value: float) -> str:
        precision = OPTIONS.precision
        if self.sci_mode:
            return f"{value:.{precision}e}"
        return f"{value:.0f}" if self.int_mode else f"{value:.{precision}f}"

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{OPTIONS.precision}e}"
        else:
            text = self._plain(value)
            if self.int_mode and math.isfinite(value):
                text += "."
        return text.rjust(self.width)


def _shown_values(array: np.ndarray) -> np.ndarray:
    """The values that a summarized print shows: edgeitems at each end of every dimension."""
    if array.ndim == 0:
        return array.reshape(1)
    edge = OPTIONS.edgeitems
    rows = array if array.shape[0] <= 2 * edge else np.concatenate(
        [array[:edge], array[array.shape[0] - edge:]])
    if array.ndim == 1:
        return rows
    return np.concatenate([_shown_values(row) for row in rows] or [array.reshape(-1)[:0]])


def _vector(array: np.ndarray, indent: int, summarize: bool, formatter: Formatter) -> str:
    """One row: its elements, wrapped to the line width, under the opening bracket + 1."""
    per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (formatter.width + 2)))
    edge = OPTIONS.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        items = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                 + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        items = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array: np.ndarray, indent: int, summarize: bool, formatter: Formatter) -> str:
    """The bracketed values of array; sub-arrays of a d-dim array are d - 1 newlines apart."""
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    edge, count = OPTIONS.edgeitems, array.shape[0]
    if summarize and count > 2 * edge:
        slices = ([_nested(array[i], indent + 1, summarize, formatter) for i in range(edge)]
                  + ["..."]
                  + [_nested(array[i], indent + 1, summarize, formatter)
                     for i in range(count - edge, count)])
    else:
        slices = [_nested(row, indent + 1, summarize, formatter) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def format_values(array: np.ndarray, indent: int) -> str:
    """The values part of a tensor's repr, its first line starting at column indent."""
    if array.size == 0:
        return "[]"
    summarize = array.size > OPTIONS.threshold
    formatter = Formatter(_shown_values(array) if summarize else array.reshape(-1))
    return _nested(array, indent, summarize, formatter)


# --------------------------------------------------------------------------------------- tensors


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """text + ", suffix" for each suffix, starting a new line when one would pass linewidth."""
    parts = [text]
    last_line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_length += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(array: np.ndarray, grad_fn_name: str | None, requires_grad: bool) -> str:
    """`tensor(...)` as PyTorch prints a tensor with these values, grad_fn and requires_grad."""
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default_float = array.dtype == dtypes.default_float()
    if array.size == 0 and array.ndim != 1:
        suffixes.append(f"size={tuple(array.shape)}")
    elif array.size != 0 and not OPTIONS.edgeitems:
        suffixes.append(f"size={tuple(array.shape)}")
    shown_dtype = (not default_float if array.size == 0
                   else not (default_float or array.dtype in (np.int64, np.bool_)))
    if shown_dtype:
        suffixes.append(f"dtype={dtypes.from_numpy_dtype(array.dtype)}")
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + format_values(array, indent), suffixes, indent)


# PyTorch's names for the backward nodes of minigrad's Functions, where they differ from
# "<Function>Backward0" (e.g. Linear is x W^T + b, which PyTorch records as addmm).
_NODE_NAMES = {
    "Clamp": "ClampBackward1", "ToDtype": "ToCopyBackward0", "LogSumExp": "LogsumexpBackward0",
    "Reshape": "ViewBackward0", "Matmul": "MmBackward0", "Linear": "AddmmBackward0",
    "ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0", "ELU": "EluBackward0",
    "Conv2d": "ConvolutionBackward0", "MaxPool2d": "MaxPool2DWithIndicesBackward0",
    "AvgPool2d": "AvgPool2DBackward0", "CrossEntropy": "NllLossBackward0",
    "NLLLoss": "NllLossBackward0", "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Dropout": "MulBackward0", "BatchNorm": "NativeBatchNormBackward0",
    "LayerNorm": "NativeLayerNormBackward0",
}


def node_name(function_name: str) -> str:
    """The name PyTorch prints in grad_fn=<...> for the node of the Function so named."""
    return _NODE_NAMES.get(function_name, function_name + "Backward0")
