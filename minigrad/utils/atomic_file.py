"""Atomic file writes: a file is replaced by its new contents whole, or not at all.

write_atomically writes to a temporary file `.<name>.<pid>.<random>.minigrad-tmp` in the same
directory, locked, flushed and fsynced, then renames it over the target and fsyncs the
directory, so a crash leaves either the old file or the new one, never half of one. A process
killed mid-write (kill -9) leaves its temporary behind; remove_stale_temporaries(path) (which
every write calls) removes the temporaries of that path whose writer is gone (no live process
with that pid, and nobody holds the file's lock).
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import secrets
from pathlib import Path

TEMPORARY_SUFFIX = ".minigrad-tmp"


def _temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")


def _process_alive(pid: int) -> bool:
    """Is there a running (not zombie) process with this pid?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    except OverflowError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _remove_if_unlocked(temporary: Path) -> None:
    """Remove a temporary unless a writer still holds its lock (a writer in another pid
    namespace, whose pid means nothing here)."""
    try:
        fd = os.open(temporary, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        temporary.unlink()
    except OSError:  # locked by a live writer, or not ours to remove
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temporaries of path that a killed save left behind (best effort)."""
    own_name = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[0-9a-f]{12}"
                          + re.escape(TEMPORARY_SUFFIX))
    try:
        names = [entry.name for entry in os.scandir(path.parent)]
    except OSError:
        return
    for name in names:
        match = own_name.fullmatch(name)
        if match and not _process_alive(int(match[1])):
            _remove_if_unlocked(path.parent / name)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, what: str = "a file") -> None:
    """Replace path's contents with data, atomically (see the module docstring)."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"cannot save {what} over a directory", str(path))
    remove_stale_temporaries(path)
    temporary = _temporary_path(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # tells cleaners that a writer is alive
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
