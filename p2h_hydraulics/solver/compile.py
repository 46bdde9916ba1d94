"""Compile a ``Network`` into the arrays the solvers work on (done once per topology).

Branches: in-service pipes, opened valves and in-service pumps, with incidence (from/to node
indices) and parameters. Fixed-flow elements (consumers, feed-ins, mass flows) and
pressure-holding elements (plants, pressure references) are kept as separate arrays, so a sweep
can swap feed-ins or scale loads without recompiling (``Compiled.with_feedins`` /
``with_consumer_q``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ModelError, Problem
from ..model.graph import active, junction_sides
from ..units import G
from .thermal import node_surroundings_k
from .workspace import Workspace


class ConsumerControl(IntEnum):
    """Consumer control (``Compiled.c_control``): return setpoint, temperature drop, flow."""

    T_RETURN = 0
    DELTA_T = 1
    MDOT = 2


class PlantControl(IntEnum):
    """Plant pressure control (``Compiled.pl_control``): fixed lift, fixed supply pressure,
    lift set so the worst consumer keeps its Δp_min."""

    LIFT = 0
    P_SUPPLY = 1
    CRITICAL_POINT = 2


class FeedinControl(IntEnum):
    """Feed-in control (``Compiled.f_control``): heat output or mass flow."""

    Q = 0
    MDOT = 1


class BranchKind(IntEnum):
    """Branch kind (``Compiled.branch_kind``)."""

    PIPE = 0
    VALVE = 1
    PUMP = 2


# the model's control names → codes of the compiled arrays
CONTROL_CODES = {c.name.lower(): int(c) for c in ConsumerControl}
PLANT_CODES = {c.name.lower(): int(c) for c in PlantControl}
FEEDIN_CODES = {c.name.lower(): int(c) for c in FeedinControl}


@dataclass(frozen=True)
class Compiled:
    """Array form of a network; all SI. Node index = position in ``node_ids``."""

    node_ids: np.ndarray
    elevation_m: np.ndarray
    side: np.ndarray  # 'supply' | 'return' | 'other' per node
    t_soil_node_k: np.ndarray
    # branches (pipes then valves)
    branch_ids: np.ndarray
    branch_kind: np.ndarray  # BranchKind per branch
    b_from: np.ndarray
    b_to: np.ndarray
    length_m: np.ndarray
    d_m: np.ndarray
    roughness_m: np.ndarray
    zeta: np.ndarray
    u_w_per_mk: np.ndarray
    t_soil_k: np.ndarray
    dz_m: np.ndarray
    incidence: sp.csr_matrix  # branches x nodes, +1 at from, -1 at to
    pump_b: np.ndarray  # branch index of each pump (BranchKind.PUMP)
    pump_curve: np.ndarray  # (pumps, 4): lift0 [Pa], b1, b2, b3 (``physics.pump``)
    # consumers
    c_ids: np.ndarray
    c_sup: np.ndarray
    c_ret: np.ndarray
    c_q_w: np.ndarray
    c_control: np.ndarray
    c_t_return_k: np.ndarray
    c_delta_t_k: np.ndarray
    c_mdot_kg_s: np.ndarray
    c_dp_min_pa: np.ndarray
    # plants
    pl_ids: np.ndarray
    pl_ret: np.ndarray
    pl_sup: np.ndarray
    pl_t_supply_k: np.ndarray
    pl_p_return_pa: np.ndarray
    pl_control: np.ndarray
    pl_lift_pa: np.ndarray
    pl_p_supply_pa: np.ndarray
    pl_mdot_design_kg_s: np.ndarray
    # feed-ins
    f_ids: np.ndarray
    f_ret: np.ndarray
    f_sup: np.ndarray
    f_q_w: np.ndarray
    f_t_out_k: np.ndarray
    f_control: np.ndarray
    f_mdot_kg_s: np.ndarray
    # pressure references and fixed mass flows
    r_ids: np.ndarray
    r_node: np.ndarray
    r_p_pa: np.ndarray
    r_t_k: np.ndarray
    m_ids: np.ndarray
    m_node: np.ndarray
    m_mdot_kg_s: np.ndarray
    m_t_k: np.ndarray
    t_soil_default_k: float
    t_initial_k: float
    friction_law: str = "colebrook"  # ``physics.friction.FRICTION_LAWS``
    # per-topology working storage, shared by the copies of this network (``workspace.py``)
    workspace: Workspace = field(default_factory=Workspace, compare=False, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_branches(self) -> int:
        return len(self.branch_ids)

    def with_feedins(self, feedins: pd.DataFrame) -> Compiled:
        """A copy with another feed-in table (same topology)."""
        return replace(self, **_feedin_arrays(feedins, self._index()))

    def with_consumer_q(self, q_w: np.ndarray) -> Compiled:
        """A copy with other consumer heat demands [W]."""
        return replace(self, c_q_w=np.asarray(q_w, dtype=float))

    def _index(self) -> pd.Index:
        return pd.Index(self.node_ids)


def _lookup(index: pd.Index, ids, table: str, field: str, problems: list) -> np.ndarray:
    pos = index.get_indexer(pd.Index(ids))
    for i in np.flatnonzero(pos < 0):
        problems.append(Problem("refers to an unknown junction", table=table, field=field,
                                value=list(ids)[i]))
    return pos


def _feedin_arrays(df: pd.DataFrame, index: pd.Index) -> dict:
    df = active(df)
    probs: list = []
    out = dict(
        f_ids=df.index.to_numpy(dtype=object),
        f_ret=_lookup(index, df["return_junction"], "feedins", "return_junction", probs),
        f_sup=_lookup(index, df["supply_junction"], "feedins", "supply_junction", probs),
        f_q_w=df["q_w"].to_numpy(dtype=float),
        f_t_out_k=df["t_out_k"].to_numpy(dtype=float),
        f_control=df["control"].map(FEEDIN_CODES).to_numpy(dtype=np.int64),
        f_mdot_kg_s=df["mdot_kg_s"].to_numpy(dtype=float),
    )
    if probs:
        raise ModelError(probs)
    return out


def compile_network(net) -> Compiled:
    """Array form of ``net`` (validated beforehand by the loader or ``validate_network``)."""
    j = net.junctions
    index = pd.Index(j.index)
    problems: list = []
    pipes, valves, pumps = active(net.pipes), active(net.valves), active(net.pumps)
    t_soil = float(net.settings.get("t_soil_k", 283.15))
    branch_tables = (("pipes", pipes), ("valves", valves), ("pumps", pumps))
    b_from, b_to = (np.concatenate([_lookup(index, df[end], name, end, problems)
                                    for name, df in branch_tables])
                    for end in ("from_junction", "to_junction"))
    npv, npu = len(pipes) + len(valves), len(pumps)
    cons, plants = active(net.consumers), active(net.plants)
    refs, mflows = active(net.pressure_refs), active(net.mass_flows)
    c_sup = _lookup(index, cons["supply_junction"], "consumers", "supply_junction", problems)
    c_ret = _lookup(index, cons["return_junction"], "consumers", "return_junction", problems)
    pl_ret = _lookup(index, plants["return_junction"], "plants", "return_junction", problems)
    pl_sup = _lookup(index, plants["supply_junction"], "plants", "supply_junction", problems)
    r_node = _lookup(index, refs["junction"], "pressure_refs", "junction", problems)
    m_node = _lookup(index, mflows["junction"], "mass_flows", "junction", problems)
    if problems:
        raise ModelError(problems, file=net.source)
    nb, n = len(b_from), len(index)
    rows = np.repeat(np.arange(nb), 2)
    cols = np.column_stack([b_from, b_to]).ravel()
    vals = np.tile([1.0, -1.0], nb)
    incidence = sp.csr_matrix((vals, (rows, cols)), shape=(nb, n))
    elev = j["elevation_m"].to_numpy(dtype=float)
    t_soil_pipe = pipes["t_soil_k"].fillna(t_soil).to_numpy(dtype=float)
    sides = junction_sides(net)
    t_init = net.settings.get("t_initial_k", np.nan)
    if not np.isfinite(t_init):
        t_init = float(plants["t_supply_k"].max()) if len(plants) else 293.15
    comp = Compiled(
        node_ids=index.to_numpy(dtype=object),
        elevation_m=elev,
        side=np.array([sides.get(x, "other") for x in index], dtype=object),
        # stagnant water takes the surroundings of the pipes that reach it
        t_soil_node_k=node_surroundings_k(
            n, b_from, b_to, np.concatenate([t_soil_pipe, np.full(len(valves) + npu, t_soil)]),
            np.concatenate([np.nan_to_num(pipes["u_w_per_mk"].to_numpy(float)) * pipes[
                "length_m"].to_numpy(float), np.zeros(len(valves) + npu)]), t_soil),
        branch_ids=np.concatenate([pipes.index.to_numpy(dtype=object),
                                   valves.index.to_numpy(dtype=object),
                                   pumps.index.to_numpy(dtype=object)]),
        branch_kind=np.concatenate([np.full(len(pipes), int(BranchKind.PIPE)),
                                    np.full(len(valves), int(BranchKind.VALVE)),
                                    np.full(npu, int(BranchKind.PUMP))]),
        b_from=b_from, b_to=b_to,
        length_m=np.concatenate([pipes["length_m"].to_numpy(float), np.zeros(len(valves) + npu)]),
        # pumps: no friction of their own (length 0, ζ 0); the diameter is a placeholder
        d_m=np.concatenate([pipes["d_inner_m"].to_numpy(float),
                            valves["d_inner_m"].to_numpy(float), np.ones(npu)]),
        roughness_m=np.concatenate([pipes["roughness_m"].to_numpy(float),
                                    np.zeros(len(valves) + npu)]),
        # an ideal (ζ = 0) valve gets ζ = 1e-6: a negligible loss that keeps the Jacobian regular
        zeta=np.concatenate([pipes["zeta"].to_numpy(float),
                             np.maximum(valves["zeta"].to_numpy(float), 1e-6), np.zeros(npu)]),
        u_w_per_mk=np.concatenate([pipes["u_w_per_mk"].to_numpy(float),
                                   np.zeros(len(valves) + npu)]),
        t_soil_k=np.concatenate([t_soil_pipe, np.full(len(valves) + npu, t_soil)]),
        dz_m=elev[b_to] - elev[b_from] if nb else np.zeros(0),
        incidence=incidence,
        pump_b=np.arange(npv, npv + npu),
        pump_curve=pumps[["lift0_pa", "curve_b1", "curve_b2", "curve_b3"]].to_numpy(float)
        .reshape(npu, 4),
        c_ids=cons.index.to_numpy(dtype=object), c_sup=c_sup, c_ret=c_ret,
        c_q_w=cons["q_w"].to_numpy(float),
        c_control=cons["control"].map(CONTROL_CODES).to_numpy(dtype=np.int64),
        c_t_return_k=cons["t_return_k"].to_numpy(float),
        c_delta_t_k=cons["delta_t_k"].to_numpy(float),
        c_mdot_kg_s=cons["mdot_kg_s"].to_numpy(float),
        c_dp_min_pa=cons["dp_min_pa"].to_numpy(float),
        pl_ids=plants.index.to_numpy(dtype=object), pl_ret=pl_ret, pl_sup=pl_sup,
        pl_t_supply_k=plants["t_supply_k"].to_numpy(float),
        pl_p_return_pa=plants["p_return_pa"].to_numpy(float),
        pl_control=plants["control"].map(PLANT_CODES).to_numpy(dtype=np.int64),
        pl_lift_pa=plants["lift_pa"].to_numpy(float),
        pl_p_supply_pa=plants["p_supply_pa"].to_numpy(float),
        pl_mdot_design_kg_s=plants["mdot_design_kg_s"].to_numpy(float),
        r_ids=refs.index.to_numpy(dtype=object), r_node=r_node,
        r_p_pa=refs["p_pa"].to_numpy(float), r_t_k=refs["t_k"].to_numpy(float),
        m_ids=mflows.index.to_numpy(dtype=object), m_node=m_node,
        m_mdot_kg_s=mflows["mdot_kg_s"].to_numpy(float), m_t_k=mflows["t_k"].to_numpy(float),
        t_soil_default_k=t_soil, t_initial_k=float(t_init),
        friction_law=str(net.settings.get("friction_law", "colebrook")),
        **_feedin_arrays(net.feedins, index),
    )
    return comp


def hydrostatic(rho, dz):
    """Pressure change ρ g Δz [Pa] of a column of height ``dz`` [m]."""
    return rho * G * dz
