"""Compiled per-branch and per-element evaluations of the native solver (numba).

The hydraulic Newton step evaluates, for every branch and every trial flow, the temperature
of the branch's content, ρ, μ and dρ/dṁ there, the friction factor and the pressure drop;
the energy balance the heat-loss decay of every pipe; the coupling loop the consumer and
feed-in flows. As NumPy expressions each of these is dozens of array passes and calls; here
each is one loop over the elements (or a few passes):

- ``branch_properties``: ``thermal.property_temperature`` and the water tables as
  ``native.BranchProperties`` combines them (dρ/dT by the same ±0.25 K central difference),
- ``pipe_decay``: ``thermal.pipe_decay``,
- ``element_flows``: ``elements.element_flows``;
- the pressure drops and the hydraulic residuals: ``hydraulic_kernels``.

This module also holds what every kernel module shares: ``numpy_only``, ``compile_kernels``
and the argument conversions.

Each ``*_py`` function is plain Python over NumPy arrays, compiled on first use
(``jit.compiled``, cached on disk). Each wrapper returns None without numba (or inside
``numpy_only``), and the caller then takes its NumPy route — the reference these kernels
reproduce to round-off (``tests/unit/test_kernels.py``). Water properties are read from the
tables of ``physics.water`` on their uniform grid (``water.grid_columns``) with the same
arithmetic.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager

import numpy as np

from ..physics import water
from .jit import compiled

__all__ = ["active", "as_f64", "as_i64", "branch_properties", "compile_kernels", "element_flows",
           "numpy_only", "pipe_decay", "same_length"]

# water table columns the kernels read (rows of ``water.grid_columns``)
_COLUMNS = ("rho", "cp", "log_mu", "h")
RHO, CP, LOG_MU, H = 0, 1, 2, 3
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


def active() -> bool:
    """False inside ``numpy_only`` (this thread)."""
    return not getattr(_state, "off", False)


def compile_kernels(*fns):
    """``fns`` compiled (``jit.compiled``, NumPy's division semantics), or None without numba
    or inside ``numpy_only``."""
    if not active():
        return None
    return compiled(*fns, error_model="numpy")


def _kernels():
    return compile_kernels(branch_properties_py, pipe_decay_py, element_flows_py)


def _grid():
    return water.grid_columns(_COLUMNS)


def as_f64(a, n: int | None = None) -> np.ndarray:
    """``a`` as a contiguous float64 array (broadcast to length ``n`` when given)."""
    if (type(a) is np.ndarray and a.dtype == np.float64 and a.flags.c_contiguous
            and (n is None or a.shape == (n,))):
        return a
    a = np.asarray(a, dtype=np.float64)
    return np.ascontiguousarray(a if n is None else np.broadcast_to(a, (n,)))


def as_i64(a) -> np.ndarray:
    if type(a) is np.ndarray and a.dtype == np.int64 and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=np.int64)


def same_length(n: int, *arrays) -> bool:
    """Every array 1-d of length ``n`` (the kernels index them without bounds checks)."""
    shape = (n,)
    for a in arrays:
        if getattr(a, "shape", None) != shape:
            return False
    return True


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
    if not same_length(n, comp.b_from, comp.b_to, comp.u_w_per_mk, comp.length_m, frozen,
                        m_frozen):
        return None
    t0, inv, vals, steps = _grid()
    rho, mu, drho = np.empty(n), np.empty(n), np.empty(n)
    fns[0](as_i64(comp.b_from), as_i64(comp.b_to), as_f64(comp.t_soil_k, n),
           as_f64(comp.u_w_per_mk), as_f64(comp.length_m), as_f64(t_node_k),
           np.ascontiguousarray(frozen, dtype=np.bool_), as_f64(m_frozen), as_f64(m),
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
    if not same_length(n, comp.u_w_per_mk, comp.length_m):
        return None
    t0, inv, vals, steps = _grid()
    a, h_soil = np.empty(n), np.empty(n)
    fns[1](as_f64(comp.u_w_per_mk), as_f64(comp.length_m), as_f64(comp.t_soil_k, n),
           as_f64(m), as_f64(t_up_k, n), _GL_HALF_WIDTH, _GL_WEIGHTS, t0, inv, vals,
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
    if not (same_length(nc, comp.c_control, comp.c_q_w, comp.c_t_return_k, comp.c_delta_t_k,
                         comp.c_mdot_kg_s)
            and same_length(nf, comp.f_control, comp.f_q_w, comp.f_t_out_k, comp.f_mdot_kg_s)):
        return None
    t0, inv, vals, steps = _grid()
    out = dict(m_c=np.empty(nc), c_fixed_h=np.empty(nc, dtype=np.bool_), c_h_out=np.empty(nc),
               c_dh=np.empty(nc), c_clamped=np.empty(nc, dtype=np.bool_), m_f=np.empty(nf),
               f_clamped=np.empty(nf, dtype=np.bool_))
    fns[2](as_f64(t_k), as_f64(h), as_i64(comp.c_sup), as_i64(comp.c_control),
           as_f64(comp.c_q_w),
           as_f64(comp.c_t_return_k), as_f64(comp.c_delta_t_k), as_f64(comp.c_mdot_kg_s),
           float(dt_min_k), as_i64(comp.f_ret), as_i64(comp.f_control), as_f64(comp.f_q_w),
           as_f64(comp.f_t_out_k), as_f64(comp.f_mdot_kg_s), float(feedin_dt_min_k),
           t0, inv, vals, steps, *out.values())
    return out
