"""A solved state as a frozen result object with DataFrames per element type.

Columns carry their unit: SI (``p_pa``, ``t_k``, ``q_w``) and the edge units operators read
(``p_bar`` gauge, ``t_c``, ``q_kw``). Pressures are gauge. Both backends return this type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConvergenceInfo
from .io.atomic import write_folder_atomic, write_text_atomic
from .physics import water
from .physics.friction import pressure_drop_pipe
from .solver import hydraulic_kernels
from .solver.compile import BranchKind, PlantControl
from .solver.elements import nodal_demand, node_injection
from .solver.thermal import pipe_decay, property_temperature
from .units import P_ATM_PA


@dataclass(frozen=True)
class Result:
    """Solved network: ``junctions``, ``pipes``, ``valves``, ``consumers``, ``plant``,
    ``feedins`` DataFrames indexed by element id, plus convergence info and balances."""

    junctions: pd.DataFrame
    pipes: pd.DataFrame
    valves: pd.DataFrame
    consumers: pd.DataFrame
    plant: pd.DataFrame
    feedins: pd.DataFrame
    convergence: ConvergenceInfo
    balance: dict
    backend: str = "native"
    state: object = field(default=None, repr=False, compare=False)
    pumps: pd.DataFrame | None = None  # booster pumps (None: the network has none)

    @property
    def converged(self) -> bool:
        return bool(self.convergence.converged)

    @cached_property
    def active_consumers(self) -> pd.DataFrame:
        """The consumers drawing water (ṁ > 0): the rows most criteria judge (the consumers
        table itself when every consumer draws; read-only)."""
        c = self.consumers
        drawing = c["mdot_kg_s"].to_numpy() > 0
        return c if drawing.all() else c[drawing]

    def summary(self) -> dict:
        """Key figures in edge units (bar, °C, kW) for terminals and reports."""
        c, j, pl = self.consumers, self.junctions, self.plant
        out = {
            "backend": self.backend,
            "converged": self.converged,
            "iterations": self.convergence.iterations,
            "plant_mdot_kg_s": float(pl["mdot_kg_s"].sum()) if len(pl) else 0.0,
            "plant_head_bar": float(pl["head_bar"].max()) if len(pl) else float("nan"),
            "plant_heat_kw": float(pl["q_kw"].sum()) if len(pl) else 0.0,
            "feedin_heat_kw": float(self.feedins["q_kw"].sum()) if len(self.feedins) else 0.0,
            "consumer_heat_kw": float(c["q_kw"].sum()) if len(c) else 0.0,
            "heat_loss_kw": self.balance.get("losses_w", 0.0) / 1e3,
            "p_min_bar": float(j["p_bar"].min()),
            "p_min_junction": str(j["p_bar"].idxmin()),
            "p_max_bar": float(j["p_bar"].max()),
            "p_max_junction": str(j["p_bar"].idxmax()),
            "energy_balance_rel": self.balance.get("energy_rel", float("nan")),
            "mass_balance_max_kg_s": self.balance.get("mass_max_kg_s", float("nan")),
        }
        if self.pumps is not None and len(self.pumps):
            out["booster_pumps"] = int(len(self.pumps))
            out["booster_power_kw"] = float(self.pumps["power_w"].sum()) / 1e3
            out["booster_min_flow_kg_s"] = float(self.pumps["mdot_kg_s"].min())
        act = self.active_consumers
        if len(act):
            out.update({
                "dp_min_consumer_bar": float(act["dp_bar"].min()),
                "dp_min_consumer": str(act["dp_bar"].idxmin()),
                "t_supply_min_consumer_c": float(act["t_supply_c"].min()),
                "t_supply_min_consumer": str(act["t_supply_c"].idxmin()),
            })
        out["warnings"] = self.warnings()
        return out

    def warnings(self) -> list[str]:
        """Plain-words notes on states the solve settled in but a user should know about:
        feed-ins that cannot transfer their heat, water at 0 °C (where the water properties
        stop: it would freeze), consumers that miss their return setpoint."""
        notes = []
        if len(self.feedins) and "inlet_clamped" in self.feedins:
            for fid, row in self.feedins[self.feedins["inlet_clamped"].astype(bool)].iterrows():
                notes.append(f"feed-in '{fid}': the return reaches it at {row['t_in_c']:.1f} °C, "
                             f"too close to its {row['t_out_c']:.1f} °C outlet; its flow is "
                             f"capped and it moves {row['q_kw']:.1f} kW")
        frozen = self.junctions.index[self.junctions["t_k"] <= water.TEMPERATURE_RANGE_K[0]
                                      + 0.01]
        if len(frozen):
            shown = ", ".join(f"'{j}'" for j in frozen[:5])
            more = f" and {len(frozen) - 5} more" if len(frozen) > 5 else ""
            notes.append(f"{len(frozen)} junction(s) at 0 °C, the lowest temperature of the "
                         f"water model: {shown}{more} — the water there would freeze (stagnant "
                         "in frozen surroundings) or a consumer cools below 0 °C; the state "
                         "is not physical")
        if len(self.consumers) and "return_setpoint_reached" in self.consumers:
            missed = self.consumers.index[~self.consumers["return_setpoint_reached"].astype(bool)]
            if len(missed):
                shown = ", ".join(f"'{c}'" for c in missed[:5])
                more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
                notes.append(f"{len(missed)} consumer(s) get supply water too cold for their "
                             f"return setpoint: {shown}{more}")
        return notes

    def to_dict(self) -> dict:
        """Plain-Python form (JSON-ready): tables as records, plus summary and balances."""
        def table(df):
            d = df.replace({np.nan: None})
            return {str(k): v for k, v in d.to_dict("index").items()}

        return {
            "summary": self.summary(),
            "balance": self.balance,
            "convergence": {"converged": self.converged,
                            "iterations": self.convergence.iterations,
                            "message": self.convergence.message},
            "junctions": table(self.junctions), "pipes": table(self.pipes),
            "valves": table(self.valves), "consumers": table(self.consumers),
            "plant": table(self.plant), "feedins": table(self.feedins),
            **({"pumps": table(self.pumps)} if self.pumps is not None else {}),
        }

    def to_json(self, path, inputs=()) -> Path:
        """Write ``to_dict`` as one JSON document, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The JSON file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        text = json.dumps(self.to_dict(), indent=1, default=_json_default, allow_nan=False)
        return write_text_atomic(path, text + "\n", inputs)

    def write(self, out_dir, inputs=()) -> Path:
        """Write one CSV per result table (``junctions.csv``, ``pipes.csv``, …) and
        ``summary.csv`` into ``out_dir``: built next to it and moved into place whole
        (``io.atomic.write_folder_atomic``; an existing folder may hold only such files).

        Parameters
        ----------
        out_dir : path-like
            The folder (created when missing).
        inputs : iterable of path-like
            Input files of the run (never overwritten).

        Returns
        -------
        Path
            The folder.
        """
        files = {f"{name}.csv": df.to_csv(float_format="%.10g")
                 for name, df in self.tables().items()}
        lines = ["key,value"] + [f"{k},{v}" for k, v in self.summary().items()]
        files["summary.csv"] = "\n".join(lines) + "\n"
        return write_folder_atomic(out_dir, files, inputs, owned_result_name)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result DataFrames by name."""
        out = {"junctions": self.junctions, "pipes": self.pipes, "valves": self.valves,
               "consumers": self.consumers, "plant": self.plant, "feedins": self.feedins}
        if self.pumps is not None:
            out["pumps"] = self.pumps
        return out


RESULT_TABLES = ("junctions", "pipes", "valves", "consumers", "plant", "feedins", "pumps")


def owned_result_name(name: str) -> bool:
    """Whether ``name`` is a file of a results CSV folder: an entry ``Result.write`` may replace.

    Parameters
    ----------
    name : str
        A file name.

    Returns
    -------
    bool
        True for ``<table>.csv`` of a result table and ``summary.csv``.
    """
    stem, _, ext = name.rpartition(".")
    return ext.lower() == "csv" and stem.lower() in (*RESULT_TABLES, "summary")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return str(o)


def _unit_columns(names, values) -> dict:
    """bar/°C/kW copies of the SI columns among ``names`` (``values(name)`` → array), in order."""
    new = {}
    for col in names:
        if col.endswith("_pa"):
            new[col[:-3] + "_bar"] = np.asarray(values(col)) / 1e5
        elif col.endswith("_k") and col.startswith("t"):
            new[col[:-2] + "_c"] = np.asarray(values(col)) - 273.15
        elif col.endswith("_w"):
            new[col[:-2] + "_kw"] = np.asarray(values(col)) / 1e3
    return new


def add_edge_units(df: pd.DataFrame) -> pd.DataFrame:
    """Add bar/°C/kW columns (after the SI ones, in column order; one concatenation).

    Parameters
    ----------
    df : DataFrame
        A result table with SI columns.

    Returns
    -------
    DataFrame
        The table with ``_bar``/``_c``/``_kw`` columns added.
    """
    new = _unit_columns(df.columns, lambda c: df[c].to_numpy())
    if not new:
        return df
    return pd.concat([df, pd.DataFrame(new, index=df.index)], axis=1)


def _frame(cols: dict, index: pd.Index) -> pd.DataFrame:
    """A result table of the SI columns ``cols`` followed by their bar/°C/kW copies (built in
    one go: a result is assembled for every solve of a sweep).

    The arrays become the table's columns as they are, each a block of its own
    (``copy=False`` skips pandas' copy and consolidation into 2-D blocks, most of the cost of
    building a small table): callers pass arrays no one else holds (``_own`` copies the
    solver's)."""
    return pd.DataFrame({**cols, **_unit_columns(cols, cols.__getitem__)}, index=index,
                        copy=False)


def _ids(comp, what: str, ids: np.ndarray, rows: np.ndarray | None = None) -> pd.Index:
    """``pd.Index(ids[rows], name="id")`` as a view of one index made per topology (``what``
    names it): the result tables of a sweep's solves then share their row labels, so aligning
    them (``reindex``, ``get_indexer``) is instant; each table still has an index object of its
    own (renaming one leaves the others)."""
    def build():
        return ids, rows, pd.Index(ids if rows is None else ids[rows], name="id")

    src, src_rows, index = comp.workspace.derived(("result_index", what), build)
    if src is not ids or not (src_rows is rows or np.array_equal(src_rows, rows)):
        return pd.Index(ids if rows is None else ids[rows], name="id")
    return index.view()


def _own(values) -> np.ndarray:
    """A copy of a solver array for a result table (the table must not share its memory)."""
    return np.array(values)


def build_result(comp, state, fl, info: ConvergenceInfo, hyd_iters: int = 0,
                 backend: str = "native") -> Result:
    """Assemble the Result of the native solver from the final state.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    state : State
        The final state.
    fl : dict
        ``elements.element_flows`` of the final temperatures.
    info : ConvergenceInfo
        Convergence of the solve.
    hyd_iters : int
        Hydraulic iterations in total.
    backend : str
        Name of the backend.

    Returns
    -------
    Result
        The result tables, balances and convergence.
    """

    p, h, m = state.p, state.h, state.mdot_b
    t = water.temperature_from_enthalpy(h)
    n_idx = _ids(comp, "junctions", comp.node_ids)
    junctions = _frame({"p_pa": _own(p), "t_k": t, "elevation_m": _own(comp.elevation_m),
                        "side": _own(comp.side), "p_abs_pa": p + P_ATM_PA,
                        "p_sat_pa": water.saturation_pressure(t) - P_ATM_PA},  # gauge
                       n_idx)
    up = np.where(m >= 0, comp.b_from, comp.b_to)
    t_in = t[up]
    a, h_soil = pipe_decay(comp, m, t_in)
    h_in = h[up]
    h_out = h_soil + a * (h_in - h_soil)
    t_out = water.temperature_from_enthalpy(h_out)
    t_b, _ = property_temperature(comp, m, t)
    rho, mu = water.density(t_b), water.viscosity(t_b)
    area = np.pi * comp.d_m**2 / 4
    args = (m, comp.length_m, comp.d_m, comp.roughness_m, rho, mu, comp.zeta)
    out = hydraulic_kernels.pressure_drop(*args, comp.friction_law)  # compiled, else NumPy
    dp_fric = np.atleast_1d(out[0] if out is not None else
                            pressure_drop_pipe(*args, law=comp.friction_law)[0])
    v = m / (rho * area)
    branch_cols = {
        "from_junction": comp.node_ids[comp.b_from], "to_junction": comp.node_ids[comp.b_to],
        "mdot_kg_s": _own(m), "v_m_s": v, "dp_pa": p[comp.b_from] - p[comp.b_to],
        "dp_friction_pa": dp_fric,
        "r_pa_per_m": np.where(comp.length_m > 0, np.abs(dp_fric) /
                               np.where(comp.length_m > 0, comp.length_m, 1.0), np.nan),
        "reynolds": np.abs(m) * comp.d_m / (area * mu),
        "t_in_k": t_in, "t_out_k": t_out, "q_loss_w": np.abs(m) * (h_in - h_out),
        "side": comp.side[comp.b_from],
    }
    # the pipe and valve tables straight from the branch columns (rows in branch order); a
    # kind without rows is the other table's empty slice
    def branch_table(rows, what):
        return _frame({k: col if rows.all() else col[rows] for k, col in branch_cols.items()},
                      _ids(comp, what, comp.branch_ids, rows))

    is_pipe, is_valve = (comp.branch_kind == BranchKind.PIPE,
                         comp.branch_kind == BranchKind.VALVE)
    if is_valve.any():
        valves = branch_table(is_valve, "valves")
        pipes = branch_table(is_pipe, "pipes") if is_pipe.any() else valves.iloc[:0]
    else:
        pipes = branch_table(is_pipe, "pipes")
        valves = pipes.iloc[:0]
    q_loss_w = branch_cols["q_loss_w"]
    # consumers
    t_s, t_r = t[comp.c_sup], t[comp.c_ret]
    m_c = fl["m_c"]
    h_c_out = np.where(fl["c_fixed_h"], fl["c_h_out"], h[comp.c_sup] - fl["c_dh"])
    consumers = _frame({
        "supply_junction": comp.node_ids[comp.c_sup], "return_junction": comp.node_ids[comp.c_ret],
        "mdot_kg_s": _own(m_c), "q_w": m_c * (h[comp.c_sup] - h_c_out),
        "dp_pa": p[comp.c_sup] - p[comp.c_ret], "dp_min_pa": _own(comp.c_dp_min_pa),
        "t_supply_k": t_s, "t_return_k": water.temperature_from_enthalpy(h_c_out),
        "t_return_junction_k": t_r, "return_setpoint_reached": ~fl["c_clamped"],
        "dp_margin_pa": p[comp.c_sup] - p[comp.c_ret] - comp.c_dp_min_pa,
    }, _ids(comp, "consumers", comp.c_ids))
    demand = nodal_demand(comp, fl)
    inj = node_injection(comp, m, demand)
    pl_in, pl_out = inj[comp.pl_sup], -inj[comp.pl_ret]
    h_set = water.enthalpy(comp.pl_t_supply_k)
    h_sup_out = np.where(pl_in >= 0, h_set, h[comp.pl_sup])
    # reverse flow passes through the plant unheated: what it puts into the return junction is
    # the water it took from the supply junction (as in ``thermal.solve_enthalpy``)
    h_ret_in = np.where(pl_out >= 0, h[comp.pl_ret], h[comp.pl_sup])
    plant = _frame({
        "return_junction": comp.node_ids[comp.pl_ret],
        "supply_junction": comp.node_ids[comp.pl_sup],
        "mdot_kg_s": pl_in, "mdot_return_kg_s": pl_out,
        "p_supply_pa": p[comp.pl_sup], "p_return_pa": p[comp.pl_ret],
        "head_pa": p[comp.pl_sup] - p[comp.pl_ret],
        "t_supply_k": np.where(pl_in >= 0, comp.pl_t_supply_k, t[comp.pl_sup]),
        "t_return_k": t[comp.pl_ret],
        "q_w": pl_in * h_sup_out - pl_out * h_ret_in,
        "mdot_design_kg_s": _own(comp.pl_mdot_design_kg_s),
        "control": [PlantControl(c).name.lower() for c in comp.pl_control],
    }, pd.Index(comp.pl_ids, name="id"))
    m_f = fl["m_f"]
    h_f_out = water.enthalpy(comp.f_t_out_k)
    feedins = _frame({
        "return_junction": comp.node_ids[comp.f_ret], "supply_junction": comp.node_ids[comp.f_sup],
        "mdot_kg_s": _own(m_f), "t_in_k": t[comp.f_ret], "t_out_k": _own(comp.f_t_out_k),
        "q_w": m_f * (h_f_out - h[comp.f_ret]),
        "p_supply_pa": p[comp.f_sup], "p_return_pa": p[comp.f_ret],
        "head_pa": p[comp.f_sup] - p[comp.f_ret], "inlet_clamped": _own(fl["f_clamped"]),
    }, pd.Index(comp.f_ids, name="id"))
    balance = energy_mass_balance(comp, state, fl, inj, h_out, {"q_loss_w": pd.Series(q_loss_w)},
                                  plant, feedins, consumers)
    balance["hydraulic_iterations"] = hyd_iters
    return Result(junctions, pipes, valves, consumers, plant, feedins, info, balance, backend,
                  state, pumps=pump_table(comp, m, p, t, rho))


def pump_table(comp, m, p, t, rho) -> pd.DataFrame | None:
    """Booster pumps: flow, lift (discharge − suction pressure) and hydraulic power; None
    without pumps.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    m : ndarray
        Branch flows [kg/s].
    p : ndarray
        Node pressures [Pa].
    t : ndarray
        Node temperatures [K].
    rho : ndarray
        Branch densities [kg/m³].

    Returns
    -------
    DataFrame or None
        One row per pump.
    """
    b = comp.pump_b
    if not len(b):
        return None
    vdot = m[b] / rho[b]
    lift = p[comp.b_to[b]] - p[comp.b_from[b]]
    return _frame({
        "from_junction": comp.node_ids[comp.b_from[b]], "to_junction": comp.node_ids[comp.b_to[b]],
        "mdot_kg_s": m[b], "vdot_m3_s": vdot, "lift_pa": lift, "power_w": vdot * lift,
        "t_k": t[comp.b_from[b]], "side": comp.side[comp.b_from[b]],
    }, pd.Index(comp.branch_ids[b], name="id"))


def energy_mass_balance(comp, state, fl, inj, h_out, branch, plant, feedins, consumers) -> dict:
    """Mass residual at free junctions and the energy balance heat in = consumers + losses.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    state : State
        The final state.
    fl : dict
        Element flows.
    inj : ndarray
        Injection per node [kg/s].
    h_out : ndarray
        Branch outlet enthalpies [J/kg].
    branch, plant, feedins, consumers : DataFrame
        The result tables (``branch``: of all branches, or a mapping with their
        ``q_loss_w`` column).

    Returns
    -------
    dict
        Residuals and heat flows of the balance (``mass_max_kg_s``, ``energy_rel`` …).
    """
    h = state.h
    fixed = np.zeros(comp.n_nodes, dtype=bool)
    fixed[comp.pl_sup] = fixed[comp.pl_ret] = True
    fixed[comp.r_node] = True
    mass = np.abs(inj[~fixed])
    r_in = inj[comp.r_node]
    r_t = np.where(np.isfinite(comp.r_t_k), comp.r_t_k, comp.t_initial_k)
    h_r = np.where(r_in > 0, water.enthalpy(r_t), h[comp.r_node])
    m_t = np.where(np.isfinite(comp.m_t_k), comp.m_t_k, comp.t_initial_k)
    h_m = np.where(comp.m_mdot_kg_s < 0, water.enthalpy(m_t), h[comp.m_node])
    def total(table, col):
        return float(np.nansum(table[col].to_numpy()))  # as Series.sum

    heat_in = (total(plant, "q_w") + total(feedins, "q_w")
               + float(np.sum(r_in * h_r)) - float(np.sum(comp.m_mdot_kg_s * h_m)))
    cons = total(consumers, "q_w")
    losses = total(branch, "q_loss_w")
    # scale: heat delivered, or for pure water networks the enthalpy flow through the network
    gross = (float(np.sum(np.maximum(r_in, 0.0) * h_r))
             + float(np.sum(np.maximum(-comp.m_mdot_kg_s, 0.0) * h_m)))
    scale = max(abs(heat_in), cons + abs(losses), gross, 1.0)
    return {"mass_max_kg_s": float(mass.max()) if mass.size else 0.0,
            "heat_in_w": heat_in, "consumers_w": cons, "losses_w": losses,
            "energy_residual_w": heat_in - cons - losses,
            "energy_rel": abs(heat_in - cons - losses) / scale}
