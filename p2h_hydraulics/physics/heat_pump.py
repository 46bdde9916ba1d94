"""Heat-pump stage model: COP as a fraction (Carnot efficiency) of the Carnot COP.

``COP = eta * T_hot / (T_hot - T_cold)`` with ``T_hot`` the condenser (sink) temperature and
``T_cold`` the evaporator temperature, both in K. Pass the evaporator temperature (source
temperature minus the evaporator approach) as ``t_cold_k`` if the approach matters.

Typical values with ``eta ~ 0.5``: classical district heating (80-90 degC supply) 2.5-3.5,
low-temperature networks (40-60 degC) 3.5-6; Norderstedt (81 degC supply, air-cooled
data-centre waste heat at 25-30 degC, ~5 K approach) ~3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["HeatPumpStage", "carnot_cop", "heat_pump_stage"]


@dataclass(frozen=True)
class HeatPumpStage:
    """Operating point of one heat-pump stage (all SI: W, K; cop [-])."""

    q_out_w: float  # heat delivered to the sink [W]
    cop: float  # coefficient of performance q_out/p_el [-]
    p_el_w: float  # electrical (compressor) power [W]
    q_source_w: float  # heat taken from the source [W] = q_out - p_el
    lift_k: float  # temperature lift t_hot - t_cold [K]
    t_hot_k: float  # sink/condenser temperature [K]
    t_cold_k: float  # source/evaporator temperature [K]


def carnot_cop(t_hot_k: ArrayLike, t_cold_k: ArrayLike, eta: ArrayLike = 0.5) -> np.ndarray | float:
    """COP [-] = ``eta * t_hot_k / (t_hot_k - t_cold_k)`` (temperatures in K).

    Raises ValueError for non-positive temperatures or ``eta`` outside (0, 1], and for scalar
    inputs with ``t_hot_k <= t_cold_k``. For array inputs, elements with lift <= 0 return
    ``np.inf`` (no work needed; callers must treat them as "direct heat exchange").

    Parameters
    ----------
    t_hot_k : float or array_like
        Sink (condenser) temperature [K].
    t_cold_k : float or array_like
        Source (evaporator) temperature [K].
    eta : float or array_like
        Share of the Carnot COP reached, in (0, 1].

    Returns
    -------
    float or ndarray
        COP [-].
    """
    t_hot = np.asarray(t_hot_k, dtype=float)
    t_cold = np.asarray(t_cold_k, dtype=float)
    eta_a = np.asarray(eta, dtype=float)
    if np.any(t_hot <= 0.0) or np.any(t_cold <= 0.0):
        raise ValueError("temperatures must be absolute (K) and > 0")
    if np.any(eta_a <= 0.0) or np.any(eta_a > 1.0):
        raise ValueError(f"eta must be in (0, 1], got {eta}")
    lift = t_hot - t_cold
    if np.ndim(lift) == 0 and np.ndim(eta_a) == 0:
        if lift <= 0.0:
            raise ValueError(
                f"heat pump needs t_hot_k > t_cold_k, got t_hot_k={float(t_hot)} K, "
                f"t_cold_k={float(t_cold)} K"
            )
        return float(eta_a * t_hot / lift)
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.where(lift > 0.0, eta_a * t_hot / np.where(lift > 0.0, lift, 1.0), np.inf)
    return cop


def heat_pump_stage(
    q_out_w: float, t_hot_k: float, t_cold_k: float, eta: float = 0.5,
    cop_max: float | None = None,
) -> HeatPumpStage:
    """Operating point for delivered heat ``q_out_w`` [W] between ``t_cold_k`` and ``t_hot_k``.

    ``p_el_w = q_out_w / cop`` and ``q_source_w = q_out_w - p_el_w``. Scalar lift <= 0 raises
    ValueError (see :func:`carnot_cop`); with arrays, lift <= 0 gives cop = inf, p_el = 0.
    ``cop_max``: ceiling of the COP (the Carnot-grade law grows without bound as the lift
    shrinks, a real machine does not: compressor, pumps and auxiliaries); None: no ceiling.

    Parameters
    ----------
    q_out_w : float
        Heat delivered [W].
    t_hot_k, t_cold_k : float
        Sink and source temperatures [K].
    eta : float
        Share of the Carnot COP reached.
    cop_max : float, optional
        Ceiling of the COP.

    Returns
    -------
    HeatPumpStage
        COP, electricity ``p_el_w`` [W], heat from the source ``q_source_w`` [W], lift [K].
    """
    cop = carnot_cop(t_hot_k, t_cold_k, eta)
    if cop_max is not None:
        cop = float(min(cop, cop_max)) if np.ndim(cop) == 0 else np.minimum(cop, cop_max)
    p_el = np.asarray(q_out_w, dtype=float) / cop
    p_el = float(p_el) if np.ndim(p_el) == 0 else p_el
    q_out = float(q_out_w) if np.ndim(q_out_w) == 0 else np.asarray(q_out_w, dtype=float)
    lift = np.asarray(t_hot_k, dtype=float) - np.asarray(t_cold_k, dtype=float)
    return HeatPumpStage(
        q_out_w=q_out,
        cop=cop,
        p_el_w=p_el,
        q_source_w=q_out - p_el,
        lift_k=float(lift) if lift.ndim == 0 else lift,
        t_hot_k=float(t_hot_k) if np.ndim(t_hot_k) == 0 else np.asarray(t_hot_k, dtype=float),
        t_cold_k=float(t_cold_k) if np.ndim(t_cold_k) == 0 else np.asarray(t_cold_k, dtype=float),
    )
