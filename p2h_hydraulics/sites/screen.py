"""Stage 2 of the site comparison: the linear screen of every candidate node.

No nonlinear solve: the hydraulic Jacobian of each base case (the Schur complement of the
global-gradient system, one sparse LU per load case) gives the linear response of all
pressures, branch flows and plant flows to a feed-in at each node — one sparse solve per node;
the critical-point control (the lift that keeps the worst consumer at Δp_min) is applied
exactly on the linear model. The decisive hydraulic criteria (feed-in pump head, plant minimum
flow, PN rating, minimum pressure, velocity, consumer Δp; local return temperature from the
base case) are evaluated on that model by bracketing and bisection, vectorised over the nodes
(``screen_case``). This ranks the nodes and seeds the search; it ignores thermal effects and
the quadratic growth of friction losses, so it is an estimate."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..checks import pipe_vmax
from ..physics import water
from ..solver.compile import BranchKind, PlantControl
from ..solver.hydraulic import branch_pressure_drop
from ..unit import design_feedin
from ..units import BAR

_SCREEN_GRID = 10  # geometric grid points of the screen before bisection
_SCREEN_BISECT = 10

class Linear:
    """Linear response of one base case to a unit feed-in flow at any node (see module doc).

    Unknowns as in the solver's global-gradient system: the Schur complement
    ``M = A_fᵀ diag(1/(∂Δp/∂ṁ)) A_f`` of the base case (SPD, one sparse LU per load case) maps a
    change of the nodal withdrawals to the pressures of the free nodes; a feed-in of ``m`` kg/s
    at node k withdraws ``m`` at ``k_r`` and injects it at ``k_s``. Consumers keep their flows,
    so the critical-point lift only shifts the supply side (exactly, when one plant controls).
    """

    def __init__(self, setup, case):
        comp, st, base, th = case.comp, case.state, case.base, setup.th
        self.th, self.spec = th, setup.spec
        n = comp.n_nodes
        fixed = np.unique(np.concatenate([comp.pl_ret, comp.pl_sup, comp.r_node]).astype(int))
        free = np.ones(n, dtype=bool)
        free[fixed] = False
        self.free = np.flatnonzero(free)
        self.pos = np.full(n, -1)
        self.pos[self.free] = np.arange(len(self.free))
        t = water.temperature_from_enthalpy(st.h)
        t_b = 0.5 * (t[comp.b_from] + t[comp.b_to])
        rho, mu = water.density(t_b), water.viscosity(t_b)
        _, ddp = branch_pressure_drop(comp, st.mdot_b, rho, mu)
        self.w = 1.0 / np.maximum(np.atleast_1d(ddp), 1e-12)
        self.a = comp.incidence.tocsr()
        self.at = comp.incidence.T.tocsr()
        af = self.a[:, self.free]
        mat = (af.T @ sp.diags(self.w) @ af).tocsc()
        eps = 1e-12 * max(float(np.max(mat.diagonal(), initial=1.0)), 1e-30)
        mat = (mat + sp.identity(mat.shape[0], format="csc") * eps).tocsc()
        # SPD: symmetric ordering without pivoting (many right-hand sides solve ~100× faster)
        self.lu = spla.splu(mat, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                            options={"SymmetricMode": True})
        self.index = pd.Index(comp.node_ids)
        self.p0 = st.p / BAR
        self.t_k = t
        cp = comp.pl_control == PlantControl.CRITICAL_POINT
        self.shift = bool(np.sum(cp) == 1)  # critical-point control moves the supply side
        on_sup = (comp.side == "supply") if self.shift else np.zeros(n, dtype=bool)
        self.sup_rows, self.oth_rows = np.flatnonzero(on_sup), np.flatnonzero(~on_sup)
        cons = base.consumers
        act = cons["mdot_kg_s"].to_numpy(float) > 0
        self.c_sup, self.c_ret = comp.c_sup[act], comp.c_ret[act]
        self.c_dpmin_ctrl = comp.c_dp_min_pa[act] / BAR
        self.c_lim = (np.full(act.sum(), th.dp_min_bar) if th.dp_min_bar is not None
                      else cons["dp_min_pa"].to_numpy(float)[act] / BAR)
        self.dpc0 = self.p0[self.c_sup] - self.p0[self.c_ret]
        # velocity (pipes only, as the checker), in mass-flow terms
        self.pipe_rows = np.flatnonzero(comp.branch_kind == BranchKind.PIPE)
        area = np.pi * comp.d_m**2 / 4
        self.v_per_m = (1.0 / (rho * area))[self.pipe_rows]
        self.m0 = st.mdot_b[self.pipe_rows]
        vmax = pipe_vmax(SimpleNamespace(thresholds=th, network_base=case.net),
                          comp.branch_ids[self.pipe_rows])
        self.vmax = vmax
        # pressure limits at the base temperatures
        j = base.junctions.reindex(self.index)
        self.p_lim_min = np.maximum(j["p_sat_pa"].to_numpy(float) / BAR + th.p_sat_margin_bar,
                                    th.p_min_bar)
        self.pl_sup = comp.pl_sup
        self.pl_m0 = base.plant["mdot_kg_s"].reindex(comp.pl_ids).to_numpy(float)
        design = np.array([case.design_flow.get(str(p), math.nan) for p in comp.pl_ids])
        self.pl_min = np.where(np.isfinite(design) & (design > 0),
                               np.maximum(th.plant_min_flow_fraction * design, 1e-12), -np.inf)
        # base-case margins: the checker's "pre-existing, not made worse" rule
        self.b_pmax = th.pn_bar - self.p0
        self.b_pmin = self.p0 - self.p_lim_min
        self.b_v = vmax - np.abs(self.m0 * self.v_per_m)
        self.pipe_pos = {b: k for k, b in enumerate(comp.branch_ids[self.pipe_rows])}

    def columns(self, ks: np.ndarray, kr: np.ndarray) -> dict:
        """Responses per unit feed-in flow, one column per node: pressures [bar/(kg/s)],
        pipe flows, plant flows and consumer Δp."""
        k = len(ks)
        rhs = np.zeros((len(self.free), k), order="F")
        cols = np.arange(k)
        ps, pr = self.pos[ks], self.pos[kr]
        np.add.at(rhs, (ps[ps >= 0], cols[ps >= 0]), 1.0)
        np.add.at(rhs, (pr[pr >= 0], cols[pr >= 0]), -1.0)
        s = np.zeros((len(self.pos), k))
        s[self.free] = self.lu.solve(rhs)
        v = self.w[:, None] * (self.a @ s)
        d_pl = (self.at @ v)[self.pl_sup] - (self.pl_sup[:, None] == ks[None, :])
        s /= BAR
        return {"s": s, "v": v[self.pipe_rows], "d_pl": d_pl, "ks": ks, "kr": kr,
                "dpc": s[self.c_sup] - s[self.c_ret], "head": s[ks, cols] - s[kr, cols]}

    def free_limit(self, c: dict):
        """Largest flow [kg/s] per column allowed by the criteria the lift does not touch
        (plant flow, velocity, pressures off the supply side), and the binding code."""
        th = self.th
        k = len(c["ks"])
        lims = []
        with np.errstate(divide="ignore", invalid="ignore"):
            d = c["d_pl"]
            room = (self.pl_m0 - self.pl_min)[:, None]
            r = np.where(d < 0, room / -d, np.inf)
            r = np.where(room <= 0, 0.0, r)
            lims.append((np.min(r, axis=0, initial=np.inf), "plant_min_flow"))
            so = c["s"][self.oth_rows]
            lims.append((_lin_limit(self.b_pmax[self.oth_rows], -so, self.b_pmax, 0.01),
                         "pressure_max"))
            lims.append((_lin_limit(self.b_pmin[self.oth_rows], so, self.b_pmin, 0.01),
                         "pressure_min"))
            lims.append((_abs_limit(self.m0, c["v"], self.vmax, self.v_per_m, self.b_v, 0.01),
                         "velocity"))
            if th.reversal_needs_action and not self.spec.allow_conditions:
                vs = th.v_stagnant_m_s / self.v_per_m
                mov = np.abs(self.m0) >= vs
                opp = np.sign(c["v"]) == -np.sign(self.m0)[:, None]
                r = np.where(mov[:, None] & opp,
                             (np.abs(self.m0) + vs)[:, None] / np.abs(c["v"]), np.inf)
                lims.append((np.min(r, axis=0, initial=np.inf), "flow_reversal"))
        m = np.full(k, np.inf)
        code = np.full(k, None, dtype=object)
        for lim, name in lims:
            better = lim < m
            m = np.where(better, lim, m)
            code = np.where(better, name, code)
        return m, code

    def evaluate(self, c: dict, m: np.ndarray):
        """Code of the violated lift-dependent criterion per column (None: permitted) and the
        pump head needed [bar] at feed-in flows ``m`` [kg/s]."""
        th, spec = self.th, self.spec
        dpc = self.dpc0[:, None] + c["dpc"] * m[None, :]
        delta = np.zeros(len(m))
        if self.shift and len(dpc):
            delta = np.max(self.c_dpmin_ctrl[:, None] - dpc, axis=0)
            dpc = dpc + delta[None, :]
        ks, kr = c["ks"], c["kr"]
        on_sup = np.isin(ks, self.sup_rows)
        head = (self.p0[ks] - self.p0[kr] + c["head"] * m + np.where(on_sup, delta, 0.0)
                + spec.template.station_losses_bar)
        limit = spec.template.pump_head_bar
        if not spec.allow_conditions:
            limit = min(limit, th.standard_pump_head_bar)
        code = np.full(len(m), None, dtype=object)
        code[head > limit] = "feedin_pump_head"
        if len(dpc):
            bad = (dpc - self.c_lim[:, None] < -1e-4).any(axis=0)
            code[(code == None) & bad] = "consumer_dp"  # noqa: E711 (elementwise)
        if len(self.sup_rows):
            p = (self.p0[self.sup_rows, None] + c["s"][self.sup_rows] * m[None, :]
                 + delta[None, :])
            for name, margin, base in (
                    ("pressure_max", th.pn_bar - p, self.b_pmax),
                    ("pressure_min", p - self.p_lim_min[self.sup_rows, None], self.b_pmin)):
                bad = _state_bad(margin, base[self.sup_rows], base, 0.01)
                code[(code == None) & bad] = name  # noqa: E711
        return code, head


def _state_bad(margin, base_rows, base_all, tol):
    """The checker's network-state rule per element: failing with the feed-in is a violation
    unless it fails already without it (pre-existing) and the worst margin gets no worse."""
    bad = ((margin < 0) & (base_rows >= 0)[:, None]).any(axis=0)
    if len(base_all) and np.min(base_all) < 0:
        bad |= (margin < float(np.min(base_all)) - tol).any(axis=0)
    return bad


def _lin_limit(a, b, base_all, tol):
    """Smallest flow at which a margin ``a + b·m`` breaks the network-state rule."""
    r = np.where((b < 0) & (a >= 0)[:, None], a[:, None] / -b, np.inf)
    lim = np.min(r, axis=0, initial=np.inf)
    if len(base_all) and np.min(base_all) < 0:
        target = float(np.min(base_all)) - tol
        r = np.where(b < 0, (a - target)[:, None] / -b, np.inf)
        lim = np.minimum(lim, np.maximum(np.min(r, axis=0, initial=np.inf), 0.0))
    return lim


def _abs_limit(m0, v, vmax, v_per_m, base, tol):
    """Smallest flow at which a pipe velocity |m0 + v·m|·v_per_m breaks the state rule."""

    def cross(u):
        return np.where(v > 0, (u - m0)[:, None] / v,
                        np.where(v < 0, (u + m0)[:, None] / -v, np.inf))

    ok = base >= 0
    r = np.where(ok[:, None], cross(vmax / v_per_m), np.inf)
    lim = np.min(r, axis=0, initial=np.inf)
    if len(base) and np.min(base) < 0:
        u = (vmax - (float(np.min(base)) - tol)) / v_per_m
        lim = np.minimum(lim, np.maximum(np.min(cross(u), axis=0, initial=np.inf), 0.0))
    return lim


def screen_case(setup, i: int, nodes: list[str]):
    """(max heat [W], binding code, pump head [bar]) per node in load case ``i``.

    Parameters
    ----------
    setup : Setup
        This process's setup.
    i : int
        Load case index.
    nodes : list of str
        Candidate nodes.

    Returns
    -------
    tuple of ndarray
        Screened capacity [W], binding check code (None: the search limit) and pump head
        needed [bar] per node.
    """
    lin = setup.linear(i)
    case = setup.cases[i]
    q_max = setup.spec.q_max_w
    k = len(nodes)
    if lin is None:
        return np.full(k, q_max), np.full(k, None, dtype=object), np.full(k, math.nan)
    ks = lin.index.get_indexer([setup.pairs[n][0] for n in nodes])
    kr = lin.index.get_indexer([setup.pairs[n][1] for n in nodes])
    c = lin.columns(ks, kr)
    # feed-in flow per watt at the base local return temperature (ṁ = Q / Δh)
    design = design_feedin(setup.unit_at(nodes[0], q_max), case.required_c, None)
    t_in = np.minimum(lin.t_k[kr], design.t_out_k - 1.0)
    per_w = 1.0 / (water.enthalpy(design.t_out_k) - water.enthalpy(t_in))
    too_warm = lin.t_k[kr] > design.max_inlet_k + 1e-9
    m_free, codes = lin.free_limit(c)
    m_top = np.minimum(per_w * q_max, m_free)
    m_top = np.where(np.isfinite(m_top), m_top, per_w * q_max)
    # bracketing on a geometric grid, then bisection, of the lift-dependent criteria
    grid = np.geomspace(min(setup.spec.tol_w / q_max, 1.0), 1.0, _SCREEN_GRID)
    first_bad = np.full(k, -1)
    for g_i, g in enumerate(grid):
        code, _ = lin.evaluate(c, m_top * g)
        new = (first_bad < 0) & (code != None)  # noqa: E711
        first_bad[new] = g_i
        codes = np.where(new, code, codes)
    lo = np.where(first_bad > 0, grid[np.maximum(first_bad - 1, 0)], 0.0)
    lo = np.where(first_bad < 0, 1.0, lo)
    hi = np.where(first_bad >= 0, grid[np.maximum(first_bad, 0)], 1.0)
    todo = first_bad > 0
    for _ in range(_SCREEN_BISECT if todo.any() else 0):
        mid = 0.5 * (lo + hi)
        code, _ = lin.evaluate(c, m_top * mid)
        bad = todo & (code != None)  # noqa: E711
        hi = np.where(bad, mid, hi)
        codes = np.where(bad, code, codes)
        lo = np.where(todo & ~bad, mid, lo)
    m = m_top * lo
    q = np.where(too_warm, 0.0, np.minimum(m / per_w, q_max))
    codes = np.where(too_warm, "feedin_return_temperature", codes)
    codes = np.where((q >= q_max) & ~too_warm, None, codes)
    _, head = lin.evaluate(c, q * per_w)
    return q, codes, head

