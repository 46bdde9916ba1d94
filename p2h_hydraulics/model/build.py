"""Build a ``Network`` from plain records (what every file reader produces).

Every reader (JSON, CSV, GeoJSON, scenario overrides) turns its input into
``{table: [record, …]}`` with field names in any accepted unit suffix; this module maps them to
the canonical SI columns, converts units, checks types and bounds, fills defaults and collects
*every* problem before raising one ``ModelError``.

Attributes outside the schema (a GIS layer's ``Baujahr``, ``Strasse`` …) travel in a record's
``"extra"`` object (``{"id": "P1", …, "extra": {"Baujahr": 1975}}``) and become extra columns of
the element table; the solver ignores them and the native JSON and GeoJSON writers write them
back under ``"extra"``. A field name at the top level that the schema does not know stays an
error (it is usually a typo).
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, Problem
from ..units import SUFFIXES
from .catalogue import apply_catalogue
from .network import Network, default_settings
from .schema import ONE_OF, SETTINGS, TABLES, Attr, bounds_text
from .trench import expand_trenches, is_trench_form
from .validate import load_problems, reference_problems, validate_network

EXTRA_KEY = "extra"  # record key holding attributes outside the schema (kept as extra columns)

_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f"}


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _nan_default(a: Attr) -> bool:
    return isinstance(a.default, float) and math.isnan(a.default)


def _name_map(attrs: tuple[Attr, ...]) -> dict[str, tuple[Attr, str]]:
    out = {}
    for a in attrs:
        for name, sfx in a.accepted_names().items():
            out[name] = (a, sfx)
    return out


def _unit_hint(a: Attr, v: float) -> str | None:
    """Suggest the unit the user probably meant when a value is out of bounds."""
    def ok(x):
        above = a.lo is None or (x > a.lo if a.lo_open else x >= a.lo)
        return above and (a.hi is None or x <= a.hi)

    for sfx, (factor, offset) in SUFFIXES.get(a.unit, {}).items():
        if (factor, offset) != (1.0, 0.0) and ok(v * factor + offset):
            return f"the value looks like it is in {sfx}: name the field '{a.base}_{sfx}'"
    return None


def convert_value(a: Attr, raw: Any, sfx: str, where: dict) -> tuple[Any, Problem | None]:
    """Convert one raw file value to the canonical SI value of attribute ``a``.

    Parameters
    ----------
    a : Attr
        The schema attribute.
    raw : object
        The value as read from the file.
    sfx : str
        The unit suffix it was given with (e.g. "mm").
    where : dict
        File, table, element and field, for the problem message.

    Returns
    -------
    tuple
        (SI value, None) or (None, Problem).
    """
    if a.kind in ("str", "ref"):
        if isinstance(raw, bool) or isinstance(raw, (dict, list)):
            return None, Problem("expected a text id or name", value=raw, **where)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return str(raw).strip(), None
    if a.kind == "choice":
        text = str(raw).strip().lower()
        if text not in a.choices:
            close = difflib.get_close_matches(text, a.choices, n=1)
            hint = f"did you mean '{close[0]}'?" if close else None
            return None, Problem(f"must be one of {', '.join(a.choices)}", value=raw, hint=hint,
                                 **where)
        return text, None
    if a.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return bool(raw), None
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return None, Problem("expected true or false", value=raw, **where)
    # float
    if isinstance(raw, bool):
        return None, Problem("expected a number, got a boolean", value=raw, **where)
    try:
        v = float(raw)
    except (TypeError, ValueError):
        return None, Problem("expected a number", value=raw, **where)
    except OverflowError:  # an integer too large for a float (e.g. 1e400 written out)
        return None, Problem("expected a finite number (too large)", **where)
    if not math.isfinite(v):
        if a.required or not math.isnan(v) or not _nan_default(a):
            return None, Problem("expected a finite number", value=raw, **where)
        return v, None
    factor, offset = SUFFIXES[a.unit][sfx] if a.unit != "1" else (1.0, 0.0)
    si = v * factor + offset
    too_low = a.lo is not None and (si <= a.lo if a.lo_open else si < a.lo)
    too_high = a.hi is not None and si > a.hi
    if too_low or too_high:
        unit = f" {a.unit}" if a.unit != "1" else ""
        msg = f"{v:g} {sfx} is out of range (allowed in SI: {bounds_text(a)}{unit})"
        return None, Problem(msg.replace("  ", " "), value=raw, hint=_unit_hint(a, v), **where)
    return si, None


def _extra_values(raw: Any, names: dict, where: dict, problems: list[Problem]) -> dict:
    """Attributes outside the schema (``"extra": {name: value}``): scalars kept as they are."""
    if not isinstance(raw, dict):
        problems.append(Problem("must be an object of attribute names and values", value=raw,
                                **where))
        return {}
    out = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not name.strip() or name == "id" or name in names:
            problems.append(Problem(f"extra attribute {name!r} needs a name that is not a "
                                    "field of the table", **where))
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            problems.append(Problem(f"extra attribute {name!r} must be a text, number or "
                                    "boolean", value=value, **where))
        else:
            out[name] = value
    return out


def extra_columns(table: str, df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that are not fields of ``table`` (attributes kept from a source).

    Parameters
    ----------
    table : str
        The element table's name.
    df : DataFrame
        The table.

    Returns
    -------
    list of str
        The extra column names, in the table's order.
    """
    known = {a.name for a in TABLES[table]}
    return [c for c in df.columns if c not in known]


def build_table(table: str, records: list[dict], file: str | None,
                problems: list[Problem]) -> pd.DataFrame:
    """Canonical DataFrame for one table from raw records; appends problems found.

    Parameters
    ----------
    table : str
        The table name.
    records : list of dict
        Raw records (field names with unit suffixes).
    file : str or None
        File name for problems.
    problems : list of Problem
        Problems found are appended here.

    Returns
    -------
    DataFrame
        The table with canonical SI columns, indexed by id.
    """
    attrs = TABLES[table]
    names = _name_map(attrs)
    rows: list[dict] = []
    extra_rows: list[dict] = []
    ids: list[str] = []
    seen: set[str] = set()
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            problems.append(Problem(f"entry {i} must be an object with fields", file=file,
                                    table=table, value=rec))
            continue
        raw_id = rec.get("id")
        bad_id = isinstance(raw_id, (bool, dict, list)) or (  # str() would invent an id
            isinstance(raw_id, float) and not math.isfinite(raw_id))
        eid = None if _is_missing(raw_id) or bad_id else \
            str(int(raw_id) if isinstance(raw_id, float) and raw_id.is_integer()
                else raw_id).strip()
        label = eid if eid is not None else f"#{i}"
        if bad_id:
            problems.append(Problem("the id must be a text or a number", file=file, table=table,
                                    element=label, field="id", value=raw_id))
        elif eid is None:
            problems.append(Problem("missing id", file=file, table=table, element=label,
                                    field="id"))
        elif eid in seen:
            problems.append(Problem("duplicate id", file=file, table=table, element=eid,
                                    field="id", hint="ids must be unique within a table"))
        row: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        given: dict[str, str] = {}
        failed: set[str] = set()
        for key, raw in rec.items():
            if key == "id":
                continue
            if key == EXTRA_KEY:
                extras.update(_extra_values(raw, names, dict(file=file, table=table,
                                                             element=label, field=key),
                                            problems))
                continue
            where = dict(file=file, table=table, element=label, field=key)
            if key not in names:
                close = difflib.get_close_matches(key, list(names), n=1)
                hint = f"did you mean '{close[0]}'?" if close else \
                    f"known fields: {', '.join(a.name for a in attrs)}"
                problems.append(Problem("unknown field", hint=hint, **where))
                continue
            a, sfx = names[key]
            if a.name in given:
                problems.append(Problem(f"given twice (also as '{given[a.name]}')", **where))
                continue
            given[a.name] = key
            if _is_missing(raw):
                continue
            value, prob = convert_value(a, raw, sfx, where)
            if prob:
                problems.append(prob)
                failed.add(a.name)
            else:
                row[a.name] = value
        for a in attrs:
            if a.name == "id" or a.name in row:
                continue
            if a.name in failed:
                row[a.name] = None if a.required else a.default
                continue
            if a.required and a.name not in given:
                problems.append(Problem("required field is missing", file=file, table=table,
                                        element=label, field=a.name))
            elif a.required:
                problems.append(Problem("required field is empty", file=file, table=table,
                                        element=label, field=given[a.name]))
            row[a.name] = None if a.required else a.default
        for group, hint in ONE_OF.get(table, ()):
            if any(row.get(n) is not None and not _nan(row[n]) for n in group) or \
                    any(n in failed for n in group):
                continue
            empty = [given[n] for n in group if n in given]
            nan = [k for k in empty if not _is_missing(rec[k])]  # NaN written out
            msg = "expected a finite number" if nan else \
                "required field is empty" if empty else "required field is missing"
            problems.append(Problem(msg, file=file, table=table, element=label,
                                    field=(nan or empty or group)[0], hint=hint))
        if eid is not None and eid not in seen:
            seen.add(eid)
            ids.append(eid)
            rows.append(row)
            extra_rows.append(extras)
    cols = [a.name for a in attrs if a.name != "id"]
    df = pd.DataFrame(rows, columns=cols)
    extra_cols = list(dict.fromkeys(k for e in extra_rows for k in e))
    for name in extra_cols:
        df[name] = pd.Series([e.get(name) for e in extra_rows], dtype=object)
    for a in attrs:
        if a.kind == "float" and a.name in df:
            df[a.name] = pd.to_numeric(df[a.name], errors="coerce").astype(np.float64)
        elif a.kind == "bool" and a.name in df:
            df[a.name] = df[a.name].astype(bool)
        elif a.name in df:
            df[a.name] = df[a.name].astype(object)
    df.index = pd.Index(ids, dtype=object, name="id")
    return df


def build_settings(raw: dict | None, file: str | None, problems: list[Problem]) -> dict:
    """Canonical settings dict from raw file settings.

    Parameters
    ----------
    raw : dict or None
        Settings as read from the file.
    file : str or None
        File name for problems.
    problems : list of Problem
        Problems found are appended here.

    Returns
    -------
    dict
        Canonical settings (SI).
    """
    out = default_settings()
    if raw is None:
        return out
    if not isinstance(raw, dict):
        problems.append(Problem("'settings' must be an object", file=file, value=raw))
        return out
    names = _name_map(SETTINGS)
    for key, val in raw.items():
        where = dict(file=file, table="settings", field=key)
        if key not in names:
            close = difflib.get_close_matches(key, list(names), n=1)
            problems.append(Problem("unknown setting", hint=f"did you mean '{close[0]}'?"
                                    if close else None, **where))
            continue
        if _is_missing(val):
            continue
        a, sfx = names[key]
        value, prob = convert_value(a, val, sfx, where)
        if prob:
            problems.append(prob)
        else:
            out[a.name] = value
    return out


def network_from_records(tables: dict[str, list[dict]], settings: dict | None = None,
                         file: str | None = None, validate: bool = True) -> Network:
    """Build and (by default) validate a network from raw records of any unit suffix.

    Accepts the two-pipe form (``junctions``, ``pipes`` …) and the trench form (``nodes``,
    ``trenches``, consumers/plants/feed-ins with ``node``), see ``model.trench``. With
    ``validate``, consumers given by annual heat and building type without a load get their
    design load (``loads.fill_design_loads`` with its defaults).

    Parameters
    ----------
    tables : dict of str to list of dict
        Records per table; field names may carry any unit suffix the schema knows
        (``length_m``, ``length_km``, ``t_supply_c`` …).
    settings : dict, optional
        Network settings (soil temperature, name, …).
    file : str, optional
        File name used in error messages.
    validate : bool
        Check the network structure as well.

    Returns
    -------
    Network
        The network in SI units.

    Raises
    ------
    ModelError
        Listing every problem found.
    """
    problems: list[Problem] = []
    if not isinstance(tables, dict):
        raise ModelError("the network must be an object of tables", file=file)
    if is_trench_form(tables):
        tables = expand_trenches(tables, file, problems)
    unknown = set(tables) - set(TABLES)
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, list(TABLES), n=1)
        problems.append(Problem("unknown table", file=file, table=name,
                                hint=f"did you mean '{close[0]}'?" if close else
                                f"known tables: {', '.join(TABLES)}"))
    built = {}
    for name in TABLES:
        recs = tables.get(name) or []
        if not isinstance(recs, list):
            problems.append(Problem("must be a list of objects", file=file, table=name))
            recs = []
        built[name] = build_table(name, recs, file, problems)
    net = Network(**built, settings=build_settings(settings, file, problems), source=file)
    cat_problems: list[Problem] = []
    net = apply_catalogue(net, cat_problems)
    reported = {(p.table, p.element) for p in problems}
    problems += [p for p in cat_problems if (p.table, p.element) not in reported]
    if problems:
        seen = {(p.table, p.element, p.field) for p in problems}
        more = [p for p in load_problems(net) if (p.table, p.element, p.field) not in seen
                and "no design load" not in p.message]
        raise ModelError(problems + reference_problems(net) + more, file=file)
    if validate:
        net = _fill_loads(net)
        validate_network(net)
    return net


def _fill_loads(net: Network) -> Network:
    """Design loads of consumers given by annual heat + building type (``loads``); consumers
    with an unknown building type are left to the validation, which names them."""
    from ..loads import fill_design_loads, known_type, needs_design_load

    need = needs_design_load(net.consumers)
    if need.any() and all(known_type(c) for c in net.consumers["building_type"][need]):
        net = fill_design_loads(net)
    return net
