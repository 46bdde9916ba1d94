"""Hydraulics: global gradient algorithm (Todini–Pilati, as in EPANET) on mass flows.

Unknowns: branch mass flows ṁ [kg/s] and gauge pressures p [Pa] of the free nodes; nodes whose
pressure is held (plants, pressure references) are fixed. Per branch b (from i to j)

    p_i − p_j = Δp_fric(ṁ_b) + ρ_b g (z_j − z_i)

and per free node: inflow − outflow = withdrawal d_n (fixed-flow elements). Each Newton step
solves the Schur complement (Aᵀ D⁻¹ A) Δp = r — a sparse SPD matrix whose pattern is assembled
once — with SuperLU, then updates ṁ. Residual history is kept for diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..physics.friction import pressure_drop_pipe
from ..units import G
from .linear import ReusedLU


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
        uniq, self._inv = np.unique(key, return_inverse=True)
        self._indices = (uniq % max(nf, 1)).astype(np.int32)
        r = uniq // max(nf, 1)
        self._indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=nf))]).astype(
            np.int32)
        self._nnz = len(uniq)
        self.n_free = nf
        self.linear = ReusedLU(permc_spec="MMD_AT_PLUS_A", tol=1e-10, symmetric=True)

    def _matrix(self, w: np.ndarray) -> sp.csc_matrix:
        data = np.bincount(self._inv, weights=w[self._bidx] * self._sign, minlength=self._nnz)
        return sp.csc_matrix((data, self._indices, self._indptr), shape=(self.n_free,) * 2)

    def residuals(self, mdot, p, demand, rho, mu):
        """(head residual per branch [Pa], mass residual per free node [kg/s], d Δp/d ṁ)."""
        c = self.comp
        dp, ddp = pressure_drop_pipe(mdot, c.length_m, c.d_m, c.roughness_m, rho, mu, c.zeta)
        dp = np.atleast_1d(dp)
        ddp = np.atleast_1d(ddp)
        head = dp + rho * G * c.dz_m - c.incidence @ p
        mass = -(self.a_free_t @ mdot) - demand[self.free]
        return head, mass, ddp

    def solve(self, mdot0, p0, demand, rho, mu, tol_m=1e-9, tol_p=1e-3,
              max_iter=60) -> HydraulicOutcome:
        """Newton–GGA from (mdot0, p0); ``p0`` holds the fixed pressures at fixed nodes."""
        m = np.array(mdot0, dtype=float)
        p = np.array(p0, dtype=float)
        scale_m = max(1.0, float(np.abs(demand).sum()))
        hist = []
        if self.n_free == 0 or self.comp.n_branches == 0:
            head, mass, ddp = self.residuals(m, p, demand, rho, mu)
            return HydraulicOutcome(m, p, True, 0, hist)
        head, mass, ddp = self.residuals(m, p, demand, rho, mu)
        if _done(head, mass, p, tol_m * scale_m, tol_p):  # warm start already converged
            return HydraulicOutcome(m, p, True, 0, [(float(np.max(np.abs(mass), initial=0.0)),
                                                    float(np.max(np.abs(head), initial=0.0)))])
        for it in range(1, max_iter + 1):
            w = 1.0 / ddp
            rhs = mass + self.a_free_t @ (w * head)
            mat = self._matrix(w)
            try:
                dpf = self.linear.solve(mat, rhs)
            except RuntimeError:  # singular: an island without a held pressure
                dpf = spla.lsqr(mat, rhs)[0]
            dm = w * (self.a_free @ dpf - head)
            step = 1.0
            merit0 = _merit(head, mass, scale_m)
            for _ in range(8):
                m_try = m + step * dm
                p_try = p.copy()
                p_try[self.free] += step * dpf
                head_t, mass_t, ddp_t = self.residuals(m_try, p_try, demand, rho, mu)
                if _merit(head_t, mass_t, scale_m) <= merit0 or step < 0.02:
                    break
                step *= 0.5
            m, p, head, mass, ddp = m_try, p_try, head_t, mass_t, ddp_t
            hm = float(np.max(np.abs(mass))) if mass.size else 0.0
            hp = float(np.max(np.abs(head))) if head.size else 0.0
            hist.append((hm, hp))
            if hm < tol_m * scale_m and hp < tol_p and np.all(np.isfinite(p)):
                return HydraulicOutcome(m, p, True, it, hist)
        worst_node = int(self.free[np.argmax(np.abs(mass))]) if mass.size else -1
        worst_branch = int(np.argmax(np.abs(head))) if head.size else -1
        return HydraulicOutcome(m, p, False, max_iter, hist, worst_node, worst_branch)


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
