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
from scipy.sparse import csgraph

from ..errors import ModelError, Problem
from ..model.graph import SIDES, component_sides
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
        ids, index = self.workspace.derived("node_index",
                                            lambda: (self.node_ids, pd.Index(self.node_ids)))
        return index if ids is self.node_ids else pd.Index(self.node_ids)


class _Active:
    """The rows of an element table that take part in the solve (``model.graph.active``),
    read column by column as arrays (no copy of the table)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        mask = np.ones(len(df), dtype=bool)
        if not df.empty:
            for flag in ("in_service", "opened"):
                if flag in df:
                    mask &= df[flag].to_numpy(dtype=bool)
        self.rows = None if mask.all() else mask

    def __len__(self) -> int:
        return len(self.df) if self.rows is None else int(self.rows.sum())

    def _series(self, name: str) -> pd.Series:
        col = self.df[name]
        return col if self.rows is None else col[self.rows]

    def col(self, name: str, dtype=float) -> np.ndarray:
        """Column ``name`` of the active rows."""
        return self._series(name).to_numpy(dtype=dtype)

    def ids(self) -> np.ndarray:
        """Element ids of the active rows."""
        ids = self.df.index.to_numpy(dtype=object)
        return ids if self.rows is None else ids[self.rows]

    def codes(self, name: str, codes: dict) -> np.ndarray:
        """Column ``name`` of the active rows mapped through ``codes``."""
        col = self._series(name)
        pos = pd.Index(list(codes)).get_indexer(col.to_numpy())
        if np.any(pos < 0):  # a name without a code: as pandas reports it
            return col.map(codes).to_numpy(dtype=np.int64)
        return np.fromiter(codes.values(), dtype=np.int64, count=len(codes))[pos]

    def max(self, name: str) -> float:
        """Largest value of column ``name`` over the active rows (NaN skipped)."""
        return float(self._series(name).max())


def _lookup(index: pd.Index, ids, table: str, field: str, problems: list) -> np.ndarray:
    pos = index.get_indexer(ids)
    for i in np.flatnonzero(pos < 0):
        problems.append(Problem("refers to an unknown junction", table=table, field=field,
                                value=list(ids)[i]))
    return pos


def _feedin_arrays(df: pd.DataFrame, index: pd.Index) -> dict:
    rows = _Active(df)
    probs: list = []
    out = dict(
        f_ids=rows.ids(),
        f_ret=_lookup(index, rows.col("return_junction", None), "feedins", "return_junction",
                      probs),
        f_sup=_lookup(index, rows.col("supply_junction", None), "feedins", "supply_junction",
                      probs),
        f_q_w=rows.col("q_w"),
        f_t_out_k=rows.col("t_out_k"),
        f_control=rows.codes("control", FEEDIN_CODES),
        f_mdot_kg_s=rows.col("mdot_kg_s"),
    )
    if probs:
        raise ModelError(probs)
    return out


def compile_network(net) -> Compiled:
    """Array form of ``net`` (validated beforehand by the loader or ``validate_network``)."""
    index = net.junctions.index  # its hash table is built once per network
    problems: list = []
    pipes, valves, pumps = _Active(net.pipes), _Active(net.valves), _Active(net.pumps)
    t_soil = float(net.settings.get("t_soil_k", 283.15))
    branch_tables = (("pipes", pipes), ("valves", valves), ("pumps", pumps))
    b_from, b_to = (np.concatenate([_lookup(index, rows.col(end, None), name, end, problems)
                                    for name, rows in branch_tables])
                    for end in ("from_junction", "to_junction"))
    npi, nva, npu = len(pipes), len(valves), len(pumps)
    npv = npi + nva
    cons, plants = _Active(net.consumers), _Active(net.plants)
    refs, mflows = _Active(net.pressure_refs), _Active(net.mass_flows)

    def ends(rows, table, field):
        return _lookup(index, rows.col(field, None), table, field, problems)

    c_sup = ends(cons, "consumers", "supply_junction")
    c_ret = ends(cons, "consumers", "return_junction")
    pl_ret = ends(plants, "plants", "return_junction")
    pl_sup = ends(plants, "plants", "supply_junction")
    r_node = ends(refs, "pressure_refs", "junction")
    m_node = ends(mflows, "mass_flows", "junction")
    if problems:
        raise ModelError(problems, file=net.source)
    feedin = _feedin_arrays(net.feedins, index)
    nb, n = len(b_from), len(index)
    rows = np.repeat(np.arange(nb), 2)
    cols = np.column_stack([b_from, b_to]).ravel()
    vals = np.tile([1.0, -1.0], nb)
    incidence = sp.csr_matrix((vals, (rows, cols)), shape=(nb, n))
    elev = net.junctions["elevation_m"].to_numpy(dtype=float)
    t_soil_pipe = pipes.col("t_soil_k")
    t_soil_pipe = np.where(np.isnan(t_soil_pipe), t_soil, t_soil_pipe)
    # supply / return side of each junction by its pipe/valve component (``junction_sides``)
    labels = csgraph.connected_components(
        sp.coo_matrix((np.ones(nb), (b_from, b_to)), shape=(n, n)), directed=False)[1]
    side_names = np.empty(len(SIDES), dtype=object)
    side_names[:] = [np.str_(x) for x in SIDES]
    sides = side_names[component_sides(labels, np.concatenate([c_sup, pl_sup, feedin["f_sup"]]),
                                       np.concatenate([c_ret, pl_ret, feedin["f_ret"]]))]
    t_init = net.settings.get("t_initial_k", np.nan)
    if not np.isfinite(t_init):
        t_init = plants.max("t_supply_k") if len(plants) else 293.15
    length_m = pipes.col("length_m")
    u_w_per_mk = pipes.col("u_w_per_mk")
    others = np.zeros(nva + npu)
    comp = Compiled(
        node_ids=index.to_numpy(dtype=object),
        elevation_m=elev,
        side=sides,
        # stagnant water takes the surroundings of the pipes that reach it
        t_soil_node_k=node_surroundings_k(
            n, b_from, b_to, np.concatenate([t_soil_pipe, np.full(nva + npu, t_soil)]),
            np.concatenate([np.nan_to_num(u_w_per_mk) * length_m, others]), t_soil),
        branch_ids=np.concatenate([pipes.ids(), valves.ids(), pumps.ids()]),
        branch_kind=np.concatenate([np.full(npi, int(BranchKind.PIPE)),
                                    np.full(nva, int(BranchKind.VALVE)),
                                    np.full(npu, int(BranchKind.PUMP))]),
        b_from=b_from, b_to=b_to,
        length_m=np.concatenate([length_m, others]),
        # pumps: no friction of their own (length 0, ζ 0); the diameter is a placeholder
        d_m=np.concatenate([pipes.col("d_inner_m"), valves.col("d_inner_m"), np.ones(npu)]),
        roughness_m=np.concatenate([pipes.col("roughness_m"), others]),
        # an ideal (ζ = 0) valve gets ζ = 1e-6: a negligible loss that keeps the Jacobian regular
        zeta=np.concatenate([pipes.col("zeta"), np.maximum(valves.col("zeta"), 1e-6),
                             np.zeros(npu)]),
        u_w_per_mk=np.concatenate([u_w_per_mk, others]),
        t_soil_k=np.concatenate([t_soil_pipe, np.full(nva + npu, t_soil)]),
        dz_m=elev[b_to] - elev[b_from] if nb else np.zeros(0),
        incidence=incidence,
        pump_b=np.arange(npv, npv + npu),
        pump_curve=np.column_stack([pumps.col(c) for c in ("lift0_pa", "curve_b1", "curve_b2",
                                                           "curve_b3")]).reshape(npu, 4),
        c_ids=cons.ids(), c_sup=c_sup, c_ret=c_ret,
        c_q_w=cons.col("q_w"),
        c_control=cons.codes("control", CONTROL_CODES),
        c_t_return_k=cons.col("t_return_k"),
        c_delta_t_k=cons.col("delta_t_k"),
        c_mdot_kg_s=cons.col("mdot_kg_s"),
        c_dp_min_pa=cons.col("dp_min_pa"),
        pl_ids=plants.ids(), pl_ret=pl_ret, pl_sup=pl_sup,
        pl_t_supply_k=plants.col("t_supply_k"),
        pl_p_return_pa=plants.col("p_return_pa"),
        pl_control=plants.codes("control", PLANT_CODES),
        pl_lift_pa=plants.col("lift_pa"),
        pl_p_supply_pa=plants.col("p_supply_pa"),
        pl_mdot_design_kg_s=plants.col("mdot_design_kg_s"),
        r_ids=refs.ids(), r_node=r_node,
        r_p_pa=refs.col("p_pa"), r_t_k=refs.col("t_k"),
        m_ids=mflows.ids(), m_node=m_node,
        m_mdot_kg_s=mflows.col("mdot_kg_s"), m_t_k=mflows.col("t_k"),
        t_soil_default_k=t_soil, t_initial_k=float(t_init),
        friction_law=str(net.settings.get("friction_law", "colebrook")),
        **feedin,
    )
    return comp


def hydrostatic(rho, dz):
    """Pressure change ρ g Δz [Pa] of a column of height ``dz`` [m]."""
    return rho * G * dz
