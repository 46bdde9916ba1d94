"""Darcy friction factor and Darcy-Weisbach pipe pressure drop (vectorised, SI units).

Friction laws (``FRICTION_LAWS``; a network chooses one with ``settings["friction_law"]``), with
``re`` the Reynolds number [-] and ``rel_roughness = k/D`` [-]:

``"colebrook"`` (default; Prandtl–Colebrook / Colebrook–White)
    * laminar, ``Re <= 2300``: ``f = 64/Re``. Below ``RE_FLOOR`` (1e-3) ``f`` and ``df/dRe``
      are evaluated at ``RE_FLOOR`` (finite, no NaN/inf) while ``f*Re``
      (:func:`friction_times_re`) stays exactly 64, so the zero-flow limit is exact when the
      product is used.
    * turbulent, ``Re >= 4000``: Colebrook-White
      ``1/sqrt(f) = -2 log10(k/(3.7 D) + 2.51/(Re sqrt(f)))``, started from Swamee-Jain and
      solved by Newton iteration on ``x = 1/sqrt(f)`` to machine precision.
    * transition, ``2300 < Re < 4000``: cubic Hermite in Re matching value and slope of the
      laminar law at 2300 and of the turbulent law at 4000 (C1 everywhere).
``"nikuradse"`` (STANET's "Nikuradse" and pandapipes' default ``friction_model="nikuradse"``)
    ``f = 64/Re + 1/(2 log10(3.71 D/k))^2`` at every Re: the laminar term plus Nikuradse's fully
    rough value (constant 3.71 as STANET and pandapipes use it). ``f*Re = 64 + f_rough Re`` is
    exact at zero flow. Needs ``k > 0`` (a smooth pipe has no fully rough limit).
``"swamee_jain"`` (explicit Colebrook approximation, Swamee & Jain 1976)
    turbulent ``f = 0.25/log10(k/(3.7 D) + 5.74/Re^0.9)^2`` with the same laminar law and
    transition blend as ``"colebrook"``.

``df/dRe`` is analytic (for Colebrook by implicit differentiation). Scalars in, floats out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "DEFAULT_FRICTION_LAW",
    "FRICTION_LAWS",
    "RE_FLOOR",
    "RE_LAMINAR",
    "RE_TURBULENT",
    "check_law",
    "friction_factor",
    "friction_factor_and_derivative",
    "friction_times_re",
    "nikuradse_rough",
    "pressure_drop_pipe",
]

RE_LAMINAR = 2300.0
RE_TURBULENT = 4000.0
RE_FLOOR = 1.0e-3
_C = 2.0 / np.log(10.0)
_MAX_NEWTON = 8
FRICTION_LAWS = ("colebrook", "nikuradse", "swamee_jain")
DEFAULT_FRICTION_LAW = "colebrook"
NIKURADSE_CONSTANT = 3.71  # 1/sqrt(f) = 2 log10(3.71 D/k) (STANET, pandapipes)


def _out(x: np.ndarray) -> np.ndarray | float:
    return float(x) if np.ndim(x) == 0 else x


def _colebrook(re: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colebrook f and df/dRe for ``re >= RE_TURBULENT`` (arrays of equal shape)."""
    a = rr / 3.7
    b = 2.51 / re
    x = -2.0 * np.log10(a + 5.74 / re**0.9)  # Swamee-Jain start
    for _ in range(_MAX_NEWTON):
        g = a + b * x
        step = (x + 2.0 * np.log10(g)) / (1.0 + _C * b / g)
        x = x - step
        if np.all(np.abs(step) <= 4.0 * np.finfo(float).eps * np.abs(x)):
            break
    g = a + b * x
    dx_dre = _C * (b * x / (re * g)) / (1.0 + _C * b / g)  # -F_Re / F_x
    return x**-2, -2.0 * x**-3 * dx_dre


def _swamee_jain(re: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Swamee-Jain f and df/dRe (arrays of equal shape, ``re > 0``)."""
    g = rr / 3.7 + 5.74 * re**-0.9
    lg = np.log10(g)
    dg_dre = -0.9 * 5.74 * re**-1.9
    return 0.25 / lg**2, -0.5 / lg**3 * dg_dre / (g * np.log(10.0))


def nikuradse_rough(rel_roughness: ArrayLike) -> np.ndarray | float:
    """Nikuradse's fully rough friction factor ``1/(2 log10(3.71/(k/D)))^2`` [-] (``k/D > 0``)."""
    rr = np.asarray(rel_roughness, dtype=float)
    if np.any(rr <= 0.0):
        raise ValueError("the Nikuradse friction law needs a roughness k > 0")
    return _out(1.0 / (2.0 * np.log10(NIKURADSE_CONSTANT / rr)) ** 2)


def check_law(law: str) -> str:
    """``law`` if it is one of ``FRICTION_LAWS``, else ``ValueError`` naming the choices."""
    if law not in FRICTION_LAWS:
        raise ValueError(f"unknown friction law {law!r}; expected one of "
                         f"{', '.join(FRICTION_LAWS)}")
    return law


def _friction_parts(re: ArrayLike, rel_roughness: ArrayLike, law: str = DEFAULT_FRICTION_LAW):
    """Return (f, df/dRe, f*Re, Re^2*df/dRe) as broadcast arrays."""
    check_law(law)
    re_a, rr = np.broadcast_arrays(
        np.abs(np.asarray(re, dtype=float)), np.asarray(rel_roughness, dtype=float)
    )
    if np.any(rr < 0.0):
        raise ValueError("rel_roughness must be >= 0")
    shape = re_a.shape
    re_a, rr = re_a.ravel(), rr.ravel()
    if law == "nikuradse":
        f_r = np.asarray(nikuradse_rough(rr), dtype=float).reshape(re_a.shape)
        re_l = np.maximum(re_a, RE_FLOOR)
        f, df = 64.0 / re_l + f_r, -64.0 / re_l**2
        fre, re2df = 64.0 + f_r * re_a, np.full_like(re_a, -64.0)
        return tuple(v.reshape(shape) for v in (f, df, fre, re2df))

    turbulent = _colebrook if law == "colebrook" else _swamee_jain
    f_t, df_t = turbulent(np.maximum(re_a, RE_TURBULENT), rr)
    re_l = np.maximum(re_a, RE_FLOOR)
    f, df = 64.0 / re_l, -64.0 / re_l**2
    fre, re2df = np.full_like(re_a, 64.0), np.full_like(re_a, -64.0)

    turb = re_a >= RE_TURBULENT
    f[turb], df[turb] = f_t[turb], df_t[turb]

    trans = (re_a > RE_LAMINAR) & ~turb
    if np.any(trans):
        span = RE_TURBULENT - RE_LAMINAR
        t = (re_a[trans] - RE_LAMINAR) / span
        f0, m0 = 64.0 / RE_LAMINAR, -64.0 / RE_LAMINAR**2 * span
        f1, m1 = f_t[trans], df_t[trans] * span
        h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
        h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
        f[trans] = h00 * f0 + h10 * m0 + h01 * f1 + h11 * m1
        d00, d10 = 6 * t**2 - 6 * t, 3 * t**2 - 4 * t + 1
        d01, d11 = -6 * t**2 + 6 * t, 3 * t**2 - 2 * t
        df[trans] = (d00 * f0 + d10 * m0 + d01 * f1 + d11 * m1) / span

    lam = re_a <= RE_LAMINAR
    fre = np.where(lam, fre, f * re_a)
    re2df = np.where(lam, re2df, df * re_a**2)
    return tuple(v.reshape(shape) for v in (f, df, fre, re2df))


def friction_factor(re: ArrayLike, rel_roughness: ArrayLike = 0.0,
                    law: str = DEFAULT_FRICTION_LAW) -> np.ndarray | float:
    """Darcy friction factor [-] for Reynolds number ``re`` and ``rel_roughness`` = k/D.

    Parameters
    ----------
    re, rel_roughness : array_like
        Reynolds number [-] (its absolute value is used) and k/D [-].
    law : str
        One of ``FRICTION_LAWS`` (module docstring).
    """
    return _out(_friction_parts(re, rel_roughness, law)[0])


def friction_factor_and_derivative(re: ArrayLike, rel_roughness: ArrayLike = 0.0,
                                   law: str = DEFAULT_FRICTION_LAW):
    """Return ``(f, df_dre)``: Darcy friction factor [-] and its analytic derivative d f/d Re
    under friction ``law``."""
    f, df, _, _ = _friction_parts(re, rel_roughness, law)
    return _out(f), _out(df)


def friction_times_re(re: ArrayLike, rel_roughness: ArrayLike = 0.0,
                      law: str = DEFAULT_FRICTION_LAW) -> np.ndarray | float:
    """Product ``f*Re`` [-]; exactly 64 at ``Re = 0`` (and for ``Re <= 2300`` except under
    ``"nikuradse"``, where it is ``64 + f_rough Re``)."""
    return _out(_friction_parts(re, rel_roughness, law)[2])


def pressure_drop_pipe(
    mdot: ArrayLike,
    length: ArrayLike,
    d: ArrayLike,
    roughness: ArrayLike,
    rho: ArrayLike,
    mu: ArrayLike,
    zeta: ArrayLike = 0.0,
    *,
    re_eps: float = 1.0,
    law: str = DEFAULT_FRICTION_LAW,
):
    """Signed Darcy-Weisbach + minor-loss pressure drop and its derivative.

    ``dp = (f L/D + zeta) * rho v|v|/2`` with ``v = mdot/(rho A)``, ``A = pi D^2/4``.

    Args:
        mdot: mass flow [kg/s] (signed; ``dp`` has its sign).
        length: pipe length [m]; d: inner diameter [m]; roughness: absolute roughness k [m].
        rho: density [kg/m^3]; mu: dynamic viscosity [Pa s]; zeta: minor-loss coefficient [-].
        re_eps: only for ``length == 0`` (pure zeta elements): ``|mdot|`` in the zeta term is
            replaced by ``sqrt(mdot^2 + m_eps^2)`` with ``m_eps = re_eps*pi*D*mu/4`` (the flow
            at Re = re_eps), so the derivative stays > 0 at zero flow. Relative dp change is
            ``~(m_eps/mdot)^2/2``, negligible at any real flow.

    Returns:
        ``(dp, ddp_dmdot)`` in [Pa] and [Pa s/kg]. ``ddp_dmdot > 0`` everywhere (for L > 0 the
        laminar term gives ``64 (L/D) mu/(2 rho A D)`` at zero flow), unless L = zeta = 0.
    """
    m = np.asarray(mdot, dtype=float)
    length_a = np.asarray(length, dtype=float)
    d_a = np.asarray(d, dtype=float)
    rho_a = np.asarray(rho, dtype=float)
    zeta_a = np.asarray(zeta, dtype=float)
    area = 0.25 * np.pi * d_a**2
    k = 1.0 / (2.0 * rho_a * area**2)  # dp = coeff * K * mdot|mdot|
    s = 0.25 * np.pi * d_a * np.asarray(mu, dtype=float)  # Re = |mdot| / s
    m_abs = np.abs(m)
    rr = np.asarray(roughness, dtype=float) / d_a
    if law == "nikuradse":
        rr = np.where(length_a > 0.0, rr, 1.0)  # no friction term on length-0 elements
    _, _, fre, re2df = _friction_parts(m_abs / s, rr, law)

    lod = length_a / d_a
    dp = lod * k * s * fre * m
    ddp = lod * k * s * (2.0 * fre + re2df)

    m_eff = np.where(length_a > 0.0, m_abs, np.sqrt(m * m + (re_eps * s) ** 2))
    dp = dp + zeta_a * k * m * m_eff
    ddp = ddp + zeta_a * k * (m_eff + m * m / np.where(m_eff > 0.0, m_eff, 1.0))
    return _out(dp), _out(ddp)
