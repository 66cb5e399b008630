"""mg.save / mg.load: checkpoints of state dicts in a NumPy .npz archive, without pickle.

The archive holds every array as `a0, a1, ...` and one JSON document `structure` that rebuilds
the object: dicts, lists, tuples, numbers, strings, bools and None inline, tensors and arrays as
references to their arrays. A magic string, a format version and a SHA-256 over the structure
and every array's bytes guard against foreign, truncated and corrupted files. Writing goes to a
temporary file in the same directory, flushed and fsynced, then renamed over the target, so a
crash leaves either the old checkpoint or the new one, never half of one.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .tensor import Tensor

MAGIC, VERSION = "minigrad-checkpoint", 1


class CheckpointError(ValueError):
    """The file is not a valid minigrad checkpoint (foreign, truncated or corrupted)."""


def _encode(obj: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        arrays.append(np.asarray(obj.data if isinstance(obj, Tensor) else obj, order="C"))
        return {"__array__": len(arrays) - 1, "tensor": isinstance(obj, Tensor)}
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) for k in obj):
            raise TypeError("checkpoint dict keys must be str or int")
        return {"__dict__": [[k, _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__":
                [_encode(v, arrays) for v in obj]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot save an object of type {type(obj).__name__} (tensors, arrays, "
                    "numbers, strings, None and dicts/lists/tuples of them can be saved)")


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(node, dict):
        if "__array__" in node:
            array = arrays[f"a{node['__array__']}"]
            return Tensor._make(array) if node["tensor"] else array
        if "__dict__" in node:
            return {k: _decode(v, arrays) for k, v in node["__dict__"]}
        if "__list__" in node:
            return [_decode(v, arrays) for v in node["__list__"]]
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    return node


def _checksum(structure: str, arrays: list[np.ndarray]) -> str:
    digest = hashlib.sha256(structure.encode())
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write obj (a state dict or any nesting of tensors, arrays and plain values) to path."""
    arrays: list[np.ndarray] = []
    structure = json.dumps(_encode(obj, arrays))
    header = json.dumps({"magic": MAGIC, "version": VERSION,
                         "sha256": _checksum(structure, arrays)})
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                     dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, header=np.array(header), structure=np.array(structure),
                     **{f"a{i}": a for i, a in enumerate(arrays)})
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by save; CheckpointError if it is not one or was damaged."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
        header = json.loads(str(contents.pop("header")))
        structure = str(contents.pop("structure"))
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError,
            json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a valid minigrad checkpoint (not a readable "
                              "checkpoint archive: truncated, damaged or another format)") from None
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise CheckpointError(f"{path} is not a minigrad checkpoint")
    if header.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint format {header.get('version')}, this "
                              f"minigrad reads format {VERSION}")
    arrays = [contents[f"a{i}"] for i in range(len(contents))]
    if _checksum(structure, arrays) != header.get("sha256"):
        raise CheckpointError(f"{path} is corrupted (its checksum does not match)")
    return _decode(json.loads(structure), contents)
