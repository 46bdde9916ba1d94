"""Structural validation of a network: references, control-mode fields, topology.

Field-level checks (types, units, bounds) happen while building from records (``model.build``);
this module checks what needs the whole model. Every problem is collected and raised at once.
"""

from __future__ import annotations

import numpy as np

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
    f = net.source
    plants = net.plants[net.plants["in_service"]] if not net.plants.empty else net.plants
    refs = net.pressure_refs
    if plants.empty and (refs.empty or not refs["in_service"].any()):
        probs.append(Problem("no pressure reference: the network needs an in-service plant "
                             "(or a pressure reference)", file=f, table="plants"))
    if not probs:
        probs += _topology_problems(net)
    return probs


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
    if not c.empty:
        t_sup = net.plants["t_supply_k"].max() if not net.plants.empty else np.nan
        sel = ((c["control"] == "t_return") & (c["t_return_k"] >= t_sup)).to_numpy()
        for eid in c.index[sel]:
            probs.append(Problem("return setpoint is not below the plant supply temperature",
                                 file=f, table="consumers", element=eid, field="t_return_k",
                                 value=round(float(c.at[eid, "t_return_k"]) - 273.15, 3),
                                 hint="values are in K internally; check the unit suffix"))
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
