"""Thermal: node enthalpies from a sparse linear energy balance, given all mass flows.

Per node n (inflows only; outflows leave at the node's state):

    h_n (Σ ṁ_in + ε) = Σ_pipes ṁ_b (a_b h_up + (1 − a_b) h_soil,b) + Σ_sources ṁ_k h_k + ε h_soil

- pipes: exact exponential heat loss T_out − T_soil = (T_in − T_soil)·exp(−U_L L/(|ṁ| c_p)),
  c_p at the log-mean pipe temperature, written as an enthalpy decay a_b; stagnant pipes give
  a_b = 0 (outlet at soil temperature, no NaN),
- consumers: outlet h_r fixed (return setpoint) or h_s − Δh (fixed ΔT / fixed flow),
- plants, feed-ins, pressure references, injections: inflow at their outlet temperature,
- ε (1e-9 kg/s) ties junctions without any inflow to the temperature of their surroundings
  (``node_surroundings_k``: the soil of the pipes that reach them), where stagnant water ends.

Water properties stop at 0 °C: stagnant water in surroundings below 0 °C, or a consumer whose
law demands a return below 0 °C, come out at 0 °C in the result. Such states are impossible
(the water freezes); the static ones are refused when the network is read
(``model.validate.consumer_problems``) and the others are findings of the checker
(``freezing``, ``consumer_return_temperature``).

Working in enthalpy makes mixing and the energy balance exact; temperatures follow from h.
Without circulating flow the system is triangular in flow order and solved in one compiled pass
(``flow_order``); otherwise (or without numba) by sparse LU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..physics import water
from . import flow_order, kernels

EPS_FLOW = 1e-9


def node_surroundings_k(n_nodes: int, b_from, b_to, t_soil_b, ul_b,
                        default_k: float) -> np.ndarray:
    """Temperature [K] stagnant water settles at in each junction: the soil temperature of the
    branches that reach it, weighted by their heat-loss conductance U·L [W/K] (equal weights
    when none of them loses heat); ``default_k`` for junctions without a branch.

    Parameters
    ----------
    n_nodes : number of junctions.
    b_from, b_to : junction index of each branch's ends.
    t_soil_b : soil temperature [K] around each branch.
    ul_b : U·L [W/K] of each branch (0 for valves and pumps).
    default_k : the network's soil temperature [K].

    Returns
    -------
    np.ndarray of shape (n_nodes,) [K].
    """
    ends = np.concatenate([b_from, b_to]).astype(np.int64)
    t2 = np.concatenate([t_soil_b, t_soil_b]).astype(float)
    ul2 = np.concatenate([ul_b, ul_b]).astype(float)
    w_ul = np.bincount(ends, ul2, n_nodes)
    t_ul = np.bincount(ends, ul2 * t2, n_nodes)
    count = np.bincount(ends, None, n_nodes).astype(float)
    t_eq = np.bincount(ends, t2, n_nodes)
    out = np.full(n_nodes, float(default_k))
    has = count > 0
    out[has] = t_eq[has] / count[has]
    lossy = w_ul > 0
    out[lossy] = t_ul[lossy] / w_ul[lossy]
    return out


def pipe_decay(comp, mdot, t_up_k):
    """Enthalpy decay factor a_b per branch, h_out − h_soil = a_b (h_in − h_soil), and h_soil.

    The temperature solves ṁ c_p(T) dT/dx = −U (T − T_soil) exactly for constant c_p; with
    c_p(T) varying, the effective c_p is its mean over the measure dT/(T − T_soil) (3-point
    Gauss–Legendre in ln(T − T_soil), fixed-point on the outlet temperature):
    T_out − T_soil = (T_in − T_soil)·exp(−U L / (|ṁ| c_p)). a_b is that decay expressed in
    enthalpy, so the linear energy balance reproduces it exactly.
    """
    out = kernels.pipe_decay(comp, mdot, t_up_k)  # compiled; the expressions below without numba
    if out is not None:
        return out
    t_soil = comp.t_soil_k
    h_soil = water.enthalpy(t_soil)
    ul = comp.u_w_per_mk * comp.length_m
    mabs = np.abs(mdot)
    flowing = mabs > 0
    x = ul / np.where(flowing, mabs, 1.0)
    decay = np.exp(-np.minimum(x / water.heat_capacity(t_up_k), 700.0))
    for _ in range(3):
        decay = np.exp(-np.minimum(x / _mean_cp(t_up_k, t_soil, decay), 700.0))
    t_out = t_soil + (t_up_k - t_soil) * decay
    dh_in = water.enthalpy(t_up_k) - h_soil
    # (below 0 °C the enthalpy table is clipped: inlet and soil then share one enthalpy)
    small = (np.abs(t_up_k - t_soil) < 1e-6) | (np.abs(dh_in) < 1e-9)
    a = np.where(small, decay, (water.enthalpy(t_out) - h_soil) / np.where(small, 1.0, dh_in))
    a = np.where(flowing, a, 0.0)
    a = np.where(ul == 0, np.where(flowing, 1.0, 0.0), a)
    return a, h_soil


_GL_NODES = (0.5 - 0.5 * np.sqrt(0.6), 0.5, 0.5 + 0.5 * np.sqrt(0.6))
_GL_WEIGHTS = (5 / 18, 8 / 18, 5 / 18)


def _mean_cp(t_in, t_soil, decay):
    """Mean of c_p over dT/(T − T_soil) between T_in and T_soil + (T_in − T_soil)·decay."""
    dt_in = t_in - t_soil
    ln_d = np.log(np.clip(decay, 1e-300, 1.0))
    out = 0.0
    for s, w in zip(_GL_NODES, _GL_WEIGHTS, strict=True):
        out = out + w * water.heat_capacity(t_soil + dt_in * np.exp(s * ln_d))
    return out


def property_temperature(comp, mdot, t_node_k):
    """Mean temperature [K] of the water inside each branch and its derivative d/dṁ [K s/kg].

    ρ and μ of a branch are taken at this temperature. With heat loss the profile along the
    pipe is exponential, T(ξ) − T_soil = (T_up − T_soil)·e^(−xξ), x = U L/(|ṁ| c_p(T_up)),
    so the content's mean is T_soil + (T_up − T_soil)·(1 − e^(−x))/x. As the flow stops the
    content tends to soil temperature from either direction, so the weight of a near-stagnant
    water column (buoyancy in hilly meshed networks) is continuous through flow reversal, and
    its derivative lets the hydraulic Newton step see it:
    dT/d|ṁ| = (T_up − T_soil)·c_p/(U L)·(1 − e^(−x)(1 + x)).
    Branches without heat loss use the mean of their end junctions (no derivative).
    """
    t_from, t_to = t_node_k[comp.b_from], t_node_k[comp.b_to]
    fwd = mdot >= 0
    t_up = np.where(fwd, t_from, t_to)
    t_soil = comp.t_soil_k
    ul = comp.u_w_per_mk * comp.length_m
    lossy = ul > 0
    cp = water.heat_capacity(t_up)
    ucp = np.abs(mdot) * cp
    x = np.where(lossy, ul / np.maximum(ucp, 1e-300), 0.0)
    xc = np.minimum(x, 700.0)
    ex = np.exp(-xc)
    small = xc < 1e-4
    xs = np.where(small, 1.0, x)  # uncapped: the mean tends to soil temperature as 1/x
    mean_factor = np.where(small, 1.0 - xc / 2 + xc * xc / 6, -np.expm1(-xc) / xs)
    growth = np.where(small, xc * xc / 2, 1.0 - ex * (1.0 + xc))  # −x² d(mean_factor)/dx
    dt_up = t_up - t_soil
    t_b = np.where(lossy, t_soil + dt_up * mean_factor, 0.5 * (t_from + t_to))
    dt_dm = np.where(lossy, np.where(fwd, 1.0, -1.0) * dt_up * cp / np.where(lossy, ul, 1.0)
                     * growth, 0.0)
    return t_b, dt_dm


@dataclass
class EnergySystem:
    """The linear node energy balance for given flows: diag·h + Σ vals·h[cols] (summed into
    rows) = rhs, per node [W]; with the pipes' decay factors ``a`` and soil enthalpies
    ``h_soil_b`` and the upstream/downstream node of every branch."""

    diag: np.ndarray
    rhs: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    a: np.ndarray
    h_soil_b: np.ndarray
    up: np.ndarray
    down: np.ndarray

    def residual(self, h: np.ndarray) -> np.ndarray:
        """diag·h + off-diagonal·h − rhs per node [W] (zero at the balance)."""
        off = np.bincount(self.rows, self.vals * h[self.cols], len(h))
        return self.diag * h + off - self.rhs

    def matrix(self) -> sp.csc_matrix:
        """The balance's matrix (n × n, CSC)."""
        n = len(self.diag)
        every = np.arange(n)
        return sp.csc_matrix((np.concatenate([self.diag, self.vals]),
                              (np.concatenate([every, self.rows]),
                               np.concatenate([every, self.cols]))), shape=(n, n))


def energy_system(comp, mdot_b, t_node_k, flows) -> EnergySystem:
    """The node energy balance for branch flows ``mdot_b`` [kg/s] and element flows ``flows``
    (see ``solve_enthalpy``), with the pipes' decay at the upstream temperatures of
    ``t_node_k`` [K]."""
    n = comp.n_nodes
    up = np.where(mdot_b >= 0, comp.b_from, comp.b_to)
    down = np.where(mdot_b >= 0, comp.b_to, comp.b_from)
    a, h_soil_b = pipe_decay(comp, mdot_b, t_node_k[up])
    mabs = np.abs(mdot_b)
    # every inflow adds to its node's diagonal (d_*) and, at a known enthalpy, to the right
    # side (r_*); summed in one pass each, in a fixed order (ε first)
    m_c = flows["m_c"]
    fixed = flows["c_fixed_h"]
    pl_in, pl_out = flows["pl_in"], flows["pl_out"]
    pos_in = np.where(pl_in > EPS_FLOW, pl_in, 0.0)  # below EPS_FLOW: solver round-off
    rev = np.maximum(-pl_out, 0.0)  # reverse plant flow enters the return node
    m_f = flows["m_f"]
    r_in = np.where(flows["r_in"] > EPS_FLOW, flows["r_in"], 0.0)
    inj = np.maximum(-comp.m_mdot_kg_s, 0.0)
    every = np.arange(n)
    d_nodes = (every, down, comp.c_ret, comp.pl_sup, comp.pl_ret, comp.f_sup, comp.r_node,
               comp.m_node)
    d_vals = (np.full(n, EPS_FLOW), mabs, m_c, pos_in, rev, m_f, r_in, inj)
    diag = np.bincount(np.concatenate(d_nodes), np.concatenate(d_vals), n)
    r_nodes = (every, down, comp.c_ret, comp.pl_sup, comp.f_sup, comp.r_node, comp.m_node)
    r_vals = (EPS_FLOW * water.enthalpy(comp.t_soil_node_k),  # junctions tied to the soil
              mabs * (1 - a) * h_soil_b,  # pipes: the soil's share of the outlet
              np.where(fixed, m_c * flows["c_h_out"], -m_c * flows["c_dh"]),  # consumers
              pos_in * water.enthalpy(comp.pl_t_supply_k),  # plants at their setpoint
              m_f * water.enthalpy(comp.f_t_out_k),  # feed-ins at their outlet
              r_in * water.enthalpy(flows["r_t_k"]), inj * water.enthalpy(flows["m_t_k"]))
    rhs = np.bincount(np.concatenate(r_nodes), np.concatenate(r_vals), n)
    # off-diagonal: the upstream enthalpy a pipe carries, consumers with a fixed ΔT / flow
    # (outlet follows their supply), reverse plant flow (return takes the supply's water)
    rows = np.concatenate([down, comp.c_ret[~fixed], comp.pl_ret])
    cols = np.concatenate([up, comp.c_sup[~fixed], comp.pl_sup])
    vals = np.concatenate([-mabs * a, -m_c[~fixed], -rev])
    return EnergySystem(diag, rhs, rows, cols, vals, a, h_soil_b, up, down)


def solve_enthalpy(comp, mdot_b, t_node_k, flows, linear=None) -> np.ndarray:
    """Node enthalpies [J/kg] for branch flows ``mdot_b`` and element flows ``flows``.

    ``flows`` (from the coupling loop) holds per element arrays: consumer flows ``m_c`` and
    their outlet law (``c_fixed_h`` where the outlet enthalpy is fixed, else ``c_dh`` so that
    h_out = h_sup − c_dh), plant supply injections ``pl_in`` / return withdrawals ``pl_out``,
    feed-in flows ``m_f``, pressure-reference injections ``r_in`` and mass-flow injections.
    """
    es = energy_system(comp, mdot_b, t_node_k, flows)
    # flows without circulation: the system is triangular in flow order (``flow_order``)
    h, ok = flow_order.solve_in_flow_order(es.diag, es.rhs, es.rows, es.cols, es.vals)
    if ok:
        return h
    if linear is None:
        return spla.spsolve(es.matrix(), es.rhs)
    return linear.solve(es.matrix(), es.rhs)
