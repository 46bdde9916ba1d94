"""Structural validation of a network: references, control-mode fields, topology.

Field-level checks (types, units, bounds) happen while building from records (``model.build``);
this module checks what needs the whole model. Every problem is collected and raised at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError, Problem
from .graph import islands
from .schema import REF_COLUMNS


def find_problems(net) -> list[Problem]:
    """Every structural problem of ``net`` (empty list when valid).

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of Problem
        Every structural problem (empty when valid).
    """
    probs = reference_problems(net)
    probs += _self_loop_problems(net)
    probs += _control_problems(net)
    probs += load_problems(net)
    probs += _diameter_problems(net)
    probs += _friction_problems(net)
    probs += consumer_problems(net)
    f = net.source
    plants = net.plants[net.plants["in_service"]] if not net.plants.empty else net.plants
    refs = net.pressure_refs
    if plants.empty and (refs.empty or not refs["in_service"].any()):
        probs.append(Problem("no pressure reference: the network needs an in-service plant "
                             "(or a pressure reference)", file=f, table="plants"))
    if not probs:
        probs += _topology_problems(net)
    return probs


def _friction_problems(net) -> list[Problem]:
    """Pipes the network's friction law cannot evaluate (Nikuradse needs a roughness > 0)."""
    if net.settings.get("friction_law", "colebrook") != "nikuradse" or net.pipes.empty:
        return []
    smooth = net.pipes.index[(net.pipes["roughness_m"] <= 0.0).to_numpy()
                             & net.pipes["in_service"].to_numpy(bool)]
    return [Problem("roughness 0 under the Nikuradse friction law (its fully rough term "
                    "needs k > 0)", file=net.source, table="pipes", element=pid,
                    field="roughness_m", value=0.0,
                    hint="give the pipe's roughness or use friction_law 'colebrook'")
            for pid in smooth]


def reference_problems(net) -> list[Problem]:
    """Elements that refer to junctions that do not exist.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of Problem
        Elements that refer to junctions that do not exist.
    """
    f = net.source
    probs: list[Problem] = []
    junctions = set(net.junctions.index)
    if not junctions:
        probs.append(Problem("the network has no junctions", file=f, table="junctions"))
    for table, cols in REF_COLUMNS.items():
        df = net.table(table)
        for col in cols:
            if df.empty:
                continue
            bad = ~df[col].isin(junctions)
            for eid in df.index[bad.to_numpy()]:
                probs.append(Problem("refers to an unknown junction", file=f, table=table,
                                     element=eid, field=col, value=df.at[eid, col]))
    return probs


def _self_loop_problems(net) -> list[Problem]:
    f = net.source
    probs: list[Problem] = []
    for table, (a, b) in (("pipes", ("from_junction", "to_junction")),
                          ("valves", ("from_junction", "to_junction")),
                          ("pumps", ("from_junction", "to_junction")),
                          ("consumers", ("supply_junction", "return_junction")),
                          ("plants", ("return_junction", "supply_junction")),
                          ("feedins", ("return_junction", "supply_junction"))):
        df = net.table(table)
        if df.empty:
            continue
        same = (df[a] == df[b]).to_numpy()
        for eid in df.index[same]:
            probs.append(Problem(f"{a} and {b} are the same junction", file=f, table=table,
                                 element=eid, field=b, value=df.at[eid, b]))
    return probs


def _control_problems(net) -> list[Problem]:
    f = net.source
    probs = []
    c = net.consumers
    need = {"t_return": "t_return_k", "delta_t": "delta_t_k", "mdot": "mdot_kg_s"}
    for mode, col in need.items():
        if c.empty:
            break
        sel = ((c["control"] == mode) & c[col].isna()).to_numpy()
        for eid in c.index[sel]:
            probs.append(Problem(f"control '{mode}' needs {col}", file=f, table="consumers",
                                 element=eid, field=col))
    p = net.plants
    for mode, col in (("lift", "lift_pa"), ("p_supply", "p_supply_pa")):
        if p.empty:
            break
        sel = ((p["control"] == mode) & p[col].isna()).to_numpy()
        for eid in p.index[sel]:
            probs.append(Problem(f"control '{mode}' needs {col}", file=f, table="plants",
                                 element=eid, field=col))
    fi = net.feedins
    for mode, col in (("q", "q_w"), ("mdot", "mdot_kg_s")):
        if fi.empty:
            break
        sel = ((fi["control"] == mode) & fi[col].isna()).to_numpy()
        for eid in fi.index[sel]:
            probs.append(Problem(f"control '{mode}' needs {col}", file=f, table="feedins",
                                 element=eid, field=col))
    return probs


def hottest_source_k(net) -> float:
    """The hottest temperature water can enter the network with.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    float
        The highest of the plant supply setpoints, feed-in outlets, pressure references' and
        injections' temperatures in service [K]; NaN without any.
    """
    temps = []
    for table, col in (("plants", "t_supply_k"), ("feedins", "t_out_k"),
                       ("pressure_refs", "t_k"), ("mass_flows", "t_k")):
        df = net.table(table)
        if df.empty:
            continue
        on = df[df["in_service"].astype(bool)] if "in_service" in df else df
        temps += [float(t) for t in on[col] if np.isfinite(t)]
    return max(temps) if temps else float("nan")


def consumer_problems(net) -> list[Problem]:
    """Consumers in service whose control law cannot hold in any steady state.

    * return setpoint not below the plant supply temperature, or below 0 °C;
    * fixed flow (``mdot``) of 0 kg/s with a heat demand: the heat could never be delivered
      (the solver would drop the consumer and its heat would be missing);
    * fixed flow or fixed cooling ΔT that needs a return below 0 °C even when the water arrives
      at the hottest source temperature of the network (heat losses only make it colder): the
      return would freeze. The water properties stop at 0 °C, so such a state would otherwise
      be shown as a return of exactly 0 °C.

    Parameters
    ----------
    net : Network
        The network (or a load case's network).

    Returns
    -------
    list of Problem
        One per impossible consumer, naming it and the field concerned.
    """
    from ..physics import water

    c = net.consumers
    if c.empty:
        return []
    f = net.source
    probs: list[Problem] = []
    t_sup = net.plants["t_supply_k"].max() if not net.plants.empty else np.nan
    sel = ((c["control"] == "t_return") & (c["t_return_k"] >= t_sup)).to_numpy()
    for eid in c.index[sel]:
        probs.append(Problem("return setpoint is not below the plant supply temperature",
                             file=f, table="consumers", element=eid, field="t_return_k",
                             value=round(float(c.at[eid, "t_return_k"]) - 273.15, 3),
                             hint="values are in K internally; check the unit suffix"))
    sel = ((c["control"] == "t_return") & (c["t_return_k"] < 273.15)).to_numpy()
    for eid in c.index[sel]:
        probs.append(Problem("return setpoint below 0 °C: the return water would freeze",
                             file=f, table="consumers", element=eid, field="t_return_k",
                             value=round(float(c.at[eid, "t_return_k"]) - 273.15, 3)))
    on = c["in_service"].to_numpy(dtype=bool)
    mode = c["control"].to_numpy()
    q = c["q_w"].to_numpy(dtype=float)
    m = c["mdot_kg_s"].to_numpy(dtype=float)
    dt = c["delta_t_k"].to_numpy(dtype=float)
    t_hot = hottest_source_k(net)
    h_hot = float(water.enthalpy(t_hot)) if np.isfinite(t_hot) else np.inf
    hot_c = t_hot - 273.15
    fixed = on & (mode == "mdot") & np.isfinite(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        dh = np.where(m > 0, q / np.where(m > 0, m, 1.0), np.inf)
    for i in np.flatnonzero(fixed & (m <= 0) & (q > 0)):
        probs.append(Problem(
            f"fixed flow 0 kg/s cannot deliver its {q[i] / 1e3:g} kW demand (the consumer "
            "would be dropped and its heat missing)", file=f, table="consumers",
            element=c.index[i], field="mdot_kg_s", value=float(m[i]),
            hint="give the flow it draws, set q to 0, or use control t_return"))
    for i in np.flatnonzero(fixed & (m > 0) & (dh >= h_hot)):
        probs.append(Problem(
            f"fixed flow {m[i]:g} kg/s must be cooled by about {dh[i] / 4190:.0f} K to deliver "
            f"{q[i] / 1e3:g} kW: even from the hottest source ({hot_c:g} °C) its return would "
            "be below 0 °C", file=f, table="consumers", element=c.index[i], field="mdot_kg_s",
            value=float(m[i]), hint="check the flow's unit (kg/s, t/h) or the demand"))
    for i in np.flatnonzero(on & (mode == "delta_t") & np.isfinite(dt) & (q > 0)
                            & (t_hot - dt <= 273.15)):
        probs.append(Problem(
            f"cooling by {dt[i]:g} K from at most {hot_c:g} °C (the hottest source) gives a "
            "return at or below 0 °C", file=f, table="consumers", element=c.index[i],
            field="delta_t_k", value=float(dt[i]), hint="a substation cools by 20–50 K"))
    return probs


def _diameter_problems(net) -> list[Problem]:
    p = net.pipes
    if p.empty:
        return []
    return [Problem("no inner diameter: give d_inner_m (or _mm) or a dn, or size the network "
                    "(p2h size)", file=net.source, table="pipes", element=eid, field="d_inner_m")
            for eid in p.index[p["d_inner_m"].isna().to_numpy()]]


def load_problems(net) -> list[Problem]:
    """Consumers without a load: every consumer needs ``q_w``, or annual heat with a known
    building type.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of Problem
        One per consumer without a usable load (empty when every consumer has one).
    """
    from ..loads import accepted_codes, known_type

    c = net.consumers
    if c.empty:
        return []
    f = net.source
    probs = []
    q = c["q_w"].isna().to_numpy()
    heat = c.get("annual_heat_j", pd.Series(np.nan, index=c.index)).notna().to_numpy()
    kind = c.get("building_type", pd.Series("", index=c.index)).fillna("").astype(str).str.strip()
    has_kind = (kind != "").to_numpy()
    codes = f"accepted codes: {accepted_codes()}"
    for eid in c.index[q & ~heat]:
        probs.append(Problem("no heat demand: give q_w (or q_kw), or annual_heat_kwh with "
                             "building_type", file=f, table="consumers", element=eid,
                             field="q_w"))
    for eid in c.index[q & heat & ~has_kind]:
        probs.append(Problem("annual heat without building_type: the design load needs the "
                             "building's load profile", file=f, table="consumers", element=eid,
                             field="building_type", hint=codes))
    for eid in c.index[heat & has_kind]:
        if not known_type(kind[eid]):
            probs.append(Problem("unknown building type", file=f, table="consumers",
                                 element=eid, field="building_type", value=kind[eid],
                                 hint=codes))
        elif np.isnan(c.at[eid, "q_w"]):
            probs.append(Problem("no design load yet", file=f, table="consumers", element=eid,
                                 field="q_w", hint="derive it with "
                                 "loads.fill_design_loads(net) (reading a network with "
                                 "validation does this)"))
    return probs


def _topology_problems(net) -> list[Problem]:
    f = net.source
    probs = []
    for isl in islands(net):
        if isl.has_reference:
            continue
        named = isl.consumers[:5] or isl.junctions[:5]
        what = "consumers" if isl.consumers else "junctions"
        probs.append(Problem(
            f"{len(isl.junctions)} junction(s) form an island without a plant or pressure "
            f"reference ({what}: {', '.join(map(str, named))}"
            f"{' …' if len(isl.consumers or isl.junctions) > 5 else ''})",
            file=f, table="junctions", element=isl.junctions[0],
            hint="connect the island, close it off with in_service=false, or add a plant"))
    return probs


def validate_network(net) -> None:
    """Raise ``ModelError`` listing every structural problem of ``net``.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    None
        Returns only when the network has no problem.
    """
    probs = find_problems(net)
    if probs:
        raise ModelError(probs, file=net.source)
