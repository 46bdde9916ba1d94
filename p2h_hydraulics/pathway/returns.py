"""Return-temperature models of the temperature pathway: how the consumers' returns move when
the network's supply temperature is lowered.

A level is reached by lowering the plant's supply temperature by ``step_k`` from today's level
``t_today_c``. Each consumer has a design point today: the supply it gets (taken as today's
plant level) and its return setpoint. Three models (``RETURN_MODELS``):

* ``fixed`` — return setpoints unchanged. The consumers' cooling ΔT shrinks by the step.
* ``constant_dt`` — each consumer keeps its design cooling ΔT: the return setpoint drops by the
  step (the flows stay; what a network reaches when every building is retrofitted to the
  lower level).
* ``substation`` (default) — each consumer is a counter-flow heat exchanger sized for today's
  design point (UA fixed), the building (secondary) side keeps its temperatures (same
  emitters, same outdoor temperature) and the heat demand stays. The primary return follows
  from the LMTD equation (Incropera & DeWitt, *Fundamentals of Heat and Mass Transfer*,
  §11.3, eqs. 11.14–11.15: ``Q = UA · ΔT_lm``, counter flow ``ΔT_1 = T_h,in − T_c,out``,
  ``ΔT_2 = T_h,out − T_c,in``): with ``Q`` and ``UA`` fixed the log-mean difference stays at its
  design value, so a lower hot-end difference forces a larger cold-end difference — the
  return rises, the cooling ΔT shrinks faster than the supply and the flows grow. This is the
  default because it is what today's buildings and substations do when only the network
  temperature changes; ``fixed`` and ``constant_dt`` bracket it.

Substation design secondary side: supply ``T_sup,design − hot_approach_k`` and return
``T_ret,design − cold_approach_k`` (defaults 10 K and 5 K, a typical district-heating
substation). When the lowered supply cannot deliver the demand at all (the hot end would be
≤ 0 K, or the primary return would have to exceed the supply), the consumer is counted as *at
its exchanger limit* and its return set ``min_cooling_k`` below the level (its valve fully
open; the flow that follows is what the hydraulics are judged with).

Only return-controlled (``t_return``) and ΔT-controlled (``delta_t``) consumers move; fixed-
flow (``mdot``) consumers keep their flow. The primary supply a consumer gets is taken as the
plant level (pipe heat losses of a few kelvin are neglected in the model's design point).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import lambertw

from ..errors import ScenarioError
from ..units import ZERO_CELSIUS_K

__all__ = ["RETURN_MODELS", "lmtd", "counterflow_cold_end_k", "substation_return_c",
           "level_returns", "apply_return_model"]

RETURN_MODELS = ("fixed", "constant_dt", "substation")


def lmtd(dt_hot_k: float, dt_cold_k: float) -> float:
    """Log-mean temperature difference [K] of the two end differences (> 0).

    Parameters
    ----------
    dt_hot_k, dt_cold_k : float
        Temperature differences at the two ends of the exchanger [K].

    Returns
    -------
    float
        ``(ΔT_1 − ΔT_2) / ln(ΔT_1 / ΔT_2)``; the arithmetic limit when they are equal.
    """
    a, b = float(dt_hot_k), float(dt_cold_k)
    if a <= 0 or b <= 0:
        raise ValueError("LMTD needs two positive end differences")
    if abs(a - b) <= 1e-12 * max(a, b):
        return a
    return (a - b) / math.log(a / b)


def counterflow_cold_end_k(dt_hot_k: float, lmtd_k: float) -> float:
    """The cold-end difference ``b`` with ``LMTD(a, b) = lmtd_k`` for a hot end ``a`` [K].

    Closed form with the Lambert W function: with ``x = b/a`` and ``r = lmtd/a`` the equation
    ``a (1 − x) / ln(1/x) = lmtd`` becomes ``x = −r · W(−e^{−1/r} / r)``; the branch that is not
    the trivial root ``x = 1`` is ``W_0`` for ``r < 1`` and ``W_{−1}`` for ``r > 1``.

    Parameters
    ----------
    dt_hot_k : float
        Hot-end difference [K] (> 0).
    lmtd_k : float
        Required log-mean difference [K] (> 0).

    Returns
    -------
    float
        The cold-end difference [K].
    """
    a, target = float(dt_hot_k), float(lmtd_k)
    if a <= 0 or target <= 0:
        raise ValueError("the hot-end difference and the LMTD must be positive")
    r = target / a
    if abs(r - 1.0) < 1e-12:
        return a
    z = -math.exp(-1.0 / r) / r
    branch = 0 if r < 1.0 else -1
    x = -r * float(np.real(lambertw(z, branch)))
    return a * x


def substation_return_c(t_supply_c: float, t_supply_design_c: float, t_return_design_c: float,
                        hot_approach_k: float = 10.0, cold_approach_k: float = 5.0) -> float:
    """Primary return [°C] of a counter-flow substation sized at design, at a new supply.

    Parameters
    ----------
    t_supply_c : float
        Primary supply at the level [°C].
    t_supply_design_c, t_return_design_c : float
        Primary supply and return at today's design point [°C].
    hot_approach_k, cold_approach_k : float
        Design differences primary − secondary at the hot end (supply side) and the cold end
        (return side) [K]; they fix the building's secondary temperatures.

    Returns
    -------
    float
        The primary return [°C]; NaN when the exchanger cannot deliver the demand at this
        supply (hot end ≤ 0, or the return would reach the supply).
    """
    t_s_out = t_supply_design_c - hot_approach_k  # secondary (building) supply
    t_s_in = t_return_design_c - cold_approach_k  # secondary return
    target = lmtd(hot_approach_k, cold_approach_k)
    a = t_supply_c - t_s_out
    if a <= 0:
        return math.nan
    t_ret = t_s_in + counterflow_cold_end_k(a, target)
    return t_ret if t_ret < t_supply_c else math.nan


def level_returns(model: str, t_today_c: float, level_c: float, t_return_c,
                  hot_approach_k: float = 10.0, cold_approach_k: float = 5.0,
                  min_cooling_k: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Return setpoints [°C] at ``level_c`` for consumers with today's setpoints ``t_return_c``.

    Parameters
    ----------
    model : str
        "fixed", "constant_dt" or "substation".
    t_today_c, level_c : float
        Today's plant supply and the level's [°C].
    t_return_c : array-like
        Today's return setpoints [°C].
    hot_approach_k, cold_approach_k : float
        Substation design approaches [K] (``substation`` only).
    min_cooling_k : float
        Smallest cooling of a consumer at its limit [K].

    Returns
    -------
    tuple of ndarray
        (return setpoints [°C], at-limit flags).
    """
    if model not in RETURN_MODELS:
        raise ScenarioError(f"unknown return model {model!r}; choose "
                            f"{', '.join(RETURN_MODELS)}")
    ret = np.asarray(t_return_c, dtype=float)
    step = float(t_today_c) - float(level_c)
    if model == "fixed":
        new = ret.copy()
    elif model == "constant_dt":
        new = ret - step
    else:
        new = np.array([substation_return_c(level_c, t_today_c, r, hot_approach_k,
                                            cold_approach_k) for r in ret])
    cap = float(level_c) - min_cooling_k
    limit = ~np.isfinite(new) | (new > cap)
    return np.where(limit, cap, new), limit


def apply_return_model(network, model: str, t_today_c: float, level_c: float, **params):
    """A new network whose consumers' returns follow ``model`` at ``level_c``.

    Parameters
    ----------
    network : Network
        Today's network (never modified).
    model : str
        A name of ``RETURN_MODELS``.
    t_today_c, level_c : float
        Today's plant supply and the level [°C].
    **params
        ``hot_approach_k``, ``cold_approach_k``, ``min_cooling_k`` (``level_returns``).

    Returns
    -------
    tuple
        (network, list of consumer ids at their exchanger limit).
    """
    cons = network.consumers.copy()
    if cons.empty:
        return network, []
    ctrl = cons["control"].to_numpy()
    is_ret = ctrl == "t_return"
    is_dt = ctrl == "delta_t"
    today_ret = np.where(is_ret, cons["t_return_k"].to_numpy(float) - ZERO_CELSIUS_K,
                         t_today_c - cons["delta_t_k"].to_numpy(float))
    new, limit = level_returns(model, t_today_c, level_c, today_ret, **params)
    moved = is_ret | is_dt
    if is_ret.any():
        cons.loc[is_ret, "t_return_k"] = new[is_ret] + ZERO_CELSIUS_K
    if is_dt.any():
        cons.loc[is_dt, "delta_t_k"] = level_c - new[is_dt]
    at_limit = [str(c) for c, f in zip(cons.index, limit & moved, strict=True) if f]
    return network.replace(consumers=cons), at_limit
