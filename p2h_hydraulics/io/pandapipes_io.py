"""pandapipes nets ↔ the native model (``to_pandapipes`` / ``from_pandapipes``) and JSON files.

Element mapping (ours → pandapipes; ids live in the ``name`` column, table order is kept, so the
pandapipes index of an element is its position in our table):

===============  =========================================================================
junctions        junction (``height_m``; x/y in ``junction_geodata``)
pipes            pipe from parameters: ``length_km``, ``inner_diameter_mm``, ``k_mm``,
                 ``loss_coefficient`` = ζ, ``u_w_per_m2k`` = U_L / (π d_inner), ``text_k`` =
                 pipe or network soil temperature
valves           valve between two junctions (``et="ju"``)
pumps            pump from parameters: head curve as ``poly_coefficents`` (bar over m³/h,
                 std type ``p2h_<id>``); on import any pump std type up to cubic. pandapipes
                 takes the volume flow at 0 °C density and no lift for reverse flow; ours
                 at the water's own density and the shut-off lift (``physics.pump``)
consumers        heat_consumer: t_return → (qext_w, treturn_k), delta_t → (qext_w, deltat_k),
                 mdot → (qext_w, controlled_mdot_kg_per_s)
plants           circ_pump_pressure (type "pt"): ``t_flow_k`` = supply setpoint, ``p_flow_bar`` =
                 supply pressure, ``plift_bar`` = lift (start lift for critical_point)
feedins          circ_pump_mass (type "t", no pressure): ``mdot_flow_kg_per_s``, ``t_flow_k``
pressure_refs    ext_grid ("pt" when t_k is given, else "p")
mass_flows       sink (ṁ ≥ 0) / source (ṁ < 0)
settings         ``net["p2h_settings"]``; soil temperature also as the ``ambient_temperature``
                 pipeflow option (pandapipes uses it for stagnant water and pipes without text_k);
                 ``friction_law`` as the ``friction_model`` pipeflow option (colebrook ↔
                 "colebrook", nikuradse ↔ "nikuradse", swamee_jain ↔ "swamee-jain"). On
                 import a net's ``friction_model`` option sets ``friction_law``; a net without
                 that option gets the native default (colebrook), not pandapipes' own default
                 (nikuradse), because a net file does not record which law its results used.
                 pandapipes' swamee-jain has no laminar branch (the native one is 64/Re below
                 Re 2300), so the two differ in laminar pipes
===============  =========================================================================

Fields pandapipes does not know (dp_min of consumers, plant control mode, feed-in control and
heat output, DN/series, …) are kept in extra columns named like our SI fields. On import they
fill in what pandapipes cannot say; everything pandapipes computes with comes from its own
columns, so an edited pandapipes net is imported as edited. Converted quantities (lengths in km,
diameters in mm, U per m², pressures in bar at the junction's height) are also stored in SI and
used on import when they agree with pandapipes' column to 1e-9, so that
``from_pandapipes(to_pandapipes(net)).equals(net)`` holds exactly.

Pressures: ours are gauge relative to the standard atmosphere ``units.P_ATM_PA``; pandapipes'
are relative to the ambient pressure at the junction's height (barometric formula), so every
pressure set point is shifted by ``ambient_offset_pa(height)`` (0 at height 0, ≈ −12 Pa/m).

Import extras: pipes of length 0 are given 1 mm (``ZERO_LENGTH_PIPE_M``); valves between a
junction and a pipe end (``et="pi"``) get an extra junction at the pipe end; a
``circ_pump_mass`` that also holds a pressure becomes a feed-in plus a pressure reference; a
``flow_control`` and ``heat_exchanger`` in series (joined at a junction nothing else touches:
pandapipes' usual substation) become a consumer ``substation_<hx name>`` with control ``mdot``
(the controlled flow, the exchanger's qext_w; the middle junction is dropped); a lone
``heat_exchanger`` becomes a fixed-flow consumer ``heat_exchanger_<name>`` only when the net
carries its solved flow (``res_heat_exchanger``); both must link the supply to the return side.
Compressors, pressure and flow controls, mass storages and controllers have no native
equivalent and are reported by name.

pandapipes is imported lazily: ``import p2h_hydraulics`` does not import it.
"""

# size: both directions of the element mapping (to and from pandapipes) are kept side by side,
# table by table, so they stay symmetric.

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, ModelError, Problem
from ..model.build import network_from_records
from ..model.graph import junction_sides
from ..model.network import Network
from ..model.validate import validate_network
from ..physics import water
from ..units import G
from .atomic import write_text_atomic
from .pandapipes_lib import pandapipes

# extra columns written next to pandapipes' own (our canonical field names)
EXTRA = {
    "pipe": ("dn", "series", "t_soil_k", "length_m", "d_inner_m", "roughness_m", "u_w_per_mk"),
    "valve": ("d_inner_m",),
    "pump": ("lift0_pa", "curve_b1", "curve_b2", "curve_b3"),
    "heat_consumer": ("control", "t_return_k", "delta_t_k", "mdot_kg_s", "dp_min_pa"),
    "circ_pump_pressure": ("control", "lift_pa", "p_supply_pa", "p_return_pa",
                           "mdot_design_kg_s"),
    "circ_pump_mass": ("control", "q_w", "mdot_kg_s"),
    "ext_grid": ("p_pa",),
    "sink": ("t_k",),
    "source": ("t_k",),
}
SETTINGS_KEY = "p2h_settings"
# our settings["friction_law"] → pandapipes' friction_model pipeflow option
FRICTION_TO_PANDAPIPES = {"colebrook": "colebrook", "nikuradse": "nikuradse",
                          "swamee_jain": "swamee-jain"}
FRICTION_FROM_PANDAPIPES = {v: k for k, v in FRICTION_TO_PANDAPIPES.items()}
UNSUPPORTED = {
    "compressor": "compressors (gas) are not in the native model",
    "press_control": "pressure-control valves are not in the native model",
    "flow_control": "a fixed-flow branch between two junctions is not in the native model "
                    "(pipe and valve flows follow from pressures)",
    "mass_storage": "mass storages are not in the native model",
    "controller": "pandapipes controllers are not applied by the native model",
}
PANDAPIPES_DEFAULT_AMBIENT_K = 293.15
# pandapipes accepts pipes of length 0 (a connection without friction or heat loss); the
# native model needs a length: such pipes are imported with 1 mm (Δp and heat loss ≈ 0)
ZERO_LENGTH_PIPE_M = 1e-3


def ambient_offset_pa(height_m) -> np.ndarray:
    """Ambient pressure at ``height_m`` minus the sea-level standard atmosphere [Pa].

    ``p_ours = p_pandapipes + ambient_offset_pa(height)`` for a junction at ``height``.

    Parameters
    ----------
    height_m : float or array_like
        Junction heights [m].

    Returns
    -------
    ndarray
        The offset [Pa].
    """
    # heavy: pandapipes is imported on first use (not at package import)
    from pandapipes.component_models.component_toolbox import p_correction_height_air

    h = np.asarray(height_m, dtype=float)
    return (np.asarray(p_correction_height_air(h)) - p_correction_height_air(0.0)) * 1e5


# ---------------------------------------------------------------------------------------------
# native → pandapipes
# ---------------------------------------------------------------------------------------------

def initial_temperatures(network) -> tuple[float, float]:
    """(supply-side, return-side) start temperatures [K] for pandapipes' iterations.

    Parameters
    ----------
    network : Network
        The network.

    Returns
    -------
    tuple of float
        Supply-side and return-side start temperatures [K].
    """
    plants = network.plants
    t_sup = network.settings.get("t_initial_k", np.nan)
    if not np.isfinite(t_sup):
        t_sup = float(plants["t_supply_k"].max()) if len(plants) else 293.15
    c = network.consumers
    t_set = c.loc[c["control"] == "t_return", "t_return_k"] if len(c) else pd.Series(dtype=float)
    t_ret = float(t_set.mean()) if len(t_set) else t_sup - 30.0
    return float(t_sup), float(min(t_ret, t_sup - 1.0))


def start_lift(row) -> float:
    """The lift a plant starts from [Pa]: p_supply − p_return (control p_supply), else lift_pa
    (3 bar when empty).

    Parameters
    ----------
    row : Series
        A plant row.

    Returns
    -------
    float
        Lift [Pa].
    """
    if row["control"] == "p_supply":
        return float(row["p_supply_pa"] - row["p_return_pa"])
    return float(row["lift_pa"]) if np.isfinite(row["lift_pa"]) else 3e5


def plift_bar(lift_pa, t_supply_k, h_return_m, h_supply_m) -> float:
    """pandapipes' ``plift_bar`` that gives the pressure difference ``lift_pa`` between the
    plant's junctions (its pump model adds ρ g (h_return − h_supply)).

    Parameters
    ----------
    lift_pa : float
        The lift wanted [Pa].
    t_supply_k : float
        Supply temperature [K] (water density).
    h_return_m, h_supply_m : float
        Heights of the plant's junctions [m].

    Returns
    -------
    float
        pandapipes' ``plift_bar``.
    """
    rho = water.density(t_supply_k)
    return (lift_pa - rho * G * (h_return_m - h_supply_m)) / 1e5


def to_pandapipes(network):
    """A pandapipes net of ``network`` (fluid water, Colebrook, ambient = soil temperature).

    Parameters
    ----------
    network : Network
        The native network (not modified).

    Returns
    -------
    pandapipesNet
        The net (element mapping in the module docstring); fields pandapipes does not know
        are kept in extra columns, so ``from_pandapipes`` gives the network back.
    """
    pp = pandapipes()

    s = network.settings
    net = pp.create_empty_network(name=str(s.get("name", "")), fluid="water")
    j = network.junctions
    pos = pd.Series(np.arange(len(j)), index=j.index)
    h = j["elevation_m"].to_numpy(float)
    off = ambient_offset_pa(h)
    t_sup, t_ret = initial_temperatures(network)
    sides = junction_sides(network)
    side = np.array([sides.get(x, "other") for x in j.index], dtype=object)
    pl = network.plants
    p_ret0 = float(pl["p_return_pa"].mean()) if len(pl) else (
        float(network.pressure_refs["p_pa"].mean()) if len(network.pressure_refs) else 2e5)
    lift0 = float(np.mean([start_lift(r) for _, r in pl.iterrows()])) if len(pl) else 0.0
    pn = np.where(side == "supply", p_ret0 + lift0, p_ret0)
    if len(j):
        pp.create_junctions(net, len(j), pn_bar=(pn - off) / 1e5,
                            tfluid_k=np.where(side == "return", t_ret, t_sup), height_m=h,
                            name=list(j.index),
                            geodata=np.column_stack([j["x_m"].to_numpy(float),
                                                     j["y_m"].to_numpy(float)]))
    _pipes_to(pp, net, network, pos)
    v = network.valves
    if len(v):
        pp.create_valves(net, pos[v["from_junction"]].to_numpy(), pos[v["to_junction"]].to_numpy(),
                         "ju", inner_diameter_mm=v["d_inner_m"].to_numpy(float) * 1e3,
                         opened=v["opened"].to_numpy(bool),
                         loss_coefficient=v["zeta"].to_numpy(float), name=list(v.index))
        _add_extra(net, "valve", v)
    _pumps_to(pp, net, network, pos)
    _consumers_to(pp, net, network, pos)
    for pid, r in pl.iterrows():
        js, jr = pos[r["supply_junction"]], pos[r["return_junction"]]
        lift = start_lift(r)
        pp.create_circ_pump_const_pressure(
            net, int(jr), int(js), p_flow_bar=(r["p_return_pa"] + lift - off[js]) / 1e5,
            plift_bar=plift_bar(lift, r["t_supply_k"], h[jr], h[js]),
            t_flow_k=float(r["t_supply_k"]), type="pt", name=pid, in_service=bool(r["in_service"]))
    _add_extra(net, "circ_pump_pressure", pl)
    f = network.feedins
    for fid, r in f.iterrows():
        pp.create_circ_pump_const_mass_flow(
            net, int(pos[r["return_junction"]]), int(pos[r["supply_junction"]]), p_flow_bar=None,
            mdot_flow_kg_per_s=feedin_start_flow(r, t_ret), t_flow_k=float(r["t_out_k"]),
            type="t", name=fid, in_service=bool(r["in_service"]))
    _add_extra(net, "circ_pump_mass", f)
    for rid, r in network.pressure_refs.iterrows():
        k = int(pos[r["junction"]])
        has_t = bool(np.isfinite(r["t_k"]))
        pp.create_ext_grid(net, k, p_bar=(r["p_pa"] - off[k]) / 1e5,
                           t_k=float(r["t_k"]) if has_t else None, type="pt" if has_t else "p",
                           name=rid, in_service=bool(r["in_service"]))
    _add_extra(net, "ext_grid", network.pressure_refs)
    m = network.mass_flows
    for table, sel in (("sink", m["mdot_kg_s"] >= 0), ("source", m["mdot_kg_s"] < 0)):
        part = m[sel.to_numpy(bool)]
        if len(part):
            create = pp.create_sinks if table == "sink" else pp.create_sources
            create(net, pos[part["junction"]].to_numpy(), np.abs(part["mdot_kg_s"].to_numpy()),
                   name=list(part.index), in_service=part["in_service"].to_numpy(bool))
            _add_extra(net, table, part)
    net[SETTINGS_KEY] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                         for k, v in s.items()}
    pp.set_user_pf_options(net, friction_model=pandapipes_friction_model(network.settings),
                           ambient_temperature=float(network.t_soil_k))
    return net


def pandapipes_friction_model(settings: dict) -> str:
    """pandapipes' ``friction_model`` option for a network's friction law.

    Parameters
    ----------
    settings : dict
        The network's settings (``friction_law``; default "colebrook").

    Returns
    -------
    str
        The value of pandapipes' ``friction_model`` option.
    """
    return FRICTION_TO_PANDAPIPES[settings.get("friction_law", "colebrook")]


def feedin_start_flow(row, t_return_guess_k: float) -> float:
    """Mass flow of a feed-in for pandapipes: the fixed flow, or q / Δh at a guessed inlet.

    Parameters
    ----------
    row : Series
        A feed-in row.
    t_return_guess_k : float
        Guessed inlet temperature [K].

    Returns
    -------
    float
        Mass flow [kg/s].
    """
    if row["control"] == "mdot":
        return float(row["mdot_kg_s"])
    t_in = min(t_return_guess_k, row["t_out_k"] - 1.0)
    return float(row["q_w"] / (water.enthalpy(row["t_out_k"]) - water.enthalpy(t_in)))


# pandapipes' pump curves: lift [bar] over volume flow [m³/h], highest power first; ours:
# lift [Pa] = lift0 + b1·V + b2·V² + b3·V³ over V [m³/s]
_PUMP_COLUMNS = EXTRA["pump"]
_PUMP_SCALE = np.array([1e5 * 3600.0**k for k in range(4)])


def pump_reg_par(row) -> list[float]:
    """pandapipes ``reg_par`` (bar over m³/h, highest power first) of a pump record.

    Parameters
    ----------
    row : Series
        A pump row.

    Returns
    -------
    list of float
        Polynomial coefficients.
    """
    c = np.array([float(row[k]) for k in _PUMP_COLUMNS]) / _PUMP_SCALE
    return [float(x) for x in c[::-1]]


def _pumps_to(pp, net, network, pos) -> None:
    for pid, r in network.pumps.iterrows():
        pp.create_pump_from_parameters(
            net, int(pos[r["from_junction"]]), int(pos[r["to_junction"]]), f"p2h_{pid}",
            poly_coefficents=pump_reg_par(r), name=pid, in_service=bool(r["in_service"]))
    _add_extra(net, "pump", network.pumps)


def _pipes_to(pp, net, network, pos) -> None:
    p = network.pipes
    if not len(p):
        return
    d = p["d_inner_m"].to_numpy(float)
    pp.create_pipes_from_parameters(
        net, pos[p["from_junction"]].to_numpy(), pos[p["to_junction"]].to_numpy(),
        length_km=p["length_m"].to_numpy(float) / 1e3, inner_diameter_mm=d * 1e3,
        k_mm=p["roughness_m"].to_numpy(float) * 1e3,
        loss_coefficient=p["zeta"].to_numpy(float),
        u_w_per_m2k=p["u_w_per_mk"].fillna(0.0).to_numpy(float) / (np.pi * d),
        text_k=p["t_soil_k"].fillna(network.t_soil_k).to_numpy(float), name=list(p.index),
        in_service=p["in_service"].to_numpy(bool))
    _add_extra(net, "pipe", p)


def _consumers_to(pp, net, network, pos) -> None:
    c = network.consumers
    if not len(c):
        return
    ctrl = c["control"].to_numpy(object)

    def only(mode, col):
        return np.where(ctrl == mode, c[col].to_numpy(float), np.nan)

    pp.create_heat_consumers(
        net, pos[c["supply_junction"]].to_numpy(), pos[c["return_junction"]].to_numpy(),
        qext_w=c["q_w"].to_numpy(float), controlled_mdot_kg_per_s=only("mdot", "mdot_kg_s"),
        deltat_k=only("delta_t", "delta_t_k"), treturn_k=only("t_return", "t_return_k"),
        name=list(c.index), in_service=c["in_service"].to_numpy(bool))
    _add_extra(net, "heat_consumer", c)


def _add_extra(net, table: str, df: pd.DataFrame) -> None:
    if not len(df):
        return
    for col in EXTRA[table]:
        net[table][col] = df[col].to_numpy()


# ---------------------------------------------------------------------------------------------
# pandapipes → native
# ---------------------------------------------------------------------------------------------

def _ids(df: pd.DataFrame, prefix: str, taken: set | None = None) -> list[str]:
    """Our ids for a pandapipes table: the name when unique and non-empty, else prefix+index."""
    taken = set() if taken is None else taken
    names = ["" if n is None or (isinstance(n, float) and math.isnan(n)) else str(n).strip()
             for n in (df["name"] if "name" in df else [None] * len(df))]
    counts = pd.Series(names, dtype=object).value_counts()
    out = []
    for idx, n in zip(df.index, names, strict=True):
        eid = n if n and counts[n] == 1 and n not in taken else f"{prefix}{idx}"
        while eid in taken:
            eid += "_"
        taken.add(eid)
        out.append(eid)
    return out


def _v(x):
    """A plain Python value for a record (NaN/None → None)."""
    if x is None:
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _extra(df: pd.DataFrame, col: str, i, default=None):
    return _v(df.at[i, col]) if col in df.columns else default


def _exact(df: pd.DataFrame, col: str, i, derived: float) -> float:
    """The stored SI value of ``col`` when it agrees with the value derived from pandapipes'
    columns to 1e-9 (undoes unit round-off), else the derived value."""
    stored = _extra(df, col, i)
    if isinstance(stored, (int, float)) and math.isclose(stored, derived, rel_tol=1e-9,
                                                         abs_tol=1e-9):
        return float(stored)
    return derived


def _table(net, name: str) -> pd.DataFrame:
    df = net[name] if name in net else None
    return df if isinstance(df, pd.DataFrame) else pd.DataFrame()


def from_pandapipes(net, name: str | None = None, validate: bool = True,
                    file: str | None = None):
    """A native ``Network`` of a pandapipes net (see the module docstring for the mapping).

    Parameters
    ----------
    net : pandapipesNet
        The net (not modified).
    name : str, optional
        Network name (default: the net's).
    validate : bool
        Check the network (``ModelError`` listing every problem).
    file : str, optional
        File name used in error messages.

    Returns
    -------
    Network
        The network in SI units.

    Raises
    ------
    ModelError
        Naming every element that has no native equivalent.
    """
    problems: list[Problem] = []
    where = dict(file=file)
    fluid = net.get("fluid") if hasattr(net, "get") else None
    if fluid is not None and getattr(fluid, "is_gas", False):
        raise ModelError(f"the net's fluid '{fluid.name}' is a gas; the native model is a water "
                         "network", file=file)
    pairs = _substation_pairs(net)
    for table, why in UNSUPPORTED.items():
        df = _table(net, table)
        if table == "flow_control":  # those paired with a heat exchanger are consumers
            df = df.drop(index=[k for k, *_ in pairs])
        if len(df):
            names = ", ".join(str(x) for x in _ids(df, table)[:5])
            problems.append(Problem(f"{len(df)} element(s) not supported ({names}): {why}",
                                    table=table, **where))
    junc = _table(net, "junction")
    if not {"height_m", "in_service", "tfluid_k"} <= set(junc.columns):
        raise (InputFileError if file else ModelError)(
            "not a pandapipes net with a junction table", file=file)
    used = set(_junction_refs(net))
    keep = junc["in_service"].astype(bool).to_numpy() | junc.index.isin(list(used))
    junc = junc[keep & ~junc.index.isin([mid for *_, mid, _ in pairs])]
    jid = dict(zip(junc.index, _ids(junc, "j"), strict=True))
    geo = _table(net, "junction_geodata")
    h = junc["height_m"].to_numpy(float)
    off = pd.Series(ambient_offset_pa(h), index=junc.index)
    recs: dict[str, list[dict]] = {t: [] for t in ("junctions", "pipes", "valves", "pumps",
                                                   "consumers",
                                                   "plants", "feedins", "pressure_refs",
                                                   "mass_flows")}
    for i, hi in zip(junc.index, h, strict=True):
        x = geo.at[i, "x"] if len(geo) and i in geo.index else 0.0
        y = geo.at[i, "y"] if len(geo) and i in geo.index else 0.0
        recs["junctions"].append({"id": jid[i], "elevation_m": float(hi),
                                  "x_m": _v(x) or 0.0, "y_m": _v(y) or 0.0})
    pipe_ends = _valves_from(net, jid, recs, problems, where)
    _pipes_from(net, jid, pipe_ends, recs)
    _pumps_from(net, jid, recs, problems, where)
    _consumers_from(net, jid, recs, problems, where, pairs)
    _plants_from(net, jid, off, junc, recs, problems, where)
    _feedins_refs_from(net, jid, off, recs, problems, where)
    _mass_flows_from(net, jid, recs)
    if problems:
        raise ModelError(problems, file=file)
    settings = _settings_from(net, junc, name)
    out = network_from_records(recs, settings, file=file, validate=False)
    _check_heat_exchangers(out, problems, where)
    if problems:
        raise ModelError(problems, file=file)
    if validate:
        validate_network(out)
    return out


def _junction_refs(net) -> list:
    """Every junction reference of every element, once per element end (pandapipes index)."""
    refs: list = []
    for table in dict.fromkeys(("pipe", "valve", "pump", "heat_consumer", "heat_exchanger",
                                "circ_pump_pressure", "circ_pump_mass", "ext_grid", "sink",
                                "source", *UNSUPPORTED)):
        df = _table(net, table)
        for col in ("from_junction", "to_junction", "junction", "return_junction",
                    "flow_junction"):
            if col in df.columns:
                refs += df[col].tolist()
        if table == "valve" and len(df):
            refs += df.loc[df["et"] == "ju", "element"].tolist()
    return refs


def _valves_from(net, jid, recs, problems, where) -> dict:
    """Valve records; returns {(pipe index, junction index): extra junction id} for 'pi' valves."""
    v = _table(net, "valve")
    ends: dict = {}
    if not len(v):
        return ends
    pipes = _table(net, "pipe")
    for i, vid in zip(v.index, _ids(v, "v"), strict=True):
        a, e, et = v.at[i, "junction"], v.at[i, "element"], v.at[i, "et"]
        if et == "pi":
            if e not in pipes.index or a not in (pipes.at[e, "from_junction"],
                                                 pipes.at[e, "to_junction"]):
                problems.append(Problem(f"valve at pipe {e} is not connected to junction {a}",
                                        table="valve", element=vid, **where))
                continue
            if (e, a) in ends:
                problems.append(Problem(f"two valves at the same end of pipe {e}",
                                        table="valve", element=vid, **where))
                continue
            node = f"{vid}_pipe_end"
            ends[(e, a)] = node
            base = next(r for r in recs["junctions"] if r["id"] == jid[a])
            recs["junctions"].append({**base, "id": node})
            b = node
        elif et == "ju":
            b = jid.get(e)
        else:
            problems.append(Problem(f"unknown valve element type {et!r}", table="valve",
                                    element=vid, **where))
            continue
        recs["valves"].append({"id": vid, "from_junction": jid.get(a), "to_junction": b,
                               "d_inner_m": _exact(v, "d_inner_m", i,
                                                   float(v.at[i, "inner_diameter_mm"]) / 1e3),
                               "zeta": _v(v.at[i, "loss_coefficient"]) or 0.0,
                               "opened": bool(v.at[i, "opened"])})
    return ends


def _pipes_from(net, jid, ends, recs) -> None:
    p = _table(net, "pipe")
    if not len(p):
        return
    d_in = p["inner_diameter_mm"].to_numpy(float) / 1e3
    d_out = (p["outer_diameter_mm"].to_numpy(float) / 1e3 if "outer_diameter_mm" in p
             else np.full(len(p), np.nan))
    d_ref = np.where(np.isfinite(d_out), d_out, d_in)
    u = p["u_w_per_m2k"].fillna(0.0).to_numpy(float) * np.pi * d_ref
    t_default = net.get(SETTINGS_KEY, {}).get("t_soil_k") if hasattr(net, "get") else None
    for k, (i, pid) in enumerate(zip(p.index, _ids(p, "p"), strict=True)):
        fj, tj = p.at[i, "from_junction"], p.at[i, "to_junction"]
        text = _v(p.at[i, "text_k"]) if "text_k" in p else None
        if "t_soil_k" in p.columns and _extra(p, "t_soil_k", i) is None and text == t_default:
            text = None  # it was the network's soil temperature
        recs["pipes"].append({
            "id": pid, "from_junction": ends.get((i, fj), jid.get(fj)),
            "to_junction": ends.get((i, tj), jid.get(tj)),
            "length_m": _exact(p, "length_m", i,
                               float(p.at[i, "length_km"]) * 1e3 or ZERO_LENGTH_PIPE_M),
            "d_inner_m": _exact(p, "d_inner_m", i, float(d_in[k])),
            "roughness_m": _exact(p, "roughness_m", i, float(p.at[i, "k_mm"]) / 1e3),
            "zeta": _v(p.at[i, "loss_coefficient"]) or 0.0,
            "u_w_per_mk": _exact(p, "u_w_per_mk", i, float(u[k])),
            "t_soil_k": text, "dn": _extra(p, "dn", i), "series": _extra(p, "series", i),
            "in_service": bool(p.at[i, "in_service"])})


def _library_pump(name):
    """A pump standard type of pandapipes' own library (``std_types/library/Pump``) by name;
    None when there is none (nets saved without their standard types refer to these). Only
    names of files in that folder are looked up: a name never becomes a path."""
    # heavy: pandapipes is imported on first use (not at package import)
    from pandapipes.std_types.std_type_class import PumpStdType

    pp = pandapipes()
    folder = os.path.join(os.path.dirname(pp.__file__), "std_types", "library", "Pump")
    try:
        files = {f[:-4]: f for f in os.listdir(folder) if f.endswith(".csv")}
    except OSError:  # pragma: no cover - part of pandapipes
        return None
    if not isinstance(name, str) or name not in files:
        return None
    return PumpStdType.from_path(name, os.path.join(folder, files[name]))


def _pumps_from(net, jid, recs, problems, where) -> None:
    p = _table(net, "pump")
    types = (net.get("std_types", {}) or {}).get("pump", {}) if hasattr(net, "get") else {}
    for i, pid in zip(p.index, _ids(p, "pump"), strict=True):
        st = types.get(p.at[i, "std_type"]) or _library_pump(p.at[i, "std_type"])
        reg = getattr(st, "reg_par", None)
        if reg is None or not 1 <= len(reg) <= 4:
            problems.append(Problem(
                f"pump standard type {p.at[i, 'std_type']!r} " + (
                    "is neither in the net nor in pandapipes' library" if reg is None else
                    f"has a head curve of degree {len(reg) - 1}; the native model takes up to "
                    "cubic curves"), table="pump", element=pid, **where))
            continue
        c = np.zeros(4)
        c[:len(reg)] = np.asarray(reg, dtype=float)[::-1]
        c = c * _PUMP_SCALE
        recs["pumps"].append({"id": pid, "from_junction": jid.get(p.at[i, "from_junction"]),
                              "to_junction": jid.get(p.at[i, "to_junction"]),
                              **{k: _exact(p, k, i, float(x))
                                 for k, x in zip(_PUMP_COLUMNS, c, strict=True)},
                              "in_service": bool(p.at[i, "in_service"])})


_CONSUMER_MODES = {frozenset({"qext_w", "treturn_k"}): "t_return",
                   frozenset({"qext_w", "deltat_k"}): "delta_t",
                   frozenset({"qext_w", "controlled_mdot_kg_per_s"}): "mdot"}


def _substation_pairs(net) -> list[tuple]:
    """pandapipes' usual substation: a flow_control and a heat_exchanger in series, joined at a
    junction nothing else touches. Returns (flow_control index, heat_exchanger index, supply
    junction, middle junction, return junction) per pair, either order of the two."""
    fc, hx = _table(net, "flow_control"), _table(net, "heat_exchanger")
    if not len(fc) or not len(hx):
        return []
    ends = Counter(_junction_refs(net))
    hx_from = {hx.at[i, "from_junction"]: i for i in hx.index}
    hx_to = {hx.at[i, "to_junction"]: i for i in hx.index}
    pairs = []
    for k in fc.index:
        a, b = fc.at[k, "from_junction"], fc.at[k, "to_junction"]
        if "control_active" in fc.columns and not bool(fc.at[k, "control_active"]):
            continue
        if b in hx_from and ends.get(b) == 2:
            i = hx_from[b]
            pairs.append((k, i, a, b, hx.at[i, "to_junction"]))
        elif a in hx_to and ends.get(a) == 2:
            i = hx_to[a]
            pairs.append((k, i, hx.at[i, "from_junction"], a, b))
    return pairs


def _consumers_from(net, jid, recs, problems, where, pairs=()) -> None:
    c = _table(net, "heat_consumer")
    cols = ("qext_w", "controlled_mdot_kg_per_s", "deltat_k", "treturn_k")
    for i, cid in zip(c.index, _ids(c, "c"), strict=True):
        given = frozenset(k for k in cols if k in c.columns and _v(c.at[i, k]) is not None)
        mode = _CONSUMER_MODES.get(given)
        if mode is None:
            problems.append(Problem(
                f"the combination {', '.join(sorted(given)) or 'none'} has no native control mode",
                table="heat_consumer", element=cid, hint="the native consumer takes qext_w "
                "with one of treturn_k, deltat_k or controlled_mdot_kg_per_s", **where))
            continue
        q = float(c.at[i, "qext_w"])
        if q < 0:
            problems.append(Problem("negative qext_w (heat fed in) is not a consumer",
                                    table="heat_consumer", element=cid, value=q,
                                    hint="model heat sources as feed-ins", **where))
            continue
        rec = {"id": cid, "supply_junction": jid.get(c.at[i, "from_junction"]),
               "return_junction": jid.get(c.at[i, "to_junction"]), "q_w": q, "control": mode,
               "t_return_k": _extra(c, "t_return_k", i), "delta_t_k": _extra(c, "delta_t_k", i),
               "mdot_kg_s": _extra(c, "mdot_kg_s", i), "dp_min_pa": _extra(c, "dp_min_pa", i),
               "in_service": bool(c.at[i, "in_service"])}
        field, col = {"t_return": ("t_return_k", "treturn_k"), "delta_t": ("delta_t_k", "deltat_k"),
                      "mdot": ("mdot_kg_s", "controlled_mdot_kg_per_s")}[mode]
        rec[field] = float(c.at[i, col])
        recs["consumers"].append(rec)
    hx = _table(net, "heat_exchanger")
    res = _table(net, "res_heat_exchanger")
    fc = _table(net, "flow_control")
    hx_ids = dict(zip(hx.index, _ids(hx, "hx"), strict=True))
    paired = {i for _, i, *_ in pairs}
    for k, i, sup, _, ret in pairs:
        q = float(hx.at[i, "qext_w"])
        if q < 0:
            problems.append(Problem("a heat exchanger that heats the water (qext_w < 0) has no "
                                    "native consumer equivalent", table="heat_exchanger",
                                    element=hx_ids[i], **where))
            continue
        recs["consumers"].append({
            "id": f"substation_{hx_ids[i]}", "supply_junction": jid.get(sup),
            "return_junction": jid.get(ret), "q_w": q, "control": "mdot",
            "mdot_kg_s": float(fc.at[k, "controlled_mdot_kg_per_s"]),
            "in_service": bool(hx.at[i, "in_service"]) and bool(fc.at[k, "in_service"])})
    for i, hid in hx_ids.items():
        if i in paired:
            continue
        m = _v(res.at[i, "mdot_from_kg_per_s"]) if len(res) and i in res.index else None
        if m is None or m < 0 or float(hx.at[i, "qext_w"]) < 0:
            problems.append(Problem(
                "a heat exchanger's flow follows from pressures (diameter, loss coefficient); "
                "the native consumer has a fixed flow law", table="heat_exchanger", element=hid,
                hint="run pandapipes.pipeflow on the net first (its solved flow is then taken "
                "over as a consumer with control 'mdot'), or replace it by a heat_consumer",
                **where))
            continue
        recs["consumers"].append({
            "id": f"heat_exchanger_{hid}", "supply_junction": jid.get(hx.at[i, "from_junction"]),
            "return_junction": jid.get(hx.at[i, "to_junction"]),
            "q_w": float(hx.at[i, "qext_w"]), "control": "mdot", "mdot_kg_s": float(m),
            "in_service": bool(hx.at[i, "in_service"])})


def _check_heat_exchangers(out, problems, where) -> None:
    hx = [c for c in out.consumers.index if str(c).startswith(("heat_exchanger_", "substation_"))]
    if not hx:
        return
    sides = junction_sides(out)
    for cid in hx:
        s, r = out.consumers.at[cid, "supply_junction"], out.consumers.at[cid, "return_junction"]
        if sides.get(s) != "supply" or sides.get(r) != "return":
            problems.append(Problem(
                "a heat exchanger becomes a consumer only between the supply and the return side",
                table="heat_exchanger",
                element=cid.removeprefix("heat_exchanger_").removeprefix("substation_"), **where))


def _plants_from(net, jid, off, junc, recs, problems, where) -> None:
    cp = _table(net, "circ_pump_pressure")
    h = junc["height_m"]
    for i, pid in zip(cp.index, _ids(cp, "plant"), strict=True):
        t = _v(cp.at[i, "t_flow_k"])
        if t is None or cp.at[i, "type"] not in ("pt", "t"):
            problems.append(Problem("needs a flow temperature (type 'pt'): the native plant holds "
                                    "its supply temperature", table="circ_pump_pressure",
                                    element=pid, field="t_flow_k", **where))
            continue
        js, jr = cp.at[i, "flow_junction"], cp.at[i, "return_junction"]
        p_sup = float(cp.at[i, "p_flow_bar"]) * 1e5 + float(off[js])
        lift = float(cp.at[i, "plift_bar"]) * 1e5 + water.density(t) * G * (h[jr] - h[js])
        p_ret = _exact(cp, "p_return_pa", i, p_sup - lift)
        ctrl = _extra(cp, "control", i, "lift")
        if ctrl == "p_supply":
            p_sup = _exact(cp, "p_supply_pa", i, p_sup)
        lift = _exact(cp, "lift_pa", i, p_sup - p_ret) if ctrl == "lift" else lift
        rec = {"id": pid, "return_junction": jid.get(jr), "supply_junction": jid.get(js),
               "t_supply_k": float(t), "p_return_pa": p_ret, "control": ctrl,
               "lift_pa": lift if ctrl == "lift" else _extra(cp, "lift_pa", i, lift),
               "p_supply_pa": p_sup if ctrl == "p_supply" else _extra(cp, "p_supply_pa", i),
               "mdot_design_kg_s": _extra(cp, "mdot_design_kg_s", i),
               "in_service": bool(cp.at[i, "in_service"])}
        recs["plants"].append(rec)


def _feedins_refs_from(net, jid, off, recs, problems, where) -> None:
    ref_ids: set = set()
    eg = _table(net, "ext_grid")
    for i, rid in zip(eg.index, _ids(eg, "ext_grid", ref_ids), strict=True):
        typ, k = eg.at[i, "type"], eg.at[i, "junction"]
        if typ not in ("p", "pt") or _v(eg.at[i, "p_bar"]) is None:
            problems.append(Problem(f"type {typ!r} holds no pressure; the native pressure "
                                    "reference always does", table="ext_grid", element=rid,
                                    **where))
            continue
        recs["pressure_refs"].append({
            "id": rid, "junction": jid.get(k),
            "p_pa": _exact(eg, "p_pa", i, float(eg.at[i, "p_bar"]) * 1e5 + off[k]),
            "t_k": _v(eg.at[i, "t_k"]) if typ == "pt" else None,
            "in_service": bool(eg.at[i, "in_service"])})
    cm = _table(net, "circ_pump_mass")
    for i, fid in zip(cm.index, _ids(cm, "feedin"), strict=True):
        t = _v(cm.at[i, "t_flow_k"])
        if t is None or cm.at[i, "type"] not in ("t", "pt"):
            problems.append(Problem("needs a flow temperature: the native feed-in has an outlet "
                                    "temperature", table="circ_pump_mass", element=fid,
                                    field="t_flow_k", **where))
            continue
        ctrl = _extra(cm, "control", i, "mdot")
        m = float(cm.at[i, "mdot_flow_kg_per_s"])
        recs["feedins"].append({
            "id": fid, "return_junction": jid.get(cm.at[i, "return_junction"]),
            "supply_junction": jid.get(cm.at[i, "flow_junction"]), "t_out_k": float(t),
            "control": ctrl, "q_w": _extra(cm, "q_w", i),
            "mdot_kg_s": m if ctrl == "mdot" else _extra(cm, "mdot_kg_s", i),
            "in_service": bool(cm.at[i, "in_service"])})
        p = _v(cm.at[i, "p_flow_bar"])
        if cm.at[i, "type"] == "pt" and p is not None:
            k = cm.at[i, "flow_junction"]
            rid = f"{fid}_pressure"
            while rid in ref_ids:
                rid += "_"
            ref_ids.add(rid)
            recs["pressure_refs"].append({"id": rid, "junction": jid.get(k),
                                          "p_pa": p * 1e5 + off[k],
                                          "in_service": bool(cm.at[i, "in_service"])})


def _mass_flows_from(net, jid, recs) -> None:
    taken: set = set()
    for table, sign in (("sink", 1.0), ("source", -1.0)):
        df = _table(net, table)
        for i, mid in zip(df.index, _ids(df, table, taken), strict=True):
            scale = _v(df.at[i, "scaling"]) if "scaling" in df else 1.0
            recs["mass_flows"].append({
                "id": mid, "junction": jid.get(df.at[i, "junction"]),
                "mdot_kg_s": sign * float(df.at[i, "mdot_kg_per_s"]) * (1.0 if scale is None
                                                                        else scale),
                "t_k": _extra(df, "t_k", i), "in_service": bool(df.at[i, "in_service"])})


def _settings_from(net, junc, name) -> dict:
    stored = net.get(SETTINGS_KEY) if hasattr(net, "get") else None
    if isinstance(stored, dict):
        settings = {k: v for k, v in stored.items() if v is not None}
    else:
        opts = net.get("user_pf_options", {}) if hasattr(net, "get") else {}
        settings = {"name": str(net.get("name") or "network"),
                    "t_soil_k": float(opts.get("ambient_temperature",
                                               PANDAPIPES_DEFAULT_AMBIENT_K))}
        t0 = junc.loc[junc["in_service"].astype(bool), "tfluid_k"].unique()
        if len(t0) == 1 and np.isfinite(t0[0]):
            settings["t_initial_k"] = float(t0[0])
    opts = net.get("user_pf_options", {}) if hasattr(net, "get") else {}
    model = opts.get("friction_model")
    if model is not None:  # what pandapipes computes with wins over a stored setting
        settings["friction_law"] = FRICTION_FROM_PANDAPIPES.get(str(model).lower(), str(model))
    if name is not None:
        settings["name"] = name
    return settings


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------

def read_pandapipes_json(path, validate: bool = True, document=None):
    """Read a net saved with ``pandapipes.to_json`` and convert it to a native ``Network``.

    The file is parsed as data (``io.pandapipes_json``): nothing it names is imported or run,
    and anything outside pandapipes' tables, fluid and standard types is refused.

    Parameters
    ----------
    path : str or Path
        The file (a regular file within the ``pandapipes`` cap of ``io.safe_read``).
    validate : bool
        Validate the converted network.
    document : object, optional
        The file's parsed JSON when the caller has read it already.

    Returns
    -------
    Network
        The native network.
    """
    from .pandapipes_json import net_from_document, read_document

    path = Path(path)
    doc = read_document(path) if document is None else document
    net = net_from_document(doc, file=str(path))
    return from_pandapipes(net, validate=validate, file=str(path))


def write_pandapipes_json(net, path, inputs=()) -> Path:
    """Write ``net`` (a native ``Network`` or a pandapipes net) as pandapipes JSON, atomically.

    Parameters
    ----------
    net : Network
        A native network or a pandapipes net.
    path : path-like
        The target.
    inputs : iterable of path-like
        Input files of the run (refused as the target).

    Returns
    -------
    Path
        The file written.
    """
    pp = pandapipes()
    ppnet = to_pandapipes(net) if isinstance(net, Network) else net
    return write_text_atomic(path, pp.to_json(ppnet), inputs)
