"""Terminal output helpers: one readable message on errors, rich tables for humans."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """Print an error message (no traceback) to stderr."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)


def print_json(data) -> None:
    """Machine output on stdout."""
    sys.stdout.write(json.dumps(data, indent=1, default=str, allow_nan=False) + "\n")


def fmt(x, digits: int = 3) -> str:
    """A number for tables."""
    try:
        return f"{float(x):.{digits}f}"
    except (TypeError, ValueError):
        return str(x)


@contextlib.contextmanager
def guarded_outputs(files=(), folders=(), inputs=()) -> Iterator[None]:
    """Check every output path before the work starts and hold a lock on each while the block
    runs (``io.atomic.check_output_file`` / ``check_output_folder``, ``io.locks``).

    Parameters
    ----------
    files : iterable of paths
        Output files (``None`` entries skipped).
    folders : iterable of (path, owned)
        Output folders replaced whole, with the predicate of the file names they own.
    inputs : iterable of paths
        The run's inputs: never overwritten.

    Missing parent folders are created (and removed again if they stay empty).

    Raises
    ------
    OutputError
        An output path is refused or locked by another run (exit 3).
    """
    from ..errors import OutputError
    from ..io.atomic import check_output_file, check_output_folder
    from ..io.locks import output_locks

    files = [Path(p) for p in files if p is not None]
    folders = [(Path(p), owned) for p, owned in folders if p is not None]
    inputs = [p for p in inputs if p is not None]
    for p in files:
        check_output_file(p, inputs)
    for p, owned in folders:
        check_output_folder(p, inputs, owned)
    created: list[Path] = []
    try:
        for p in [*files, *(p for p, _ in folders)]:
            try:
                created += _make_parents(p)
            except OSError as exc:
                raise OutputError(f"{p}: cannot create its folder ({exc.strerror or exc})") \
                    from None
        with output_locks([*files, *(p for p, _ in folders)]):
            yield
    finally:
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()  # only if the run left it empty


def _make_parents(path: Path) -> list[Path]:
    missing = []
    parent = Path(os.path.abspath(path)).parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for d in reversed(missing):
        d.mkdir()
    return list(reversed(missing))
