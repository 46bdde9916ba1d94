"""Safe output: every output path is checked before the work starts, and written whole or not at
all.

* ``check_output_file`` / ``check_output_folder`` refuse, with an ``OutputError`` (exit 3)
  naming the path: an input of the run (also by another name: a symbolic or hard link), a
  symbolic link (never replaced or written through silently: the message names its target), a
  FIFO, device or socket (writing there would block, or replace the special file), a folder
  where a file is expected and the reverse, a parent that is a file or not writable, and — for
  folders — a folder holding files the output does not own (they would be lost when the folder
  is replaced). The CLI runs these checks before solving.
* ``write_bytes_atomic`` writes into a temporary file next to the target, ``fsync``s it and
  renames it over the target: a crash never leaves a half-written file.
* ``staged_folder`` builds a multi-file output in a temporary folder next to the target and
  swaps it in whole at the end (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames
  elsewhere): a kill leaves the old folder or the new one, never a mix.

Any ``OSError`` while writing becomes an ``OutputError`` naming the path. Locks against
concurrent runs writing the same outputs are in ``io.locks``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import OutputError
from .safe_read import file_kind

__all__ = ["protect", "protected_paths", "check_output_file", "check_output_folder",
           "write_bytes_atomic", "write_text_atomic", "write_json_atomic", "staged_folder",
           "write_folder_atomic", "JsonFile", "DocumentFiles"]

_PROTECTED: set[Path] = set()


def protect(*paths) -> None:
    """Register input files that no output may overwrite during this process."""
    for p in paths:
        if p is not None:
            _PROTECTED.add(Path(p).resolve())


def protected_paths(inputs: Iterable = ()) -> set[Path]:
    """The resolved paths of ``inputs`` and of every ``protect``-ed input."""
    return _PROTECTED | {Path(p).resolve() for p in inputs if p is not None}


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_input(path: Path, target: Path, guarded: set[Path]) -> None:
    for g in guarded:
        if target == g or _same_file(path, g):
            raise OutputError(f"{path}: refusing to overwrite an input file ({g}); choose "
                              "another output path")


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        try:
            dest = os.readlink(path)
        except OSError:
            dest = "?"
        raise OutputError(f"{path}: is a symbolic link to {dest}; refusing to replace the link "
                          "or write through it — give the target itself as the output path, "
                          "or remove the link")


def _check_parent(path: Path) -> None:
    """The nearest existing ancestor of ``path`` must be a writable folder."""
    parent = Path(os.path.abspath(path)).parent
    probe = parent
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    try:
        st = os.stat(probe)
    except OSError as exc:
        raise OutputError(f"{path}: cannot use the output folder {probe} "
                          f"({exc.strerror or exc})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: cannot write here, {probe} is a {file_kind(st.st_mode)}, "
                          "not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write here, the folder {probe} is not writable")


def check_output_file(path, inputs: Iterable = ()) -> Path:
    """Refuse an output file path that cannot or must not be written (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The output file.
    inputs : iterable of paths
        Inputs of the run (never overwritten), in addition to the ``protect``-ed ones.

    Returns
    -------
    Path
        ``path`` as a ``Path``.

    Raises
    ------
    OutputError
        With the path and the reason.
    """
    path = Path(path)
    _refuse_input(path, path.resolve(), protected_paths(inputs))
    _refuse_link(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None  # a parent is a file: reported by _check_parent
    except OSError as exc:
        raise OutputError(f"{path}: cannot use as output ({exc.strerror or exc})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: is a directory, expected a file path for the output")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path}: is a {file_kind(st.st_mode)}; outputs are written only "
                              "to regular files (it would be replaced, or the write could "
                              "block) — choose a file path")
    _check_parent(path)
    return path


def check_output_folder(path, inputs: Iterable = (),
                        owned: Callable[[str], bool] | None = None) -> Path:
    """Refuse an output folder path that cannot or must not be (re)placed.

    Parameters
    ----------
    path : str or Path
        The output folder (replaced whole by ``staged_folder``).
    inputs : iterable of paths
        Inputs of the run; none may be the folder or lie inside it.
    owned : callable, optional
        ``owned(name)`` is true for the file names this output writes; an existing folder with
        anything else in it is refused (it would be lost). Default: only an empty folder may be
        replaced.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        With the path and the reason.
    """
    path = Path(path)
    target = path.resolve()
    for g in protected_paths(inputs):
        if g == target or target in g.parents:
            raise OutputError(f"{path}: refusing to overwrite an input ({g}); choose an "
                              "output folder outside the inputs")
    _refuse_link(path)
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot use as output ({exc.strerror or exc})") from None
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: exists and is a {file_kind(st.st_mode)}, not a folder; "
                              "this output is a folder — choose a folder path")
        foreign = _foreign_entries(path, owned)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" … ({len(foreign)} in all)"
                                              if len(foreign) > 5 else "")
            raise OutputError(f"{path}: the output folder holds entries this output does not "
                              f"write ({shown}); the folder is replaced whole, so choose an "
                              "empty or new folder")
    _check_parent(path)
    return path


def _foreign_entries(folder: Path, owned: Callable[[str], bool] | None) -> list[str]:
    out = []
    with os.scandir(folder) as it:
        for e in it:
            if owned is None or not e.is_file(follow_symlinks=False) or not owned(e.name):
                out.append(e.name + ("/" if e.is_dir(follow_symlinks=False) else ""))
    return sorted(out)


def write_bytes_atomic(path, data: bytes, inputs: Iterable = ()) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename); returns the path.

    Raises
    ------
    OutputError
        The path is refused by ``check_output_file`` or the write fails (the target is then
        unchanged and no temporary file is left).
    """
    path = Path(path)
    check_output_file(path, inputs)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; outputs get the usual 0666 & ~umask
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
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


def write_json_atomic(path, doc, inputs: Iterable = ()) -> Path:
    """Write a result type's ``to_dict()`` as JSON, atomically: the ``to_json`` of reports.

    Parameters
    ----------
    path : path-like
        The JSON file.
    doc : object
        JSON-ready data (NaN already replaced; anything else not JSON-native becomes its
        ``str``).
    inputs : iterable of path-like
        Input files of the run (refused as the target).

    Returns
    -------
    Path
        The file written (indent 1, UTF-8 text, a final newline).

    Raises
    ------
    ValueError
        ``doc`` holds NaN or infinity (JSON has neither).
    """
    text = json.dumps(doc, indent=1, allow_nan=False, default=str, ensure_ascii=False)
    return write_text_atomic(path, text + "\n", inputs)


# --------------------------------------------------------------------------------------------
# folders

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False when not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, target: Path) -> None:
    """Put the folder ``tmp`` at ``target``; an existing ``target`` is removed afterwards."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(path, inputs: Iterable = (),
                  owned: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """A temporary folder next to ``path``; on leaving the block without an error it replaces
    ``path`` whole (the old folder is removed only then), on an error it is removed.

    Parameters
    ----------
    path : str or Path
        The output folder.
    inputs, owned
        As in ``check_output_folder`` (checked on entry and again before the swap).

    Yields
    ------
    Path
        The folder to write the files into.

    Raises
    ------
    OutputError
        The folder is refused, or creating / moving it fails.
    """
    path = Path(path)
    check_output_folder(path, inputs, owned)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial",
                                    dir=path.parent))
        os.chmod(tmp, 0o777 & ~_umask())
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder ({exc.strerror or exc})") \
            from None
    try:
        yield tmp
        check_output_folder(path, inputs, owned)
        try:
            _swap_in(tmp, path)
        except OSError as exc:
            raise OutputError(f"{path}: cannot move the new output folder into place "
                              f"({exc.strerror or exc})") from None
    finally:
        if os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def write_folder_atomic(path, files: dict[str, bytes | str], inputs: Iterable = (),
                        owned: Callable[[str], bool] | None = None) -> Path:
    """Write ``files`` (name → bytes, or text written as UTF-8) as the folder ``path``, replacing
    an existing one whole (see ``staged_folder``); returns the path."""
    path = Path(path)
    names = set(files)
    with staged_folder(path, inputs, owned or names.__contains__) as tmp:
        for name, data in files.items():
            write_bytes_atomic(tmp / name, data.encode("utf-8") if isinstance(data, str)
                               else data)
    return path


class JsonFile:
    """``to_json(path)`` of a result type from its ``to_dict()`` (JSON-ready data): one
    convention for every result type, written once."""

    def to_json(self, path, inputs: Iterable = ()) -> Path:
        """Write ``to_dict()`` as JSON, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The JSON file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_json_atomic(path, self.to_dict(), inputs)


class DocumentFiles(JsonFile):
    """``to_json(path)`` and ``to_markdown(path)`` of a report type (``Report``,
    ``ImportReport``, ``SizingReport``, ``PathwayResult``): the type provides ``to_dict()``
    and ``markdown()`` (the text)."""

    def to_markdown(self, path, inputs: Iterable = ()) -> Path:
        """Write ``markdown()``, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The Markdown file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_text_atomic(path, self.markdown(), inputs)
