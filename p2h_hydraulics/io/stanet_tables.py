"""Parse a STANET CSV export (``DAKTEXNET``, format ``DELI``) into its raw tables.

File structure (STANET 10; ``docs/stanet.md``): header lines with a three-letter key and no
separator (``DAKTEXNET``, ``VERV1.0.0``, ``FMTDELI``, ``QUESTANET 10.1 …``, ``MEDF``, ``TTR;``
field separator, ``DTR.`` decimal separator …); field descriptions
``FEL;<TAB>;<TAB>;<FIELD>;<N|C>;<width>;<decimals>;<description>;<unit>``; comments ``REM …``,
among them one ``REM FLDNAM <TAB>;<FIELD1>;<FIELD2>;…`` per table naming its columns; data lines
``<TAB>;<value1>;…`` in that order, blank-padded, empty values empty.

Decoding: field names and table keys are ASCII; descriptions and names may carry umlauts in
cp1252 or as UTF-8 in which they were already replaced by U+FFFD. The text is decoded as UTF-8
when it is valid UTF-8, else as cp1252 (bytes cp1252 leaves undefined become U+FFFD), so both
read. Only regular files up to the ``stanet`` cap of ``io.safe_read`` are read (256 MiB,
``P2H_MAX_STANET_MB``); nothing in the file is executed.

Values stay strings here (``StanetTable.rows``); :meth:`StanetTable.number` converts one
column and names the line, table and field of a value that is not a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from .safe_read import read_regular_bytes, read_regular_head

__all__ = ["WHAT", "StanetFile", "StanetTable", "is_stanet_export", "read_stanet_file"]

WHAT = "STANET export"  # the file kind in messages; its cap: safe_read's "stanet"
_HEADER_PROBE_BYTES = 4096
_MAGIC = "DAKTEXNET"


@dataclass
class StanetTable:
    """One table of the export: its columns (``REM FLDNAM``) and rows of stripped strings."""

    name: str
    columns: list[str]
    header_line: int
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # 1-based line number of each row
    file: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, column: str) -> bool:
        """True when the table has ``column``."""
        return column in self.columns

    def text(self, column: str) -> list[str]:
        """The values of ``column`` as stripped strings ("" where empty or absent)."""
        if column not in self.columns:
            return [""] * len(self.rows)
        k = self.columns.index(column)
        return [r[k] for r in self.rows]

    def number(self, column: str, decimal: str = ".") -> np.ndarray:
        """The values of ``column`` as floats (NaN where empty or absent).

        Raises ``InputFileError`` naming the line, table and field of a value that is not a
        number.
        """
        out = np.full(len(self.rows), np.nan)
        if column not in self.columns:
            return out
        k = self.columns.index(column)
        for i, row in enumerate(self.rows):
            v = row[k]
            if not v:
                continue
            try:
                out[i] = float(v.replace(decimal, ".") if decimal != "." else v)
            except ValueError:
                raise InputFileError(Problem(
                    "not a number", file=self.file, line=self.lines[i], table=self.name,
                    field=column, value=v,
                    hint="numeric STANET fields hold plain decimals")) from None
        return out

    def frame(self, decimal: str = ".") -> pd.DataFrame:
        """All columns as a DataFrame: numbers where every value of a column parses, else text."""
        data = {}
        for c in self.columns:
            vals = self.text(c)
            try:
                data[c] = [float(v.replace(decimal, ".")) if v else np.nan for v in vals]
            except ValueError:
                data[c] = vals
        return pd.DataFrame(data, columns=self.columns)


@dataclass
class StanetFile:
    """A parsed export: header keys, field descriptions and tables by name."""

    path: str
    encoding: str
    header: dict[str, str]
    # (table, field) → (type, width, decimals, description, unit) from the FEL lines
    fields: dict[tuple[str, str], tuple[str, ...]]
    tables: dict[str, StanetTable]
    separator: str = ";"
    decimal: str = "."
    # lines of tables without a 'REM FLDNAM' line: key → line numbers (not parsed)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def table(self, name: str) -> StanetTable | None:
        """The table ``name`` or None when the export has none."""
        return self.tables.get(name)

    @property
    def medium(self) -> str:
        """Medium key of the header (``F`` district heating, ``W`` water, ``G`` gas)."""
        return self.header.get("MED", "")

    @property
    def program(self) -> str:
        """Source program line of the header (``STANET 10.1.33 …``)."""
        return self.header.get("QUE", "")


def decode(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)``: UTF-8 when the bytes are valid UTF-8, else cp1252 (undefined bytes
    → U+FFFD). A UTF-8 byte-order mark is dropped."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def is_stanet_export(path) -> bool:
    """True when ``path`` is a regular file whose first line is STANET's ``DAKTEXNET`` header.

    Parameters
    ----------
    path : str or Path
        Candidate file; nothing but its first few kilobytes is read.

    Returns
    -------
    bool
        True for a STANET export.
    """
    try:
        head = read_regular_head(path, _HEADER_PROBE_BYTES, WHAT)
    except InputFileError:
        return False
    text = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    first = text.lstrip().split("\n", 1)[0].strip()
    return first.startswith(_MAGIC)


def read_stanet_file(path) -> StanetFile:
    """Read and parse a STANET export into header, field descriptions and string tables.

    Parameters
    ----------
    path : str or Path
        The export (cp1252 or UTF-8), a regular file within the ``stanet`` cap
        (``io.safe_read.max_input_bytes("stanet")``).

    Returns
    -------
    StanetFile

    Raises
    ------
    InputFileError
        Not a STANET export, a data line with more or fewer fields than its ``REM FLDNAM``
        line (naming line, table and field), a table announced twice or after data lines of
        it. Lines of a table that is never announced are not parsed; they are listed in
        ``StanetFile.skipped``.
    """
    p = Path(path)
    raw = read_regular_bytes(p, what=WHAT)
    text, encoding = decode(raw)
    file = str(p)
    lines = text.splitlines()
    if not lines or not lines[0].strip().startswith(_MAGIC):
        raise InputFileError(Problem("not a STANET export: the first line must be "
                                     f"'{_MAGIC}'", file=file, line=1))
    header: dict[str, str] = {}
    fields: dict[tuple[str, str], tuple[str, ...]] = {}
    tables: dict[str, StanetTable] = {}
    skipped: dict[str, list[int]] = {}
    sep, dec = ";", "."
    in_header = True
    for no, line in enumerate(lines, start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("REM"):
            in_header = False
            rest = s[3:].strip()
            if rest.startswith("FLDNAM"):
                # a leading "!" on a field name (seen in some exports) is not part of it
                parts = [x.strip().lstrip("!") for x in rest[6:].strip().lstrip(sep)
                         .split(sep)]
                name, cols = parts[0], [c for c in parts[1:]]
                while cols and not cols[-1]:
                    cols.pop()
                if not name or not cols or any(not c for c in cols):
                    raise InputFileError(Problem("REM FLDNAM line without a table name or with "
                                                 "an empty field name", file=file, line=no,
                                                 table=name or None))
                if name in tables:
                    raise InputFileError(Problem(
                        f"table announced twice (first on line {tables[name].header_line})",
                        file=file, line=no, table=name))
                if name in skipped:
                    raise InputFileError(Problem(
                        f"data line before its table's 'REM FLDNAM' line (line {no})",
                        file=file, line=skipped[name][0], table=name))
                tables[name] = StanetTable(name, cols, no, file=file)
            continue
        if s.startswith("FEL" + sep):
            in_header = False
            parts = [x.strip() for x in s.split(sep)]
            if len(parts) >= 4:
                fields[(parts[1], parts[3])] = tuple(parts[4:9])
            continue
        if in_header:
            key, value = s[:3], s[3:]
            header[key] = value
            if key == "TTR" and value.strip():
                sep = value.strip()[0]
            elif key == "DTR" and value.strip():
                dec = value.strip()[0]
            continue
        parts = line.split(sep)
        name = parts[0].strip()
        tab = tables.get(name)
        if tab is None:  # a table without field names: kept aside, listed by the importer
            skipped.setdefault(name, []).append(no)
            continue
        values = [v.strip() for v in parts[1:]]
        n = len(tab.columns)
        if len(values) > n and any(values[n:]):
            raise InputFileError(Problem(
                f"{len(values)} values for {n} fields of the 'REM FLDNAM' line "
                f"(line {tab.header_line})", file=file, line=no, table=name,
                field=f"(after {tab.columns[-1]})", value=values[n]))
        if len(values) < n:
            raise InputFileError(Problem(
                f"{len(values)} values for {n} fields of the 'REM FLDNAM' line "
                f"(line {tab.header_line}): the line is cut short", file=file, line=no,
                table=name, field=tab.columns[len(values)]))
        tab.rows.append(values[:n])
        tab.lines.append(no)
    for tab in tables.values():
        tab.file = file
    return StanetFile(file, encoding, header, fields, tables, sep, dec, skipped)
