"""Thermal: node enthalpies from a sparse linear energy balance, given all mass flows.

Per node n (inflows only; outflows leave at the node's state):

    h_n (Σ ṁ_in + ε) = Σ_pipes ṁ_b (a_b h_up + (1 − a_b) h_soil,b) + Σ_sources ṁ_k h_k + ε h_soil

- pipes: exact exponential heat loss, a_b = exp(−U_L L / (|ṁ| c̄_b)), c̄_b the secant heat
  capacity between soil and inlet temperature; stagnant pipes give a_b = 0 (no NaN),
- consumers: outlet h_r fixed (return setpoint) or h_s − Δh (fixed ΔT / fixed flow),
- plants, feed-ins, pressure references, injections: inflow at their outlet temperature,
- ε (1e-9 kg/s) ties junctions without any inflow to soil temperature.

Working in enthalpy makes mixing and the energy balance exact; temperatures follow from h.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..physics import water

EPS_FLOW = 1e-9


def pipe_decay(comp, mdot, t_up_k):
    """a_b = exp(−U L/(|ṁ| c̄)) per branch and the soil enthalpy per branch."""
    h_soil = water.enthalpy(comp.t_soil_k)
    h_up = water.enthalpy(t_up_k)
    dt = t_up_k - comp.t_soil_k
    c_sec = np.where(np.abs(dt) > 1e-3, (h_up - h_soil) / np.where(np.abs(dt) > 1e-3, dt, 1.0),
                     water.heat_capacity(t_up_k))
    denom = np.abs(mdot) * c_sec
    x = comp.u_w_per_mk * comp.length_m / np.maximum(denom, 1e-300)
    a = np.where(denom > 0, np.exp(-np.minimum(x, 700.0)), 0.0)
    a = np.where(comp.u_w_per_mk * comp.length_m == 0, np.where(denom > 0, 1.0, 0.0), a)
    return a, h_soil


def solve_enthalpy(comp, mdot_b, t_node_k, flows) -> np.ndarray:
    """Node enthalpies [J/kg] for branch flows ``mdot_b`` and element flows ``flows``.

    ``flows`` (from the coupling loop) holds per element arrays: consumer flows ``m_c`` and
    their outlet law (``c_fixed_h`` where the outlet enthalpy is fixed, else ``c_dh`` so that
    h_out = h_sup − c_dh), plant supply injections ``pl_in`` / return withdrawals ``pl_out``,
    feed-in flows ``m_f``, pressure-reference injections ``r_in`` and mass-flow injections.
    """
    n = comp.n_nodes
    up = np.where(mdot_b >= 0, comp.b_from, comp.b_to)
    down = np.where(mdot_b >= 0, comp.b_to, comp.b_from)
    a, h_soil_b = pipe_decay(comp, mdot_b, t_node_k[up])
    mabs = np.abs(mdot_b)
    diag = np.full(n, EPS_FLOW)
    rhs = EPS_FLOW * water.enthalpy(comp.t_soil_node_k)
    np.add.at(diag, down, mabs)
    np.add.at(rhs, down, mabs * (1 - a) * h_soil_b)
    rows, cols, vals = [down], [up], [-mabs * a]
    # consumers
    m_c = flows["m_c"]
    fixed = flows["c_fixed_h"]
    np.add.at(diag, comp.c_ret, m_c)
    np.add.at(rhs, comp.c_ret, np.where(fixed, m_c * flows["c_h_out"], -m_c * flows["c_dh"]))
    rows.append(comp.c_ret[~fixed])
    cols.append(comp.c_sup[~fixed])
    vals.append(-m_c[~fixed])
    # plants: injection at supply node at the setpoint; reverse flow enters the return node
    pl_in, pl_out = flows["pl_in"], flows["pl_out"]
    h_set = water.enthalpy(comp.pl_t_supply_k)
    pos_in = np.maximum(pl_in, 0.0)
    np.add.at(diag, comp.pl_sup, pos_in)
    np.add.at(rhs, comp.pl_sup, pos_in * h_set)
    rev = np.maximum(-pl_out, 0.0)
    np.add.at(diag, comp.pl_ret, rev)
    rows.append(comp.pl_ret)
    cols.append(comp.pl_sup)
    vals.append(-rev)
    # feed-ins
    m_f = flows["m_f"]
    np.add.at(diag, comp.f_sup, m_f)
    np.add.at(rhs, comp.f_sup, m_f * water.enthalpy(comp.f_t_out_k))
    # pressure references and injections
    r_in = np.maximum(flows["r_in"], 0.0)
    np.add.at(diag, comp.r_node, r_in)
    np.add.at(rhs, comp.r_node, r_in * water.enthalpy(flows["r_t_k"]))
    inj = np.maximum(-comp.m_mdot_kg_s, 0.0)
    np.add.at(diag, comp.m_node, inj)
    np.add.at(rhs, comp.m_node, inj * water.enthalpy(flows["m_t_k"]))
    r = np.concatenate([np.arange(n), *rows])
    c = np.concatenate([np.arange(n), *cols])
    v = np.concatenate([diag, *vals])
    mat = sp.csc_matrix((v, (r, c)), shape=(n, n))
    return spla.spsolve(mat, rhs)
