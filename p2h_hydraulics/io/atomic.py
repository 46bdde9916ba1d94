"""Safe output: write to a temporary file in the target folder, then rename over the target.

A crash never leaves a half-written file, and a path that is one of the run's inputs is never
overwritten (``protect``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import P2HError

_PROTECTED: set[Path] = set()


def protect(*paths) -> None:
    """Register input files that no output may overwrite during this process."""
    for p in paths:
        if p is not None:
            _PROTECTED.add(Path(p).resolve())


def protected_paths() -> set[Path]:
    """The input files registered with ``protect`` (resolved paths; a copy)."""
    return set(_PROTECTED)


def check_target(path: Path, inputs: Iterable = ()) -> None:
    """Raise ``P2HError`` when ``path`` is an input (``inputs`` or ``protect``) or a folder.

    Parameters
    ----------
    path : Path
        The output file about to be written.
    inputs : iterable of path-like
        Input files of the run, which no output may replace.
    """
    target = path.resolve()
    guarded = _PROTECTED | {Path(p).resolve() for p in inputs if p is not None}
    if target in guarded:
        raise P2HError(f"{path}: refusing to overwrite an input file; choose another output path")
    if target.is_dir():
        raise P2HError(f"{path}: is a directory, expected a file path for the output")


def write_bytes_atomic(path, data: bytes, inputs: Iterable = ()) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename); returns the path."""
    path = Path(path)
    check_target(path, inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; outputs get the usual 0666 & ~umask
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    """The process umask: from /proc on Linux (thread-safe), else by setting and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path, text: str, inputs: Iterable = ()) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"), inputs)
