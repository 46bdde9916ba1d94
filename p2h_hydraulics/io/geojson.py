"""A network as one GeoJSON FeatureCollection (for QGIS and other GIS tools).

Each feature is one element. ``properties.table`` (or ``properties.kind``) says which table it
belongs to — ``junction``, ``pipe``, ``valve``, ``pump``, ``consumer``, ``plant``, ``feedin``,
``pressure_ref``, ``mass_flow`` or, for the trench form, ``node`` and ``trench`` (singular or
plural) — and the other properties are its fields, with unit suffixes as in the JSON format.
The id is ``properties.id`` (or else the feature's ``id`` member).

Geometry:

- junctions and nodes: a Point; ``x, y`` become ``x_m, y_m`` and a third coordinate
  ``elevation_m``. Properties given explicitly win (and an ``x_m``/``y_m`` that disagrees with the
  Point is an error);
- pipes and trenches: a LineString (or a one-part MultiLineString). The length is ``length_m`` /
  ``length_km`` … when given, else the planar length of the line in CRS units, which must be
  metres. When the CRS is explicitly WGS 84 (``EPSG:4326`` or ``OGC:CRS84``, coordinates in
  longitude, latitude order as GeoJSON prescribes) the length is the great-circle (haversine)
  length on a sphere of radius 6 371 008.8 m — within about 0.5 % of the ellipsoidal length. For
  other geographic CRSs, Web Mercator (whose metres are not true lengths), or no CRS with
  coordinates that look like longitude/latitude, a pipe without an explicit length is an error;
- pipes, valves and trenches without ``from_junction``/``to_junction`` (``from_node``/``to_node``)
  are connected to the junction (node) Point at the line's start/end: a point matches when it is
  within 1 mm or within 1e-6 of the extent of all junction points (whichever is larger; the
  relative part is taken of the extent, not of the coordinate values, which in UTM would allow
  ~6 m), the nearest point wins, and a line end that matches no point or several co-located
  points (the supply and return junction of a two-pipe network) is an error;
- pumps, consumers, plants, feed-ins, pressure references and mass flows: a Point or null (the
  geometry is only for display; the connection comes from the junction fields).

The CRS comes from the legacy ``crs`` member (``{"type": "name", "properties": {"name":
"EPSG:25832"}}`` or an OGC URN) or from the settings' ``crs``. Settings come from the foreign
member ``"p2h_settings": {...}`` (also accepted: ``properties.p2h_settings`` or ``settings``).

The writer writes the two-pipe form: junctions as Points (elevation as a property), pipes and
valves as LineStrings between their junctions with an explicit ``length_m``, the other elements as
Points at their (supply) junction, all fields in canonical SI units, plus ``p2h_settings`` and the
``crs`` member when ``settings['crs']`` is set, so that ``read(write(net))`` is exact.
"""

# size: the reader and the writer of one format (networks, and results for GIS) side by side,
# so the property names they share stay symmetric.

from __future__ import annotations

import bisect
import difflib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError, Problem
from ..model.schema import SETTINGS, TABLES, attrs_of
from ..units import SUFFIXES
from .atomic import write_text_atomic
from .csv_tables import SourceLoc, SourceMap
from .native_json import element_record, json_value, read_json

_KIND_NAMES = {
    "junctions": ("junction", "junctions"),
    "pipes": ("pipe", "pipes"),
    "valves": ("valve", "valves"),
    "pumps": ("pump", "pumps"),
    "consumers": ("consumer", "consumers"),
    "plants": ("plant", "plants"),
    "feedins": ("feedin", "feedins"),
    "pressure_refs": ("pressure_ref", "pressure_refs"),
    "mass_flows": ("mass_flow", "mass_flows"),
    "nodes": ("node", "nodes"),
    "trenches": ("trench", "trenches"),
}
KINDS = {name: table for table, names in _KIND_NAMES.items() for name in names}
POINT_TABLES = ("junctions", "nodes")
LINE_TABLES = ("pipes", "valves", "trenches")
LENGTH_TABLES = ("pipes", "trenches")

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
WGS84 = frozenset({"EPSG:4326", "OGC:CRS84"})
OTHER_GEOGRAPHIC = frozenset({"EPSG:4258", "EPSG:4269", "EPSG:4230", "EPSG:4283", "EPSG:4314",
                              "EPSG:4167", "EPSG:4612", "EPSG:4617", "EPSG:4674", "EPSG:4979",
                              "EPSG:4937", "EPSG:4267", "EPSG:4322"})
WEB_MERCATOR = frozenset({"EPSG:3857", "EPSG:900913", "EPSG:3395", "EPSG:102100",
                          "EPSG:102113", "EPSG:3785"})
SNAP_REL = 1e-6
SNAP_ABS_M = 1e-3
_M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0

_PIPE = attrs_of("pipes")
_JUNCTION = attrs_of("junctions")


# --------------------------------------------------------------------------------------------
# Small helpers


def _missing(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _explicit(rec: dict, attr) -> tuple[str, object] | None:
    """(field name, raw value) of the first accepted name of ``attr`` given with a value."""
    for name in attr.accepted_names():
        if name in rec and not _missing(rec[name]):
            return name, rec[name]
    return None


def _explicit_si(rec: dict, attr) -> float | None:
    """The explicit value of ``attr`` in SI, or None (absent or not a number)."""
    given = _explicit(rec, attr)
    if given is None:
        return None
    name, raw = given
    if isinstance(raw, bool):
        return None
    try:
        v = float(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    sfx = attr.accepted_names()[name]
    factor, offset = SUFFIXES[attr.unit][sfx] if attr.unit != "1" else (1.0, 0.0)
    return v * factor + offset


def normalize_crs(name: str) -> str:
    """``EPSG:25832`` for the usual spellings (OGC URN/URL, lower case); ``OGC:CRS84`` for CRS84.

    Parameters
    ----------
    name : str
        A CRS name as found in a file.

    Returns
    -------
    str
        The canonical name.
    """
    text = name.strip()
    m = re.fullmatch(r"(?i)urn:ogc:def:crs:EPSG:[^:]*:(\d+)", text) or \
        re.fullmatch(r"(?i)https?://www\.opengis\.net/def/crs/EPSG/[^/]+/(\d+)", text) or \
        re.fullmatch(r"(?i)EPSG:+(\d+)", text)
    if m:
        return f"EPSG:{m.group(1)}"
    if re.fullmatch(r"(?i)(urn:ogc:def:crs:OGC:[^:]*:|https?://www\.opengis\.net/def/crs/OGC/"
                    r"[^/]+/|OGC:)?CRS84", text):
        return "OGC:CRS84"
    return text


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance [m] between two lon/lat points (degrees) on the mean Earth sphere.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float
        The two points [degrees].

    Returns
    -------
    float
        Distance [m].
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _line_length(parts: list[list[tuple]], geodesic: bool) -> float:
    total = 0.0
    for part in parts:
        for a, b in zip(part[:-1], part[1:], strict=True):
            if geodesic:
                total += haversine_m(a[0], a[1], b[0], b[1])
            else:
                total += math.hypot(b[0] - a[0], b[1] - a[1])
    return total


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Feature:
    index: int
    table: str
    rec: dict
    parts: list[list[tuple]] | None = None  # line parts (positions as tuples)
    point: tuple | None = None

    @property
    def label(self) -> str:
        eid = self.rec.get("id")
        return f"feature {self.index}" + ("" if _missing(eid) else f" ('{eid}')")


@dataclass
class _Context:
    file: str | None
    problems: list[Problem] = field(default_factory=list)
    suppress: set = field(default_factory=set)

    def add(self, feat: _Feature | None, message: str, table=None, fld=None, value=None,
            hint=None, index: int | None = None) -> None:
        idx = feat.index if feat is not None else index
        eid = None if feat is None or _missing(feat.rec.get("id")) else str(feat.rec.get("id"))
        self.problems.append(Problem(
            f"{message} (feature {idx})" if idx is not None else message, file=self.file,
            table=table or (feat.table if feat else None), element=eid, field=fld, value=value,
            hint=hint))
        if eid is not None and fld is not None:
            self.suppress.add((table or feat.table, eid, fld))


def _position(pos) -> tuple | None:
    if not isinstance(pos, (list, tuple)) or not 2 <= len(pos) <= 4:
        return None
    out = []
    for c in pos[:3]:
        if isinstance(c, bool) or not isinstance(c, (int, float)):
            return None
        try:
            c = float(c)
        except OverflowError:  # an integer too large for a float
            return None
        if not math.isfinite(c):
            return None
        out.append(c)
    return tuple(out)


def _geometry(feat: _Feature, geom, ctx: _Context) -> None:
    """Parse and check the geometry of ``feat`` against its table."""
    if geom is None:
        return
    if not isinstance(geom, dict) or "type" not in geom:
        ctx.add(feat, "geometry must be a GeoJSON geometry object or null", fld="geometry")
        return
    gtype, coords = geom.get("type"), geom.get("coordinates")
    want = "LineString" if feat.table in LINE_TABLES else "Point"
    if gtype == "Point" and want == "Point":
        p = _position(coords)
        if p is None:
            ctx.add(feat, "Point coordinates must be 2 or 3 finite numbers", fld="geometry",
                    value=coords)
        feat.point = p
        return
    if want == "LineString" and gtype in ("LineString", "MultiLineString"):
        parts_raw = [coords] if gtype == "LineString" else coords
        if not isinstance(parts_raw, list) or not parts_raw:
            ctx.add(feat, f"{gtype} without coordinates", fld="geometry")
            return
        parts = []
        for part in parts_raw:
            pts = [_position(p) for p in part] if isinstance(part, list) else [None]
            if len(pts) < 2 or any(p is None for p in pts):
                ctx.add(feat, f"{gtype} needs at least 2 positions of 2 or 3 finite numbers",
                        fld="geometry")
                return
            parts.append(pts)
        feat.parts = parts
        return
    what = {"Point": "a Point", "LineString": "a LineString"}[want]
    ctx.add(feat, f"geometry of a {_KIND_NAMES[feat.table][0]} must be {what} or null, "
            f"not {gtype!r}", fld="geometry")


def _apply_point(feat: _Feature, ctx: _Context, abs_tol: float) -> tuple[float, float] | None:
    """Fill x/y/elevation of a junction/node from its Point; its position for snapping."""
    rec, p = feat.rec, feat.point
    pos = [None, None]
    for i, name in enumerate(("x_m", "y_m")):
        attr = _JUNCTION[name]
        explicit = _explicit(rec, attr)
        if explicit is None:
            if p is not None:
                rec[name] = p[i]
                pos[i] = p[i]
            continue
        pos[i] = _explicit_si(rec, attr)
        if p is not None and pos[i] is not None and abs(pos[i] - p[i]) > abs_tol:
            ctx.add(feat, f"{explicit[0]} = {explicit[1]!r} disagrees with the Point geometry "
                    f"({p[i]!r})", fld=explicit[0],
                    hint="remove the property (the geometry is used) or correct it")
    if p is not None and len(p) > 2 and _explicit(rec, _JUNCTION["elevation_m"]) is None:
        rec["elevation_m"] = p[2]
    if pos[0] is None or pos[1] is None:
        return None
    return pos[0], pos[1]


class _Snapper:
    """Junction (node) points sorted by x, to find the point at a line end quickly."""

    def __init__(self, points: list[tuple[str, float, float]], abs_tol: float):
        self.points = sorted(points, key=lambda t: t[1])
        self.xs = [p[1] for p in self.points]
        extent = 0.0
        if points:
            ys = [p[2] for p in points]
            extent = max(self.xs[-1] - self.xs[0], max(ys) - min(ys))
        self.tol = max(abs_tol, SNAP_REL * extent)

    def find(self, x: float, y: float) -> list[tuple[float, str]]:
        """Points within the tolerance as (distance, id), nearest first."""
        lo = bisect.bisect_left(self.xs, x - self.tol)
        hi = bisect.bisect_right(self.xs, x + self.tol)
        found = []
        for pid, px, py in self.points[lo:hi]:
            d = math.hypot(px - x, py - y)
            if d <= self.tol:
                found.append((d, pid))
        return sorted(found)


def _snap(lines: list[_Feature], snapper: _Snapper, trench: bool, ctx: _Context) -> None:
    ends = (("from_node", "to_node") if trench else ("from_junction", "to_junction"))
    what = "node" if trench else "junction"
    for feat in lines:
        need = [f for f in ends if _missing(feat.rec.get(f))]
        if not need:
            continue
        if feat.parts is None:
            continue  # build reports the missing field
        if len(feat.parts) > 1:
            ctx.add(feat, "cannot connect a multi-part line by its ends: give "
                    f"{' and '.join(need)}", fld=need[0])
            continue
        for fld in need:
            pos = feat.parts[0][0] if fld == ends[0] else feat.parts[0][-1]
            found = snapper.find(pos[0], pos[1])
            where = "start" if fld == ends[0] else "end"
            xy = f"({pos[0]:.12g}, {pos[1]:.12g})"
            if not found:
                ctx.add(feat, f"{fld} is missing and the line {where} {xy} matches no {what} "
                        "point", fld=fld,
                        hint=f"give {fld} or move the line {where} onto the {what}")
            elif len(found) > 1 and found[0][0] == found[1][0]:
                ids = ", ".join(pid for _, pid in found[:4])
                ctx.add(feat, f"{fld} is missing and the line {where} {xy} matches several "
                        f"{what}s at the same place ({ids})", fld=fld,
                        hint=f"give {fld} explicitly")
            else:
                feat.rec[fld] = found[0][1]


def _crs_of(doc: dict, ctx: _Context) -> str | None:
    raw = doc.get("crs")
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip():
        return normalize_crs(raw)
    if isinstance(raw, dict):
        props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
        if raw.get("type") == "name" and isinstance(props.get("name"), str):
            return normalize_crs(props["name"])
        if str(raw.get("type", "")).upper() == "EPSG" and props.get("code") is not None:
            return normalize_crs(f"EPSG:{props['code']}")
    ctx.add(None, "unsupported 'crs' member", table="settings", fld="crs", value=raw,
            hint='use {"type": "name", "properties": {"name": "EPSG:25832"}}')
    return None


def _settings_of(doc: dict) -> object:
    props = doc.get("properties")
    for candidate in (doc.get("p2h_settings"),
                      props.get("p2h_settings") if isinstance(props, dict) else None,
                      doc.get("settings")):
        if candidate is not None:
            return candidate
    return None


def _looks_lonlat(feats: list[_Feature], lines: list[_Feature]) -> bool:
    """No CRS given: do the coordinates look like degrees (all within ±180/±90, short lines)?"""
    positions = [f.point for f in feats if f.point is not None]
    positions += [p for f in lines if f.parts for part in f.parts for p in part]
    if not positions:
        return False
    if not all(abs(p[0]) <= 180 and abs(p[1]) <= 90 for p in positions):
        return False
    return all(_line_length(f.parts, False) < 1.0 for f in lines if f.parts)


def _lengths(lines: list[_Feature], points: list[_Feature], crs: str | None,
             ctx: _Context) -> None:
    need = [f for f in lines if f.table in LENGTH_TABLES and f.parts is not None
            and _explicit(f.rec, _PIPE["length_m"]) is None]
    if not need:
        return
    if crs in WGS84:
        for f in need:
            f.rec["length_m"] = _line_length(f.parts, geodesic=True)
        return
    reason = None
    if crs in OTHER_GEOGRAPHIC:
        reason = f"the CRS {crs} is geographic (degrees)"
    elif crs in WEB_MERCATOR:
        reason = f"the CRS {crs} (Web Mercator) does not preserve lengths"
    elif crs is None and _looks_lonlat(points, lines):
        reason = "no CRS is given and the coordinates look like longitude/latitude degrees"
    if reason is None:
        for f in need:
            f.rec["length_m"] = _line_length(f.parts, geodesic=False)
        return
    first = need[0]
    ctx.add(first, f"cannot compute pipe lengths from the geometry: {reason}; "
            f"{len(need)} line feature(s) have no length_m", fld="length_m",
            hint="give length_m (or length_km) for every pipe, or reproject the file to a "
                 "projected CRS in metres (e.g. EPSG:25832, ETRS89 / UTM 32N) and declare it in "
                 "'crs'; EPSG:4326 is also accepted (haversine lengths)")
    for f in need:
        if not _missing(f.rec.get("id")):
            ctx.suppress.add((f.table, str(f.rec["id"]), "length_m"))


def network_from_feature_collection(doc, file: str | None = None, validate: bool = True):
    """Build a network from a parsed GeoJSON FeatureCollection (see the module docstring).

    Parameters
    ----------
    doc : dict
        The parsed FeatureCollection.
    file : str, optional
        File name for messages.
    validate : bool
        Check the network (``ModelError`` listing every problem).

    Returns
    -------
    Network
        The network (SI).
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InputFileError(f"expected a GeoJSON FeatureCollection, got {got!r}", file=file)
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputFileError("the FeatureCollection needs a 'features' list", file=file)
    ctx = _Context(file)
    smap = SourceMap(file, noun="features")
    tables: dict[str, list[dict]] = {}
    parsed: list[_Feature] = []
    known = ", ".join(names[0] for names in _KIND_NAMES.values())
    for i, raw in enumerate(features):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            ctx.add(None, "expected a GeoJSON Feature object", index=i)
            continue
        props = raw.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            ctx.add(None, "'properties' must be an object", index=i, value=props)
            continue
        kind = props.get("table", props.get("kind"))
        if _missing(kind):
            ctx.add(None, "properties.table is missing: which element is this feature?",
                    index=i, hint=f"set 'table' to one of: {known}")
            continue
        table = KINDS.get(str(kind).strip().lower())
        if table is None:
            close = difflib.get_close_matches(str(kind).strip().lower(), list(KINDS), n=1)
            ctx.add(None, "unknown table", index=i, fld="table", value=kind,
                    hint=f"did you mean '{close[0]}'?" if close else f"known: {known}")
            continue
        rec = {k: v for k, v in props.items() if k not in ("table", "kind")}
        if _missing(rec.get("id")) and not _missing(raw.get("id")):
            rec["id"] = raw["id"]
        feat = _Feature(i, table, rec)
        _geometry(feat, raw.get("geometry"), ctx)
        smap.add(table, len(tables.setdefault(table, [])), rec.get("id"), SourceLoc(file,
                                                                                   feature=i))
        tables[table].append(rec)
        parsed.append(feat)

    settings = _settings_of(doc)
    crs = _crs_of(doc, ctx)
    if isinstance(settings, dict):
        settings = dict(settings)
        own = settings.get("crs")
        if crs is not None and _missing(own):
            settings["crs"] = crs
        elif crs is not None and isinstance(own, str) and normalize_crs(own) != crs:
            ctx.add(None, f"the settings' crs {own!r} contradicts the FeatureCollection's crs "
                    f"{crs!r}", table="settings", fld="crs")
        elif crs is None and isinstance(own, str) and own.strip():
            crs = normalize_crs(own)
    elif settings is None and crs is not None:
        settings = {"crs": crs}

    trench = "nodes" in tables or "trenches" in tables
    point_table = "nodes" if trench else "junctions"
    points = [f for f in parsed if f.table in POINT_TABLES]
    lines = [f for f in parsed if f.table in LINE_TABLES]
    geographic = crs in WGS84 or crs in OTHER_GEOGRAPHIC
    abs_tol = SNAP_ABS_M / _M_PER_DEGREE if geographic else SNAP_ABS_M
    positions = []
    for f in points:
        pos = _apply_point(f, ctx, abs_tol)
        if f.table == point_table and pos is not None and not _missing(f.rec.get("id")):
            positions.append((str(f.rec["id"]).strip(), pos[0], pos[1]))
    _lengths(lines, points, crs, ctx)
    snapper = _Snapper(positions, abs_tol)
    _snap(lines, snapper, trench, ctx)
    return smap.build(tables, settings, validate, ctx.problems, ctx.suppress)


def read_geojson_network(path, validate: bool = True):
    """Read a network from a GeoJSON file (a FeatureCollection, see the module docstring).

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
    return network_from_feature_collection(read_json(path), file=str(path), validate=validate)


# --------------------------------------------------------------------------------------------
# Writing

_POINT_AT = {"pumps": "from_junction", "consumers": "supply_junction", "plants": "supply_junction",
             "plant": "supply_junction", "feedins": "supply_junction", "pressure_refs": "junction",
             "mass_flows": "junction"}


def _positions(net) -> dict[str, list[float]]:
    """Junction id → [x, y] for junctions with finite coordinates."""
    pos: dict[str, list[float]] = {}
    j = net.junctions
    for jid, x, y in zip(j.index, j["x_m"].tolist(), j["y_m"].tolist(), strict=True):
        if math.isfinite(x) and math.isfinite(y):
            pos[jid] = [float(x), float(y)]
    return pos


def _feature_geometry(table: str, eid, row: dict, pos: dict) -> dict | None:
    """Point of a junction or an element at its (supply / suction) junction, LineString of a
    pipe or valve between its junctions; None without coordinates."""
    if table == "junctions":
        return {"type": "Point", "coordinates": pos[eid]} if eid in pos else None
    if table in ("pipes", "valves"):
        a, b = pos.get(row.get("from_junction")), pos.get(row.get("to_junction"))
        return {"type": "LineString", "coordinates": [a, b]} if a and b else None
    at = row.get(_POINT_AT.get(table, "supply_junction"))
    return {"type": "Point", "coordinates": pos[at]} if at in pos else None


def _collection(net) -> dict:
    doc: dict = {"type": "FeatureCollection"}
    crs = net.settings.get("crs")
    if isinstance(crs, str) and crs.strip():
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return doc


def network_to_feature_collection(net) -> dict:
    """The GeoJSON FeatureCollection of ``net`` (two-pipe form, canonical SI properties).

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    dict
        The FeatureCollection.
    """
    doc = _collection(net)
    doc["p2h_settings"] = {a.name: json_value(net.settings.get(a.name, a.default))
                           for a in SETTINGS}
    pos = _positions(net)
    features = []
    for table in TABLES:
        df = net.table(table)
        for eid, row in zip(df.index, df.to_dict("records"), strict=True):
            props = {"table": table, **element_record(table, eid, row)}
            geometry = _feature_geometry(table, eid, row, pos)
            if table == "junctions" and geometry is not None:
                del props["x_m"], props["y_m"]
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
    doc["features"] = features
    return doc


def result_to_feature_collection(result, net) -> dict:
    """A solve ``result`` of ``net`` as GeoJSON for GIS: one feature per result row (table
    ``junctions``, ``pipes``, ``valves``, ``pumps``, ``consumers``, ``plant``, ``feedins``)
    with every result column as a property, placed like the network's own features.

    Parameters
    ----------
    result : Result
        A solve result of ``net``.
    net : Network
        The network (its coordinates).

    Returns
    -------
    dict
        The FeatureCollection.
    """
    doc = _collection(net)
    pos = _positions(net)
    features = []
    for table, df in result.tables().items():
        for eid, row in zip(df.index, df.to_dict("records"), strict=True):
            props = {"table": table, "id": eid, **{k: json_value(v) for k, v in row.items()}}
            features.append({"type": "Feature",
                             "geometry": _feature_geometry(table, eid, row, pos),
                             "properties": props})
    doc["features"] = features
    return doc


def _write_collection(doc: dict, path, inputs) -> Path:
    """Write a FeatureCollection atomically, one feature per line."""
    features = doc.pop("features")
    head = ", ".join(f"{json.dumps(k)}: {json.dumps(v, allow_nan=False, ensure_ascii=False)}"
                     for k, v in doc.items())
    body = ",\n".join(json.dumps(f, allow_nan=False, ensure_ascii=False) for f in features)
    text = "{" + head + ', "features": [\n' + body + "\n]}\n"
    return write_text_atomic(path, text, inputs)


def write_geojson_network(net, path, inputs=()) -> Path:
    """Write ``net`` as a GeoJSON FeatureCollection (atomically), one feature per line.

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
    return _write_collection(network_to_feature_collection(net), path, inputs)


def write_geojson_result(result, net, path, inputs=()) -> Path:
    """Write a solve ``result`` of ``net`` as GeoJSON (``result_to_feature_collection``).

    Parameters
    ----------
    result : Result
        A solve result of ``net``.
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
    return _write_collection(result_to_feature_collection(result, net), path, inputs)
