"""Liquid water properties for district-heating conditions (0-200 degC, ~1-25 bar).

Source: IAPWS-IF97 evaluated with CoolProp 8.0.0 (``'IF97::Water'`` backend) and shipped as
``water_table.csv`` (generator: ``python -m p2h_hydraulics.physics.make_water_table``).

* Grid: 273.15 ... 473.15 K, step 0.5 K.
* Pressure convention: liquid at ``p_ref(T) = max(10 bar, p_sat(T) + 1 bar)`` (10 bar up to
  ~175 degC). The pressure effect is otherwise neglected (density changes ~5e-5 per bar).
* ``enthalpy`` is ``integral cp dT`` from 273.15 K (so ``h(273.15 K) = 0`` and ``dh/dT = cp``).
* ``saturation_pressure`` is IF97 region 4.

Evaluation is ``np.interp`` on the grid (``log p_sat`` and ``log mu`` are interpolated for
accuracy). Interpolation error vs IF97 at ``p_ref``: rho 1e-6, cp 2e-6, mu 2e-5, p_sat 2e-5,
h 2e-5 (relative). Inputs outside ``TEMPERATURE_RANGE_K`` (or outside the tabulated enthalpy range)
are clipped to the range edges; no exception is raised. All functions accept scalars or
arrays and return floats of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "TEMPERATURE_RANGE_K",
    "density",
    "enthalpy",
    "heat_capacity",
    "saturation_pressure",
    "temperature_from_enthalpy",
    "viscosity",
]

TEMPERATURE_RANGE_K: tuple[float, float] = (273.15, 473.15)
TABLE_PATH = Path(__file__).with_name("water_table.csv")
_COLUMNS = ("t_k", "rho_kg_m3", "cp_j_kgk", "mu_pa_s", "h_j_kg", "psat_pa")


@dataclass(frozen=True)
class _Table:
    t: np.ndarray
    rho: np.ndarray
    cp: np.ndarray
    log_mu: np.ndarray
    h: np.ndarray
    log_psat: np.ndarray


@cache
def _table() -> _Table:
    """Load the shipped CSV once (first use) and cache it."""
    lines = [
        ln
        for ln in TABLE_PATH.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    header = tuple(c.strip() for c in lines[0].split(","))
    if header != _COLUMNS:
        raise ValueError(f"unexpected columns in {TABLE_PATH}: {header}")
    data = np.loadtxt(lines[1:], delimiter=",", dtype=float)
    t, rho, cp, mu, h, psat = data.T
    if not (np.all(np.diff(t) > 0) and np.all(np.diff(h) > 0)):
        raise ValueError(f"{TABLE_PATH}: t_k and h_j_kg must be strictly increasing")
    if not np.allclose(np.diff(t), t[1] - t[0], rtol=0, atol=1e-9):
        raise ValueError(f"{TABLE_PATH}: the t_k grid must be uniform")
    return _Table(t, rho, cp, np.log(mu), h, np.log(psat))


def _interp(x: ArrayLike, xp: np.ndarray, fp: np.ndarray) -> np.ndarray | float:
    x_arr = np.asarray(x, dtype=float)
    if xp is _table().t and x_arr.ndim and x_arr.size > 64:
        out = _interp_uniform(x_arr, fp)
    else:
        out = np.interp(x_arr, xp, fp)
    return float(out) if x_arr.ndim == 0 else out


def _interp_uniform(x: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` on the temperature grid, which is uniform: the cell is computed, not
    searched (2–3× faster on large arrays; same clipping at the ends, same values to round-off)."""
    tab = _table()
    t0, step = float(tab.t[0]), float(tab.t[1] - tab.t[0])
    pos = np.clip((x - t0) / step, 0.0, len(fp) - 1.0)
    i = np.minimum(pos.astype(np.intp), len(fp) - 2)
    frac = pos - i
    lo = fp[i]
    return lo + frac * (fp[i + 1] - lo)


def density(t_k: ArrayLike) -> np.ndarray | float:
    """Density [kg/m^3] of liquid water at temperature ``t_k`` [K]."""
    tab = _table()
    return _interp(t_k, tab.t, tab.rho)


def heat_capacity(t_k: ArrayLike) -> np.ndarray | float:
    """Isobaric specific heat capacity [J/(kg K)] at ``t_k`` [K]."""
    tab = _table()
    return _interp(t_k, tab.t, tab.cp)


def viscosity(t_k: ArrayLike) -> np.ndarray | float:
    """Dynamic viscosity [Pa s] at ``t_k`` [K] (log-linear interpolation)."""
    tab = _table()
    return np.exp(_interp(t_k, tab.t, tab.log_mu))


def saturation_pressure(t_k: ArrayLike) -> np.ndarray | float:
    """Saturation pressure [Pa, absolute] at ``t_k`` [K] (log-linear interpolation)."""
    tab = _table()
    return np.exp(_interp(t_k, tab.t, tab.log_psat))


def enthalpy(t_k: ArrayLike) -> np.ndarray | float:
    """Specific enthalpy [J/kg] relative to liquid at 273.15 K (``integral cp dT``)."""
    tab = _table()
    return _interp(t_k, tab.t, tab.h)


def temperature_from_enthalpy(h_j_kg: ArrayLike) -> np.ndarray | float:
    """Temperature [K] from specific enthalpy [J/kg]; exact inverse of :func:`enthalpy`."""
    tab = _table()
    return _interp(h_j_kg, tab.h, tab.t)
