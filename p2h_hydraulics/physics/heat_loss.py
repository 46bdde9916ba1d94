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

__all__ = ["decay_factor", "heat_loss_w", "linear_u_from_area_u", "outlet_temperature"]


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
