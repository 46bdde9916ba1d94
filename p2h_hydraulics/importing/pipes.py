"""Pipe data as it comes from a layer → model fields; house-connection dimensioning.

A street pipe's diameter and heat-loss coefficient come from ``model.pipe_data.
resolve_pipe_data`` (inner diameter given, a type name, DN + series via the catalogue, outer
diameter − wall; U given, per m² over the outer diameter, from insulation thickness and
conductivity, from the casing of a type name, the catalogue, else none). What applied is
counted per line for the report's "pipe data and defaults" table.

A generated house connection gets the smallest catalogue DN whose design flow keeps the
velocity and the specific pressure loss within the checker's default limits
(``checks.Thresholds``: 1.5 m/s up to DN 50, 2.0 m/s above, 200 Pa/m), the design flow being
ṁ = Q / (c_p (T_supply − T_return)) of its consumer at the plant's supply temperature and the
consumer's return temperature; series S1.
"""

from __future__ import annotations

import math
import re

PIPE_DATA_FIELDS = ("dn", "d_inner_m", "series", "type_name", "d_outer_m", "wall_m",
                    "u_w_per_mk", "u_w_per_m2k", "insulation_thickness_m",
                    "lambda_insulation_w_per_mk")


def pipe_record(values: dict, defaults: dict) -> dict:
    """Model fields (SI) of a street pipe from its mapped values; counts in ``defaults`` where
    its diameter and heat loss came from and which defaults applied."""
    from ..model.pipe_data import resolve_pipe_data

    data = resolve_pipe_data({k: values[k] for k in PIPE_DATA_FIELDS if k in values})
    rec = {k: values[k] for k in ("roughness_m", "zeta") if k in values}
    if math.isfinite(data.d_inner_m):
        rec["d_inner_m"] = data.d_inner_m
    if math.isfinite(data.dn):
        rec["dn"] = data.dn
    elif "dn" in values:
        rec["dn"] = values["dn"]  # not in the catalogue: the model names the pipe
    if data.series:
        rec["series"] = data.series
    rec["u_w_per_mk"] = data.u_w_per_mk
    if math.isfinite(data.d_inner_m):
        tally(defaults, "pipes", "diameter", _rule(data.diameter_source))
    tally(defaults, "pipes", "u_w_per_mk", _rule(data.u_source))
    if "dn" in values and "series" not in values and "type_name" not in values:
        tally(defaults, "pipes", "series", "S1")
    if "roughness_m" not in values:
        tally(defaults, "pipes", "roughness_m", "0.1 mm")
    return rec


def _rule(text: str) -> str:
    """A source text without its per-pipe numbers, so that pipes under one rule share a row
    ("catalogue: DN 100 (EN 253 114.3 mm)" → "catalogue: DN")."""
    text = re.sub(r"DN \d+(\.\d+)?", "DN", text)
    text = re.sub(r"\s*\(EN 253 [\d.]+ mm\)", "", text)
    return re.sub(r"\d+(\.\d+)? mm", "… mm", text)


def tally(defaults: dict, table: str, field: str, value: str, n: int = 1) -> None:
    """Count ``n`` elements of ``table`` whose ``field`` came from ``value`` (a rule or a
    default) in ``defaults`` ({(table, field, value): count}, the report's table)."""
    key = (table, field, value)
    defaults[key] = defaults.get(key, 0) + n


def connection_dn(q_w: float, t_supply_k: float, t_return_k: float,
                  roughness_m: float = 1e-4) -> float:
    """Smallest catalogue DN that carries ``q_w`` within the checker's velocity and
    pressure-gradient limits.

    Parameters
    ----------
    q_w : design heat load of the consumer [W]
    t_supply_k, t_return_k : design supply and return temperatures [K]
    roughness_m : pipe roughness [m]

    Returns
    -------
    float
        The DN (the largest of the catalogue when none suffices).
    """
    from ..checks import Thresholds
    from ..model.catalogue import catalogue
    from ..physics.water import heat_capacity
    from ..sizing import pipe_hydraulics

    th = Thresholds()
    cat = catalogue()
    dt = t_supply_k - t_return_k
    if not (q_w > 0 and dt > 0):
        return float(cat.index.min())
    mdot = q_w / (float(heat_capacity(0.5 * (t_supply_k + t_return_k))) * dt)
    for dn, d in zip(cat.index, cat["d_inner_m"], strict=True):
        v, r = pipe_hydraulics(mdot, d, t_supply_k, roughness_m)
        v_max = th.v_max_small_m_s if dn <= th.small_dn else th.v_max_m_s
        if v <= v_max and r <= th.r_max_pa_per_m:
            return float(dn)
    return float(cat.index.max())
