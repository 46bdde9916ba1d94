"""The native network format: one JSON document, versioned and documented.

```
{"format": "p2h-network", "version": 1,
 "settings": {"name": "...", "t_soil_c": 10},
 "junctions": [{"id": "J1", "x_m": 0, "y_m": 0, "elevation_m": 12.5}, ...],
 "pipes": [{"id": "P1", "from_junction": "J1", "to_junction": "J2", "length_m": 120,
            "d_inner_mm": 107.1, "roughness_mm": 0.1, "u_w_per_mk": 0.3}, ...],
 "consumers": [...], "plants": [...], "valves": [...], "feedins": [...],
 "pressure_refs": [...], "mass_flows": [...]}
```

or the trench form (``nodes`` + ``trenches``, see ``model.trench``). Field names carry their unit
(``_mm``, ``_c``, ``_bar``, ``_kw`` … are accepted, see the README). Attributes outside the schema
(kept from a GIS source by ``p2h import``) are written per element under ``"extra"`` and read back
as extra table columns. The writer writes canonical
SI fields so that ``read(write(net))`` reproduces the model exactly.
"""

from __future__ import annotations

import codecs
import json
import math
from pathlib import Path

from ..errors import InputFileError, Problem
from ..model.build import EXTRA_KEY, network_from_records
from ..model.schema import SETTINGS, TABLES
from ..model.trench import is_trench_form
from .atomic import write_text_atomic
from .csv_tables import SourceMap
from .safe_read import read_regular_bytes

FORMAT = "p2h-network"
VERSION = 1


def read_json(path, what: str = "network") -> object:
    """Parse a JSON file into Python objects, with a clear error (file:line:col) on failure.

    Only a regular file is read, of at most the cap of ``what`` (``io.safe_read``).

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        The kind of input, for the size cap and messages ("network", "result", …).

    Returns
    -------
    object
        The parsed JSON.
    """
    path = Path(path)
    data = read_regular_bytes(path, None, what)
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if "\x00" in text:
        raise InputFileError(f"{path}: contains NUL bytes: a binary file, or UTF-16/32 text "
                             "without a byte-order mark; save it as UTF-8 JSON")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputFileError([Problem(f"malformed JSON: {exc.msg} (column {exc.colno})",
                                      file=str(path), line=exc.lineno)]) from None
    except _DuplicateKey as exc:
        raise InputFileError([Problem(f"malformed JSON: key {exc.args[0]!r} appears twice in "
                                      "one object (the second would silently replace the first)",
                                      file=str(path), field=str(exc.args[0]))]) from None
    except RecursionError:
        raise InputFileError(f"{path}: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputFileError(f"{path}: malformed JSON ({str(exc).split(';')[0]})") from None


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


def network_from_document(doc, file: str | None = None, validate: bool = True):
    """Build a network from a parsed native document.

    Parameters
    ----------
    doc : dict
        The parsed native document.
    file : str, optional
        File name for messages.
    validate : bool
        Check the network (``ModelError`` listing every problem).

    Returns
    -------
    Network
        The network (SI).
    """
    if not isinstance(doc, dict):
        raise InputFileError("expected a JSON object with network tables at the top level",
                             file=file)
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise InputFileError(f"unknown format {fmt!r}, expected {FORMAT!r}", file=file)
    version = doc.get("version", VERSION)
    if version != VERSION:
        raise InputFileError(f"format version {version!r} is not supported (this version reads "
                             f"{VERSION})", file=file)
    tables = {k: v for k, v in doc.items() if k not in ("format", "version", "settings")}
    if is_trench_form(tables):
        # problems on the expanded pipes/junctions (T1_s, N_r) are reported on the trench/node
        # the user wrote

        return SourceMap(file, noun="entries").build(tables, doc.get("settings"), validate, [])
    return network_from_records(tables, doc.get("settings"), file=file, validate=validate)


def load_json_network(path, validate: bool = True):
    """Read a native JSON network file.

    Parameters
    ----------
    path : path-like
        The file.
    validate : bool
        Check the network (``ModelError`` listing every problem).

    Returns
    -------
    Network
        The network (SI).
    """
    return network_from_document(read_json(path), file=str(path), validate=validate)


def json_value(v):
    """A table cell as a JSON value: numpy scalars as Python numbers, NaN as None.

    Parameters
    ----------
    v : object
        A table cell.

    Returns
    -------
    object
        The JSON value.
    """
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def element_record(table: str, eid, row: dict) -> dict:
    """One element as a file record.

    Parameters
    ----------
    table : str
        The element table's name.
    eid : str
        The element's id.
    row : dict
        The element's row (column → value).

    Returns
    -------
    dict
        Schema fields at the top level, the table's extra columns (attributes kept from a
        source, see ``model.build``) under ``"extra"``; values JSON-ready.
    """
    known = _FIELDS[table]
    rec = {"id": eid, **{k: json_value(v) for k, v in row.items() if k in known}}
    extra = {k: json_value(v) for k, v in row.items() if k not in known}
    extra = {k: v for k, v in extra.items() if v is not None}
    if extra:
        rec[EXTRA_KEY] = extra
    return rec


_FIELDS = {t: frozenset(a.name for a in attrs) for t, attrs in TABLES.items()}


def network_to_document(net) -> dict:
    """The native JSON document (canonical SI field names) of ``net``.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    dict
        The native document.
    """
    doc: dict = {"format": FORMAT, "version": VERSION}
    doc["settings"] = {a.name: json_value(net.settings.get(a.name, a.default)) for a in SETTINGS}
    for table in TABLES:
        df = net.table(table)
        doc[table] = [element_record(table, eid, row)
                      for eid, row in zip(df.index, df.to_dict("records"), strict=True)]
    return doc


def write_json_network(net, path, inputs=()) -> Path:
    """Write ``net`` as a native JSON file (atomically).

    Parameters
    ----------
    net : Network
        The network.
    path : path-like
        The target.
    inputs : iterable of path-like
        Input files of the run (refused as the target).

    Returns
    -------
    Path
        The file written.
    """
    text = json.dumps(network_to_document(net), indent=1, allow_nan=False)
    return write_text_atomic(path, text + "\n", inputs)
