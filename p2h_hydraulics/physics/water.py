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
    "grid_columns",
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
    slope: dict  # per column: the step to the next grid point (0 after the last)


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
    cols = {"rho": rho, "cp": cp, "log_mu": np.log(mu), "h": h, "log_psat": np.log(psat)}
    slope = {k: np.append(np.diff(v), 0.0) for k, v in cols.items()}
    return _Table(t, slope=slope, **cols)


def _cell(x: np.ndarray, tab: _Table) -> tuple[np.ndarray, np.ndarray]:
    """(grid cell, fraction of it) of temperatures ``x`` [K], clipped to the table."""
    t0 = float(tab.t[0])
    pos = (x - t0) * (1.0 / float(tab.t[1] - t0))
    # clipped to [0, n − 1] as np.clip does (NaN stays NaN), without its call overhead
    np.minimum(np.maximum(pos, 0.0, out=pos), len(tab.t) - 1.0, out=pos)
    i = np.fmax(pos, 0.0).astype(np.intp)  # NaN: cell 0, its fraction (and value) NaN
    pos -= i
    return i, pos


@cache
def grid_columns(names: tuple[str, ...]) -> tuple[float, float, np.ndarray, np.ndarray]:
    """The table on its uniform grid, for compiled evaluations that reproduce the functions
    of this module.

    A column's value at ``T`` is ``values[k, i] + f * steps[k, i]`` with
    ``pos = (T − t0) · inv_step`` clipped to ``[0, n − 1]``, ``i = ⌊pos⌋`` (0 for NaN) and
    ``f = pos − i`` — the arithmetic of :func:`density` and the others on arrays of more than
    64 temperatures (smaller ones go through ``np.interp``: the same values to round-off).

    Parameters
    ----------
    names : tuple of str
        Columns among ``"rho"`` [kg/m³], ``"cp"`` [J/(kg K)], ``"log_mu"`` (ln of the
        viscosity in Pa s), ``"h"`` [J/kg] and ``"log_psat"`` (ln of the pressure in Pa).

    Returns
    -------
    t0 : float
        First grid temperature [K].
    inv_step : float
        1 / grid step [1/K].
    values, steps : ndarray of shape (len(names), n)
        The columns at the grid points and the step of each to the next point (0 after the
        last).
    """
    tab = _table()
    t0 = float(tab.t[0])
    values = np.ascontiguousarray([getattr(tab, c) for c in names], dtype=float)
    steps = np.ascontiguousarray([tab.slope[c] for c in names], dtype=float)
    values.flags.writeable = steps.flags.writeable = False  # shared by every caller
    return t0, 1.0 / float(tab.t[1] - t0), values, steps


def _on_grid(t_k: ArrayLike, col: str) -> np.ndarray | float:
    """Column ``col`` of the table at temperatures ``t_k`` [K]: linear between grid points,
    clipped to the range. The grid is uniform, so the cell is computed, not searched
    (2–3× faster than ``np.interp`` on large arrays; same values)."""
    tab = _table()
    fp, dfp = getattr(tab, col), tab.slope[col]
    x = np.asarray(t_k, dtype=float)
    if x.ndim == 0 or x.size <= 64:
        out = np.interp(x, tab.t, fp)
        return float(out) if x.ndim == 0 else out
    i, frac = _cell(x, tab)
    return fp.take(i) + frac * dfp.take(i)


def density(t_k: ArrayLike) -> np.ndarray | float:
    """Density [kg/m^3] of liquid water at temperature ``t_k`` [K].

    Parameters
    ----------
    t_k : float or array_like
        Temperature [K] (0–200 °C, the table's range).

    Returns
    -------
    float or ndarray
        Density [kg/m³].
    """
    return _on_grid(t_k, "rho")


def heat_capacity(t_k: ArrayLike) -> np.ndarray | float:
    """Isobaric specific heat capacity [J/(kg K)] at ``t_k`` [K].

    Parameters
    ----------
    t_k : float or array_like
        Temperature [K] (0–200 °C, the table's range).

    Returns
    -------
    float or ndarray
        c_p [J/(kg K)].
    """
    return _on_grid(t_k, "cp")


def viscosity(t_k: ArrayLike) -> np.ndarray | float:
    """Dynamic viscosity [Pa s] at ``t_k`` [K] (log-linear interpolation).

    Parameters
    ----------
    t_k : float or array_like
        Temperature [K] (0–200 °C, the table's range).

    Returns
    -------
    float or ndarray
        Dynamic viscosity [Pa s].
    """
    return np.exp(_on_grid(t_k, "log_mu"))


def saturation_pressure(t_k: ArrayLike) -> np.ndarray | float:
    """Saturation pressure [Pa, absolute] at ``t_k`` [K] (log-linear interpolation).

    Parameters
    ----------
    t_k : float or array_like
        Temperature [K] (0–200 °C, the table's range).

    Returns
    -------
    float or ndarray
        Saturation pressure [Pa, absolute].
    """
    return np.exp(_on_grid(t_k, "log_psat"))


def enthalpy(t_k: ArrayLike) -> np.ndarray | float:
    """Specific enthalpy [J/kg] relative to liquid at 273.15 K (``integral cp dT``).

    Parameters
    ----------
    t_k : float or array_like
        Temperature [K] (0–200 °C, the table's range).

    Returns
    -------
    float or ndarray
        Specific enthalpy [J/kg].
    """
    return _on_grid(t_k, "h")


def temperature_from_enthalpy(h_j_kg: ArrayLike) -> np.ndarray | float:
    """Temperature [K] from specific enthalpy [J/kg]; exact inverse of :func:`enthalpy`.

    Parameters
    ----------
    h_j_kg : float or array_like
        Specific enthalpy [J/kg].

    Returns
    -------
    float or ndarray
        Temperature [K].
    """
    tab = _table()
    x = np.asarray(h_j_kg, dtype=float)
    if x.ndim == 0 or x.size <= 64:
        out = np.interp(x, tab.h, tab.t)
        return float(out) if x.ndim == 0 else out
    return _inverse_on_grid(x, tab)


# bins of the enthalpy range per table cell, for the cell lookup of ``_inverse_on_grid``
_BINS_PER_CELL = 4


@cache
def _enthalpy_bins() -> tuple[float, float, np.ndarray, np.ndarray]:
    """(h₀ [J/kg], bins per J/kg, table cell of each bin's lower edge, dT/dh per cell as
    ``np.interp`` forms it) for ``_inverse_on_grid``. The bins are uniform in enthalpy and
    narrower than every cell, so a bin's cell is its lower edge's or the next one."""
    tab = _table()
    n = len(tab.h)
    h0 = float(tab.h[0])
    scale = _BINS_PER_CELL * (n - 1) / (float(tab.h[-1]) - h0)
    if not 1.0 / scale < float(np.min(np.diff(tab.h))):
        raise ValueError(f"{TABLE_PATH}: enthalpy cells too uneven for the bin lookup")
    edges = h0 + np.arange(_BINS_PER_CELL * (n - 1) + 1) / scale
    cell = np.clip(np.searchsorted(tab.h, edges, side="right") - 1, 0, n - 2)
    slope = (tab.t[1:] - tab.t[:-1]) / (tab.h[1:] - tab.h[:-1])
    for a in (cell, slope):
        a.flags.writeable = False
    return h0, scale, cell, slope


def _inverse_on_grid(x: np.ndarray, tab: _Table) -> np.ndarray:
    """``np.interp(x, tab.h, tab.t)`` (the same values, bit for bit) with the cell found
    through uniform enthalpy bins instead of a binary search (≈ 4× faster on arrays)."""
    h0, scale, cell, slope = _enthalpy_bins()
    h_end = tab.h[-1]
    xc = np.minimum(np.maximum(x, h0), h_end)  # NaN stays NaN
    b = np.fmax((xc - h0) * scale, 0.0).astype(np.intp)  # NaN: bin 0 (its value NaN)
    np.minimum(b, len(cell) - 1, out=b)
    j = cell.take(b)
    j -= xc < tab.h.take(j)  # a bin edge rounded into the next cell
    j += xc >= tab.h.take(j + 1)
    np.minimum(j, len(slope) - 1, out=j)
    out = slope.take(j) * (xc - tab.h.take(j)) + tab.t.take(j)
    out[xc >= h_end] = tab.t[-1]  # np.interp returns the last point exactly there
    return out
