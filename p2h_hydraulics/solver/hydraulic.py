"""Hydraulics: global gradient algorithm (Todini–Pilati, as in EPANET) on mass flows.

Unknowns: branch mass flows ṁ [kg/s] and gauge pressures p [Pa] of the free nodes; nodes whose
pressure is held (plants, pressure references) are fixed. Per branch b (from i to j)

    p_i − p_j = Δp_fric(ṁ_b) + ρ_b g (z_j − z_i)      (a pump: −lift(ṁ_b/ρ_b) instead of Δp_fric)

and per free node: inflow − outflow = withdrawal d_n (fixed-flow elements). Each Newton step
solves the Schur complement (Aᵀ D⁻¹ A) Δp = r — a sparse SPD matrix whose pattern is assembled
once — with SuperLU, then updates ṁ. Residual history is kept for diagnostics. When every
connected part holds a pressure and there are at most ``tree.MAX_LOOPS`` loops, the spanning
forest is used instead (``tree.py``): without loops the exact solution in two passes, with a
few Newton on the loop flows alone (``_solve_loops``) — falling back to the above for the rest
of a solve when that stalls (near-stagnant hilly loops, whose buoyancy GGA's freezing handles).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse import csgraph

from ..errors import ModelError
from ..physics import pump
from ..physics.friction import pressure_drop_pipe
from ..units import G
from . import hydraulic_kernels
from .linear import ReusedLU, SparseCholesky, unique_inverse
from .tree import MAX_LOOPS, TreeHydraulics

# the hydraulic methods (``HydraulicSystem.use_method``, ``SolverOptions.hydraulic_method``)
METHODS = ("auto", "tree", "loop_flows", "gga")


@dataclass
class HydraulicOutcome:
    """Result of one hydraulic solve."""

    mdot: np.ndarray
    p: np.ndarray
    converged: bool
    iterations: int
    history: list = field(default_factory=list)  # (max mass residual kg/s, max head residual Pa)
    worst_node: int = -1
    worst_branch: int = -1
    stalled: bool = False  # accepted at the stalled-progress tolerance (see ``solve``)


def branch_pressure_drop(comp, mdot, rho, mu):
    """(Δp [Pa] from → to without the water column, dΔp/dṁ [Pa s/kg]) per branch: friction
    and minor losses (``friction.pressure_drop_pipe``) minus the lift of pumps on their head
    curve (``physics.pump``; their Newton slope is kept ≥ ``SLOPE_FLOOR_PA_S_PER_KG``)."""
    # one compiled loop over the branches (``hydraulic_kernels``), the array version without numba
    out = hydraulic_kernels.pressure_drop(mdot, comp.length_m, comp.d_m, comp.roughness_m, rho,
                                          mu, comp.zeta, comp.friction_law)
    dp, ddp = out if out is not None else pressure_drop_pipe(
        mdot, comp.length_m, comp.d_m, comp.roughness_m, rho, mu, comp.zeta,
        law=comp.friction_law)
    dp, ddp = np.atleast_1d(dp), np.atleast_1d(ddp)
    if len(comp.pump_b):
        b = comp.pump_b
        r = np.broadcast_to(np.asarray(rho, dtype=float), np.shape(mdot))[b]
        lift, dlift_dv = pump.lift(np.asarray(mdot, dtype=float)[b] / r, comp.pump_curve)
        dp, ddp = dp.copy(), ddp.copy()
        dp[b] = -lift
        ddp[b] = np.maximum(-dlift_dv / r, pump.SLOPE_FLOOR_PA_S_PER_KG)
    return dp, ddp


class HydraulicSystem:
    """Pre-assembled structure for repeated hydraulic solves on one topology."""

    def __init__(self, comp, fixed_nodes: np.ndarray):
        n = comp.n_nodes
        self.comp = comp
        self.fixed = np.asarray(fixed_nodes, dtype=np.int64)
        is_free = np.ones(n, dtype=bool)
        is_free[self.fixed] = False
        self.free = np.flatnonzero(is_free)
        nf = len(self.free)
        pos = np.full(n, -1, dtype=np.int64)
        pos[self.free] = np.arange(nf)
        self.a_free = comp.incidence[:, self.free].tocsr()
        self.a_free_t = self.a_free.T.tocsr()
        self.a_full_t = comp.incidence.T.tocsr()
        fi, ti = pos[comp.b_from], pos[comp.b_to]
        b = np.arange(comp.n_branches)
        both = (fi >= 0) & (ti >= 0)
        rows = np.concatenate([fi[fi >= 0], ti[ti >= 0], fi[both], ti[both]])
        cols = np.concatenate([fi[fi >= 0], ti[ti >= 0], ti[both], fi[both]])
        self._bidx = np.concatenate([b[fi >= 0], b[ti >= 0], b[both], b[both]])
        self._sign = np.concatenate([np.ones((fi >= 0).sum() + (ti >= 0).sum()),
                                     -np.ones(2 * both.sum())])
        key = rows * max(nf, 1) + cols
        uniq, self._inv = unique_inverse(key)
        self._indices = (uniq % max(nf, 1)).astype(np.int32)
        r = uniq // max(nf, 1)
        self._indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=nf))]).astype(
            np.int32)
        self._nnz = len(uniq)
        self.n_free = nf
        self.linear = ReusedLU(permc_spec="MMD_AT_PLUS_A", tol=1e-10, symmetric=True)
        # indefinite Schur matrix (a branch whose buoyancy outweighs its friction): pivoting LU
        self.linear_indefinite = ReusedLU(permc_spec="MMD_AT_PLUS_A", tol=1e-10)
        self.cholesky = (SparseCholesky(self._indptr, self._indices, nf)
                         if nf > 0 and SparseCholesky.available() else None)
        self.ldl = None  # LDLᵀ factor for indefinite matrices, made on first need
        self._work = None  # the Schur matrix object ``_schur_work`` refills
        # every part holding a pressure, few loops: on the spanning forest (``tree.py``)
        self.tree = TreeHydraulics.build(n, comp.b_from, comp.b_to, self.fixed)
        self.loops_stalled = False
        self.method = "auto"  # ``use_method``

    @classmethod
    def for_network(cls, comp, fixed_nodes: np.ndarray, method: str = "auto") -> HydraulicSystem:
        """The system of ``comp`` with ``fixed_nodes`` held, kept in its workspace
        (``comp.workspace``, ``workspace.py``): the copies a sweep makes of one compiled
        network (other loads, feed-ins, soil; same topology and branches) share the Schur
        pattern and the Cholesky analysis. The factor reuse of the pivoting LU starts afresh,
        so a solve gives what a new system would. One per thread (the factors are working
        storage). ``method``: the hydraulic method of the next solves (``use_method``)."""
        fixed = np.asarray(fixed_nodes, dtype=np.int64)
        key = (threading.get_ident(), fixed.tobytes())
        hyd = comp.workspace.hydraulic_system(key, lambda: cls(comp, fixed))
        hyd.comp = comp
        hyd.linear.lu = hyd.linear_indefinite.lu = None
        hyd.loops_stalled = False
        hyd.use_method(method)
        return hyd

    def use_method(self, method: str) -> None:
        """Choose the hydraulic method of the next solves (``SolverOptions.hydraulic_method``).

        Parameters
        ----------
        method : str
            "auto" (the spanning forest when it applies — directly without loops, Newton on
            the loop flows with up to ``tree.MAX_LOOPS`` loops, Newton–GGA when that stalls —
            else Newton–GGA), "tree" (the direct solution; networks without loops only),
            "loop_flows" (Newton on the loop flows, no fallback; a network without loops is
            solved directly) or "gga" (Newton–GGA on all junctions).

        Raises
        ------
        ModelError
            When the forced method does not apply to this network.
        """
        if method not in METHODS:
            raise ValueError(f"hydraulic_method must be one of {', '.join(METHODS)}, "
                             f"got {method!r}")
        if method in ("tree", "loop_flows") and (
                self.tree is None or (method == "tree" and self.tree.loops is not None)):
            loops = _independent_loops(self.comp)
            need = ("a network without loops" if method == "tree" else
                    f"a network with at most {MAX_LOOPS} loops")
            raise ModelError(
                f"hydraulic_method={method!r} needs {need} in which every connected part "
                f"holds a pressure (and numba installed); this network has {loops} "
                f"independent loop(s): use 'auto' or 'gga'"
                + ("" if method == "tree" else " (or 'loop_flows' with fewer loops)"))
        self.method = method

    def _data(self, w: np.ndarray) -> np.ndarray:
        """CSC values of the Schur matrix Aᵀ diag(w) A on the fixed pattern."""
        return np.bincount(self._inv, weights=w[self._bidx] * self._sign, minlength=self._nnz)

    def schur_matrix(self, w: np.ndarray) -> sp.csc_matrix:
        """The Schur matrix Aᵀ diag(w) A of the free nodes (CSC, on the fixed pattern)."""
        return sp.csc_matrix((self._data(w), self._indices, self._indptr),
                             shape=(self.n_free,) * 2)

    def _schur_work(self, w: np.ndarray) -> sp.csc_matrix:
        """``schur_matrix(w)`` in a matrix object reused from call to call (working storage of
        ``_solve_schur``: only its values change, so scipy's checks are done once)."""
        if self._work is None:
            self._work = self.schur_matrix(w)
        else:
            self._work.data = self._data(w)
        return self._work

    def _solve_schur(self, w: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        """Δp of the free nodes for the Schur matrix Aᵀ diag(w) A: CHOLMOD Cholesky when every
        w > 0; when a branch's buoyancy outweighs its friction (w < 0, indefinite) CHOLMOD's
        LDLᵀ if its residual is ≤ 1e-9, else SuperLU's pivoting LU; least squares for a
        singular matrix."""
        if self.cholesky is not None and np.all(w > 0):
            try:
                return self.cholesky.solve(self._data(w), rhs)
            except ArithmeticError:  # not positive definite after all: an island, round-off
                pass
        mat = self._schur_work(w)
        if self.cholesky is not None and not np.all(w > 0):
            # indefinite: LDLᵀ without pivoting, kept only if its residual is small
            if self.ldl is None:
                self.ldl = SparseCholesky(self._indptr, self._indices, self.n_free, ldl=True)
            try:
                x = self.ldl.solve(mat.data, rhs)
                scale = float(np.max(np.abs(rhs), initial=0.0)) or 1.0
                if np.all(np.isfinite(x)) and np.max(np.abs(mat @ x - rhs)) <= 1e-9 * scale:
                    return x
            except ArithmeticError:
                pass
        try:
            lin = self.linear if np.all(w > 0) else self.linear_indefinite
            return lin.solve(mat, rhs)
        except RuntimeError:  # singular: an island without a held pressure
            return spla.lsqr(mat, rhs)[0]

    def linear_start(self, p0, demand, rho, mu, v_ref=1.0):
        """Cold-start flows [kg/s] and pressures [Pa]: the flow distribution of a linear
        network whose branch resistances are the friction slopes at ``v_ref`` [m/s] (one GGA
        step from zero flow, elevation ignored). It meets every junction's mass balance and
        splits flow in loops roughly by conductance — exact in a tree — so Newton starts
        close to the answer instead of from a uniform velocity."""
        c = self.comp
        m_ref = v_ref * rho * np.pi * c.d_m**2 / 4
        _, slope = branch_pressure_drop(c, m_ref, rho, mu)
        w = 1.0 / np.maximum(np.atleast_1d(slope), 1e-12)
        p = np.array(p0, dtype=float)
        head0 = -(c.incidence @ p)
        rhs = -demand[self.free] + self.a_free_t @ (w * head0)
        dpf = self._solve_schur(w, rhs)
        p[self.free] += dpf
        return w * (c.incidence @ p), p

    def residuals(self, mdot, p, demand, props):
        """(head residual per branch [Pa], mass residual per free node [kg/s], d head/d ṁ).

        ``props(mdot)`` gives each branch's (ρ, μ, dρ/dṁ): the fluid properties may depend on
        the branch's own flow (the temperature of a near-stagnant pipe's content does), and
        the weight of its water column then enters the Newton derivative. That derivative is
        returned twice: as is (``|d| ≥ 10 %`` of the friction slope, so never singular; a
        negative slope — buoyancy outweighing friction — makes the Schur matrix indefinite) and
        clamped to ≥ 10 % of the friction slope (a descent direction when Newton stalls).
        """
        c = self.comp
        rho, mu, drho_dm = props(mdot)
        dp, ddp = branch_pressure_drop(c, mdot, rho, mu)
        out = hydraulic_kernels.residual_terms(dp, ddp, rho, drho_dm, c.dz_m, G, p, c.b_from,
                                               c.b_to, mdot, self.a_free_t, demand,
                                               self.free)  # compiled
        if out is not None:
            return out
        total = ddp + drho_dm * G * c.dz_m
        signed = _newton_slope(total, ddp)
        head = dp + rho * G * c.dz_m - c.incidence @ p
        mass = -(self.a_free_t @ mdot) - demand[self.free]
        return head, mass, (signed, np.maximum(total, 0.1 * ddp))

    def solve(self, mdot0, p0, demand, props, tol_m=1e-9, tol_p=1e-3,
              max_iter=60, tol_p_stalled=10.0, allow_freeze=False,
              tol_p_start=None) -> HydraulicOutcome:
        """Newton–GGA from (mdot0, p0); ``p0`` holds the fixed pressures at fixed nodes;
        ``props`` maps branch flows to (ρ, μ, dρ/dṁ) per branch (see ``residuals``;
        ``props.rows(rows, sub)`` the same for the branches ``rows`` alone, as
        ``native.BranchProperties`` does).

        Converged when the mass residual is below ``tol_m`` (relative to the total fixed
        flow) and every branch's head residual below ``tol_p`` [Pa]. Natural convection in a
        near-stagnant hilly loop can leave a few branches whose buoyancy changes much faster
        with their own flow than friction does; when Newton stops making progress there, the
        solve is accepted if the mass balance is met and the largest head residual is below
        ``tol_p_stalled`` [Pa] (1e-4 bar by default, pandapipes' own pressure tolerance);
        otherwise, with ``allow_freeze``, the properties of the stuck branches are frozen at
        their current flow (``props.freeze``) and Newton continues on the resulting
        well-posed problem — the outer iteration updates them. ``tol_p_start`` (default
        ``tol_p``): at least one Newton step is taken unless the start already meets it (an
        inexact outer iteration still moves the hydraulics towards its new properties).
        """
        forest = self.tree is not None and self.method != "gga"
        if forest and self.tree.loops is None:
            return self._solve_tree(p0, demand, props)
        if forest and not self.loops_stalled:
            out = self._solve_loops(mdot0, p0, demand, props, tol_p,
                                    tol_p if tol_p_start is None else min(tol_p, tol_p_start),
                                    max_iter)
            if out is not None:
                return out
            if self.method == "loop_flows":  # forced: no fallback
                return HydraulicOutcome(np.array(mdot0, dtype=float), np.array(p0, dtype=float),
                                        False, max_iter)
            self.loops_stalled = True  # near-stagnant hilly loops: Newton–GGA from now on
        m = np.array(mdot0, dtype=float)
        p = np.array(p0, dtype=float)
        scale_m = max(1.0, float(np.abs(demand).sum()))
        hist = []
        if self.n_free == 0 or self.comp.n_branches == 0:
            head, mass, ddp = self.residuals(m, p, demand, props)
            return HydraulicOutcome(m, p, True, 0, hist)
        head, mass, ddp = self.residuals(m, p, demand, props)
        if _done(head, mass, p, tol_m * scale_m,
                 tol_p if tol_p_start is None else min(tol_p, tol_p_start)):  # warm start
            return HydraulicOutcome(m, p, True, 0, [(float(np.max(np.abs(mass), initial=0.0)),
                                                    float(np.max(np.abs(head), initial=0.0)))])
        stalled = False
        best, no_progress = np.inf, 0
        best_merit = _merit(head, mass, scale_m)
        kept = (m, p, head, mass, ddp, float(np.max(np.abs(mass), initial=0.0)),
                float(np.max(np.abs(head), initial=0.0)))
        recent: list[float] = []
        for it in range(1, max_iter + 1):
            # Newton with the true slopes; after a stalled line search one step with the
            # positive (descent) slopes
            w = 1.0 / ddp[1 if stalled else 0]
            rhs = mass + self.a_free_t @ (w * head)
            dpf = self._solve_schur(w, rhs)
            dm = w * (self.a_free @ dpf - head)
            step = 1.0
            merit0 = _merit(head, mass, scale_m)
            recent.append(merit0)
            # non-monotone line search (Grippo et al.): a step may exceed the current merit if
            # it stays below the worst of the last few; full Newton steps pass far more often
            ref = max(recent[-4:])
            for _ in range(8):
                m_try = m + step * dm
                p_try = p.copy()
                p_try[self.free] += step * dpf
                head_t, mass_t, ddp_t = self.residuals(m_try, p_try, demand, props)
                merit = _merit(head_t, mass_t, scale_m)
                if merit <= ref or step < 0.02:
                    break
                step *= 0.5
            stalled = not merit < 0.9 * merit0
            m, p, head, mass, ddp = m_try, p_try, head_t, mass_t, ddp_t
            hm = float(np.max(np.abs(mass))) if mass.size else 0.0
            hp = float(np.max(np.abs(head))) if head.size else 0.0
            hist.append((hm, hp))
            if hm < tol_m * scale_m and hp < tol_p and np.all(np.isfinite(p)):
                return HydraulicOutcome(m, p, True, it, hist)
            no_progress = no_progress + 1 if merit > 0.7 * best else 0
            if merit < best_merit and np.all(np.isfinite(p)):
                kept = (m, p, head, mass, ddp, hm, hp)
                best_merit = merit
            best = min(best, merit)
            if no_progress >= 4:
                # stalled: continue from (or end with) the best iterate seen, not the last
                m, p, head, mass, ddp, hm, hp = kept
                if hp < tol_p_stalled and not hm < tol_m * scale_m:
                    # the best iterate came from a shortened step, which left part of the
                    # (linear) mass balance open: close it with the flows alone
                    m, p, head, mass, ddp, hm, hp = self._close_mass(m, p, mass, ddp, demand,
                                                                     props)
                if hm < tol_m * scale_m and hp < tol_p_stalled:
                    return HydraulicOutcome(m, p, True, it, hist, stalled=True)
                stuck = np.abs(head) > tol_p_stalled
                if allow_freeze and np.any(stuck & ~props.frozen):
                    # hold the own-flow dependence of the stuck branches' properties
                    props.freeze(stuck, m)
                    head, mass, ddp = self.residuals(m, p, demand, props)
                    best = best_merit = np.inf
                    no_progress, stalled = 0, False
                    continue
                if no_progress >= 12:
                    break
        m, p, head, mass = kept[:4]
        worst_node = int(self.free[np.argmax(np.abs(mass))]) if mass.size else -1
        worst_branch = int(np.argmax(np.abs(head))) if head.size else -1
        return HydraulicOutcome(m, p, False, len(hist), hist, worst_node, worst_branch)

    def _close_mass(self, m, p, mass, ddp, demand, props):
        """(ṁ, p, head, mass, d head/dṁ, max |mass|, max |head|) after the GGA step that
        closes the mass residual ``mass`` of the free nodes with the head residuals taken as
        zero: Δp = (A W Aᵀ)⁻¹ mass, Δṁ = W A Δp with W the positive (descent) slopes, so the
        heads move by about the mass residual over the branch conductances only."""
        w = 1.0 / ddp[1]
        dpf = self._solve_schur(w, mass)
        m = m + w * (self.a_free @ dpf)
        p = p.copy()
        p[self.free] += dpf
        head, mass, ddp = self.residuals(m, p, demand, props)
        return (m, p, head, mass, ddp, float(np.max(np.abs(mass), initial=0.0)),
                float(np.max(np.abs(head), initial=0.0)))

    def _solve_tree(self, p0, demand, props) -> HydraulicOutcome:
        """The exact solution of a network without loops (``tree.py``): flows from the mass
        balance, then pressures along the tree from the fixed ones in ``p0``; the residuals
        of the result are reported (round-off) as one iteration."""
        return self._on_forest(self.tree.flows(demand), p0, demand, props, 1, [(0.0, 0.0)])

    def _solve_loops(self, mdot0, p0, demand, props, tol_p, tol_p_start,
                     max_iter) -> HydraulicOutcome | None:
        """Newton on the chord flows of a network with a few loops (``tree.py``).

        The branch flows are m = m₀ + C q (tree flows of the withdrawals plus the loop flows
        q, started from the chords' flows in ``mdot0``), so the mass balance holds exactly;
        the unknowns are the k loop flows, the equations the loops' head balances
        Cᵀ Δp(m) = p_root,from − p_root,to, the Jacobian Cᵀ diag(dΔp/dṁ) C (k × k), and the
        fluid properties and friction are re-evaluated only on the branches of some loop.
        Converged when every loop's head residual is below ``tol_p`` [Pa] (at least one step
        unless the start meets ``tol_p_start``); then the pressures follow along the trees.
        None when Newton stalls or the Jacobian is singular: the caller falls back to
        Newton–GGA from the same start.
        """
        lp = self.tree.loops
        rows = lp.rows
        m0 = self.tree.flows(demand)
        m0_rows = m0[rows]
        sub = _branch_rows(self.comp, rows)
        on_rows = props.rows(rows, sub)
        dp_roots = p0[lp.root_from] - p0[lp.root_to]

        def loop_residual(q):
            m_r = m0_rows + lp.c_rows @ q
            rho, mu, drho_dm = on_rows(m_r)
            dp, ddp = branch_pressure_drop(sub, m_r, rho, mu)
            slope = _newton_slope(ddp + drho_dm * G * sub.dz_m, ddp)
            res = lp.c_rows_t @ (dp + rho * G * sub.dz_m) - dp_roots
            return res, slope, float(np.max(np.abs(res)))

        q = np.array(mdot0, dtype=float)[lp.chords]
        res, slope, merit = loop_residual(q)
        hist = [(0.0, merit)]
        if not merit < tol_p_start:
            best, no_progress, recent = merit, 0, []
            for _ in range(max_iter):
                try:
                    dq = np.linalg.solve(lp.jacobian(slope), -res)
                except np.linalg.LinAlgError:
                    return None
                recent.append(merit)
                ref = max(recent[-4:])  # non-monotone line search, as in ``solve``
                step = 1.0
                for _ in range(8):
                    q_try = q + step * dq
                    res_t, slope_t, merit_t = loop_residual(q_try)
                    if merit_t <= ref or step < 0.02:
                        break
                    step *= 0.5
                q, res, slope, merit = q_try, res_t, slope_t, merit_t
                hist.append((0.0, merit))
                if merit < tol_p:
                    break
                no_progress = no_progress + 1 if merit > 0.7 * best else 0
                best = min(best, merit)
                if no_progress >= 4 or not np.isfinite(merit):
                    return None
            else:
                return None
        m = m0.copy()
        m[rows] = m0_rows + lp.c_rows @ q
        return self._on_forest(m, p0, demand, props, len(hist) - 1, hist)

    def _on_forest(self, m, p0, demand, props, iterations, hist) -> HydraulicOutcome:
        """The outcome for branch flows ``m`` meeting the mass balance: pressures outward along
        the trees from the held ones in ``p0``, residuals as ``residuals`` reports them (the
        last entry of ``hist``); not converged when anything is non-finite (its worst
        junction and branch)."""
        c = self.comp
        rho, mu, _ = props(m)
        dp, _ = branch_pressure_drop(c, m, rho, mu)
        drop = dp + rho * G * c.dz_m  # p_from − p_to of each branch
        p = self.tree.pressures(drop, p0)
        head = drop - c.incidence @ p
        mass = -(self.a_free_t @ m) - demand[self.free]
        hm = float(np.max(np.abs(mass), initial=0.0))
        hp = float(np.max(np.abs(head), initial=0.0))
        hist = [*hist[:-1], (hm, hp)]
        if np.all(np.isfinite(p)) and np.all(np.isfinite(m)):
            return HydraulicOutcome(m, p, True, iterations, hist)
        worst_node = int(self.free[np.argmax(np.abs(mass))]) if mass.size else -1
        return HydraulicOutcome(m, p, False, iterations, hist, worst_node,
                                int(np.argmax(np.abs(head))))


def _independent_loops(comp) -> int:
    """Independent loops of the network's graph: branches − junctions + connected parts."""
    n = comp.n_nodes
    graph = sp.csr_matrix((np.ones(comp.n_branches), (comp.b_from, comp.b_to)), shape=(n, n))
    parts, _ = csgraph.connected_components(graph, directed=False)
    return int(comp.n_branches - n + parts)


def _newton_slope(total, ddp):
    """The Newton slope d head/d ṁ per branch: ``total`` (friction and water column), kept at
    |·| ≥ 10 % of the friction slope ``ddp`` so that it is never singular."""
    return np.where(np.abs(total) < 0.1 * ddp, np.where(total < 0, -0.1, 0.1) * ddp, total)


def _branch_rows(comp, rows: np.ndarray) -> SimpleNamespace:
    """The branch columns of ``comp`` that the properties and pressure drops read, for the
    branches ``rows`` (sorted) only; pumps among them renumbered."""
    pump = np.isin(comp.pump_b, rows)
    return SimpleNamespace(
        b_from=comp.b_from[rows], b_to=comp.b_to[rows], t_soil_k=comp.t_soil_k[rows],
        u_w_per_mk=comp.u_w_per_mk[rows], length_m=comp.length_m[rows], d_m=comp.d_m[rows],
        roughness_m=comp.roughness_m[rows], zeta=comp.zeta[rows], dz_m=comp.dz_m[rows],
        pump_b=np.searchsorted(rows, comp.pump_b[pump]), pump_curve=comp.pump_curve[pump],
        friction_law=comp.friction_law)


def _done(head, mass, p, tol_m, tol_p) -> bool:
    hm = float(np.max(np.abs(mass), initial=0.0))
    hp = float(np.max(np.abs(head), initial=0.0))
    return hm < tol_m and hp < tol_p and bool(np.all(np.isfinite(p)))


def _merit(head, mass, scale_m):
    a = float(np.max(np.abs(head))) if head.size else 0.0
    b = float(np.max(np.abs(mass))) if mass.size else 0.0
    if not (np.isfinite(a) and np.isfinite(b)):
        return np.inf
    return a / 1e3 + b / (1e-6 * scale_m)
