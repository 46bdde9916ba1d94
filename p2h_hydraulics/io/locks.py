"""Advisory locks on output paths, so that two runs writing the same outputs cannot interleave.

``output_locks(paths)`` takes an exclusive ``flock`` on a sidecar file ``.<name>.p2h-lock`` next
to each output (in the real folder: symbolic links of the folder resolved), holds it while the
block runs and removes the sidecar when it lets go. A run that finds an output locked waits a
little (``P2H_LOCK_WAIT_S`` seconds, default 2) and then fails with an ``OutputError`` (exit 3)
naming the path and the process holding it. The CLI takes the locks right after the output
paths are checked, before solving, and keeps them until every file is written.

The locks are advisory (other programs ignore them) and need a file system with ``flock``
(local file systems; NFS emulates it). Where ``fcntl`` is missing (Windows) no lock is taken.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["lock_path", "output_locks", "DEFAULT_WAIT_S", "WAIT_ENV"]

DEFAULT_WAIT_S = 2.0
WAIT_ENV = "P2H_LOCK_WAIT_S"
_POLL_S = 0.05


def lock_path(path) -> Path:
    """The sidecar lock file of the output ``path``: ``.<name>.p2h-lock`` in its real folder."""
    path = Path(os.path.abspath(path))
    return Path(os.path.realpath(path.parent)) / f".{path.name}.p2h-lock"


def _wait_s() -> float:
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_S
    try:
        v = float(text)
    except ValueError:
        raise OutputError(f"environment variable {WAIT_ENV}={text!r} is not a number of "
                          "seconds") from None
    return max(0.0, v)


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {text})" if text.isdigit() else ""


def _acquire(path: Path, wait_s: float) -> tuple[int, Path]:
    lock = lock_path(path)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                         | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise OutputError(f"{path}: cannot lock the output ({lock}: "
                              f"{exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"{path}: another p2h run is writing this output{_holder(lock)}; wait for "
                    f"it to finish or choose another output path (lock file {lock})") from None
            time.sleep(_POLL_S)
            continue
        except OSError as exc:
            os.close(fd)
            raise OutputError(f"{path}: cannot lock the output ({lock}: "
                              f"{exc.strerror or exc})") from None
        try:  # the holder before us may have removed the file after we opened it: retry
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except OSError:
            same = False
        if not same:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        return fd, lock


def _release(fd: int, lock: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(lock)  # while still holding it: waiters re-check the inode
    os.close(fd)


@contextlib.contextmanager
def output_locks(paths: Iterable, wait_s: float | None = None) -> Iterator[list[Path]]:
    """Hold an exclusive lock on each output path (``None`` entries skipped) for the block.

    Parameters
    ----------
    paths : iterable of paths
        The outputs (files or folders); their folders must exist.
    wait_s : float, optional
        How long to wait for a lock another run holds (default ``P2H_LOCK_WAIT_S`` or 2 s).

    Yields
    ------
    list of Path
        The sidecar lock files held.

    Raises
    ------
    OutputError
        An output is locked by another run beyond ``wait_s``, or cannot be locked.
    """
    wait = _wait_s() if wait_s is None else float(wait_s)
    unique: dict[Path, Path] = {}
    for p in paths:
        if p is not None:
            unique.setdefault(lock_path(p), Path(p))
    held: list[tuple[int, Path]] = []
    try:
        if fcntl is not None:
            for lock in sorted(unique):  # one order for every run: no deadlock between runs
                held.append(_acquire(unique[lock], wait))
        yield [lk for _, lk in held]
    finally:
        for fd, lock in reversed(held):
            _release(fd, lock)
