"""Features of a layer → lines (with mapped values and kept attributes) and sites (points).

Ids come from the layer's id field when every feature has one and they are unique; otherwise
they are generated (``L1``, ``L2`` … for lines, ``C1`` … for consumers, ``P1`` … for plants) and
the report says so. Multi-part lines give one line per part (``id#2`` for the second part).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputFileError
from .mapping import LayerFields, convert, is_missing
from .topology import Line

SUPPLY_WORDS = {"supply", "flow", "s", "f", "vl", "vorlauf", "sup", "forward", "feed"}
RETURN_WORDS = {"return", "r", "rl", "ruecklauf", "rücklauf", "ret", "back"}
BOTH_WORDS = {"both", "trench", "b", "beide", "trasse"}


@dataclass
class Site:
    """A consumer or plant: a position and, for a drawn house-connection line, its vertices."""

    key: str
    x: float
    y: float
    values: dict
    extra: dict
    label: str
    coords: np.ndarray | None = None  # drawn connection line (None for points and polygons)


def scalar(value):
    """An attribute value as a plain JSON scalar (None for missing or non-scalar values)."""
    if is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return None


def _ids(frame, fields: LayerFields, prefix: str, notes: list[str]) -> list[str]:
    src = fields.fields.get("id")
    n = len(frame)
    if src is not None:
        vals = [convert(src, v, f"{fields.label} feature {i}")
                for i, v in enumerate(frame[src.attribute])]
        if all(v for v in vals) and len(set(vals)) == n:
            return [str(v) for v in vals]
        notes.append(f"{fields.label}: attribute '{src.attribute}' is empty or repeated, so "
                     f"ids were generated ({prefix}1 … {prefix}{n}); '{src.attribute}' is kept")
        fields.extras.append(src.attribute)
        del fields.fields["id"]
    return [f"{prefix}{i + 1}" for i in range(n)]


def _values(row, fields: LayerFields, where: str) -> tuple[dict, dict]:
    values = {}
    for si, src in fields.fields.items():
        if si == "id":
            continue
        v = convert(src, row[src.attribute], where)
        if v is not None:
            values[si] = v
    extra = {}
    for attr in fields.extras:
        v = scalar(row[attr])
        if v is not None:
            extra[attr] = v
    return values, extra


def side_of(value, where: str) -> str:
    """'supply', 'return' or 'both' from a side attribute value."""
    if value is None:
        return "both"
    text = str(value).strip().lower()
    for words, side in ((SUPPLY_WORDS, "supply"), (RETURN_WORDS, "return"),
                        (BOTH_WORDS, "both")):
        if text in words:
            return side
    raise InputFileError(f"{where}: side {value!r} is not supply (VL, flow …), return (RL …) "
                         "or both")


def read_lines(frame, fields: LayerFields, prefix: str, notes: list[str]) -> list[Line]:
    """Lines of a layer (in its current CRS); non-line geometries are refused."""
    ids = _ids(frame, fields, prefix, notes)
    out: list[Line] = []
    geoms = frame.geometry
    for i, (key, geom) in enumerate(zip(ids, geoms, strict=True)):
        where = f"{fields.label} feature {i} (id '{key}')"
        if geom is None or geom.is_empty:
            notes.append(f"{where}: no geometry, skipped")
            continue
        if geom.geom_type == "LineString":
            parts = [geom]
        elif geom.geom_type == "MultiLineString":
            parts = list(geom.geoms)
        else:
            raise InputFileError(f"{where}: a {geom.geom_type} in the line layer; the network "
                                 "layer must hold lines (LineString)")
        values, extra = _values(frame.iloc[i], fields, where)
        for k, part in enumerate(parts):
            xyz = np.asarray(part.coords, dtype=float)
            if len(xyz) < 2:
                continue
            z = xyz[:, 2] if xyz.shape[1] > 2 and np.isfinite(xyz[:, 2]).all() else None
            pkey = key if len(parts) == 1 else f"{key}#{k + 1}"
            out.append(Line(pkey, xyz[:, :2], values, extra, where, z))
    return out


def read_sites(frame, fields: LayerFields, prefix: str, notes: list[str]) -> list[Site]:
    """Consumers or plants: points, polygons (their centroid) or drawn connection lines."""
    ids = _ids(frame, fields, prefix, notes)
    out: list[Site] = []
    for i, (key, geom) in enumerate(zip(ids, frame.geometry, strict=True)):
        where = f"{fields.label} feature {i} (id '{key}')"
        if geom is None or geom.is_empty:
            raise InputFileError(f"{where}: the feature has no geometry; give it a point, a "
                                 "polygon or a house-connection line")
        values, extra = _values(frame.iloc[i], fields, where)
        coords = None
        kind = geom.geom_type
        if kind in ("Point", "Polygon", "MultiPolygon"):
            c = geom.centroid
            x, y = c.x, c.y
        elif kind == "MultiPoint" and len(geom.geoms) == 1:
            x, y = geom.geoms[0].x, geom.geoms[0].y
        elif kind == "LineString":
            coords = np.asarray(geom.coords, dtype=float)[:, :2]
            x, y = coords[-1]
        elif kind == "MultiLineString" and len(geom.geoms) == 1:
            coords = np.asarray(geom.geoms[0].coords, dtype=float)[:, :2]
            x, y = coords[-1]
        else:
            raise InputFileError(f"{where}: a {kind} cannot be placed; give a point, a polygon "
                                 "or one house-connection line per feature")
        out.append(Site(key, float(x), float(y), values, extra, where, coords))
    return out
