"""Reading input files safely: regular files only, and never more bytes than a cap.

Every reader of the project (networks, scenarios, weather and profile tables) gets
its bytes through ``read_regular_bytes``. A FIFO, a character or block device (``/dev/zero``,
``/dev/stdin``), or a socket is refused with an ``InputFileError`` naming the path, before it is
opened for reading: reading one would hang or never end. A symbolic link is followed only when
it ends at a regular file. A file larger than the cap of its kind is refused before it is read,
and a file that grows while it is read is cut off at the cap and refused as well.

Caps (bytes; a MiB is 2**20 bytes), each overridable by an environment variable holding MiB:

============  ========  =========================
kind          default   variable
============  ========  =========================
network       512 MiB   ``P2H_MAX_NETWORK_MB``
scenario      1 MiB     ``P2H_MAX_SCENARIO_MB``
table         64 MiB    ``P2H_MAX_TABLE_MB``  (weather, demand and unit profiles)
stanet        256 MiB   ``P2H_MAX_STANET_MB``  (STANET CSV exports)
pandapipes    128 MiB   ``P2H_MAX_PANDAPIPES_MB``  (pandapipes JSON; 50 000 pipes ≈ 50 MB)
gis           2048 MiB  ``P2H_MAX_GIS_MB``  (GIS layer files, read by GDAL)
============  ========  =========================

Scenarios are small by nature (the network lives in its own file), and the YAML parser needs
minutes for a file of a few MB, hence their low cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import InputFileError

__all__ = ["LIMITS_MB", "ENV_VARS", "max_input_bytes", "check_regular_file",
           "check_regular_folder", "read_regular_bytes", "read_regular_head",
           "read_regular_text", "file_kind"]

MIB = 1 << 20
LIMITS_MB: dict[str, float] = {"network": 512, "scenario": 1, "table": 64, "stanet": 256,
                               "pandapipes": 128, "gis": 2048}
ENV_VARS: dict[str, str] = {k: f"P2H_MAX_{k.upper()}_MB" for k in LIMITS_MB}

# what a message calls the file → the kind of cap it gets
_KIND_OF = {"weather": "table", "profile": "table", "consumer profile": "table",
            "csv table": "network", "network": "network", "scenario": "scenario",
            "mapping": "scenario",
            "table": "table", "STANET export": "stanet", "pandapipes network": "pandapipes",
            "GIS layer": "gis"}


def max_input_bytes(kind: str) -> int:
    """The byte cap of inputs of ``kind`` ("network", "scenario", "table"): the
    environment variable ``P2H_MAX_<KIND>_MB`` (MiB, may be fractional) or the default.

    Parameters
    ----------
    kind : str
        One of ``LIMITS_MB`` ("network", "scenario", "table", "stanet", "pandapipes", "gis");
        other names (e.g. "weather", "STANET export") map to their kind, unknown ones to
        "table".

    Returns
    -------
    int
        The cap in bytes.
    """
    kind = kind if kind in LIMITS_MB else _KIND_OF.get(kind, "table")
    var = ENV_VARS[kind]
    text = os.environ.get(var)
    if text is None or not text.strip():
        return int(LIMITS_MB[kind] * MIB)
    try:
        mb = float(text)
    except ValueError:
        raise InputFileError(f"environment variable {var}={text!r} is not a number of MiB") \
            from None
    if not mb > 0 or mb == float("inf"):
        raise InputFileError(f"environment variable {var}={text!r} must be a positive number "
                             "of MiB")
    return int(mb * MIB)


def file_kind(mode: int) -> str:
    """A plain name of the file type in ``st_mode`` ("FIFO (named pipe)", "character device" …).
    """
    for test, name in ((stat.S_ISREG, "regular file"), (stat.S_ISDIR, "directory"),
                       (stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISLNK, "symbolic link")):
        if test(mode):
            return name
    return "special file"


def _link_note(path: Path) -> str:
    try:
        if path.is_symlink():
            return f" (a symbolic link to {os.readlink(path)})"
    except OSError:
        pass
    return ""


def _stat(path: Path, what: str, noun: str = "file") -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise InputFileError(f"{path}: {what} {noun} not found{_link_note(path)}") from None
    except NotADirectoryError:
        raise InputFileError(f"{path}: {what} {noun} not found (a part of the path is a file, "
                             "not a folder)") from None
    except OSError as exc:
        raise InputFileError(f"{path}: {what} file cannot be read ({exc.strerror or exc})") \
            from None


def _refuse_special(path: Path, st: os.stat_result, what: str, expected: str) -> None:
    raise InputFileError(
        f"{path}: is a {file_kind(st.st_mode)}{_link_note(path)}, not a {expected}; the "
        f"{what} is read only from a {expected}")


def check_regular_file(path, what: str = "input", max_bytes: int | None = None, *,
                       hint: str = "") -> os.stat_result:
    """Refuse anything but an existing regular file (symbolic links followed), and with
    ``max_bytes`` one larger than that.

    For files another library opens itself (GIS layers through GDAL); files read here go
    through ``read_regular_bytes``, which checks the same and the size again while reading.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages ("network", "scenario", "weather" …).
    max_bytes : int, optional
        The cap (``max_input_bytes(kind)``); no size check when None.
    hint : str
        Added to the message when the file is too large.

    Returns
    -------
    os.stat_result
        The file's status (size in ``st_size``).

    Raises
    ------
    InputFileError
        Missing, a directory, a FIFO, a device or a socket, or larger than ``max_bytes``;
        the message names the path.
    """
    path = Path(path)
    st = _stat(path, what)
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"{path}: is a directory, not a regular file; expected a {what} "
                             "file")
    if not stat.S_ISREG(st.st_mode):
        _refuse_special(path, st, what, "regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise _too_large(path, st.st_size, int(max_bytes), what, hint)
    return st


def check_regular_folder(path, what: str = "input") -> os.stat_result:
    """Refuse anything but an existing directory (symbolic links followed); see
    ``check_regular_file``. The files inside are checked when they are read."""
    path = Path(path)
    st = _stat(path, what, "folder")
    if not stat.S_ISDIR(st.st_mode):
        if stat.S_ISREG(st.st_mode):
            raise InputFileError(f"{path}: is a file, expected a {what} folder")
        _refuse_special(path, st, what, "folder")
    return st


def _size_text(n: int) -> str:
    return f"{n:,} bytes" if n < MIB else f"{n / MIB:,.1f} MiB"


def _too_large(path: Path, size: int | None, max_bytes: int, what: str,
               hint: str = "") -> InputFileError:
    kind = what if what in LIMITS_MB else _KIND_OF.get(what, "table")
    have = _size_text(size) if size is not None else "more than that"
    return InputFileError(
        f"{path}: too large for a {what} file ({have}; the limit is {_size_text(max_bytes)})"
        + (f" — {hint}" if hint else "") + "; if the file is right, raise the limit with the "
        f"environment variable {ENV_VARS[kind]}=<MiB>")


def read_regular_bytes(path, max_bytes: int | None = None, what: str = "input", *,
                       hint: str = "") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``.

    The path is checked before it is opened (``check_regular_file``), opened non-blocking (a
    FIFO swapped in meanwhile cannot stall the open) and checked again on the open descriptor.

    Parameters
    ----------
    path : str or Path
        The file to read.
    max_bytes : int, optional
        The cap; default ``max_input_bytes(what)``.
    what : str
        What the file is, for messages and the default cap ("network", "scenario",
        "weather", "profile" …).
    hint : str
        Added to the message when the file is too large (what to do instead).

    Returns
    -------
    bytes
        The whole content.

    Raises
    ------
    InputFileError
        Not a regular file, larger than the cap, or unreadable; the message names the path.
    """
    path = Path(path)
    cap = max_input_bytes(what) if max_bytes is None else int(max_bytes)
    check_regular_file(path, what, cap, hint=hint)
    data = _read_open(path, cap + 1, what, cap, hint)
    if len(data) > cap:
        raise _too_large(path, None, cap, what, hint)
    return data


def read_regular_head(path, n_bytes: int, what: str = "input") -> bytes:
    """The first ``n_bytes`` (at most) of a regular file, however large it is: for telling a
    format from its header.

    Parameters
    ----------
    path : str or Path
        The file.
    n_bytes : int
        How many bytes to read at most.
    what : str
        What the file is, for messages.

    Returns
    -------
    bytes
        The head of the file.

    Raises
    ------
    InputFileError
        Not a regular file or unreadable (as ``read_regular_bytes``).
    """
    path = Path(path)
    check_regular_file(path, what)
    return _read_open(path, int(n_bytes), what)


def _read_open(path: Path, limit: int, what: str, cap: int | None = None,
               hint: str = "") -> bytes:
    """Up to ``limit`` bytes of ``path``, opened non-blocking (a FIFO swapped in after the check
    cannot stall the open) and checked again on the open descriptor (type, and size against
    ``cap`` when given)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputFileError(f"{path}: {what} file cannot be read ({exc.strerror or exc})") \
            from None
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            _refuse_special(path, fst, what, "regular file")
        if cap is not None and fst.st_size > cap:
            raise _too_large(path, fst.st_size, cap, what, hint)
        chunks, total = [], 0
        while total < limit:
            block = os.read(fd, min(1 << 22, limit - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
        return b"".join(chunks)
    except OSError as exc:
        raise InputFileError(f"{path}: {what} file cannot be read ({exc.strerror or exc})") \
            from None
    finally:
        os.close(fd)


def read_regular_text(path, max_bytes: int | None = None, what: str = "input", *,
                      hint: str = "") -> str:
    """``read_regular_bytes`` decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises
    ------
    InputFileError
        As ``read_regular_bytes``, or the bytes are not UTF-8.
    """
    data = read_regular_bytes(path, max_bytes, what, hint=hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None
