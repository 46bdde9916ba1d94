"""A network as a folder of CSV tables (what spreadsheets and GIS attribute exports produce).

One file per table, named after the table: ``junctions.csv``, ``pipes.csv``, ``valves.csv``,
``consumers.csv``, ``plants.csv``, ``feedins.csv``, ``pressure_refs.csv``, ``mass_flows.csv`` — or
the trench form ``nodes.csv`` + ``trenches.csv`` (+ ``consumers.csv`` … with a ``node`` column, see
``model.trench``). An optional ``settings.csv`` has two columns ``key,value``. The first row of
every table is the header with the field names; units come from the suffix as in the JSON format
(``length_m``, ``d_inner_mm``, ``t_return_c``, ``q_kw``, ``p_return_bar`` …).

Reading rules:

- the delimiter is detected per file from its header line: ``,``, ``;`` or tab;
- in ``;`` files (German Excel exports) numeric fields may use a decimal comma (``12,5``,
  ``1.234,5``); a plain ``1.234`` is read as one point two three four;
- UTF-8 with or without BOM; UTF-16 with BOM; otherwise Windows-1252 (Excel "CSV" on Windows);
- empty cells are missing values (the default applies, or "required field is empty");
- blank lines and lines whose first cell starts with ``#`` are skipped;
- rows shorter than the header are padded with empty cells; rows with extra non-empty cells are
  an error naming the file and line;
- file names are matched case-insensitively; hidden files and lock files (``.…``, ``~$…``) and
  files that do not end in ``.csv`` are ignored; any other ``.csv`` is an "unknown table".

Every problem names the CSV file and, for a row, its line number (the physical line where the row
starts). Values stay text until ``model.build`` converts them, so unit handling and messages are
the same as for every other format.

The writer writes canonical SI columns (``id`` first), floats with ``repr`` precision so that
``read(write(net))`` reproduces the model exactly, one file per non-empty table plus
``settings.csv``. Files of known tables that it does not rewrite (stale tables of an earlier run)
are removed from the target folder, so the folder always describes exactly ``net``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
import stat
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputFileError, ModelError, Problem
from ..model.build import network_from_records
from ..model.schema import SETTINGS, TABLES
from ..model.trench import RETURN_SUFFIX, SUPPLY_SUFFIX, is_trench_form
from .atomic import write_folder_atomic
from .safe_read import check_regular_folder, file_kind, read_regular_bytes

TRENCH_TABLES = ("nodes", "trenches")
KNOWN_TABLES = (*TABLES, *TRENCH_TABLES)
SETTINGS_FILE = "settings"

# Every accepted file name of a float attribute (any table or setting): where a decimal comma
# may be converted.
FLOAT_FIELDS = frozenset(
    name
    for attrs in (*TABLES.values(), SETTINGS)
    for a in attrs if a.kind == "float"
    for name in a.accepted_names()
)
# "12,5", ",5", "-1,5e3", "1.234.567,25" (dots as thousands separators)
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?,\d+(?:[eE][+-]?\d+)?$")
# fields of the trench form that model.trench reads with .get(): an empty cell must be absent
_TRENCH_KEYS = ("side", "node", "from_node", "to_node")


# --------------------------------------------------------------------------------------------
# Source locations: map problems from model.build back to the file/line/feature they came from.
# Shared with the GeoJSON reader.


@dataclass(frozen=True)
class SourceLoc:
    """Where one record came from: a file and a line (CSV) or a feature index (GeoJSON)."""

    file: str | None
    line: int | None = None
    feature: int | None = None


class SourceMap:
    """Records' origins, to re-attach file, line and feature to problems found by the model.

    ``add`` each record as it is read; ``build`` then runs ``network_from_records`` and rewrites
    every problem so it names the file (and line or feature) the element came from. In the trench
    form, problems about the expanded junctions/pipes (``N_s``, ``T_r`` …) are translated back to
    the node/trench (and its ``node``/``from_node``/``to_node`` field) the user wrote.
    """

    def __init__(self, base_file: str | None, noun: str = "rows"):
        self.base_file = base_file
        self.noun = noun
        self.table_files: dict[str, str] = {}
        self._rows: dict[tuple[str, str], list[SourceLoc]] = defaultdict(list)
        self._settings: dict[str, SourceLoc] = {}
        self.trench = False

    def add(self, table: str, index: int, rec_id, loc: SourceLoc) -> None:
        """Register record number ``index`` of ``table`` (id ``rec_id``, may be missing)."""
        self._rows[(table, f"#{index}")].append(loc)
        key = _id_text(rec_id)
        if key is not None:
            self._rows[(table, key)].append(loc)

    def add_setting(self, key: str, loc: SourceLoc) -> None:
        self._settings.setdefault(key, loc)

    # -- problem translation ----------------------------------------------------------------

    def _translate(self, p: Problem) -> Problem:
        """Problem on an expanded (trench-form) element → problem on what the user wrote."""
        if not self.trench or p.element is None:
            return p
        elem, field, value = str(p.element), p.field, _strip_side(p.value)
        side = elem[-len(SUPPLY_SUFFIX):] if elem.endswith((SUPPLY_SUFFIX, RETURN_SUFFIX)) else ""
        base = elem[: -len(side)] if side else elem
        if p.table == "junctions" and side:
            return replace(p, table="nodes", element=base)
        if p.table in ("pipes", "valves", "pumps") and side:
            ref = {"from_junction": "from_node", "to_junction": "to_node"}
            if side == RETURN_SUFFIX and p.table != "pumps":  # return pipes run to → from
                ref = {"from_junction": "to_node", "to_junction": "from_node"}
            table = "trenches" if p.table == "pipes" else p.table
            if (table, base) not in self._rows and (p.table, elem) in self._rows:
                return p
            return replace(p, table=table, element=base, field=ref.get(field, field),
                           value=value if field in ref else p.value)
        refs = {"supply_junction", "return_junction", "junction"}
        if p.table in ("consumers", "plants", "feedins", "pressure_refs", "mass_flows") and \
                field in refs:
            return replace(p, field="node", value=value)
        return p

    def _locate(self, p: Problem, dup_seen: Counter) -> Problem:
        if p.file not in (None, self.base_file):
            return p
        p = self._translate(p)
        loc: SourceLoc | None = None
        if p.table == "settings" and p.field in self._settings:
            loc = self._settings[p.field]
        elif p.table is not None and p.element is not None:
            locs = self._rows.get((p.table, str(p.element)))
            if locs:
                n = 0
                if p.message == "duplicate id":
                    dup_seen[(p.table, p.element)] += 1
                    n = dup_seen[(p.table, p.element)]
                loc = locs[min(n, len(locs) - 1)]
        file = self.table_files.get(p.table or "", self.base_file)
        if loc is None:
            return replace(p, file=file or p.file)
        changes: dict = {"file": loc.file or file or p.file}
        if loc.line is not None:
            changes["line"] = loc.line
        if loc.feature is not None:
            changes["message"] = f"{p.message} (feature {loc.feature})"
            if str(p.element).startswith("#"):
                changes["element"] = None
        return replace(p, **changes)

    def locate_all(self, problems: list[Problem]) -> list[Problem]:
        """Locate, de-duplicate and condense problems (one per column, not one per row)."""
        dup_seen: Counter = Counter()
        out: list[Problem] = []
        seen: set = set()
        for p in problems:
            q = self._locate(p, dup_seen)
            key = (q.message, q.file, q.table, str(q.element), q.field, repr(q.value), q.line)
            if key not in seen:
                seen.add(key)
                out.append(q)
        return _condense(out, self.noun)

    def build(self, tables: dict, settings: dict | None, validate: bool,
              problems: list[Problem], suppress: set | None = None):
        """``network_from_records`` with every problem located; raises when anything is wrong.

        ``problems`` are those the reader found itself (malformed rows, unknown tables …); when
        there are any, the records are still checked field by field (so the user sees all at
        once) but not validated as a whole, and an ``InputFileError`` is raised. Model problems
        on a ``(table, element, field)`` in ``suppress`` are dropped (the reader has already
        reported them more precisely).
        """
        self.trench = is_trench_form(tables)
        if self.trench:
            tables = {t: [_drop_empty_trench_keys(r) for r in recs]
                      if isinstance(recs, list) else recs for t, recs in tables.items()}
        try:
            net = network_from_records(tables, settings, file=self.base_file,
                                       validate=validate and not problems)
        except ModelError as exc:
            located = [p for p in self.locate_all(exc.problems)
                       if (p.table, p.element, p.field) not in (suppress or set())]
            if problems:
                raise InputFileError(problems + located) from None
            raise type(exc)(located or exc.problems) from None
        if problems:
            raise InputFileError(problems)
        return net


def _id_text(rec_id) -> str | None:
    """The id as ``model.build`` will see it (None when missing)."""
    if rec_id is None or (isinstance(rec_id, str) and not rec_id.strip()):
        return None
    if isinstance(rec_id, float) and rec_id.is_integer():
        rec_id = int(rec_id)
    return str(rec_id).strip()


def _strip_side(value):
    if isinstance(value, str) and value.endswith((SUPPLY_SUFFIX, RETURN_SUFFIX)):
        return value[: -len(SUPPLY_SUFFIX)]
    return value


def _drop_empty_trench_keys(rec):
    if not isinstance(rec, dict):
        return rec
    return {k: v for k, v in rec.items()
            if not (k in _TRENCH_KEYS and (v is None or (isinstance(v, str) and not v.strip())))}


_PER_ROW = ("unknown field", "required field is missing", "missing id")


def _condense(problems: list[Problem], noun: str) -> list[Problem]:
    """A misnamed or missing column gives one problem (naming the first element), not one per
    row."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, p in enumerate(problems):
        if p.message.split(" (feature ")[0] in _PER_ROW and p.element is not None:
            groups[(p.message.split(" (feature ")[0], p.file, p.table, p.field)].append(i)
    drop: set[int] = set()
    first: dict[int, int] = {}
    for idx in groups.values():
        if len(idx) > 1:
            first[idx[0]] = len(idx) - 1
            drop.update(idx[1:])
    out = []
    for i, p in enumerate(problems):
        if i in drop:
            continue
        if i in first:
            p = replace(p, message=f"{p.message} (and in {first[i]} more {noun})")
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# Reading


def _decode(path: Path) -> str:
    data = read_regular_bytes(path, None, "network")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{path}: broken UTF-16 text (byte {exc.start})") from None
    if b"\x00" in data:
        raise InputFileError(f"{path}: contains NUL bytes: a binary file, or UTF-16 text without "
                             "a byte-order mark — save the file as 'CSV UTF-8'")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_exc:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputFileError(
                f"{path}: not UTF-8 text ({utf8_exc.reason} at byte {utf8_exc.start})"
                " — save the file as 'CSV UTF-8'") from None


def _sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the most frequent one (outside quotes) in the first non-blank line."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _number_text(cell: str) -> str:
    """A decimal-comma number in its decimal-point form (other text unchanged)."""
    if _DECIMAL_COMMA.match(cell):
        return cell.replace(".", "").replace(",", ".")
    return cell


@dataclass
class _Rows:
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str | None]]]  # (line, cells) with None for empty cells
    delimiter: str


def _read_rows(path: Path, problems: list[Problem], fixed_width: int | None = None) -> _Rows:
    """Header and data rows of one CSV file; malformed rows are reported and left out."""
    text = _decode(path)
    delim = _sniff_delimiter(text)
    file = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str | None]]] = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(f"malformed CSV: {exc}", file=file, line=start))
            break
        line, start = start, reader.line_num + 1
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header is None:
            header, header_line = cells, line
            continue
        width = fixed_width or len(header)
        if len(cells) > width and any(cells[width:]):
            problems.append(Problem(
                f"row has {len(cells)} cells but the header has {width} columns", file=file,
                line=line, value=delim.join(row),
                hint="quote cells that contain the delimiter "
                     f"'{delim}'" + (" or use ';' files for decimal commas"
                                     if delim == "," else "")))
            continue
        cells = (cells + [""] * width)[:width]
        rows.append((line, [c if c else None for c in cells]))
    return _Rows(header or [], header_line, rows, delim)


def _table_records(path: Path, table: str, smap: SourceMap,
                   problems: list[Problem]) -> list[dict]:
    file = str(path)
    parsed = _read_rows(path, problems)
    header = parsed.header
    if not header:
        problems.append(Problem("empty file: expected a header row with field names", file=file,
                                table=table, line=1))
        return []
    columns: list[int] = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        if not name:
            bad = next((ln for ln, cells in parsed.rows if cells[i] is not None), None)
            if bad is not None:
                problems.append(Problem(f"value in column {i + 1}, which has no header name",
                                        file=file, table=table, line=bad))
            continue
        if name in seen:
            problems.append(Problem("column given twice in the header", file=file, table=table,
                                    field=name, line=parsed.header_line))
            continue
        seen.add(name)
        columns.append(i)
    decimal_comma = parsed.delimiter == ";"
    records = []
    for line, cells in parsed.rows:
        rec: dict = {}
        for i in columns:
            name, cell = header[i], cells[i]
            if cell is not None and decimal_comma and name in FLOAT_FIELDS:
                cell = _number_text(cell)
            rec[name] = cell
        smap.add(table, len(records), rec.get("id"), SourceLoc(file, line))
        records.append(rec)
    return records


def _settings_records(path: Path, smap: SourceMap, problems: list[Problem]) -> dict:
    file = str(path)
    parsed = _read_rows(path, problems, fixed_width=2)
    rows = list(parsed.rows)
    header = [h.lower() for h in parsed.header]
    if header[:2] != ["key", "value"] and parsed.header:
        # no header row: the first row is a setting
        first = (parsed.header + ["", ""])[:2]
        rows.insert(0, (parsed.header_line, [c or None for c in first]))
    out: dict = {}
    for line, (key, value) in rows:
        if key is None:
            problems.append(Problem("setting without a key", file=file, table="settings",
                                    line=line, value=value))
            continue
        if key in out:
            problems.append(Problem("setting given twice", file=file, table="settings",
                                    field=key, line=line))
            continue
        if value is not None and parsed.delimiter == ";" and key in FLOAT_FIELDS:
            value = _number_text(value)
        out[key] = value
        smap.add_setting(key, SourceLoc(file, line))
    return out


def read_csv_network(path, validate: bool = True):
    """Read a network from a folder of CSV tables (see the module docstring for the rules).

    Parameters
    ----------
    path : path-like
        The folder.
    validate : bool
        Check the network (``ModelError`` listing every problem).

    Returns
    -------
    Network
        The network (SI).
    """
    folder = Path(path)
    if os.path.isfile(folder):
        raise InputFileError(f"{folder}: expected a folder of CSV tables (junctions.csv, "
                             "pipes.csv, …), not a file; pass the folder that contains it")
    check_regular_folder(folder, "network")
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    unknown: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "~$")) or entry.suffix.lower() != ".csv":
            continue
        stem = entry.stem.lower()
        try:
            mode = entry.stat().st_mode  # symbolic links followed: to regular files only
        except OSError:
            mode = 0
        if not stat.S_ISREG(mode):
            if stem in KNOWN_TABLES or stem == SETTINGS_FILE:  # silently skipping it misleads
                kind = file_kind(mode) if mode else "broken symbolic link"
                problems.append(Problem(f"is a {kind}, not a regular file; expected a CSV "
                                        "table", file=str(entry), table=stem))
            continue
        if stem in KNOWN_TABLES or stem == SETTINGS_FILE:
            if stem in files:
                problems.append(Problem(f"two files for table '{stem}' "
                                        f"({files[stem].name} and {entry.name})",
                                        file=str(entry), table=stem))
                continue
            files[stem] = entry
        else:
            unknown.append(entry)
    for entry in unknown:
        close = difflib.get_close_matches(entry.stem.lower(), [*KNOWN_TABLES, SETTINGS_FILE],
                                          n=1)
        problems.append(Problem(
            "unknown table", file=str(entry), table=entry.stem,
            hint=f"did you mean '{close[0]}.csv'?" if close else
            f"known tables: {', '.join(f'{t}.csv' for t in KNOWN_TABLES)}, settings.csv; "
            "move other CSV files out of the folder"))
    if not any(t in files for t in KNOWN_TABLES):
        found = ", ".join(e.name for e in unknown) or "no CSV files"
        raise InputFileError(
            f"{folder}: no network tables found ({found}); expected CSV files named "
            f"{', '.join(f'{t}.csv' for t in TABLES)} (or nodes.csv + trenches.csv for the "
            "trench form), plus an optional settings.csv with columns key,value")
    smap = SourceMap(str(folder))
    tables: dict[str, list[dict]] = {}
    for table in KNOWN_TABLES:
        if table in files:
            smap.table_files[table] = str(files[table])
            tables[table] = _table_records(files[table], table, smap, problems)
    settings = None
    if SETTINGS_FILE in files:
        smap.table_files["settings"] = str(files[SETTINGS_FILE])
        settings = _settings_records(files[SETTINGS_FILE], smap, problems)
    return smap.build(tables, settings, validate, problems)


# --------------------------------------------------------------------------------------------
# Writing


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "float" or isinstance(value, float):
        v = float(value)
        return "" if math.isnan(v) else repr(v)
    if kind == "bool":
        return "true" if bool(value) else "false"
    return str(value)


def _table_text(net, table: str) -> str:
    df = net.table(table)
    attrs = TABLES[table]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([a.name for a in attrs])
    columns = [(a, df[a.name].tolist()) for a in attrs if a.name != "id"]
    for i, eid in enumerate(df.index):
        writer.writerow([str(eid), *(_cell(values[i], a.kind) for a, values in columns)])
    return buf.getvalue()


def _settings_text(net) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "value"])
    for a in SETTINGS:
        writer.writerow([a.name, _cell(net.settings.get(a.name, a.default), a.kind)])
    return buf.getvalue()


def owned_csv_name(name: str) -> bool:
    """Whether ``name`` is a file of a CSV network folder: an entry ``write_csv_network`` may
    replace.

    Parameters
    ----------
    name : str
        A file name.

    Returns
    -------
    bool
        True for ``<table>.csv`` of a known table and ``settings.csv``.
    """
    stem, _, ext = name.rpartition(".")
    return ext.lower() == "csv" and stem.lower() in (*KNOWN_TABLES, SETTINGS_FILE)


def write_csv_network(net, path, inputs=()) -> Path:
    """Write ``net`` as a folder of CSV tables (one per non-empty table + settings.csv).

    The folder is built next to the target and replaces it whole (``io.atomic.staged_folder``):
    files of known tables that ``net`` does not have (left from an earlier write) are gone. An
    existing folder holding other files, a folder that is (or contains) an input, and a path
    that is not a folder are refused before anything is written.

    Parameters
    ----------
    net : Network
        The network.
    path : path-like
        The folder.
    inputs : iterable of path-like
        Input files of the run (refused as the target or inside it).

    Returns
    -------
    Path
        The folder.
    """
    texts = {f"{t}.csv": _table_text(net, t) for t in TABLES if not net.table(t).empty}
    texts["settings.csv"] = _settings_text(net)
    return write_folder_atomic(path, texts, inputs, owned_csv_name)
