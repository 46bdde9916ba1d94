"""Element laws shared by both backends: consumer and feed-in flows, fixed withdrawals, the
critical-point control.

Consumers (return-setpoint control) draw ṁ = Q / (h(T_supply) − h(T_return,set)); when the
supply arrives at less than ``DT_MIN_K`` above the setpoint, the return is clamped to
T_supply − DT_MIN_K (flagged in the result). Feed-ins likewise: ṁ = Q / (h(T_out) − h(T_ret));
when the local return comes within ``FEEDIN_DT_MIN_K`` of the outlet temperature (the network
cannot absorb the heat there) the flow is capped at Q / (h(T_out) − h(T_out − FEEDIN_DT_MIN_K)),
the unit then delivers less than its nominal heat, and the result flags ``inlet_clamped``.
Consumers with Δt control draw ṁ = Q / (h(T_supply) − h(T_supply − Δt)), with flow control
their set flow. The native solver (``native``) and the pandapipes backend
(``pandapipes_backend``, which emulates these controls in an outer loop) use the same laws.
"""

from __future__ import annotations

import numpy as np

from ..physics import water
from . import kernels
from .compile import Compiled, ConsumerControl, FeedinControl, PlantControl

__all__ = ["DT_MIN_K", "FEEDIN_DT_MIN_K", "element_flows", "nodal_demand", "node_injection",
           "energy_flows", "apply_lift_change",
           "critical_point_update"]

DT_MIN_K = 1.0
FEEDIN_DT_MIN_K = 5.0


def element_flows(comp: Compiled, t_k: np.ndarray, h: np.ndarray) -> dict:
    """Consumer and feed-in mass flows and outlet laws from node temperatures/enthalpies.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    t_k : ndarray
        Node temperatures [K].
    h : ndarray
        Node specific enthalpies [J/kg].

    Returns
    -------
    dict
        ``m_c`` consumer flows [kg/s], ``c_fixed_h`` / ``c_h_out`` (return-setpoint consumers
        and their outlet enthalpy), ``c_dh`` enthalpy drop of the others [J/kg], ``c_clamped``,
        ``m_f`` feed-in flows [kg/s], ``f_clamped`` (inlet within ``FEEDIN_DT_MIN_K`` of the
        outlet).
    """
    out = kernels.element_flows(comp, t_k, h, DT_MIN_K, FEEDIN_DT_MIN_K)  # compiled
    if out is not None:
        return out
    t_s = t_k[comp.c_sup]
    h_s = h[comp.c_sup]
    ctrl = comp.c_control
    t_ret, d_t, m_set = (ConsumerControl.T_RETURN, ConsumerControl.DELTA_T,
                         ConsumerControl.MDOT)
    q = comp.c_q_w
    t_r = np.where(ctrl == t_ret, comp.c_t_return_k, np.nan)
    clamped = (ctrl == t_ret) & (t_s - t_r < DT_MIN_K)
    t_r = np.where(clamped, t_s - DT_MIN_K, t_r)
    h_r = water.enthalpy(np.where(ctrl == t_ret, t_r, t_s))
    dh_dt = h_s - water.enthalpy(t_s - np.where(ctrl == d_t, comp.c_delta_t_k, 0.0))
    m_mdot = comp.c_mdot_kg_s
    with np.errstate(divide="ignore", invalid="ignore"):
        m_c = np.select([ctrl == t_ret, ctrl == d_t, ctrl == m_set],
                        [q / (h_s - h_r), q / dh_dt, m_mdot], 0.0)
        dh = np.select([ctrl == d_t, ctrl == m_set], [dh_dt, np.where(m_mdot > 0, q / m_mdot, 0.0)],
                       0.0)
    m_c = np.where(np.isfinite(m_c), m_c, 0.0)
    t_fr = t_k[comp.f_ret]
    f_clamped = (comp.f_control == FeedinControl.Q) & (comp.f_t_out_k - t_fr < FEEDIN_DT_MIN_K)
    h_in = water.enthalpy(np.where(f_clamped, comp.f_t_out_k - FEEDIN_DT_MIN_K, t_fr))
    with np.errstate(divide="ignore", invalid="ignore"):
        m_f = np.where(comp.f_control == FeedinControl.Q,
                       comp.f_q_w / (water.enthalpy(comp.f_t_out_k) - h_in), comp.f_mdot_kg_s)
    m_f = np.where(np.isfinite(m_f), m_f, 0.0)
    return dict(m_c=m_c, c_fixed_h=(ctrl == t_ret), c_h_out=h_r, c_dh=dh, c_clamped=clamped,
                m_f=m_f, f_clamped=f_clamped)


def nodal_demand(comp: Compiled, fl: dict) -> np.ndarray:
    """Fixed withdrawal per node [kg/s] (negative = injection).

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    fl : dict
        ``element_flows`` of the current temperatures.

    Returns
    -------
    ndarray
        Withdrawal per node by consumers, feed-ins and fixed mass flows [kg/s].
    """
    nodes = (comp.c_sup, comp.c_ret, comp.f_sup, comp.f_ret, comp.m_node)
    flows = (fl["m_c"], -fl["m_c"], -fl["m_f"], fl["m_f"], comp.m_mdot_kg_s)
    return np.bincount(np.concatenate(nodes), np.concatenate(flows), comp.n_nodes)


def node_injection(comp: Compiled, mdot_b: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Flow each node must receive from outside the branches [kg/s] (plants, references).

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    mdot_b : ndarray
        Branch mass flows [kg/s].
    demand : ndarray
        ``nodal_demand`` [kg/s].

    Returns
    -------
    ndarray
        Net inflow from outside per node [kg/s] (zero at free nodes when balanced).
    """
    at = comp.workspace.derived("incidence_t", lambda: comp.incidence.T.tocsr())
    return at @ mdot_b + demand


def energy_flows(comp: Compiled, mdot_b: np.ndarray, demand: np.ndarray, fl: dict) -> dict:
    """The element flows the energy balance (``thermal.solve_enthalpy``) takes.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    mdot_b : ndarray
        Branch mass flows [kg/s].
    demand : ndarray
        ``nodal_demand`` [kg/s].
    fl : dict
        ``element_flows`` of the current temperatures.

    Returns
    -------
    dict
        ``fl`` with the plants' supply injections ``pl_in`` and return withdrawals ``pl_out``,
        the pressure references' injections ``r_in`` [kg/s] (``node_injection``) and the
        inflow temperatures ``r_t_k``, ``m_t_k`` [K] of references and fixed mass flows (the
        start temperature where they set none).
    """
    inj = node_injection(comp, mdot_b, demand)
    return dict(fl, pl_in=inj[comp.pl_sup], pl_out=-inj[comp.pl_ret], r_in=inj[comp.r_node],
                r_t_k=np.where(np.isfinite(comp.r_t_k), comp.r_t_k, comp.t_initial_k),
                m_t_k=np.where(np.isfinite(comp.m_t_k), comp.m_t_k, comp.t_initial_k))


def apply_lift_change(comp: Compiled, lift: np.ndarray, p: np.ndarray, d_lift: float):
    """Plant lifts and node pressures after a critical-point correction.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    lift : ndarray
        Plant lifts [Pa].
    p : ndarray
        Node pressures [Pa] (not modified).
    d_lift : float
        ``critical_point_update`` [Pa].

    Returns
    -------
    tuple of ndarray
        The critical-point plants' lifts raised by ``d_lift``; the pressures with, when one
        such plant sets the lift, the whole supply side raised by it.
    """
    critical = comp.pl_control == PlantControl.CRITICAL_POINT
    lift = np.where(critical, lift + d_lift, lift)
    p = p.copy()
    if np.sum(critical) == 1:
        p[comp.side == "supply"] += d_lift
    return lift, p


def critical_point_update(comp: Compiled, p: np.ndarray, m_c: np.ndarray) -> float:
    """Lift correction [Pa] that gives the worst consumer exactly its Δp_min.

    Parameters
    ----------
    comp : Compiled
        The compiled network.
    p : ndarray
        Node pressures [Pa].
    m_c : ndarray
        Consumer flows [kg/s] (consumers without flow are left out).

    Returns
    -------
    float
        The change of the critical-point plants' lift [Pa]; 0 without such a plant.
    """
    if not np.any(comp.pl_control == PlantControl.CRITICAL_POINT):
        return 0.0
    use = m_c > 0
    if not np.any(use):
        return 0.0
    dp = p[comp.c_sup[use]] - p[comp.c_ret[use]]
    return float(np.max(comp.c_dp_min_pa[use] - dp))
