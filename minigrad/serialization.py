"""mg.save / mg.load: checkpoints of state dicts in a NumPy .npz archive, without pickle.

The archive holds every array as `a0, a1, ...` and one JSON document `structure` that rebuilds
the object: dicts, lists, tuples, numbers, strings, bools and None inline, tensors and arrays as
references to their arrays. A magic string, a format version and a SHA-256 over the structure
and every array's bytes guard against foreign, truncated and corrupted files.

save builds the whole archive in memory, then writes it: to a path atomically (through a locked,
fsynced temporary file renamed over the target, see minigrad.utils.atomic_file: a crash leaves
the old checkpoint or the new one, never half of one), to a file object in one write(). The
next save or load of a path removes the temporaries that writers killed mid-write left behind.

Loading reads the file's bytes first (a missing file, a directory or a permission problem raise
their own OSError) and then decodes them in memory, so every failure of the decoding is a fact
about the bytes: it is raised as CheckpointError, with the original exception as its cause.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from pathlib import Path
from typing import IO, Any, Callable

import numpy as np

from .device import device
from .tensor import Tensor
from .utils.atomic_file import remove_stale_temporaries, write_atomically

MAGIC, VERSION = "minigrad-checkpoint", 1
ZIP_UNSUPPORTED_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched data, strong encryption
ZIP64_VERSION = 45  # the newest "version needed to extract" that np.savez writes


class CheckpointError(ValueError):
    """The file is not a valid minigrad checkpoint (foreign, truncated or corrupted)."""


# ---------------------------------------------------------------------- the object <-> JSON
def _encode(obj: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        array = np.asarray(obj._array if isinstance(obj, Tensor) else obj, order="C")
        if array.dtype.hasobject:
            raise TypeError("cannot save an array of Python objects (dtype object): it would "
                            "need pickle")
        arrays.append(array)
        return {"__array__": len(arrays) - 1, "tensor": isinstance(obj, Tensor)}
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in obj):
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


def _decode(node: Any, arrays: list[np.ndarray]) -> Any:
    """The object a structure node describes; CheckpointError for any node save never writes."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and "__array__" in node:
        return _decode_array(node, arrays)
    kind, items = next(iter(node.items())) if isinstance(node, dict) and len(node) == 1 else (
        None, None)
    if kind not in ("__dict__", "__list__", "__tuple__") or not isinstance(items, list):
        raise CheckpointError(f"the structure holds {node!r:.60}, which is not a value, an "
                              "array reference, a dict, a list or a tuple")
    if kind == "__dict__":
        if not all(isinstance(item, list) and len(item) == 2 and type(item[0]) in (str, int)
                   for item in items):
            raise CheckpointError("the structure has a dict entry that is not a [str or int "
                                  "key, value] pair")
        return {key: _decode(value, arrays) for key, value in items}
    values = [_decode(value, arrays) for value in items]
    return values if kind == "__list__" else tuple(values)


def _decode_array(node: dict, arrays: list[np.ndarray]) -> Any:
    """{"__array__": index, "tensor": bool}: the array, as a Tensor if it was one."""
    index, is_tensor = node["__array__"], node.get("tensor")
    if (node.keys() != {"__array__", "tensor"} or type(index) is not int
            or not 0 <= index < len(arrays) or not isinstance(is_tensor, bool)):
        raise CheckpointError(f"the structure has a bad array reference {node!r:.60} "
                              f"(there are {len(arrays)} arrays)")
    return Tensor._make(arrays[index]) if is_tensor else arrays[index]


def _checksum(structure: str, arrays: list[np.ndarray]) -> str:
    digest = hashlib.sha256(structure.encode("utf-8", "surrogatepass"))
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------- writing
def _archive(obj: Any) -> bytes:
    """The checkpoint's bytes: every array, the structure and the header in one .npz."""
    arrays: list[np.ndarray] = []
    structure = json.dumps(_encode(obj, arrays))
    header = json.dumps({"magic": MAGIC, "version": VERSION,
                         "sha256": _checksum(structure, arrays)})
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(header), structure=np.array(structure),
             **{f"a{i}": a for i, a in enumerate(arrays)})
    return buffer.getvalue()


def _binary_file(f: Any, method: str) -> Any:
    """f if it is a path (str or os.PathLike) or a binary file object with this method."""
    if isinstance(f, (str, os.PathLike)):
        return f
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"{f!r:.80} is a text file: open it in binary mode ('rb' or 'wb')")
    if not callable(getattr(f, method, None)):
        raise TypeError(f"f must be a path (str or os.PathLike) or a binary file object with "
                        f"{method}(), got {type(f).__name__}")
    return f


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None,
         pickle_protocol: int = 2) -> None:
    """Write obj (a state dict or any nesting of tensors, arrays and plain values) to f: a path,
    replaced atomically, or a binary file object (io.BytesIO, open(path, "wb")), which gets
    the finished checkpoint in one write() at its current position.

    pickle_module and pickle_protocol are PyTorch's arguments, accepted and without effect:
    nothing is pickled, so the file is the same whatever they say.
    """
    _binary_file(f, "write")
    data = _archive(obj)
    if isinstance(f, (str, os.PathLike)):
        write_atomically(Path(f), data, what="a checkpoint")
    else:
        f.write(data)


# ---------------------------------------------------------------------- reading
def _read_members(raw: bytes) -> dict[str, bytes]:
    """The archive's members by name, each a stored (uncompressed, unencrypted) .npy file."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        infos = archive.infolist()
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                raise CheckpointError(f"member {info.filename!r} says compression method "
                                      f"{info.compress_type}; checkpoints are stored (0)")
            if info.flag_bits & ZIP_UNSUPPORTED_FLAGS or info.extract_version > ZIP64_VERSION:
                raise CheckpointError(f"member {info.filename!r} asks for zip features "
                                      f"checkpoints never use (flags {info.flag_bits:#x}, "
                                      f"version {info.extract_version})")
        members = {info.filename: archive.read(info) for info in infos}
    expected = {"header.npy", "structure.npy"} | {f"a{i}.npy" for i in range(len(infos) - 2)}
    if len(members) != len(infos) or members.keys() != expected:
        raise CheckpointError(f"the archive holds {sorted(n for n in members)[:6]}..., "
                              "expected header, structure, a0, a1, ...")
    return members


def _read_array(name: str, data: bytes) -> np.ndarray:
    """One .npy member, its declared size checked against its data before anything is built."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise CheckpointError(f"{name} has .npy format version {version}")
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran_order, dtype = read_header(stream)
    if dtype.hasobject or dtype.itemsize == 0:
        raise CheckpointError(f"{name} declares dtype {dtype}, which save never writes")
    payload = data[stream.tell():]
    count = math.prod(shape)
    if len(payload) != count * dtype.itemsize:
        raise CheckpointError(f"{name} declares shape {shape} of {dtype} "
                              f"({count * dtype.itemsize} bytes) but holds {len(payload)} bytes")
    array = np.frombuffer(payload, dtype, count).reshape(shape, order="F" if fortran_order
                                                         else "C")
    return array.copy(order="K")


def _read_text(name: str, data: bytes) -> str:
    array = _read_array(name, data)
    if array.dtype.kind != "U" or array.shape != ():
        raise CheckpointError(f"{name} is {array.dtype} of shape {array.shape}, not a string")
    return str(array)


def _parse(raw: bytes) -> Any:
    """The object in a checkpoint's bytes; any exception means the bytes are not one."""
    members = _read_members(raw)
    header = json.loads(_read_text("header", members.pop("header.npy")))
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise CheckpointError("it is not a minigrad checkpoint (no minigrad header)")
    if header.get("version") != VERSION:
        raise CheckpointError(f"it has checkpoint format {header.get('version')!r}, this "
                              f"minigrad reads format {VERSION}")
    structure = _read_text("structure", members.pop("structure.npy"))
    arrays = [_read_array(f"a{i}", members[f"a{i}.npy"]) for i in range(len(members))]
    if _checksum(structure, arrays) != header.get("sha256"):
        raise CheckpointError("it is corrupted (its checksum does not match)")
    return _decode(json.loads(structure), arrays)


def _tensor_placement(map_location: Any) -> Callable[[Tensor], Any] | None:
    """What map_location does to each loaded tensor: None for nothing (every device it may
    name is the CPU); a RuntimeError names any other device before the file is read."""
    if map_location is None:
        return None
    if isinstance(map_location, (str, device)):
        device(map_location)
        return None
    if isinstance(map_location, dict):
        for target in map_location.values():
            device(target)
        return None
    if callable(map_location):  # PyTorch calls it with (storage, location); here a tensor
        return lambda tensor: map_location(tensor, "cpu")
    raise TypeError(f"map_location must be None, a device, a str, a dict or a callable, got "
                    f"{type(map_location).__name__}")


def _placed(obj: Any, place: Callable[[Tensor], Any]) -> Any:
    """obj with every tensor replaced by place(tensor)."""
    if isinstance(obj, Tensor):
        placed = place(obj)
        if not isinstance(placed, Tensor):
            raise TypeError(f"map_location returned {type(placed).__name__}, expected the "
                            "tensor it was given (or a copy of it)")
        return placed
    if isinstance(obj, dict):
        return {key: _placed(value, place) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_placed(value, place) for value in obj)
    return obj


def _read(f: Any) -> tuple[bytes, str]:
    """The bytes of a path or of a binary file object (from its position on), and its name."""
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        remove_stale_temporaries(path)
        return path.read_bytes(), str(path)
    raw = f.read()
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"{f!r:.80} gave {type(raw).__name__}, not bytes: open it in binary "
                        "mode ('rb')")
    return bytes(raw), str(getattr(f, "name", type(f).__name__))


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, pickle_module: Any = None,
         *, weights_only: bool | None = None, mmap: bool | None = None) -> Any:
    """Read a checkpoint written by save from a path or a binary file object.

    map_location may be None, "cpu", minigrad.device("cpu"), a dict whose targets are the CPU,
    or a callable(tensor, "cpu") returning the tensor to use; other devices raise RuntimeError.
    weights_only, mmap and pickle_module are PyTorch's arguments and change nothing: a checkpoint
    holds only tensors, arrays and plain values, so loading one never runs code.

    CheckpointError if the file is not one or was damaged (the decoding's own exception is its
    __cause__); FileNotFoundError, IsADirectoryError, PermissionError as from open().
    """
    for name, flag in (("weights_only", weights_only), ("mmap", mmap)):
        if flag is not None and not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool or None, got {type(flag).__name__}")
    place = _tensor_placement(map_location)
    raw, name = _read(_binary_file(f, "read"))
    try:
        obj = _parse(raw)
    except Exception as error:
        reason = (str(error) if isinstance(error, CheckpointError)
                  else f"it is damaged or another format ({type(error).__name__}: {error})")
        raise CheckpointError(f"{name} is not a valid minigrad checkpoint: {reason}") from error
    return obj if place is None else _placed(obj, place)
