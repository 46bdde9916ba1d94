"""The pandapipes backend: solve a native ``Network`` with pandapipes, return the same ``Result``.

The network is converted with ``io.pandapipes_io.to_pandapipes`` and solved with
``pandapipes.pipeflow`` — ``mode="bidirectional"`` (hydraulics and heat coupled) when the network
has plants, consumers, feed-ins or pipe heat losses, else ``mode="hydraulics"`` at one uniform
water temperature — with the network's friction law (``settings["friction_law"]`` as
pandapipes' ``friction_model``; Colebrook by default) and tight tolerances
(``PIPEFLOW_DEFAULTS``).

Two native controls pandapipes lacks are emulated by an outer loop of pipeflow runs:

- plant control ``critical_point``: after each run the lift is shifted by
  max over consumers (Δp_min − (p_supply − p_return)) until the shift is below
  ``tol_control_pa`` (with one plant and fixed consumer flows two runs suffice);
- feed-in control ``q``: ṁ = q / (h(T_out) − h(T_return,local)) from the last run's temperature at
  the feed-in's return junction (capped at T_out − ``FEEDIN_DT_MIN_K`` like the native solver),
  until the relative change is below ``tol_feedin_rel``.

The same loop holds the plant's return pressure when its two junctions differ in height
(pandapipes' pump adds ρ g Δz with the actual density). Pressures are converted between
pandapipes' gauge (relative to the ambient pressure at the junction's height) and ours (relative
to the standard atmosphere), see ``io.pandapipes_io.ambient_offset_pa``.

Not expressible (``BackendError``): more than one in-service plant (a second pressure-setting
circulation pump over-determines pandapipes' system), a plant together with pressure references
(pandapipes' circulation pump passes its whole flow through; the native plant junctions are two
free pressure holds), and injections (mass_flows < 0) in a heat calculation (pandapipes' sources
carry no temperature).

Known differences to the native solver (quantified in ``tests/crossval``): pandapipes' water
table (ρ, μ, c_p within 0.1 % of IAPWS-IF97; ``fluid="if97"`` swaps in the native table) and
its c_p-based consumer law ṁ = Q / (c̄_p ΔT) (flows 0.1–0.2 % apart), g = 9.81 m/s², the
density of a pipe's water column from its inlet and outlet temperatures (native: from its two
junction temperatures), Colebrook with 3.71 and also in laminar flow (native: 3.7, 64/Re below
Re 2300). Stagnant water is reported as the native solver has it (``stagnant_nodes``): a
junction without inflow at the U·L-weighted soil temperature of the pipes that reach it
(``Compiled.t_soil_node_k``; pandapipes itself puts it at its one ambient temperature), a pipe
without flow at its own soil temperature. Consumers whose supply arrives less than 1 K above
their return setpoint are clamped by the native solver but not by pandapipes. When the
bidirectional iteration does not converge (it can cycle on loop closures carrying almost no
flow) the run is repeated once with damped steps (``DAMPED_RETRY``) before ``ConvergenceError``
is raised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import BackendError, ConvergenceError, ConvergenceInfo
from ..io.pandapipes_io import (
    ambient_offset_pa,
    feedin_start_flow,
    initial_temperatures,
    pandapipes,
    pandapipes_friction_model,
    start_lift,
    to_pandapipes,
)
from ..model.graph import active
from ..physics import water
from ..physics.friction import pressure_drop_pipe
from ..results import Result, add_edge_units, energy_mass_balance, pump_table
from ..units import P_ATM_PA
from .compile import (
    BranchKind,
    ConsumerControl,
    FeedinControl,
    PlantControl,
    compile_network,
)
from .elements import (
    DT_MIN_K,
    FEEDIN_DT_MIN_K,
    critical_point_update,
    nodal_demand,
    node_injection,
)
from .native import State

PIPEFLOW_DEFAULTS = {
    "friction_model": "colebrook",
    "tol_p": 1e-7,  # bar
    "tol_m": 1e-7,  # kg/s
    "tol_T": 1e-6,  # K
    "tol_res": 1e-6,
    "max_iter_hyd": 50,
    "max_iter_therm": 50,
    "max_iter_bidirect": 60,
    "max_iter_colebrook": 100,
    "tolerance_colebrook": 1e-10,
}
# junctions with at most this inflow hold stagnant water (at their surroundings' temperature)
STAGNANT_KG_S = 1e-9
# second attempt when the bidirectional iteration does not converge (it can cycle on loop
# closures carrying almost no flow): damped steps, more iterations
DAMPED_RETRY = {"alpha": 0.7, "max_iter_bidirect": 300}


def solve_pandapipes(network, *, fluid: str = "water", max_outer: int = 40,
                     tol_control_pa: float = 1.0, tol_feedin_rel: float = 1e-7,
                     **pipeflow_options) -> Result:
    """Solve ``network`` with pandapipes; returns a ``Result`` like the native solver.

    ``fluid``: ``"water"`` (pandapipes' own water table) or ``"if97"`` (pandapipes interpolating
    the native IAPWS-IF97 table of ``physics.water``, so that both backends use the same ρ, μ,
    c_p and only the numerics differ). ``pipeflow_options`` override ``PIPEFLOW_DEFAULTS`` (any
    ``pandapipes.pipeflow`` option, e.g. ``max_iter_bidirect=80``). ``max_outer`` bounds the
    pipeflow runs of the outer loop. Raises ``BackendError`` for what pandapipes cannot express,
    ``ConvergenceError`` when pandapipes or the outer loop does not converge.
    """
    pandapipes()
    from pandapipes.pf.pipeflow_setup import default_options  # heavy: on first use

    unknown = set(pipeflow_options) - set(default_options)
    if unknown:
        raise BackendError("unknown options for the pandapipes backend: "
                           f"{', '.join(sorted(unknown))}; pipeflow options are "
                           f"{', '.join(sorted(default_options))}")
    if fluid not in ("water", "if97"):
        raise BackendError(f"unknown fluid {fluid!r} for the pandapipes backend; use 'water' "
                           "(pandapipes' table) or 'if97' (the native property table)")
    comp = compile_network(network)
    heat = _check_supported(network, comp)
    net = to_pandapipes(network)
    if fluid == "if97":
        net["fluid"] = if97_fluid()
    opts = {**PIPEFLOW_DEFAULTS, "ambient_temperature": float(network.t_soil_k),
            "friction_model": pandapipes_friction_model(network.settings),
            "mode": "bidirectional" if heat else "hydraulics", **pipeflow_options}
    _prepare(net, network, comp, heat)
    loop = _OuterLoop(network, comp, net, tol_control_pa, tol_feedin_rel)
    history: list[dict] = []
    for it in range(1, max_outer + 1):
        iters = run_pipeflow(net, opts, it)
        p, t = loop.node_state()
        step = loop.update(p, t)
        history.append({"iteration": it, "pipeflow_iterations": iters, **step})
        if step["done"]:
            break
    else:
        info = ConvergenceInfo(False, len(history), history,
                               "the outer loop (critical-point lift / feed-in heat output) did "
                               f"not settle in {max_outer} pandapipes runs")
        raise ConvergenceError(f"the pandapipes backend did not converge: {info.message}", info)
    info = ConvergenceInfo(True, len(history), history)
    return _result(network, comp, net, loop, info, sum(h["pipeflow_iterations"] for h in history))


def _check_supported(network, comp) -> bool:
    """BackendError for what pandapipes cannot express; True when heat must be solved."""
    plants, refs = active(network.plants), active(network.pressure_refs)
    if len(plants) > 1:
        raise BackendError(f"plants {', '.join(map(str, plants.index))}: more than one "
                           "in-service plant is not supported by the pandapipes backend (a second "
                           "pressure-setting circulation pump over-determines the system)")
    if len(plants) and len(refs):
        raise BackendError(f"plant '{plants.index[0]}' together with pressure reference(s) "
                           f"{', '.join(map(str, refs.index))} is not supported by the pandapipes "
                           "backend (its circulation pump conserves mass, the native plant "
                           "junctions are two independent pressure holds)")
    heat = bool(len(plants) or len(active(network.consumers)) or len(active(network.feedins))
                or np.any(comp.u_w_per_mk * comp.length_m > 0)
                or len(np.unique(np.concatenate([_ref_temps(comp), _inj_temps(comp)]))) > 1)
    if heat and np.any(comp.m_mdot_kg_s < 0):
        ids = ", ".join(map(str, comp.m_ids[comp.m_mdot_kg_s < 0]))
        raise BackendError(f"mass_flows {ids}: injections (negative mdot) in a heat calculation "
                           "are not supported by the pandapipes backend (its sources carry no "
                           "temperature)")
    return heat


def if97_fluid():
    """A pandapipes liquid whose ρ, μ, c_p interpolate the native IF97 table (``physics.water``)."""
    # heavy: pandapipes is imported on first use (not at package import)
    from pandapipes.properties.fluids import Fluid, FluidPropertyInterExtra, get_fluid

    lib = pandapipes().create_empty_network(fluid="water")
    base = get_fluid(lib).all_properties
    t = np.arange(water.TEMPERATURE_RANGE_K[0], water.TEMPERATURE_RANGE_K[1] + 0.25, 0.5)
    props = {"density": FluidPropertyInterExtra(t, water.density(t)),
             "viscosity": FluidPropertyInterExtra(t, water.viscosity(t)),
             "heat_capacity": FluidPropertyInterExtra(t, water.heat_capacity(t))}
    for key in ("molar_mass", "der_compressibility", "compressibility"):
        props[key] = base[key]
    return Fluid("water_if97", "liquid", **props)


def _ref_temps(comp) -> np.ndarray:
    return np.where(np.isfinite(comp.r_t_k), comp.r_t_k, comp.t_initial_k)


def _inj_temps(comp) -> np.ndarray:
    inj = comp.m_mdot_kg_s < 0
    return np.where(np.isfinite(comp.m_t_k), comp.m_t_k, comp.t_initial_k)[inj]


def _prepare(net, network, comp, heat: bool) -> None:
    """Adjust the converted net for solving: temperature slacks and start temperatures."""
    eg = net["ext_grid"]
    if heat:
        if len(eg):  # the native reference feeds at t_k, or at t_initial when none is given
            no_t = eg["t_k"].isna().to_numpy()
            eg.loc[no_t, "t_k"] = comp.t_initial_k
            eg.loc[:, "type"] = "pt"
        return
    temps = _ref_temps(comp)
    t0 = float(temps[0]) if len(temps) else comp.t_initial_k
    net["junction"]["tfluid_k"] = t0


class _OuterLoop:
    """Critical-point lift, plant return pressure and feed-in flows between pipeflow runs."""

    def __init__(self, network, comp, net, tol_pa: float, tol_rel: float):
        self.comp, self.net = comp, net
        self.tol_pa, self.tol_rel = tol_pa, tol_rel
        self.off = ambient_offset_pa(comp.elevation_m)
        pl = network.plants
        self.pl_rows = pl.index.get_indexer(pd.Index(comp.pl_ids))
        self.lift = np.array([start_lift(pl.loc[i]) for i in comp.pl_ids], dtype=float)
        fi = network.feedins
        self.f_rows = fi.index.get_indexer(pd.Index(comp.f_ids))
        _, t_ret = initial_temperatures(network)
        self.m_f = np.array([feedin_start_flow(fi.loc[i], t_ret) for i in comp.f_ids], dtype=float)
        self.f_clamped = np.zeros(len(comp.f_ids), dtype=bool)
        self.m_c = np.zeros(len(comp.c_ids))
        self.c_rows = network.consumers.index.get_indexer(pd.Index(comp.c_ids))

    def node_state(self) -> tuple[np.ndarray, np.ndarray]:
        rj = self.net["res_junction"]
        return rj["p_bar"].to_numpy(float) * 1e5 + self.off, rj["t_k"].to_numpy(float)

    def update(self, p: np.ndarray, t: np.ndarray) -> dict:
        c, net = self.comp, self.net
        rc = net["res_heat_consumer"] if len(c.c_ids) else None
        self.m_c = (rc["mdot_from_kg_per_s"].to_numpy(float)[self.c_rows] if rc is not None
                    else np.zeros(0))
        d_lift = critical_point_update(c, p, self.m_c)
        err_ret = 0.0
        if len(c.pl_ids):
            cp = net["circ_pump_pressure"]
            row = self.pl_rows[0]
            js, jr = c.pl_sup[0], c.pl_ret[0]
            p_flow = cp.at[row, "p_flow_bar"] * 1e5 + self.off[js]
            hydro = p_flow - cp.at[row, "plift_bar"] * 1e5 - p[jr]
            err_ret = float(p[jr] - c.pl_p_return_pa[0])
            if c.pl_control[0] == PlantControl.CRITICAL_POINT:
                self.lift[0] += d_lift
            else:
                d_lift = 0.0
            cp.at[row, "p_flow_bar"] = (c.pl_p_return_pa[0] + self.lift[0] - self.off[js]) / 1e5
            cp.at[row, "plift_bar"] = (self.lift[0] - hydro) / 1e5
        d_m = 0.0
        q_ctrl = c.f_control == FeedinControl.Q
        if np.any(q_ctrl):
            t_in = t[c.f_ret]
            self.f_clamped = q_ctrl & (c.f_t_out_k - t_in < FEEDIN_DT_MIN_K)
            t_in = np.where(self.f_clamped, c.f_t_out_k - FEEDIN_DT_MIN_K, t_in)
            m_new = np.where(q_ctrl, c.f_q_w / (water.enthalpy(c.f_t_out_k) - water.enthalpy(t_in)),
                             self.m_f)
            d_m = float(np.max(np.abs(m_new - self.m_f) / np.maximum(np.abs(self.m_f), 1e-9)))
            self.m_f = m_new
            net["circ_pump_mass"].loc[net["circ_pump_mass"].index[self.f_rows],
                                      "mdot_flow_kg_per_s"] = m_new
        done = abs(d_lift) < self.tol_pa and abs(err_ret) < self.tol_pa and d_m < self.tol_rel
        return {"lift_change_pa": float(d_lift), "p_return_error_pa": err_ret,
                "feedin_rel_change": d_m, "done": bool(done)}


def run_pipeflow(net, opts: dict, outer_it: int = 1) -> int:
    """One pandapipes.pipeflow (retried with damped steps if the bidirectional iteration does
    not converge); its Newton iterations. PipeflowNotConverged → ConvergenceError."""
    pp = pandapipes()
    from pandapipes.pf.pipeflow_setup import PipeflowNotConverged  # heavy: on first use

    attempts = [opts]
    if opts["mode"] == "bidirectional" and "alpha" not in opts and \
            opts.get("nonlinear_method", "constant") == "constant":
        attempts.append({**opts, **DAMPED_RETRY,
                         "max_iter_bidirect": max(opts["max_iter_bidirect"],
                                                  DAMPED_RETRY["max_iter_bidirect"])})
    errors = []
    for attempt in attempts:
        try:
            pp.pipeflow(net, **attempt)
            break
        except PipeflowNotConverged as exc:
            key = "max_iter_bidirect" if attempt["mode"] == "bidirectional" else "max_iter_hyd"
            errors.append(f"{exc} (alpha {attempt.get('alpha', 1)}, {attempt.get(key)} "
                          "iterations)")
        except (ValueError, UserWarning, np.linalg.LinAlgError, IndexError, KeyError) as exc:
            raise BackendError(f"pandapipes failed on this network ({type(exc).__name__}: "
                               f"{exc})") from None
    else:
        info = ConvergenceInfo(False, outer_it, message="; ".join(errors))
        raise ConvergenceError(
            f"pandapipes did not converge (mode {opts['mode']!r}, pipeflow run {outer_it}): "
            f"{'; '.join(errors)}. Bidirectional runs can cycle on loop closures carrying "
            "almost no flow or on consumers whose supply temperature is near their return "
            "setpoint; pass other pipeflow options (e.g. alpha=0.5, max_iter_bidirect=500) or "
            "use the native backend.", info)
    res = net.get("_internal_results", {}) or {}
    return int(sum(v for k, v in res.items() if str(k).startswith("iterations_")))


def stagnant_nodes(comp, m_branch, m_consumer, m_plant, m_feedin) -> np.ndarray:
    """Junctions no water flows into (dead ends, isolated stretches): True per node.

    Inflow per node from the branch flows (into ``b_to`` when positive, ``b_from`` when
    negative), the consumers (into their return junction), the plants (into their supply
    junction, or their return junction when reversed) and the feed-ins (into their supply
    junction); pressure-reference and fixed-flow nodes count as fed. A node is stagnant when
    its inflow is at most ``STAGNANT_KG_S``.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    m_branch, m_consumer, m_plant, m_feedin : np.ndarray
        Mass flows [kg/s] of the branches, consumers, plants and feed-ins (compiled order).

    Returns
    -------
    np.ndarray of bool, shape (nodes,)
    """
    n = len(comp.node_ids)
    m_branch = np.asarray(m_branch, dtype=float)
    m_plant = np.asarray(m_plant, dtype=float)
    inflow = (np.bincount(comp.b_to, np.maximum(m_branch, 0.0), n)
              + np.bincount(comp.b_from, np.maximum(-m_branch, 0.0), n)
              + np.bincount(comp.c_ret, np.abs(np.asarray(m_consumer, dtype=float)), n)
              + np.bincount(comp.pl_sup, np.maximum(m_plant, 0.0), n)
              + np.bincount(comp.pl_ret, np.maximum(-m_plant, 0.0), n)
              + np.bincount(comp.f_sup, np.abs(np.asarray(m_feedin, dtype=float)), n))
    fed = np.zeros(n, dtype=bool)
    fed[np.asarray(comp.r_node, dtype=np.int64)] = True
    fed[np.asarray(comp.m_node, dtype=np.int64)] = True
    return (inflow <= STAGNANT_KG_S) & ~fed


def _result(network, comp, net, loop: _OuterLoop, info: ConvergenceInfo, iters: int) -> Result:
    p, t = loop.node_state()
    heat = net["_options"]["mode"] != "hydraulics"
    n_idx = pd.Index(comp.node_ids, name="id")
    # branches: in-service pipes then opened valves, as compiled
    kind = comp.branch_kind
    pipe_rows = network.pipes.index.get_indexer(pd.Index(comp.branch_ids[kind == BranchKind.PIPE]))
    valve_rows = network.valves.index.get_indexer(
        pd.Index(comp.branch_ids[kind == BranchKind.VALVE]))
    pump_rows = network.pumps.index.get_indexer(pd.Index(comp.branch_ids[kind == BranchKind.PUMP]))
    res = [(net["res_pipe"], pipe_rows), (net["res_valve"], valve_rows)]
    if len(pump_rows):
        res.append((net["res_pump"], pump_rows))
    m = np.concatenate([r["mdot_from_kg_per_s"].to_numpy(float)[rows] if len(rows) else []
                        for r, rows in res]).astype(float)
    t_out = np.concatenate([r["t_outlet_k"].to_numpy(float)[rows] if len(rows) else []
                            for r, rows in res]).astype(float)
    if heat:
        # stagnant water settles at its surroundings: the U·L-weighted soil temperature of the
        # pipes that reach the junction (pandapipes: the network-wide ambient temperature);
        # a stagnant pipe's content at its own soil temperature — as the native solver
        h0 = water.enthalpy(t)
        still = stagnant_nodes(comp, m, _consumers(comp, net, loop, t, p, h0)["mdot_kg_s"],
                               _plant(comp, net, network, t, p, h0)["mdot_kg_s"],
                               _feedins(comp, net, loop, t, p, h0)["mdot_kg_s"])
        t = np.where(still, comp.t_soil_node_k, t)
        t_out = np.where(np.abs(m) <= STAGNANT_KG_S, comp.t_soil_k, t_out)
    h = water.enthalpy(t)
    junctions = pd.DataFrame({"p_pa": p, "t_k": t, "elevation_m": comp.elevation_m,
                              "side": comp.side}, index=n_idx)
    junctions["p_abs_pa"] = p + P_ATM_PA
    junctions["p_sat_pa"] = water.saturation_pressure(t) - P_ATM_PA
    up = np.where(m >= 0, comp.b_from, comp.b_to)
    t_in = t[up]
    if not heat:  # no heat solved: outlet = inlet
        t_out = t_in.copy()
    h_in, h_out = h[up], water.enthalpy(t_out)
    t_b = 0.5 * (t[comp.b_from] + t[comp.b_to])
    rho, mu = water.density(t_b), water.viscosity(t_b)
    area = np.pi * comp.d_m**2 / 4
    dp_fric = np.atleast_1d(pressure_drop_pipe(m, comp.length_m, comp.d_m, comp.roughness_m, rho,
                                               mu, comp.zeta, law=comp.friction_law)[0])
    length = np.where(comp.length_m > 0, comp.length_m, 1.0)
    branch = pd.DataFrame({
        "from_junction": comp.node_ids[comp.b_from], "to_junction": comp.node_ids[comp.b_to],
        "mdot_kg_s": m, "v_m_s": m / (rho * area), "dp_pa": p[comp.b_from] - p[comp.b_to],
        "dp_friction_pa": dp_fric,
        "r_pa_per_m": np.where(comp.length_m > 0, np.abs(dp_fric) / length, np.nan),
        "reynolds": np.abs(m) * comp.d_m / (area * mu),
        "t_in_k": t_in, "t_out_k": t_out, "q_loss_w": np.abs(m) * (h_in - h_out),
        "side": comp.side[comp.b_from],
    }, index=pd.Index(comp.branch_ids, name="id"))
    branch = add_edge_units(branch)
    consumers = _consumers(comp, net, loop, t, p, h)
    plant = _plant(comp, net, network, t, p, h)
    feedins = _feedins(comp, net, loop, t, p, h)
    fl = {"m_c": consumers["mdot_kg_s"].to_numpy(float),
          "m_f": feedins["mdot_kg_s"].to_numpy(float)}
    inj = node_injection(comp, m, nodal_demand(comp, fl))
    state = State(m, p, h, loop.lift.copy())
    balance = energy_mass_balance(comp, state, fl, inj, h_out, branch, plant, feedins, consumers)
    balance["hydraulic_iterations"] = iters
    return Result(add_edge_units(junctions), branch[kind == BranchKind.PIPE],
                  branch[kind == BranchKind.VALVE], consumers, plant, feedins, info, balance,
                  "pandapipes", None, pumps=pump_table(comp, m, p, t, rho))


def _consumers(comp, net, loop, t, p, h) -> pd.DataFrame:
    n = len(comp.c_ids)
    if n:
        rc = net["res_heat_consumer"]
        m = rc["mdot_from_kg_per_s"].to_numpy(float)[loop.c_rows]
        t_ret = rc["t_outlet_k"].to_numpy(float)[loop.c_rows]
    else:
        m, t_ret = np.zeros(0), np.zeros(0)
    t_s = t[comp.c_sup]
    reached = ~((comp.c_control == ConsumerControl.T_RETURN) & (t_s - comp.c_t_return_k < DT_MIN_K))
    df = pd.DataFrame({
        "supply_junction": comp.node_ids[comp.c_sup], "return_junction": comp.node_ids[comp.c_ret],
        "mdot_kg_s": m, "q_w": m * (h[comp.c_sup] - water.enthalpy(t_ret)),
        "dp_pa": p[comp.c_sup] - p[comp.c_ret], "dp_min_pa": comp.c_dp_min_pa,
        "t_supply_k": t_s, "t_return_k": t_ret, "t_return_junction_k": t[comp.c_ret],
        "return_setpoint_reached": reached,
    }, index=pd.Index(comp.c_ids, name="id"))
    df["dp_margin_pa"] = df["dp_pa"] - df["dp_min_pa"]
    return add_edge_units(df)


def _plant(comp, net, network, t, p, h) -> pd.DataFrame:
    rows = network.plants.index.get_indexer(pd.Index(comp.pl_ids))
    if len(rows):
        rp = net["res_circ_pump_pressure"]
        m = rp["mdot_from_kg_per_s"].to_numpy(float)[rows]
        t_out = rp["t_outlet_k"].to_numpy(float)[rows]
    else:
        m, t_out = np.zeros(0), np.zeros(0)
    t_sup = np.where(m >= 0, comp.pl_t_supply_k, t_out)
    df = pd.DataFrame({
        "return_junction": comp.node_ids[comp.pl_ret],
        "supply_junction": comp.node_ids[comp.pl_sup], "mdot_kg_s": m, "mdot_return_kg_s": m,
        "p_supply_pa": p[comp.pl_sup], "p_return_pa": p[comp.pl_ret],
        "head_pa": p[comp.pl_sup] - p[comp.pl_ret],
        "t_supply_k": t_sup, "t_return_k": t[comp.pl_ret],
        "q_w": m * (water.enthalpy(t_sup) - h[comp.pl_ret]),
        "mdot_design_kg_s": comp.pl_mdot_design_kg_s,
        "control": [PlantControl(c).name.lower() for c in comp.pl_control],
    }, index=pd.Index(comp.pl_ids, name="id"))
    return add_edge_units(df)


def _feedins(comp, net, loop, t, p, h) -> pd.DataFrame:
    if len(comp.f_ids):
        m = net["res_circ_pump_mass"]["mdot_from_kg_per_s"].to_numpy(float)[loop.f_rows]
    else:
        m = np.zeros(0)
    df = pd.DataFrame({
        "return_junction": comp.node_ids[comp.f_ret], "supply_junction": comp.node_ids[comp.f_sup],
        "mdot_kg_s": m, "t_in_k": t[comp.f_ret], "t_out_k": comp.f_t_out_k,
        "q_w": m * (water.enthalpy(comp.f_t_out_k) - h[comp.f_ret]),
        "p_supply_pa": p[comp.f_sup], "p_return_pa": p[comp.f_ret],
        "head_pa": p[comp.f_sup] - p[comp.f_ret], "inlet_clamped": loop.f_clamped,
    }, index=pd.Index(comp.f_ids, name="id"))
    return add_edge_units(df)
