"""Steady pipe heat loss to the soil (exact exponential solution, vectorised, SI units).

For a pipe with linear heat-transfer coefficient ``U_L`` [W/(m K)], length ``L`` [m], mass flow
``mdot`` [kg/s] and heat capacity ``cp`` [J/(kg K)], the steady energy balance
``|mdot| cp dT/dx = -U_L (T - T_soil)`` gives

    T_out = T_soil + (T_in - T_soil) * exp(-U_L L / (|mdot| cp)).

Conventions: the flow direction is irrelevant (``|mdot|`` is used, ``t_in`` is the temperature
entering the pipe). At zero flow the decay factor is 0, i.e. stagnant water has cooled to soil
temperature (no NaN, no warnings). A lossless pipe (``U_L * L == 0``) has decay factor 1 even
at zero flow. Scalars in, floats out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LAMBDA_CASING_PE", "LAMBDA_SOIL", "LAMBDA_STEEL", "decay_factor", "heat_loss_w",
           "linear_u_from_area_u", "outlet_temperature", "u_from_area_coefficient",
           "u_from_insulation"]

LAMBDA_SOIL = 1.5  # W/(m K), moist sandy soil (EN 13941 design value range 1.0–2.0)
LAMBDA_CASING_PE = 0.43  # W/(m K), HDPE casing (EN 253 assumes 0.4–0.45)
LAMBDA_STEEL = 50.0  # W/(m K), carbon steel service pipe
COVER_M = 0.8  # m of soil above the casing


def _out(x: np.ndarray) -> np.ndarray | float:
    return float(x) if np.ndim(x) == 0 else x


def _decay(u_w_per_mk: ArrayLike, length: ArrayLike, mdot: ArrayLike, cp: ArrayLike) -> np.ndarray:
    ul = np.asarray(u_w_per_mk, dtype=float) * np.asarray(length, dtype=float)
    cap = np.abs(np.asarray(mdot, dtype=float)) * np.asarray(cp, dtype=float)
    ul, cap = np.broadcast_arrays(ul, cap)
    if np.any(ul < 0.0):
        raise ValueError("u_w_per_mk * length must be >= 0")
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        ntu = ul / cap
        ntu = np.where(ul == 0.0, 0.0, np.where(cap > 0.0, ntu, np.inf))
        return np.exp(-ntu)


def decay_factor(
    u_w_per_mk: ArrayLike, length: ArrayLike, mdot: ArrayLike, cp: ArrayLike
) -> np.ndarray | float:
    """``exp(-U_L L/(|mdot| cp))`` in [0, 1] [-]; 0 at zero flow, 1 if ``U_L L == 0``.

    Parameters
    ----------
    u_w_per_mk : float or array_like
        Linear heat-loss coefficient U_L [W/(m K)].
    length : float or array_like
        Pipe length [m].
    mdot : float or array_like
        Mass flow [kg/s].
    cp : float or array_like
        Specific heat capacity [J/(kg K)].

    Returns
    -------
    float or ndarray
        Decay factor [-] in [0, 1].
    """
    return _out(_decay(u_w_per_mk, length, mdot, cp))


def outlet_temperature(
    t_in: ArrayLike,
    t_soil: ArrayLike,
    u_w_per_mk: ArrayLike,
    length: ArrayLike,
    mdot: ArrayLike,
    cp: ArrayLike,
) -> np.ndarray | float:
    """Pipe outlet temperature [K] for inlet ``t_in`` [K] and soil ``t_soil`` [K].

    Parameters
    ----------
    t_in : float or array_like
        Inlet temperature [K].
    t_soil : float or array_like
        Soil temperature [K].
    u_w_per_mk : float or array_like
        Linear heat-loss coefficient U_L [W/(m K)].
    length : float or array_like
        Pipe length [m].
    mdot : float or array_like
        Mass flow [kg/s] (its sign does not matter).
    cp : float or array_like
        Specific heat capacity [J/(kg K)].

    Returns
    -------
    float or ndarray
        Outlet temperature [K]. Zero flow returns ``t_soil``.
    """
    t_in_a = np.asarray(t_in, dtype=float)
    t_soil_a = np.asarray(t_soil, dtype=float)
    return _out(t_soil_a + (t_in_a - t_soil_a) * _decay(u_w_per_mk, length, mdot, cp))


def heat_loss_w(
    t_in: ArrayLike,
    t_soil: ArrayLike,
    u_w_per_mk: ArrayLike,
    length: ArrayLike,
    mdot: ArrayLike,
    cp: ArrayLike,
) -> np.ndarray | float:
    """Heat flow to the soil [W] = ``|mdot| cp (t_in - t_out)`` (0 at zero flow).

    Parameters
    ----------
    t_in : float or array_like
        Inlet temperature [K].
    t_soil : float or array_like
        Soil temperature [K].
    u_w_per_mk : float or array_like
        Linear heat-loss coefficient U_L [W/(m K)].
    length : float or array_like
        Pipe length [m].
    mdot : float or array_like
        Mass flow [kg/s] (its sign does not matter).
    cp : float or array_like
        Specific heat capacity [J/(kg K)].

    Returns
    -------
    float or ndarray
        Heat flow to the soil [W]. Negative if the soil is warmer than the water.
    """
    cap = np.abs(np.asarray(mdot, dtype=float)) * np.asarray(cp, dtype=float)
    dt = np.asarray(t_in, dtype=float) - np.asarray(t_soil, dtype=float)
    return _out(cap * dt * (1.0 - _decay(u_w_per_mk, length, mdot, cp)))


def linear_u_from_area_u(u_w_per_m2k: ArrayLike, d_m: ArrayLike) -> np.ndarray | float:
    """Linear coefficient U_L [W/(m K)] = U [W/(m^2 K)] * pi * d [m] (d: reference diameter).

    Parameters
    ----------
    u_w_per_m2k : float or array_like
        Area-related coefficient U [W/(m² K)].
    d_m : float or array_like
        Reference diameter [m].

    Returns
    -------
    float or ndarray
        U_L [W/(m K)].
    """
    return _out(np.asarray(u_w_per_m2k, dtype=float) * np.pi * np.asarray(d_m, dtype=float))


def u_from_area_coefficient(u_w_m2k: ArrayLike, d_outer_m: ArrayLike) -> np.ndarray | float:
    """Linear heat-loss coefficient U_L [W/(m K)] from a per-m² coefficient over the outer surface.

    STANET's ``WDZAHL`` and pandapipes' ``u_w_per_m2k`` are given per m² of pipe surface; with
    the outer diameter as reference surface ``U_L = U · π · d_outer``.

    Parameters
    ----------
    u_w_m2k : array_like
        Heat-transfer coefficient per m² of outer pipe surface [W/(m² K)], ≥ 0.
    d_outer_m : array_like
        Outer diameter [m] (of the casing or steel pipe the coefficient refers to), > 0.

    Returns
    -------
    float or ndarray
        U_L [W/(m K)].

    Examples
    --------
    >>> round(u_from_area_coefficient(1.0, 0.2), 6)
    0.628319
    """
    u = np.asarray(u_w_m2k, dtype=float)
    d = np.asarray(d_outer_m, dtype=float)
    if np.any(u < 0.0) or np.any(~(d > 0.0)):
        raise ValueError("u_w_m2k must be >= 0 and d_outer_m > 0")
    return _out(u * np.pi * d)


def u_from_insulation(d_outer_steel_m: float, insulation_thickness_m: float,
                      lambda_w_mk: float, *, casing_thickness_m: float = 0.0,
                      lambda_casing_w_mk: float = LAMBDA_CASING_PE,
                      d_inner_m: float | None = None, lambda_steel_w_mk: float = LAMBDA_STEEL,
                      cover_depth_m: float = COVER_M,
                      lambda_soil_w_mk: float = LAMBDA_SOIL) -> float:
    """Linear heat-loss coefficient [W/(m K)] of one buried insulated pipe (steady conduction).

    Series of cylindrical resistances per metre of pipe (each ``ln(r_out / r_in) / (2π λ)``) and
    the soil resistance of a single pipe below a surface at soil temperature (line source and
    its mirror image, Kennelly; EN 13941-1 / Wallentén 1991 in the ``4H ≫ D`` form):

        R = ln(d_steel / d_inner) / (2π λ_steel)             (steel wall, when d_inner given)
          + ln(D_ins / d_steel) / (2π λ_ins)                 (insulation, D_ins = d_steel + 2 s)
          + ln(D_casing / D_ins) / (2π λ_casing)             (casing, D_casing = D_ins + 2 s_c)
          + ln(4 H / D_casing) / (2π λ_soil)                 (soil, H = cover + D_casing / 2)

    ``U_L = 1 / R``, referred to the temperature difference water − undisturbed soil. The film
    resistance inside the pipe (≈ 10⁻⁴ m K/W) and the surface resistance of the ground are
    neglected. The neighbouring pipe of a twin trench is ignored: with both pipes warm, each
    loses a few % less than computed (the value is slightly conservative for the loss).

    Parameters
    ----------
    d_outer_steel_m : float
        outer diameter of the service (steel or plastic) pipe [m].
    insulation_thickness_m : float
        radial thickness of the insulation [m].
    lambda_w_mk : float
        thermal conductivity of the insulation [W/(m K)] (aged PUR ≈ 0.027, EN 253).
    casing_thickness_m : float
        wall thickness of the casing [m] (0: no casing).
    lambda_casing_w_mk : float
        conductivity of the casing [W/(m K)] (HDPE 0.43).
    d_inner_m : float, optional
        inner diameter of the service pipe [m]; adds the pipe wall's resistance.
    lambda_steel_w_mk : float
        conductivity of the service-pipe wall [W/(m K)] (steel 50; PE-Xa 0.35).
    cover_depth_m : float
        soil cover above the casing [m] (0.8 m: EN 13941 minimum under traffic areas ≈ 0.6).
    lambda_soil_w_mk : float
        soil conductivity [W/(m K)] (1.5: moist sand; dry 1.0, wet 2.0).

    Returns
    -------
    float
        U_L [W/(m K)].
    """
    d_s = float(d_outer_steel_m)
    s = float(insulation_thickness_m)
    if not (d_s > 0 and s > 0 and lambda_w_mk > 0 and lambda_soil_w_mk > 0
            and casing_thickness_m >= 0 and cover_depth_m > 0):
        raise ValueError("diameters, thickness, conductivities and cover must be positive")
    two_pi = 2.0 * np.pi
    d_ins = d_s + 2.0 * s
    d_cas = d_ins + 2.0 * float(casing_thickness_m)
    r = np.log(d_ins / d_s) / (two_pi * lambda_w_mk)
    if casing_thickness_m > 0:
        r += np.log(d_cas / d_ins) / (two_pi * lambda_casing_w_mk)
    if d_inner_m is not None:
        if not 0 < d_inner_m < d_s:
            raise ValueError("d_inner_m must be between 0 and the outer diameter")
        r += np.log(d_s / d_inner_m) / (two_pi * lambda_steel_w_mk)
    depth = cover_depth_m + d_cas / 2.0
    r += np.log(4.0 * depth / d_cas) / (two_pi * lambda_soil_w_mk)
    return float(1.0 / r)
