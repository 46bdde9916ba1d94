"""Pre-insulated pipe catalogue: DN + series → inner diameter and linear heat-loss coefficient.

Geometry from ``data/pipe_catalogue.csv`` (EN 253 steel service pipe, PE casing per series S1–S3).
Heat-loss coefficient of one buried pipe, per metre (W/(m K)), from the thermal resistances

    R = ln(D_ins / d_steel) / (2π λ_PUR)  +  ln(4 H / D_casing) / (2π λ_soil)

with the PUR foam inside the casing (casing wall ≈ 3 % of its diameter), λ_PUR = 0.027 W/(m K)
(aged foam per EN 253), a burial depth H = 0.8 m + D/2 to the pipe axis and λ_soil = 1.5 W/(m K).
Neighbouring-pipe interaction in a twin trench is neglected (conservative for the loss of each
pipe by a few %). For DN100 S1 this gives U ≈ 0.30 W/(m K), in line with manufacturers' tables.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from ..errors import Problem

LAMBDA_PUR = 0.027
LAMBDA_SOIL = 1.5
COVER_M = 0.8
CASING_WALL_FRACTION = 0.03
SERIES = ("S1", "S2", "S3")


@lru_cache(maxsize=1)
def catalogue() -> pd.DataFrame:
    """The catalogue: index DN; inner diameter and U per series (SI)."""
    with resources.files("p2h_hydraulics.data").joinpath("pipe_catalogue.csv").open() as fh:
        raw = pd.read_csv(fh, comment="#")
    out = pd.DataFrame(index=raw["dn"].astype(float))
    out.index.name = "dn"
    d_out = raw["d_steel_outer_mm"].to_numpy() / 1e3
    out["d_inner_m"] = d_out - 2 * raw["wall_mm"].to_numpy() / 1e3
    out["d_steel_outer_m"] = d_out
    for s in SERIES:
        casing = raw[f"casing_{s.lower()}_mm"].to_numpy() / 1e3
        out[f"casing_{s}_m"] = casing
        out[f"u_{s}_w_per_mk"] = [linear_u(d, c) for d, c in zip(d_out, casing, strict=True)]
    return out


def linear_u(d_steel_outer_m: float, casing_outer_m: float) -> float:
    """Linear heat-loss coefficient [W/(m K)] of one buried pre-insulated pipe.

    Parameters
    ----------
    d_steel_outer_m : float
        Outer diameter of the steel pipe [m].
    casing_outer_m : float
        Outer diameter of the casing [m].

    Returns
    -------
    float
        U_L [W/(m K)].
    """
    d_ins = casing_outer_m * (1 - 2 * CASING_WALL_FRACTION)
    r_ins = math.log(d_ins / d_steel_outer_m) / (2 * math.pi * LAMBDA_PUR)
    depth = COVER_M + casing_outer_m / 2
    r_soil = math.log(4 * depth / casing_outer_m) / (2 * math.pi * LAMBDA_SOIL)
    return 1.0 / (r_ins + r_soil)


def lookup(dn: float, series: str = "S1") -> tuple[float, float]:
    """(d_inner_m, u_w_per_mk) for a DN and series; KeyError when unknown.

    Parameters
    ----------
    dn : float
        Nominal diameter.
    series : str
        Insulation series ("S1", "S2", "S3").

    Returns
    -------
    tuple of float
        (inner diameter [m], U_L [W/(m K)]).
    """
    cat = catalogue()
    s = (series or "S1").upper()
    if s not in SERIES:
        raise KeyError(f"series {series!r}")
    row = cat.loc[float(dn)]
    return float(row["d_inner_m"]), float(row[f"u_{s}_w_per_mk"])


def apply_catalogue(net, problems: list[Problem]):
    """Fill d_inner_m / u_w_per_mk of pipes that give a DN (and series) but no explicit value.

    Explicit values win over the catalogue. Pipes with neither a diameter nor a DN keep an empty
    diameter (``sizing.size_network`` gives them one; the validation reports them).
    Pipes without U and without DN get U = 0 (no heat loss), as documented in the schema.

    Parameters
    ----------
    net : Network
        The network.
    problems : list of Problem
        Pipes with neither a diameter nor a DN are appended here.

    Returns
    -------
    Network
        The network with the catalogue values filled in.
    """
    pipes = net.pipes
    if pipes.empty:
        return net
    pipes = pipes.copy()
    cat = catalogue()
    dn = pipes["dn"].to_numpy(dtype=float)
    series = pipes["series"].fillna("").astype(str).str.upper().replace("", "S1")
    need_d = pipes["d_inner_m"].isna().to_numpy()
    need_u = pipes["u_w_per_mk"].isna().to_numpy()
    has_dn = ~np.isnan(dn)
    known_dn = np.isin(dn, cat.index.to_numpy())
    known_series = series.isin(SERIES).to_numpy()
    bad = has_dn & (need_d | need_u) & ~(known_dn & known_series)
    for pid in pipes.index[bad]:
        known = ", ".join(f"{x:g}" for x in cat.index)
        problems.append(Problem(
            f"DN {pipes.at[pid, 'dn']:g} / series '{series[pid]}' is not in the pipe catalogue",
            file=net.source, table="pipes", element=pid, field="dn",
            hint=f"known DN: {known}; series: {', '.join(SERIES)}"))
    use = has_dn & known_dn & known_series
    if use.any():
        rows = cat.loc[dn[use]]
        d_cat = rows["d_inner_m"].to_numpy()
        u_all = rows[[f"u_{s}_w_per_mk" for s in SERIES]].to_numpy()
        s_pos = np.searchsorted(np.array(SERIES), series.to_numpy()[use].astype(str))
        u_cat = u_all[np.arange(len(u_all)), s_pos]
        d_col = pipes["d_inner_m"].to_numpy(copy=True)
        u_col = pipes["u_w_per_mk"].to_numpy(copy=True)
        d_col[use] = np.where(need_d[use], d_cat, d_col[use])
        u_col[use] = np.where(need_u[use], u_cat, u_col[use])
        pipes["d_inner_m"] = d_col
        pipes["u_w_per_mk"] = u_col
    pipes.loc[pipes["u_w_per_mk"].isna() & ~has_dn, "u_w_per_mk"] = 0.0
    net.pipes = pipes
    return net
