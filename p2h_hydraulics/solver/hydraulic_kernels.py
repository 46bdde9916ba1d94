"""Compiled pressure drops and hydraulic residuals of the native solver (numba).

- ``pressure_drop``: ``physics.friction.pressure_drop_pipe`` (every law of
  ``friction.FRICTION_LAWS``, the laminar/transition blend, minor losses) for all branches,
- ``residual_terms``: the head and mass residuals and Newton slopes of
  ``hydraulic.HydraulicSystem.residuals`` from the branch laws' values.

As in ``kernels`` (which holds the shared machinery): each ``*_py`` function is plain Python
over NumPy arrays, compiled on first use and cached on disk; each wrapper returns None without
numba or inside ``kernels.numpy_only``, and the caller takes its NumPy route, the reference
these reproduce to round-off (``tests/unit/test_kernels.py``).
"""

from __future__ import annotations

import math

import numpy as np

from ..physics.friction import (
    FRICTION_LAWS,
    NIKURADSE_CONSTANT,
    RE_FLOOR,
    RE_LAMINAR,
    RE_TURBULENT,
)
from .kernels import as_f64, as_i64, compile_kernels, same_length

__all__ = ["pressure_drop", "residual_terms"]

# friction constants: (Re laminar, Re turbulent, Re floor, Nikuradse's constant,
# 2/ln 10, Colebrook stopping step relative to x (``pressure_drop_py``), iteration cap)
_FRICTION = (RE_LAMINAR, RE_TURBULENT, RE_FLOOR, NIKURADSE_CONSTANT, 2.0 / np.log(10.0),
             1e-6, 8.0)


def _kernels():
    return compile_kernels(pressure_drop_py, residual_terms_py)


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
        cols = [as_f64(v, n) for v in (mdot, length, d, roughness, rho, mu, zeta)]
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
    if not (same_length(n, dp, ddp, rho, drho_dm, dz, b_from, b_to)
            and a_free_t.shape == (nf, n) and a_free_t.format == "csr"):
        return None
    head, signed, clamped, mass = np.empty(n), np.empty(n), np.empty(n), np.empty(nf)
    fns[1](as_f64(dp), as_f64(ddp), as_f64(rho), as_f64(drho_dm), as_f64(dz), float(g),
           as_f64(p), as_i64(b_from), as_i64(b_to), as_f64(m), as_i64(a_free_t.indptr),
           as_i64(a_free_t.indices), as_f64(a_free_t.data), as_f64(demand), as_i64(free), head,
           signed, clamped, mass)
    return head, mass, (signed, clamped)
