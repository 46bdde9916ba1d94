"""Coupled Newton on flows, pressures and temperatures together (meshed networks).

The outer iteration of ``native`` alternates hydraulics (for fixed temperatures) and the energy
balance (for fixed flows). Where the two are strongly coupled — consumers whose flow follows
their supply temperature, near-stagnant parts whose temperature follows their flow, water
columns whose weight follows their temperature — that fixed point converges linearly, 10–40
outer iterations each with a hydraulic Newton solve. Here all three sets of equations are solved
at once, with Newton's method on

    head per branch    Δp_fric(ṁ_b, T) + ρ_b(T) g Δz − (p_from − p_to) = 0
    mass per free node −(Aᵀ ṁ)_n − d_n(h) = 0        (consumer / feed-in flows follow h)
    energy per node    diag(ṁ)·h + offdiag(ṁ)·h − rhs(ṁ, h) = 0      (``thermal.EnergySystem``)

and a Jacobian that carries the couplings: d head/d h (the water column's density at the
content temperature of the branch), d d_n/d h (consumer ṁ = Q/(h_s − h_r) and feed-in
ṁ = Q/(h_out − h_in)), d energy/d ṁ (each pipe's inflow and its heat-loss decay
a = exp(−UL/(|ṁ| c_p)), with |ṁ|·da/d|ṁ| = −a ln a; the held-pressure nodes' injections) and
d energy/d h (the energy balance's own matrix and the consumer outlets). The branch flows are
eliminated with the diagonal head derivative (as in the global gradient algorithm), leaving one
sparse system in (Δp of the free nodes, Δh of all nodes) per step, factorised once (below).
Flow directions, consumer clamps and the decay's c_p are held within a step; a
non-monotone line search on a merit that weighs head [Pa], mass [kg/s] and heat-weighted
temperature [K] residuals keeps the steps safe; the critical-point lift is corrected between
steps as in the outer iteration.

Used, with ``SolverOptions.coupled_newton``, for warm starts of networks with loops
(``native.solve_compiled``; annual hours, site trials, sweeps: a nearby solved state, where
Newton converges quadratically — typically 3–6 steps where the outer iteration needs 10–20).
Not the default: replayed on the same inputs, the warm solves of the meshed annual benchmark
took 2,436 instead of 3,984 outer iterations but 22.8 instead of 18.7 s CPU, and those of a
site search 1,131 instead of 1,507 iterations but 16.1 instead of 12.6 s — a Newton step (one
KLU factorisation of the unsymmetric coupled matrix, its assembly, the line search) costs more
than the outer iterations it saves, and Newton settles in only about half of the starts.

Its state then starts the outer iteration, which confirms it with its own convergence tests in
one iteration: the answer and the convergence criteria stay the outer iteration's. When Newton
does not settle (a near-stagnant branch whose flow flips back and forth across the kink of the
upwind energy balance, no halving of the merit in ``PATIENCE`` steps, a singular system) the
outer iteration starts from the original start. Cold starts go straight to the outer iteration:
from the linear start the flow pattern changes too much for Newton's local model.

The linear system is unsymmetric (the energy balance's upwinding) and strongly coupled where
it matters — block Gauss–Seidel on it diverges there, and Krylov solvers preconditioned by its
blocks need ~100 iterations — so it is factorised directly: KLU (SuiteSparse's LU for the
sparse unsymmetric matrices of circuits and networks, through PyKLU) when installed, ≈ 5×
faster than SuperLU on these matrices, else SuperLU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..physics import water
from ..units import G
from .compile import ConsumerControl, FeedinControl, PlantControl
from .elements import (
    apply_lift_change,
    critical_point_update,
    element_flows,
    energy_flows,
    nodal_demand,
)
from .hydraulic import branch_pressure_drop
from .linear import sparse_lu
from .thermal import EPS_FLOW, energy_system, property_temperature

# steps without the merit halving after which Newton gives up (the outer iteration goes on)
PATIENCE = 5


@dataclass
class CoupledOutcome:
    """What the coupled Newton reached: branch flows [kg/s], pressures [Pa], enthalpies
    [J/kg], plant lifts [Pa]; ``converged``; Newton steps; per step (head residual [Pa], mass
    residual [kg/s], energy residual [K])."""

    mdot: np.ndarray
    p: np.ndarray
    h: np.ndarray
    lift: np.ndarray
    converged: bool
    steps: int
    history: list


def every_part_held(comp, fixed: np.ndarray) -> bool:
    """Does every connected part of the network hold a pressure at one of ``fixed``?"""
    n = comp.n_nodes
    graph = sp.csr_matrix((np.ones(comp.n_branches), (comp.b_from, comp.b_to)), shape=(n, n))
    _, part = csgraph.connected_components(graph, directed=False)
    return bool(np.all(np.isin(np.unique(part), part[fixed])))


class CoupledNewton:
    """Newton on (ṁ, p, h) of one compiled network with its hydraulic system ``hyd``
    (``hydraulic.HydraulicSystem``: the free nodes, the Schur pattern, the residuals) and the
    property model class ``props_cls`` (``native.BranchProperties``)."""

    def __init__(self, comp, hyd, props_cls, fixed, t_bounds, weights_fn):
        self.comp, self.hyd, self.props_cls = comp, hyd, props_cls
        self.fixed = fixed
        self.t_lo, self.t_hi = t_bounds
        self.weights_fn = weights_fn
        n, nb = comp.n_nodes, comp.n_branches
        self.n, self.nb = n, nb
        self.a_full = comp.incidence.tocsr()  # nb × n
        self.free = hyd.free
        self.nf = len(self.free)
        self.pos = np.full(n, -1, dtype=np.int64)  # node → its index among the free nodes
        self.pos[self.free] = np.arange(self.nf)
        self.scale_m = None

    # -- residuals --------------------------------------------------------------------------
    def evaluate(self, m, p, h):
        """Residuals and everything the Jacobian needs at (ṁ, p, h)."""
        comp = self.comp
        t = water.temperature_from_enthalpy(h)
        fl = element_flows(comp, t, h)
        demand = nodal_demand(comp, fl)
        props = self.props_cls(comp, t)
        head, mass, slopes = self.hyd.residuals(m, p, demand, props)
        flows = energy_flows(comp, m, demand, fl)
        es = energy_system(comp, m, t, flows)
        r_e = es.residual(h)
        cp = water.heat_capacity(t)
        w = self.weights_fn(comp, m, fl)
        r_t = r_e / (np.maximum(es.diag, 1e-300) * cp)  # [K]
        return dict(t=t, fl=fl, flows=flows, head=head, mass=mass, slope=slopes[0], es=es,
                    r_e=r_e, r_t=r_t, w=w, cp=cp, scale_m=float(np.abs(demand).sum()))

    @staticmethod
    def sizes(ev) -> tuple[float, float, float]:
        """Largest head residual [Pa], mass residual [kg/s] and heat-weighted energy residual
        [K] of an ``evaluate`` (``native._heat_weights``: near-stagnant nodes count little)."""
        return (float(np.max(np.abs(ev["head"]), initial=0.0)),
                float(np.max(np.abs(ev["mass"]), initial=0.0)),
                float(np.max(np.abs(ev["r_t"]) * ev["w"], initial=0.0)))

    def merit(self, ev) -> float:
        """Size of the residuals of an ``evaluate``: head per kPa + mass per 10⁻⁶ of the
        withdrawals + energy in K (``sizes``)."""
        a, b, c = self.sizes(ev)
        if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(c)):
            return np.inf
        return a / 1e3 + b / (1e-6 * self.scale_m) + c

    # -- Jacobian ---------------------------------------------------------------------------
    def step(self, m, p, h, ev):
        """The Newton step (Δṁ, Δp of the free nodes, Δh) at (ṁ, p, h).

        With W = diag(1 / (d head/d ṁ)) the branch flows are eliminated,
        Δṁ = W (−r_head + A_f Δp − J_mh Δh), leaving

            [S  −B] [Δp]   [r_mass + A_fᵀ W r_head  ]     S = A_fᵀ W A_f (GGA's Schur matrix)
            [C   D] [Δh] = [−r_energy + J_em W r_head]     B = A_fᵀ W J_mh − J_dh
                                                          C = J_em W A_f
                                                          D = J_eh − J_em W J_mh

        assembled entry by entry (no sparse products) and solved by one sparse LU.
        """
        comp, n, nf = self.comp, self.n, self.nf
        if not np.all(np.isfinite(ev["slope"]) & (ev["slope"] != 0)):
            raise RuntimeError("a branch without a head derivative")
        wb = 1.0 / ev["slope"]
        c1, v1, c2, v2 = self._column_weight(m, ev)  # J_mh: ≤ 2 entries per branch
        j_dh, j_em, j_eh = self._energy_couplings(m, h, ev)
        pos = self.pos
        fr, to = pos[comp.b_from], pos[comp.b_to]
        rows, cols, vals = [], [], []

        def add(r, c, v, keep=None):
            if keep is not None:
                r, c, v = r[keep], c[keep], v[keep]
            rows.append(r)
            cols.append(c)
            vals.append(v)

        s_coo = self.hyd.schur_matrix(wb).tocoo()
        add(s_coo.row, s_coo.col, s_coo.data)
        # −B: −A_fᵀ W J_mh + J_dh (rows of free nodes)
        for cc, vv in ((c1, v1), (c2, v2)):
            wv = wb * vv
            add(fr, nf + cc, -wv, fr >= 0)
            add(to, nf + cc, wv, to >= 0)
        r, c, v = j_dh
        add(pos[r], nf + c, v, pos[r] >= 0)
        # C: J_em W A_f;  D: J_eh − J_em W J_mh
        er, eb, ev_ = j_em
        ew = ev_ * wb[eb]
        add(nf + er, fr[eb], ew, fr[eb] >= 0)
        add(nf + er, to[eb], -ew, to[eb] >= 0)
        add(nf + er, nf + c1[eb], -ew * v1[eb])
        add(nf + er, nf + c2[eb], -ew * v2[eb])
        r, c, v = j_eh
        add(nf + r, nf + c, v)
        big = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(nf + n, nf + n))
        r_head = ev["head"]
        w_head = wb * r_head
        rhs1 = ev["mass"] + self.hyd.a_free_t @ w_head
        rhs2 = -ev["r_e"] + np.bincount(er, ev_ * w_head[eb], n)
        x = sparse_lu(big)(np.concatenate([rhs1, rhs2]))
        dpf, dh = x[:nf], x[nf:]
        dm = wb * (-r_head + self.hyd.a_free @ dpf - v1 * dh[c1] - v2 * dh[c2])
        return dm, dpf, dh

    def _column_weight(self, m, ev):
        """d head_b / d h as two (column, value) pairs per branch: friction (ρ and μ) and the
        water column's weight ρ g Δz at the content temperature, which follows the upstream
        node (a lossy branch, by the mean factor of its exponential profile) or both ends
        (half each). The friction's temperature derivative is a difference over 0.5 K."""
        comp, t, cp = self.comp, ev["t"], ev["cp"]
        t_b, _ = property_temperature(comp, m, t)
        up = np.where(m >= 0, comp.b_from, comp.b_to)
        t_soil = comp.t_soil_k
        d_up = t[up] - t_soil
        big_d = np.abs(d_up) > 1e-9
        factor = np.where(big_d, (t_b - t_soil) / np.where(big_d, d_up, 1.0), 1.0)
        rho0, rho1 = water.density(t_b), water.density(t_b + 0.5)
        dp0, _ = branch_pressure_drop(comp, m, rho0, water.viscosity(t_b))
        dp1, _ = branch_pressure_drop(comp, m, rho1, water.viscosity(t_b + 0.5))
        d_dt = (dp1 - dp0 + (rho1 - rho0) * G * comp.dz_m) / 0.5  # d head / d T_content
        lossy = comp.u_w_per_mk * comp.length_m > 0
        c1 = np.where(lossy, up, comp.b_from)
        c2 = np.where(lossy, up, comp.b_to)
        v1 = np.where(lossy, d_dt * factor / cp[up], 0.5 * d_dt / cp[comp.b_from])
        v2 = np.where(lossy, 0.0, 0.5 * d_dt / cp[comp.b_to])
        return c1, v1, c2, v2

    def _energy_couplings(self, m, h, ev):
        """(J_dh, J_em, J_eh) as (rows, cols, values): d withdrawal/d h (consumer flows
        follow their supply, feed-in flows their inlet), d energy/d ṁ (each pipe's inflow
        and decay at its downstream node, the held nodes' injections) and d energy/d h (the
        balance's own matrix, plus the consumer and feed-in flows following h)."""
        comp, fl, es = self.comp, ev["fl"], ev["es"]
        h_s = h[comp.c_sup]
        tr = (comp.c_control == ConsumerControl.T_RETURN) & ~fl["c_clamped"]
        h_out_f = water.enthalpy(comp.f_t_out_k)
        fq = (comp.f_control == FeedinControl.Q) & ~fl["f_clamped"]
        with np.errstate(divide="ignore", invalid="ignore"):
            dmc = np.where(tr, -fl["m_c"] / (h_s - fl["c_h_out"]), 0.0)
            dmf = np.where(fq, fl["m_f"] / (h_out_f - h[comp.f_ret]), 0.0)
        dmc = np.where(np.isfinite(dmc), dmc, 0.0)
        dmf = np.where(np.isfinite(dmf), dmf, 0.0)
        j_dh = (np.concatenate([comp.c_sup, comp.c_ret, comp.f_sup, comp.f_ret]),
                np.concatenate([comp.c_sup, comp.c_sup, comp.f_ret, comp.f_ret]),
                np.concatenate([dmc, -dmc, -dmf, dmf]))
        # pipes: ∂/∂|ṁ| of |ṁ| (h_down − a h_up − (1 − a) h_soil), |ṁ| ∂a/∂|ṁ| = −a ln a
        a = es.a
        with np.errstate(divide="ignore", invalid="ignore"):
            a_ln_a = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0)), 0.0)
        h_up, h_dn = h[es.up], h[es.down]
        dab = h_dn - a * h_up - (1 - a) * es.h_soil_b + a_ln_a * (h_up - es.h_soil_b)
        em = [(es.down, np.arange(self.nb), np.where(m >= 0, 1.0, -1.0) * dab)]
        # held nodes: injection (Aᵀ ṁ + d)_k at the source's enthalpy, ∂/∂ṁ_b = A[b, k]
        flows = ev["flows"]
        for nodes, inflow, t_src in ((comp.pl_sup, flows["pl_in"], comp.pl_t_supply_k),
                                     (comp.r_node, flows["r_in"], flows["r_t_k"])):
            act = inflow > EPS_FLOW
            if not np.any(act):
                continue
            sub = self.a_full[:, nodes[act]].tocoo()
            dh_src = h[nodes[act]] - water.enthalpy(t_src[act])
            em.append((nodes[act][sub.col], sub.row, sub.data * dh_src[sub.col]))
        j_em = tuple(np.concatenate(x) for x in zip(*em, strict=True))
        h_out_c = np.where(fl["c_fixed_h"], fl["c_h_out"], h_s - fl["c_dh"])
        every = np.arange(self.n)
        j_eh = (np.concatenate([every, es.rows, comp.c_ret, comp.f_sup]),
                np.concatenate([every, es.cols, comp.c_sup, comp.f_ret]),
                np.concatenate([es.diag, es.vals, (h[comp.c_ret] - h_out_c) * dmc,
                                (h[comp.f_sup] - h_out_f) * dmf]))
        return j_dh, j_em, j_eh

    # -- Newton -----------------------------------------------------------------------------
    def solve(self, m, p, h, lift, p_fixed_fn, max_steps=12, tol_p=1e-3, tol_m_rel=1e-9,
              tol_t=1e-7):
        """Newton from (ṁ, p, h) with plant lifts ``lift``; ``p_fixed_fn(lift)`` gives the held
        nodes' pressures. Converged when heads are within ``tol_p`` [Pa], the mass balance
        within ``tol_m_rel`` of the withdrawals and the heat-weighted energy balance within
        ``tol_t`` [K]."""
        comp = self.comp
        m, p, h, lift = m.copy(), p.copy(), h.copy(), lift.copy()
        p[self.fixed] = p_fixed_fn(lift)
        ev = self.evaluate(m, p, h)
        self.scale_m = max(1.0, ev["scale_m"])
        merit = self.merit(ev)
        recent, hist = [merit], []
        h_lo, h_hi = water.enthalpy(self.t_lo), water.enthalpy(self.t_hi)
        critical = comp.pl_control == PlantControl.CRITICAL_POINT
        last_flips = last_back = np.empty(0, dtype=np.int64)
        for k in range(1, max_steps + 1):
            try:
                dm, dpf, dh = self.step(m, p, h, ev)
            except RuntimeError:  # singular system
                return CoupledOutcome(m, p, h, lift, False, k - 1, hist)
            if not (np.all(np.isfinite(dm)) and np.all(np.isfinite(dh))):
                return CoupledOutcome(m, p, h, lift, False, k - 1, hist)
            ref = max(recent[-4:])
            step = 1.0
            for _ in range(6):
                m_t = m + step * dm
                p_t = p.copy()
                p_t[self.free] += step * dpf
                h_t = np.clip(h + step * dh, h_lo, h_hi)
                ev_t = self.evaluate(m_t, p_t, h_t)
                merit_t = self.merit(ev_t)
                if merit_t <= ref or step < 0.05:
                    break
                step *= 0.5
            flips = np.flatnonzero((np.sign(m_t) != np.sign(m)) & (m != 0))
            # the same branch reversing in consecutive steps, twice in a row
            back = np.intersect1d(flips, last_flips)
            cycling = back.size > 0 and np.intersect1d(back, last_back).size > 0
            last_flips, last_back = flips, back
            m, p, h, ev, merit = m_t, p_t, h_t, ev_t, merit_t
            d_lift = critical_point_update(comp, p, ev["fl"]["m_c"])
            if np.any(critical) and abs(d_lift) > 1e-3:
                # the critical-point control: the lift and with it the held pressures (and,
                # with one such plant, the whole supply side) move; only the heads change
                lift, p_new = apply_lift_change(comp, lift, p, d_lift)
                p_new[self.fixed] = p_fixed_fn(lift)
                ev = dict(ev, head=ev["head"] - self.a_full @ (p_new - p))
                p = p_new
                merit = self.merit(ev)
            recent.append(merit)
            hp, hm, ht = self.sizes(ev)
            hist.append((hp, hm, ht))
            if (hp < tol_p and hm < tol_m_rel * self.scale_m and ht < tol_t
                    and abs(d_lift) <= 0.01):
                return CoupledOutcome(m, p, h, lift, True, k, hist)
            # give up early where Newton cannot settle: a branch flow flipping back and forth
            # (the upwind energy balance has a kink at zero flow), or no halving of the merit
            # in ``PATIENCE`` steps — the outer iteration handles those states
            if (not np.isfinite(merit) or cycling
                    or (k >= PATIENCE and merit > 0.5 * recent[-PATIENCE])):
                return CoupledOutcome(m, p, h, lift, False, k, hist)
        return CoupledOutcome(m, p, h, lift, False, max_steps, hist)
