"""Compiled per-branch and per-element evaluations of the native solver (numba).

The hydraulic Newton step evaluates, for every branch and every trial flow, the temperature
of the branch's content, ρ, μ and dρ/dṁ there, the friction factor and the pressure drop;
the energy balance the heat-loss decay of every pipe; the coupling loop the consumer and
feed-in flows. As NumPy expressions each of these is dozens of array passes and calls; here
each is one loop over the elements:

- ``pressure_drop``: ``physics.friction.pressure_drop_pipe`` (every law of
  ``friction.FRICTION_LAWS``, laminar/transition blend, minor losses),
- ``branch_properties``: ``thermal.property_temperature`` and the water tables as
  ``native.BranchProperties`` combines them (dρ/dT by the same ±0.25 K central difference),
- ``pipe_decay``: ``thermal.pipe_decay``,
- ``element_flows``: ``elements.element_flows``,
- ``residual_terms``: the head and mass residuals and Newton slopes of
  ``hydraulic.HydraulicSystem.residuals``.

Each ``*_py`` function is plain Python over NumPy arrays, compiled on first use
(``jit.compiled``, cached on disk). Each wrapper returns None without numba (or inside
``numpy_only``), and the caller then takes its NumPy route — the reference these kernels
reproduce to round-off (``tests/unit/test_kernels.py``). Water properties are read from the
tables of ``physics.water`` on their uniform grid (``water.grid_columns``) with the same
arithmetic; the Colebrook iteration stops per branch instead of when the last branch has
converged (the same root to machine precision).
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager

import numpy as np

from ..physics import water
from ..physics.friction import (
    FRICTION_LAWS,
    NIKURADSE_CONSTANT,
    RE_FLOOR,
    RE_LAMINAR,
    RE_TURBULENT,
)
from .jit import compiled

__all__ = ["branch_properties", "element_flows", "numpy_only", "pipe_decay", "pressure_drop",
           "residual_terms"]

# water table columns the kernels read (rows of ``water.grid_columns``)
_COLUMNS = ("rho", "cp", "log_mu", "h")
RHO, CP, LOG_MU, H = 0, 1, 2, 3
# friction constants: (Re laminar, Re turbulent, Re floor, Nikuradse's constant,
# 2/ln 10, Colebrook stopping step relative to x (``pressure_drop_py``), iteration cap)
_FRICTION = (RE_LAMINAR, RE_TURBULENT, RE_FLOOR, NIKURADSE_CONSTANT, 2.0 / np.log(10.0),
             1e-6, 8.0)
# 3-point Gauss–Legendre nodes 1/2 ∓ w, 1/2 on [0, 1] and weights (``thermal._mean_cp``)
_GL_HALF_WIDTH = 0.5 * np.sqrt(0.6)
_GL_WEIGHTS = np.array([5 / 18, 8 / 18, 5 / 18])
PROPERTY_DT_K = 0.25  # half-width of the central difference dρ/dT

_state = threading.local()


@contextmanager
def numpy_only():
    """Within this block (this thread) every wrapper returns None: the callers take their
    NumPy route (to compare the two)."""
    old = getattr(_state, "off", False)
    _state.off = True
    try:
        yield
    finally:
        _state.off = old


def _kernels():
    if getattr(_state, "off", False):
        return None
    return compiled(pressure_drop_py, branch_properties_py, pipe_decay_py, element_flows_py,
                    residual_terms_py, error_model="numpy")


def _grid():
    return water.grid_columns(_COLUMNS)


def _f64(a, n: int | None = None) -> np.ndarray:
    """``a`` as a contiguous float64 array (broadcast to length ``n`` when given)."""
    if (type(a) is np.ndarray and a.dtype == np.float64 and a.flags.c_contiguous
            and (n is None or a.shape == (n,))):
        return a
    a = np.asarray(a, dtype=np.float64)
    return np.ascontiguousarray(a if n is None else np.broadcast_to(a, (n,)))


def _i64(a) -> np.ndarray:
    if type(a) is np.ndarray and a.dtype == np.int64 and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=np.int64)


def _same_length(n: int, *arrays) -> bool:
    """Every array 1-d of length ``n`` (the kernels index them without bounds checks)."""
    shape = (n,)
    for a in arrays:
        if getattr(a, "shape", None) != shape:
            return False
    return True


# ---------------------------------------------------------------- friction and pressure drop

def pressure_drop_py(mdot, length, d, roughness, rho, mu, zeta, law, re_eps, consts, dp, ddp):
    """Fill ``dp`` [Pa] and ``ddp`` [Pa s/kg] as ``friction.pressure_drop_pipe`` does
    (``law``: index in ``FRICTION_LAWS``); returns the number of elements whose roughness
    the law refuses (then the NumPy route raises its error).

    Three passes: Reynolds numbers; the turbulent law where Re > Re_laminar; the pressure
    drops. Colebrook's equation F(x) = x + 2 log10(k/(3.7 D) + 2.51 x/Re) = 0 for
    x = 1/sqrt(f) — the array version's Newton iteration solves it from a Swamee-Jain
    start — is solved by Halley's method on the same F from a closer start (the first
    step of Clamond's 2009 solution, ≈ 1e-5), sweeping all unconverged branches at once
    (independent iterations overlap in the CPU where one branch's chain of logarithms would
    wait on itself): two steps in district-heating ranges instead of four. A branch stops
    once a step is below 1e-6 of x. With r = 2.51/(Re g) < 1/x < 0.25, F''/F' and F'''/F'
    are below C r² and 2 C r³ (C = 2/ln 10), so the error left is below
    0.005 · (1e-6 x)³ — under 1e-17 of x for x < 40 (f > 6e-4): the root the array version
    reaches to machine precision.
    """
    re_lam, re_turb, re_floor, nik, c_log, tol, max_newton = consts
    span = re_turb - re_lam
    f0 = 64.0 / re_lam
    m0 = -64.0 / re_lam**2 * span
    n = mdot.shape[0]
    re_a = np.empty(n)
    rr_a = np.empty(n)
    nik_law = law == 1
    for b in range(n):  # (branch-free: vectorised by the compiler)
        rr = roughness[b] / d[b]
        # (Nikuradse: no friction term on length-0 elements)
        rr_a[b] = 1.0 if nik_law and not length[b] > 0.0 else rr
        re_a[b] = abs(abs(mdot[b]) / (0.25 * np.pi * d[b] * mu[b]))
    bad = 0
    turb = np.empty(n, dtype=np.int64)  # branches needing the turbulent law
    n_turb = 0
    for b in range(n):
        if rr_a[b] < 0.0 or (nik_law and rr_a[b] <= 0.0):
            bad += 1
        if not nik_law and re_a[b] > re_lam:
            turb[n_turb] = b
            n_turb += 1
    if bad:
        return bad
    # turbulent f and df/dRe at max(Re, Re_turbulent)
    f_t = np.empty(n_turb)
    df_t = np.empty(n_turb)
    if law == 0:  # Colebrook-White: Newton on x = 1/sqrt(f), started from Swamee-Jain
        xa = np.empty(n_turb)
        aa = np.empty(n_turb)
        ba = np.empty(n_turb)
        for j in range(n_turb):
            b = turb[j]
            re_t = re_a[b] if re_a[b] > re_turb else re_turb
            aa[j] = rr_a[b] / 3.7
            ba[j] = 2.51 / re_t
            # start: one step of Clamond's (2009) solution, x to ≈ 1e-8 (the start only
            # sets how many steps follow)
            x2 = math.log(re_t) - 0.7793974884556819  # ln Re − ln(ln 10 / 5.02)
            fc = x2 - 0.2
            x1f = rr_a[b] * re_t * 0.12396818633541755 + fc  # k/D Re ln 10 / 18.574 + F
            x1f1 = 1.0 + x1f
            e = (math.log(x1f) - 0.2) / x1f1
            fc = fc - (x1f1 + 0.5 * e) * e * x1f / (x1f1 + e * (1.0 + e / 3.0))
            xa[j] = c_log * fc
        active = np.arange(n_turb)
        n_active = n_turb
        for _ in range(int(max_newton)):
            kept = 0
            for jj in range(n_active):
                j = active[jj]
                g = aa[j] + ba[j] * xa[j]
                r = ba[j] / g
                res = xa[j] + c_log * math.log(g)  # F(x), 2 log10 g = (2/ln 10) ln g
                d1 = 1.0 + c_log * r  # F'(x)
                step = 2.0 * res * d1 / (2.0 * d1 * d1 + res * c_log * r * r)  # Halley
                xa[j] = xa[j] - step
                if not abs(step) <= tol * abs(xa[j]):
                    active[kept] = j
                    kept += 1
            n_active = kept
            if n_active == 0:
                break
        for j in range(n_turb):
            b = turb[j]
            re_t = re_a[b] if re_a[b] > re_turb else re_turb
            x = xa[j]
            g = aa[j] + ba[j] * x
            dx_dre = c_log * (ba[j] * x / (re_t * g)) / (1.0 + c_log * ba[j] / g)
            f_t[j] = 1.0 / (x * x)
            df_t[j] = -2.0 / (x * x * x) * dx_dre
    elif law == 2:  # Swamee-Jain
        for j in range(n_turb):
            b = turb[j]
            re_t = re_a[b] if re_a[b] > re_turb else re_turb
            p9 = math.exp(-0.9 * math.log(re_t))  # Re^-0.9
            g = rr_a[b] / 3.7 + 5.74 * p9
            lg = math.log10(g)
            dg_dre = -0.9 * 5.74 * (p9 / re_t)
            f_t[j] = 0.25 / lg**2
            df_t[j] = -0.5 / lg**3 * dg_dre / (g * math.log(10.0))
    fre_a = np.empty(n)  # f Re
    re2df_a = np.empty(n)  # Re² df/dRe
    for b in range(n):
        if nik_law:  # Nikuradse: laminar term + fully rough value at every Re
            f_r = 1.0 / (2.0 * math.log10(nik / rr_a[b])) ** 2
            fre_a[b] = 64.0 + f_r * re_a[b]
            re2df_a[b] = -64.0
        elif re_a[b] == re_a[b]:
            fre_a[b] = 64.0  # laminar: f Re = 64 exactly, down to zero flow
            re2df_a[b] = -64.0
        else:  # NaN flow: NaN out, as the array expressions give
            fre_a[b] = np.nan
            re2df_a[b] = np.nan
    for j in range(n_turb):
        b = turb[j]
        re = re_a[b]
        if re >= re_turb:
            f = f_t[j]
            df = df_t[j]
        else:  # cubic Hermite between the laminar and the turbulent law
            t = (re - re_lam) / span
            m1 = df_t[j] * span
            h00 = 2 * t**3 - 3 * t**2 + 1
            h10 = t**3 - 2 * t**2 + t
            h01 = -2 * t**3 + 3 * t**2
            h11 = t**3 - t**2
            f = h00 * f0 + h10 * m0 + h01 * f_t[j] + h11 * m1
            d00 = 6 * t**2 - 6 * t
            d10 = 3 * t**2 - 4 * t + 1
            d01 = -6 * t**2 + 6 * t
            d11 = 3 * t**2 - 2 * t
            df = (d00 * f0 + d10 * m0 + d01 * f_t[j] + d11 * m1) / span
        fre_a[b] = f * re
        re2df_a[b] = df * re**2
    for b in range(n):  # (branch-free: vectorised by the compiler)
        m = mdot[b]
        d_b = d[b]
        area = 0.25 * np.pi * d_b**2
        k = 1.0 / (2.0 * rho[b] * area**2)
        s = 0.25 * np.pi * d_b * mu[b]
        lod = length[b] / d_b
        dp_b = lod * k * s * fre_a[b] * m
        ddp_b = lod * k * s * (2.0 * fre_a[b] + re2df_a[b])
        m_eff = abs(m) if length[b] > 0.0 else math.sqrt(m * m + (re_eps * s) ** 2)
        dp[b] = dp_b + zeta[b] * k * m * m_eff
        ddp[b] = ddp_b + zeta[b] * k * (m_eff + m * m / (m_eff if m_eff > 0.0 else 1.0))
    return 0


def pressure_drop(mdot, length, d, roughness, rho, mu, zeta, law: str, re_eps: float = 1.0):
    """``friction.pressure_drop_pipe`` for 1-d arrays of equal length (any of ``rho``,
    ``mu``, ``zeta`` may be a scalar), compiled.

    Returns
    -------
    (dp, ddp) : tuple of ndarray or None
        Pressure drop [Pa] and its derivative [Pa s/kg]; None without numba, for other shapes,
        an unknown law or a roughness the law refuses (the NumPy route then answers or raises).
    """
    fns = _kernels()
    m = np.asarray(mdot)
    if fns is None or m.ndim != 1 or law not in FRICTION_LAWS:
        return None
    n = m.shape[0]
    try:
        cols = [_f64(v, n) for v in (mdot, length, d, roughness, rho, mu, zeta)]
    except ValueError:  # shapes that do not broadcast: the NumPy route says so
        return None
    dp, ddp = np.empty(n), np.empty(n)
    bad = fns[0](*cols, FRICTION_LAWS.index(law), float(re_eps), _FRICTION, dp, ddp)
    return None if bad else (dp, ddp)


# ---------------------------------------------------------------- hydraulic residuals

def residual_terms_py(dp, ddp, rho, drho_dm, dz, g, p, b_from, b_to, mdot, at_indptr,
                      at_indices, at_data, demand, free, head, signed, clamped, mass):
    """Fill the head residual and the two Newton slopes per branch and the mass residual per
    free junction as ``hydraulic.HydraulicSystem.residuals`` does (``at_*``: the CSR arrays
    of the free junctions' incidence transposed, summed in their order as SciPy does)."""
    for b in range(dp.shape[0]):
        total = ddp[b] + drho_dm[b] * g * dz[b]
        floor = 0.1 * ddp[b]
        if abs(total) < floor:  # |slope| ≥ 10 % of the friction slope
            signed[b] = (-0.1 if total < 0 else 0.1) * ddp[b]
        else:
            signed[b] = total
        if total != total or floor != floor:
            clamped[b] = np.nan
        else:
            clamped[b] = total if total >= floor else floor
        head[b] = dp[b] + rho[b] * g * dz[b] - (p[b_from[b]] - p[b_to[b]])
    for k in range(free.shape[0]):
        acc = 0.0
        for jj in range(at_indptr[k], at_indptr[k + 1]):
            acc += at_data[jj] * mdot[at_indices[jj]]
        mass[k] = -acc - demand[free[k]]


def residual_terms(dp, ddp, rho, drho_dm, dz, g, p, b_from, b_to, mdot, a_free_t, demand,
                   free):
    """(head [Pa], mass [kg/s], (signed slope, clamped slope) [Pa s/kg]) of
    ``HydraulicSystem.residuals`` from the branch laws' values, compiled; None without numba
    or for inputs of other shapes.

    Parameters
    ----------
    dp, ddp, rho, drho_dm : ndarray
        Per branch: pressure drop [Pa] and its slope [Pa s/kg], density [kg/m³] and its
        derivative with the branch's flow.
    dz, g : ndarray, float
        Elevation rise from → to per branch [m]; gravity [m/s²].
    p, b_from, b_to, mdot : ndarray
        Junction pressures [Pa], branch ends, branch flows [kg/s].
    a_free_t : scipy.sparse.csr_matrix
        Free junctions × branches incidence.
    demand, free : ndarray
        Withdrawal per junction [kg/s]; indices of the free junctions.
    """
    fns = _kernels()
    m = np.asarray(mdot)
    if fns is None or m.ndim != 1:
        return None
    n = m.shape[0]
    nf = len(free)
    if not (_same_length(n, dp, ddp, rho, drho_dm, dz, b_from, b_to)
            and a_free_t.shape == (nf, n) and a_free_t.format == "csr"):
        return None
    head, signed, clamped, mass = np.empty(n), np.empty(n), np.empty(n), np.empty(nf)
    fns[4](_f64(dp), _f64(ddp), _f64(rho), _f64(drho_dm), _f64(dz), float(g), _f64(p),
           _i64(b_from), _i64(b_to), _f64(m), _i64(a_free_t.indptr), _i64(a_free_t.indices),
           _f64(a_free_t.data), _f64(demand), _i64(free), head, signed, clamped, mass)
    return head, mass, (signed, clamped)


# ---------------------------------------------------------------- branch fluid properties

def branch_properties_py(b_from, b_to, t_soil, u, length, t_node, frozen, m_frozen, mdot,
                         t0, inv, vals, steps, half, rho_out, mu_out, drho_out):
    """Fill ρ [kg/m³], μ [Pa s] and dρ/dṁ per branch as ``native.BranchProperties`` does:
    at the content temperature of ``thermal.property_temperature``.

    In passes over all branches (content temperature; ρ and μ; dρ/dṁ): each branch's chain
    of dependent operations is short, so the CPU overlaps many branches."""
    last = vals.shape[1] - 1.0
    n = mdot.shape[0]
    t_b = np.empty(n)
    dt_dm = np.empty(n)
    for b in range(n):
        m = m_frozen[b] if frozen[b] else mdot[b]
        t_from = t_node[b_from[b]]
        t_to = t_node[b_to[b]]
        fwd = m >= 0
        t_up = t_from if fwd else t_to
        ts = t_soil[b]
        ul = u[b] * length[b]
        if ul > 0:
            pos = (t_up - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            cp = vals[CP, i] + (pos - i) * steps[CP, i]
            ucp = abs(m) * cp
            x = ul / (ucp if not ucp < 1e-300 else 1e-300)
            xc = x if not x > 700.0 else 700.0
            if xc < 1e-4:
                mean_factor = 1.0 - xc / 2 + xc * xc / 6
                growth = xc * xc / 2
            else:
                em1 = math.expm1(-xc)
                mean_factor = -em1 / x
                growth = 1.0 - (em1 + 1.0) * (1.0 + xc)
            dt_up = t_up - ts
            t_b[b] = ts + dt_up * mean_factor
            dt_dm[b] = (1.0 if fwd else -1.0) * dt_up * cp / ul * growth
        else:
            t_b[b] = 0.5 * (t_from + t_to)
            dt_dm[b] = 0.0
    for b in range(n):
        pos = (t_b[b] - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        fr = pos - i
        rho_out[b] = vals[RHO, i] + fr * steps[RHO, i]
        mu_out[b] = math.exp(vals[LOG_MU, i] + fr * steps[LOG_MU, i])
    for b in range(n):
        pos = (t_b[b] + half - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        hi = vals[RHO, i] + (pos - i) * steps[RHO, i]
        pos = (t_b[b] - half - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        lo = vals[RHO, i] + (pos - i) * steps[RHO, i]
        drho_out[b] = 0.0 if frozen[b] else (hi - lo) / (2.0 * half) * dt_dm[b]


def branch_properties(comp, t_node_k, frozen, m_frozen, mdot):
    """(ρ [kg/m³], μ [Pa s], dρ/dṁ [kg/m³ per kg/s]) per branch of ``comp`` at node
    temperatures ``t_node_k`` [K] for branch flows ``mdot`` [kg/s] (``frozen`` branches at
    ``m_frozen``, without derivative), compiled; None without numba.

    ``comp`` needs ``b_from``, ``b_to``, ``t_soil_k``, ``u_w_per_mk`` and ``length_m``.
    """
    fns = _kernels()
    m = np.asarray(mdot)
    if fns is None or m.ndim != 1:
        return None
    n = m.shape[0]
    if not _same_length(n, comp.b_from, comp.b_to, comp.u_w_per_mk, comp.length_m, frozen,
                        m_frozen):
        return None
    t0, inv, vals, steps = _grid()
    rho, mu, drho = np.empty(n), np.empty(n), np.empty(n)
    fns[1](_i64(comp.b_from), _i64(comp.b_to), _f64(comp.t_soil_k, n),
           _f64(comp.u_w_per_mk), _f64(comp.length_m), _f64(t_node_k),
           np.ascontiguousarray(frozen, dtype=np.bool_), _f64(m_frozen), _f64(m),
           t0, inv, vals, steps, PROPERTY_DT_K, rho, mu, drho)
    return rho, mu, drho


# ---------------------------------------------------------------- pipe heat-loss decay

def pipe_decay_py(u, length, t_soil, mdot, t_up, gl_half_width, gl_weights, t0, inv, vals,
                  steps, a_out, h_soil_out):
    """Fill the enthalpy decay a_b and h_soil per branch as ``thermal.pipe_decay`` does.

    Each fixed-point iteration on the mean c_p sweeps all branches (short dependency chains
    the CPU overlaps)."""
    last = vals.shape[1] - 1.0
    ln_min = math.log(1e-300)
    n = mdot.shape[0]
    xs = np.empty(n)  # U L / |ṁ|
    es = np.empty(n)  # the exponent U L / (|ṁ| c_p), capped at 700
    h_up = np.empty(n)
    for b in range(n):
        pos = (t_soil[b] - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        h_soil_out[b] = vals[H, i] + (pos - i) * steps[H, i]
        mabs = abs(mdot[b])
        x = u[b] * length[b] / (mabs if mabs > 0 else 1.0)
        xs[b] = x
        pos = (t_up[b] - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        fr = pos - i
        e = x / (vals[CP, i] + fr * steps[CP, i])
        es[b] = e if not e > 700.0 else 700.0
        h_up[b] = vals[H, i] + fr * steps[H, i]
    for _ in range(3):  # c_p averaged over dT/(T − T_soil), fixed point on the outlet
        for b in range(n):
            # ln of the decay e^(−e) clipped to [1e-300, 1] is −e itself (to round-off)
            ln_d = -es[b] if -es[b] > ln_min else ln_min
            ln_d = ln_d if not ln_d > 0.0 else 0.0
            # Gauss–Legendre points e^(s ln_d), s = 1/2 ∓ w, from two exponentials
            mid = math.exp(0.5 * ln_d)
            q = math.exp(gl_half_width * ln_d)
            ts = t_soil[b]
            dt_in = t_up[b] - ts
            pos = (ts + dt_in * (mid / q) - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            cp_mean = gl_weights[0] * (vals[CP, i] + (pos - i) * steps[CP, i])
            pos = (ts + dt_in * mid - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            cp_mean = cp_mean + gl_weights[1] * (vals[CP, i] + (pos - i) * steps[CP, i])
            pos = (ts + dt_in * (mid * q) - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            cp_mean = cp_mean + gl_weights[2] * (vals[CP, i] + (pos - i) * steps[CP, i])
            e = xs[b] / cp_mean
            es[b] = e if not e > 700.0 else 700.0
    for b in range(n):
        ts = t_soil[b]
        tu = t_up[b]
        hs = h_soil_out[b]
        decay = math.exp(-es[b])
        dh_in = h_up[b] - hs
        if abs(tu - ts) < 1e-6 or abs(dh_in) < 1e-9:
            a = decay
        else:
            pos = (ts + (tu - ts) * decay - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            a = (vals[H, i] + (pos - i) * steps[H, i] - hs) / dh_in
        flowing = abs(mdot[b]) > 0
        if not flowing:
            a = 0.0
        if u[b] * length[b] == 0:
            a = 1.0 if flowing else 0.0
        a_out[b] = a


def pipe_decay(comp, mdot, t_up_k):
    """``thermal.pipe_decay`` compiled: (a_b, h_soil [J/kg]) per branch; None without numba.

    ``comp`` needs ``u_w_per_mk``, ``length_m`` and ``t_soil_k``.
    """
    fns = _kernels()
    m = np.asarray(mdot)
    if fns is None or m.ndim != 1:
        return None
    n = m.shape[0]
    if not _same_length(n, comp.u_w_per_mk, comp.length_m):
        return None
    t0, inv, vals, steps = _grid()
    a, h_soil = np.empty(n), np.empty(n)
    fns[2](_f64(comp.u_w_per_mk), _f64(comp.length_m), _f64(comp.t_soil_k, n),
           _f64(m), _f64(t_up_k, n), _GL_HALF_WIDTH, _GL_WEIGHTS, t0, inv, vals,
           steps, a, h_soil)
    return a, h_soil


# ---------------------------------------------------------------- consumer and feed-in flows

def element_flows_py(t_k, h, c_sup, ctrl, q, t_ret_set, delta_t, m_set, dt_min,
                     f_ret, f_ctrl, f_q, f_t_out, f_mdot, f_dt_min, t0, inv, vals, steps,
                     m_c, fixed_h, h_out, dh, clamped, m_f, f_clamped):
    """Fill the arrays of ``elements.element_flows`` (controls: consumers 0 return setpoint,
    1 ΔT, 2 flow; feed-ins 0 heat, 1 flow)."""
    last = vals.shape[1] - 1.0
    for c in range(c_sup.shape[0]):
        t_s = t_k[c_sup[c]]
        h_s = h[c_sup[c]]
        k = ctrl[c]
        cl = False
        t_r = t_s
        if k == 0:
            t_r = t_ret_set[c]
            if t_s - t_r < dt_min:
                cl = True
                t_r = t_s - dt_min
        pos = (t_r - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        h_r = vals[H, i] + (pos - i) * steps[H, i]
        pos = (t_s - (delta_t[c] if k == 1 else 0.0) - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        dh_dt = h_s - (vals[H, i] + (pos - i) * steps[H, i])
        if k == 0:
            m = q[c] / (h_s - h_r)
            d = 0.0
        elif k == 1:
            m = q[c] / dh_dt
            d = dh_dt
        elif k == 2:
            m = m_set[c]
            d = q[c] / m_set[c] if m_set[c] > 0 else 0.0
        else:
            m = 0.0
            d = 0.0
        m_c[c] = m if math.isfinite(m) else 0.0
        fixed_h[c] = k == 0
        h_out[c] = h_r
        dh[c] = d
        clamped[c] = cl
    for j in range(f_ret.shape[0]):
        t_fr = t_k[f_ret[j]]
        is_q = f_ctrl[j] == 0
        cl = is_q and f_t_out[j] - t_fr < f_dt_min
        pos = ((f_t_out[j] - f_dt_min if cl else t_fr) - t0) * inv
        pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
        i = int(pos) if pos > 0.0 else 0
        h_in = vals[H, i] + (pos - i) * steps[H, i]
        if is_q:
            pos = (f_t_out[j] - t0) * inv
            pos = 0.0 if pos < 0.0 else (last if pos > last else pos)
            i = int(pos) if pos > 0.0 else 0
            m = f_q[j] / (vals[H, i] + (pos - i) * steps[H, i] - h_in)
        else:
            m = f_mdot[j]
        m_f[j] = m if math.isfinite(m) else 0.0
        f_clamped[j] = cl


def element_flows(comp, t_k, h, dt_min_k: float, feedin_dt_min_k: float):
    """``elements.element_flows`` compiled (its dict); None without numba."""
    fns = _kernels()
    if fns is None:
        return None
    nc, nf = len(comp.c_sup), len(comp.f_ret)
    if not (_same_length(nc, comp.c_control, comp.c_q_w, comp.c_t_return_k, comp.c_delta_t_k,
                         comp.c_mdot_kg_s)
            and _same_length(nf, comp.f_control, comp.f_q_w, comp.f_t_out_k, comp.f_mdot_kg_s)):
        return None
    t0, inv, vals, steps = _grid()
    out = dict(m_c=np.empty(nc), c_fixed_h=np.empty(nc, dtype=np.bool_), c_h_out=np.empty(nc),
               c_dh=np.empty(nc), c_clamped=np.empty(nc, dtype=np.bool_), m_f=np.empty(nf),
               f_clamped=np.empty(nf, dtype=np.bool_))
    fns[3](_f64(t_k), _f64(h), _i64(comp.c_sup), _i64(comp.c_control), _f64(comp.c_q_w),
           _f64(comp.c_t_return_k), _f64(comp.c_delta_t_k), _f64(comp.c_mdot_kg_s),
           float(dt_min_k), _i64(comp.f_ret), _i64(comp.f_control), _f64(comp.f_q_w),
           _f64(comp.f_t_out_k), _f64(comp.f_mdot_kg_s), float(feedin_dt_min_k),
           t0, inv, vals, steps, *out.values())
    return out
