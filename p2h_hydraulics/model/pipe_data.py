"""Pipe diameter and heat-loss coefficient from whatever a data source gives, and what applied.

Operators' and planners' data give a pipe's geometry and insulation in many ways: an inner
diameter, a DN (with an insulation series), a manufacturer-style type name, the service pipe's
outer diameter and wall; heat loss as W/(m K), as W/(m² K) over the outer diameter, or as an
insulation thickness and conductivity. ``resolve_pipe_data`` takes one record (canonical SI
field names, see below) and returns a ``PipeData`` with the values and a short text per value
saying where it came from — for the import report.

**Diameter** (first that applies): ``d_inner_m`` given → "given"; a type name with explicit
dimensions (``114.3x3.6``, ``PE-Xa 32x2.9/90``) → "type name"; a type name or ``dn`` with a DN →
the catalogue (``model.catalogue``, EN 253 steel service pipes); ``d_outer_m`` and ``wall_m`` →
"outer diameter − 2 × wall"; else none (the pipe is left to ``sizing.size_network``).

**Heat loss** (first that applies): ``u_w_per_mk`` given; ``u_w_per_m2k`` × π × outer diameter
(``physics.heat_loss.u_from_area_coefficient``; the service pipe's outer diameter, else the
inner one — pandapipes' rule); ``insulation_thickness_m`` (+ ``lambda_insulation_w_per_mk``,
default aged PUR 0.027 W/(m K)) around the outer diameter (``u_from_insulation``, soil and
cover defaults of that function); a casing diameter from the type name (``…/90``) → the same
with the insulation filling the casing; the catalogue U of DN + series; else 0 (no heat loss).

**Type names** (case-insensitive; any manufacturer prefix such as KMR, isoplus, Logstor is
ignored): ``DN100``, ``DN 100`` with an optional series ``S1``/``S2``/``S3``, ``Serie 2``,
``Series 3``, ``Standard`` (= S1), ``1x verstärkt``/``plus`` (= S2), ``2x verstärkt`` (= S3);
or explicit dimensions in mm ``<outer>x<wall>`` with an optional ``/<casing outer>``, a plastic
service pipe when the name says PE-X/PEX/PE-RT (its wall conducts 0.35 W/(m K) instead of
steel's 50). The DN table is the catalogue (``data/pipe_catalogue.csv``: EN 253 steel outer
diameters and wall thicknesses; PE casings per insulation series as in the common
manufacturers' dimension tables).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..physics.heat_loss import u_from_area_coefficient, u_from_insulation
from .catalogue import CASING_WALL_FRACTION, LAMBDA_PUR, SERIES, catalogue

__all__ = ["PipeData", "parse_type_name", "resolve_pipe_data"]

LAMBDA_PLASTIC = 0.35  # W/(m K), PE-Xa service pipe wall

_NUM = r"(\d+(?:[.,]\d+)?)"
_DIMS = re.compile(_NUM + r"\s*[x×*]\s*" + _NUM + r"(?:\s*/\s*" + _NUM + r")?", re.I)
_DN = re.compile(r"\bDN\s*(\d+)", re.I)
_SERIES = (
    (re.compile(r"\bS(?:erie|eries)?\s*\.?\s*([123])\b", re.I), None),
    (re.compile(r"2\s*x\s*verst", re.I), "S3"),
    (re.compile(r"(1\s*x\s*)?verst|\bplus\b", re.I), "S2"),
    (re.compile(r"\bstandard\b", re.I), "S1"),
)
_PLASTIC = re.compile(r"PE[\s-]?(X|RT)", re.I)


@dataclass(frozen=True)
class PipeData:
    """A pipe's resolved geometry and heat loss, and where each value came from."""

    d_inner_m: float = math.nan
    d_outer_m: float = math.nan  # service pipe outer diameter
    u_w_per_mk: float = 0.0
    dn: float = math.nan
    series: str = ""
    diameter_source: str = "none"
    u_source: str = "none (no heat loss)"


def _f(x) -> float:
    return float(str(x).replace(",", "."))


def parse_type_name(name: str) -> dict | None:
    """What a pipe type name says: ``{"dn", "series"}`` or ``{"d_outer_m", "wall_m",
    "casing_m", "plastic"}``; None when it says nothing we can use.

    Parameters
    ----------
    name : str
        e.g. ``"KMR DN100 Serie 2"``, ``"isoplus DN 80 Standard"``, ``"PE-Xa 32x2.9/90"``.

    Returns
    -------
    dict or None
    """
    if not isinstance(name, str) or not name.strip():
        return None
    dims = _DIMS.search(name)
    if dims:
        d_out, wall = _f(dims.group(1)) / 1e3, _f(dims.group(2)) / 1e3
        if not 0 < 2 * wall < d_out:
            return None
        casing = _f(dims.group(3)) / 1e3 if dims.group(3) else math.nan
        return {"d_outer_m": d_out, "wall_m": wall, "casing_m": casing,
                "plastic": bool(_PLASTIC.search(name))}
    dn = _DN.search(name)
    if not dn:
        return None
    series = ""
    for pattern, fixed in _SERIES:
        m = pattern.search(name[dn.end():]) or pattern.search(name[:dn.start()])
        if m:
            series = fixed or f"S{m.group(1)}"
            break
    return {"dn": float(dn.group(1)), "series": series}


def _num(rec: dict, key: str) -> float:
    v = rec.get(key)
    try:
        v = float(v)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def resolve_pipe_data(record: dict) -> PipeData:
    """Diameter and heat-loss coefficient of one pipe record, and where they came from.

    Parameters
    ----------
    record : dict
        any of ``d_inner_m``, ``dn``, ``series``, ``type_name``, ``d_outer_m``, ``wall_m``,
        ``u_w_per_mk``, ``u_w_per_m2k``, ``insulation_thickness_m``,
        ``lambda_insulation_w_per_mk`` (SI values; missing or empty values are ignored).

    Returns
    -------
    PipeData
        values (NaN / 0 when unknown) and ``diameter_source`` / ``u_source`` texts. An unknown
        DN or series gives no catalogue values (the source text says so).
    """
    cat = catalogue()
    name = record.get("type_name")
    parsed = parse_type_name(name) if name else None
    dn = _num(record, "dn")
    series = str(record.get("series") or "").strip().upper()
    d_in, d_out = _num(record, "d_inner_m"), _num(record, "d_outer_m")
    casing, plastic = math.nan, False
    d_src = "given" if math.isfinite(d_in) else "none"
    if parsed and "d_outer_m" in parsed:
        if math.isnan(d_out):
            d_out = parsed["d_outer_m"]
        casing, plastic = parsed["casing_m"], parsed["plastic"]
        if math.isnan(d_in):
            d_in = parsed["d_outer_m"] - 2 * parsed["wall_m"]
            d_src = f"type name '{name}' ({parsed['d_outer_m'] * 1e3:g} × " \
                    f"{parsed['wall_m'] * 1e3:g} mm)"
    elif parsed:
        dn = dn if math.isfinite(dn) else parsed["dn"]
        series = series or parsed["series"]
    series = series or "S1"
    in_cat = math.isfinite(dn) and dn in cat.index and series in SERIES
    if math.isfinite(dn) and not in_cat and d_src == "none":
        d_src = f"none (DN {dn:g} / {series} not in the catalogue)"
    if in_cat:
        row = cat.loc[dn]
        if math.isnan(d_out):
            d_out = float(row["d_steel_outer_m"])
        if math.isnan(d_in):
            d_in = float(row["d_inner_m"])
            via = f"type name '{name}'" if parsed and "dn" in parsed else "catalogue"
            d_src = f"{via}: DN {dn:g} (EN 253 {row['d_steel_outer_m'] * 1e3:g} mm)"
    wall = _num(record, "wall_m")
    if math.isnan(d_in) and math.isfinite(d_out) and math.isfinite(wall) and 0 < 2 * wall < d_out:
        d_in = d_out - 2 * wall
        d_src = "outer diameter − 2 × wall"
    u, u_src = _heat_loss(record, d_in, d_out, casing, plastic, dn, series, in_cat)
    return PipeData(d_inner_m=d_in, d_outer_m=d_out, u_w_per_mk=u,
                    dn=dn if in_cat or math.isfinite(dn) else math.nan,
                    series=series if in_cat else "", diameter_source=d_src, u_source=u_src)


def _heat_loss(rec, d_in, d_out, casing, plastic, dn, series, in_cat) -> tuple[float, str]:
    u = _num(rec, "u_w_per_mk")
    if math.isfinite(u):
        return u, "given"
    lam_wall = LAMBDA_PLASTIC if plastic else 50.0
    u_area = _num(rec, "u_w_per_m2k")
    if math.isfinite(u_area):
        d_ref, which = (d_out, "outer") if math.isfinite(d_out) else (d_in, "inner")
        if math.isfinite(d_ref):
            return float(u_from_area_coefficient(u_area, d_ref)), \
                f"{u_area:g} W/(m² K) over the {which} diameter {d_ref * 1e3:g} mm"
    s = _num(rec, "insulation_thickness_m")
    if math.isfinite(s) and s > 0 and math.isfinite(d_out):
        lam = _num(rec, "lambda_insulation_w_per_mk")
        note = ""
        if math.isnan(lam):
            lam, note = LAMBDA_PUR, " (default λ of aged PUR)"
        wall_d = d_in if math.isfinite(d_in) and d_in < d_out else None
        return u_from_insulation(d_out, s, lam, d_inner_m=wall_d, lambda_steel_w_mk=lam_wall), \
            f"insulation {s * 1e3:g} mm, λ {lam:g} W/(m K){note}"
    if math.isfinite(casing) and math.isfinite(d_out) and casing > d_out:
        wall_c = casing * CASING_WALL_FRACTION
        s = (casing - 2 * wall_c - d_out) / 2
        if s > 0:
            wall_d = d_in if math.isfinite(d_in) and d_in < d_out else None
            return u_from_insulation(d_out, s, LAMBDA_PUR, casing_thickness_m=wall_c,
                                     d_inner_m=wall_d, lambda_steel_w_mk=lam_wall), \
                f"casing {casing * 1e3:g} mm filled with PUR (λ {LAMBDA_PUR:g} W/(m K))"
    if in_cat:
        return float(catalogue().at[dn, f"u_{series}_w_per_mk"]), \
            f"catalogue: DN {dn:g} series {series}"
    return 0.0, "none (no heat loss)"
