"""Consumer loads from annual heat consumption: BDEW standard load profiles (demandlib).

Buildings usually come with an annual heat consumption (kWh/a, from billing) and a building
type, not with a design load. A consumer given ``annual_heat_j`` (file: ``annual_heat_kwh`` /
``annual_heat_mwh``) and ``building_type`` gets its hourly demand and its design load from the
BDEW heat standard load profiles as implemented by demandlib (``demandlib.bdew.HeatBuilding``,
space heating and domestic hot water together).

**Hourly profile.** demandlib's normalised BDEW profile on a weather year (hourly outdoor
temperature): the daily energy follows the BDEW sigmoid ``h(T) = A / (1 + (B / (T − 40))^C) + D``
of the geometric four-day mean temperature ``T = (T_d + 0.5 T_d−1 + 0.25 T_d−2 + 0.125 T_d−3) /
1.875`` times a weekday factor ``F``; the daily energy is spread over the hours with BDEW's hour
factors ``SF`` of the day's temperature interval. demandlib normalises with
``KW = 24 / Σ_hours(h·F)``; the hour factors of a day sum to 1 only within their four-digit
rounding (≈ ±0.2 %), so the profile is scaled once more to sum exactly to the annual heat over the
weather year. A weather year must have 8,760 or 8,784 hours.

**Design load.** The highest hourly value of the same (equally normalised) profile on a day
whose four-day mean temperature is the design outdoor temperature: ``T = T_design`` held for
the day and the three days before, over all seven weekdays,

    q_design = E_annual / 1 h · c · KW_year · max_(hour, weekday) h(T_design) · F(weekday) ·
               SF(hour, weekday, interval(T_design))

with ``c`` the rescaling above. So a consumer draws exactly ``q_design`` in the profile's peak
hour of a week at ``T_design``, and the weather year enters through ``KW_year`` (a colder year
spreads the same annual heat over more degree-days and gives a lower design load).

**Without a weather year** (import, ``p2h solve``) the shipped synthetic year
``data/weather_example_year.csv`` (``annual.inputs.example_weather_year``: a central German
city, 2,440 heating degree-days at 15 °C) is used, with the design outdoor temperature
``DEFAULT_T_DESIGN_K`` = −12 °C (the ``annual`` default; DIN EN 12831 norm outdoor temperature of
e.g. Kassel). ``p2h annual`` uses the scenario's weather year for the hourly profile.

**Assumptions.** Residential types use demandlib's building class ``RESIDENTIAL_BUILDING_CLASS``
(its classes 1–11 differ by < 3 % in the hour factors), all types the wind class
``WIND_CLASS`` (0: location not windy). No public holidays (demandlib treats holidays as
Sundays when they are given; none are). Temperatures outside BDEW's interval table are clipped
to −20…39 °C before the profile is built (the sigmoid is flat there). Building codes:
``BUILDING_TYPES`` (both families: demandlib's EFH/MFH and BDEW's HEF/HMF, the commercial
G-codes, an optional ``DE_`` prefix and trailing profile digits such as ``HEF03`` or ``GKO34``).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ModelError, Problem, ScenarioError
from .io.safe_read import read_regular_text

# the shipped synthetic year (``weather: example`` of ``p2h annual`` reads it too)
EXAMPLE_WEATHER = Path(__file__).resolve().parent / "data" / "weather_example_year.csv"

__all__ = ["BUILDING_TYPES", "DEFAULT_T_DESIGN_K", "RESIDENTIAL_BUILDING_CLASS", "WIND_CLASS",
           "accepted_codes", "design_fraction", "design_loads_w", "fill_design_loads",
           "hourly_demand_w", "known_type", "needs_design_load", "normalized_profile",
           "profile_type", "uses_profile"]

#: demandlib heat profile type → (accepted aliases, meaning)
BUILDING_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "EFH": (("HEF", "SFH"), "single-family house (Einfamilienhaus)"),
    "MFH": (("HMF",), "multi-family house (Mehrfamilienhaus)"),
    "GHD": ((), "commerce, trade and services, aggregate profile"),
    "GKO": ((), "public authorities, banks, organisations (Gebietskörperschaften …)"),
    "GBD": ((), "other business services"),
    "GBH": ((), "accommodation (Beherbergung)"),
    "GWA": ((), "laundries, dry cleaning (Wäschereien)"),
    "GGA": ((), "restaurants (Gaststätten)"),
    "GBA": ((), "bakeries (Backstuben)"),
    "GGB": ((), "horticulture (Gartenbau)"),
    "GPD": ((), "paper and printing (Papier und Druck)"),
    "GMK": ((), "metal and automotive (Metall, Kfz)"),
    "GMF": ((), "household-like businesses (haushaltsähnliche Gewerbebetriebe)"),
    "GHA": ((), "retail and wholesale (Handel)"),
}
_ALIAS = {code: code for code in BUILDING_TYPES}
_ALIAS.update({a: code for code, (aliases, _) in BUILDING_TYPES.items() for a in aliases})

DEFAULT_T_DESIGN_K = 261.15  # −12 °C
RESIDENTIAL_BUILDING_CLASS = 1
WIND_CLASS = 0
_T_LO_C, _T_HI_C = -20.0, 39.0
_HOURS_PER_YEAR = (8760, 8784)


def accepted_codes() -> str:
    """The accepted building codes as one line of text (for messages and docs)."""
    return ", ".join(f"{c}/{'/'.join(a)}" if a else c for c, (a, _) in BUILDING_TYPES.items())


def profile_type(code) -> str | None:
    """demandlib's profile type for a building code (None when unknown or empty).

    Case-insensitive; ``DE_HEF03``, ``hef``, ``EFH`` and ``HEF33`` all give ``EFH``.
    """
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return None
    text = re.sub(r"[\s_\-]", "", str(code).upper())
    text = text[2:] if text.startswith("DE") and text[2:5] in _ALIAS else text
    return _ALIAS.get(re.sub(r"\d+$", "", text))


def example_weather() -> pd.DataFrame:
    """The shipped synthetic weather year (``timestamp``, ``t_out_c``): the default of the
    design loads and of ``p2h annual``'s ``weather: example``."""
    text = read_regular_text(EXAMPLE_WEATHER, what="weather")
    df = pd.read_csv(io.StringIO(text), comment="#")
    return pd.DataFrame({"timestamp": pd.DatetimeIndex(pd.to_datetime(df["timestamp"])),
                         "t_out_c": df["t_out_c"].to_numpy(dtype=float)})


def _weather(weather) -> tuple[pd.DatetimeIndex, np.ndarray]:
    if weather is None:
        weather = example_weather()
    ts = pd.DatetimeIndex(weather["timestamp"])
    t = np.asarray(weather["t_out_c"], dtype=float)
    if len(ts) not in _HOURS_PER_YEAR:
        raise ScenarioError(f"profiles from annual heat need a weather year of 8760 or 8784 "
                            f"hours; the weather has {len(ts)}")
    return ts, t


def _heat_building(index: pd.DatetimeIndex, t_c: np.ndarray, shlp: str):
    from demandlib.bdew import HeatBuilding

    bc = RESIDENTIAL_BUILDING_CLASS if shlp in ("EFH", "MFH") else 0
    temp = pd.Series(np.clip(t_c, _T_LO_C, _T_HI_C), index=index)
    return HeatBuilding(index, temperature=temp, shlp_type=shlp, building_class=bc,
                        wind_class=WIND_CLASS, annual_heat_demand=1.0)


def _sigmoid(hb, t_geo) -> np.ndarray:
    a, b, c, d = hb.get_sigmoid_parameters()
    return a / (1.0 + (b / (np.asarray(t_geo, dtype=float) - 40.0)) ** c) + d


_CACHE: dict[tuple, tuple[np.ndarray, float]] = {}


def _year(shlp: str, ts: pd.DatetimeIndex, t: np.ndarray) -> tuple[np.ndarray, float]:
    """(profile summing to 1, Σ_hours h·F / 24 · rescaling) of one type on one weather year."""
    key = (shlp, int(ts[0].value), len(ts), hash(t.tobytes()))
    if key not in _CACHE:
        hb = _heat_building(ts, t, shlp)
        p = np.asarray(hb.get_normalized_bdew_profile(), dtype=float)
        h = _sigmoid(hb, hb.df["temperature_geo"].to_numpy())
        f = np.asarray(hb.get_weekday_parameters(), dtype=float)
        scale = 1.0 / p.sum()
        kw = 24.0 / float(np.sum(h * f))
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = (p * scale, kw * scale)
    return _CACHE[key]


def normalized_profile(code, weather=None) -> np.ndarray:
    """Hourly share of the annual heat [1/h, sums to 1] of building ``code`` on ``weather``.

    Parameters
    ----------
    code : str
        building code (``BUILDING_TYPES``).
    weather : DataFrame, optional
        ``timestamp`` and ``t_out_c`` columns, 8760 or 8784 hours (``annual.load_weather``);
        default: the shipped synthetic year.

    Returns
    -------
    numpy.ndarray
        one value per hour of the weather year.
    """
    shlp = _require_type(code)
    ts, t = _weather(weather)
    return _year(shlp, ts, t)[0].copy()


def design_fraction(code, t_design_k: float | None = None, weather=None) -> float:
    """Design load as a share of the annual heat per hour [1/h] (see the module docstring).

    ``q_design_w = annual_heat_j / 3600 · design_fraction``.
    """
    shlp = _require_type(code)
    ts, t = _weather(weather)
    _, kw_year = _year(shlp, ts, t)
    t_d = _design_temperature_c(t_design_k)
    week = pd.date_range("2023-01-02", periods=7 * 24, freq="h")  # Monday … Sunday
    hb = _heat_building(week, np.full(len(week), t_d), shlp)
    p_week = np.asarray(hb.get_normalized_bdew_profile(), dtype=float)  # kw_w·h·F·SF
    h_d = float(_sigmoid(hb, [t_d])[0])
    f = np.asarray(hb.get_weekday_parameters(), dtype=float)
    kw_week = 24.0 / float(np.sum(h_d * f))
    return float(kw_year * p_week.max() / kw_week)


def _design_temperature_c(t_design_k) -> float:
    t_k = DEFAULT_T_DESIGN_K if t_design_k is None else float(t_design_k)
    if not 223.15 < t_k < 293.15:
        raise ScenarioError(f"design outdoor temperature {t_k - 273.15:g} °C is outside "
                            "−50…20 °C (give it in K)")
    return float(np.clip(t_k - 273.15, _T_LO_C, _T_HI_C))


def known_type(code) -> bool:
    """True when ``code`` is an accepted building code."""
    return profile_type(code) is not None


def _require_type(code) -> str:
    shlp = profile_type(code)
    if shlp is None:
        raise ModelError(f"unknown building type {code!r}; accepted: {accepted_codes()}")
    return shlp


def uses_profile(consumers: pd.DataFrame) -> np.ndarray:
    """Consumers (bool per row) whose demand comes from annual heat and a building type."""
    if consumers.empty or "annual_heat_j" not in consumers or "building_type" not in consumers:
        return np.zeros(len(consumers), dtype=bool)
    heat = consumers["annual_heat_j"].to_numpy(dtype=float)
    kind = consumers["building_type"].fillna("").astype(str).str.strip().to_numpy()
    return np.isfinite(heat) & (kind != "")


def needs_design_load(consumers: pd.DataFrame) -> np.ndarray:
    """Consumers (bool per row) with annual heat and a building type but no ``q_w``."""
    if consumers.empty:
        return np.zeros(0, dtype=bool)
    return uses_profile(consumers) & consumers["q_w"].isna().to_numpy()


def _type_problems(consumers: pd.DataFrame, rows: np.ndarray, file=None) -> list[Problem]:
    probs = []
    for cid in consumers.index[rows]:
        code = consumers.at[cid, "building_type"]
        if profile_type(code) is None:
            probs.append(Problem("unknown building type", file=file, table="consumers",
                                 element=cid, field="building_type", value=code,
                                 hint=f"accepted codes: {accepted_codes()}"))
    return probs


def design_loads_w(annual_heat_j, building_types, t_design_k: float | None = None,
                   weather=None) -> np.ndarray:
    """Design loads [W] for annual heats [J] and building codes (see the module docstring).

    Parameters
    ----------
    annual_heat_j : array_like
        annual heat consumption per building [J].
    building_types : sequence of str
        building codes (``BUILDING_TYPES``); unknown → ``ModelError``.
    t_design_k : float, optional
        design outdoor temperature [K]; default ``DEFAULT_T_DESIGN_K``.
    weather : DataFrame, optional
        weather year (``timestamp``, ``t_out_c``); default the shipped synthetic year.

    Returns
    -------
    numpy.ndarray
        design load per building [W].
    """
    heat = np.asarray(annual_heat_j, dtype=float)
    types = [_require_type(c) for c in building_types]
    frac = {s: design_fraction(s, t_design_k, weather) for s in sorted(set(types))}
    return heat / 3600.0 * np.array([frac[s] for s in types])


def fill_design_loads(net, t_design_k: float | None = None, weather=None):
    """A copy of ``net`` where consumers with annual heat + building type and no ``q_w`` get
    their design load.

    Parameters
    ----------
    net : Network
        the network; consumers that already have ``q_w`` keep it.
    t_design_k : float, optional
        design outdoor temperature [K]; default ``DEFAULT_T_DESIGN_K`` (−12 °C).
    weather : DataFrame, optional
        weather year (``timestamp``, ``t_out_c``; ``annual.load_weather``); default the shipped
        synthetic year.

    Returns
    -------
    Network
        a new network (the input is not changed). Raises ``ModelError`` naming every consumer
        with an unknown building type.
    """
    cons = net.consumers
    need = needs_design_load(cons)
    if not need.any():
        return net
    probs = _type_problems(cons, need, net.source)
    if probs:
        raise ModelError(probs, file=net.source)
    cons = cons.copy()
    sel = cons.index[need]
    cons.loc[sel, "q_w"] = design_loads_w(cons.loc[sel, "annual_heat_j"].to_numpy(float),
                                          cons.loc[sel, "building_type"].tolist(),
                                          t_design_k, weather)
    return net.replace(consumers=cons)


def hourly_demand_w(consumers: pd.DataFrame, weather) -> np.ndarray:
    """Hourly demand [W] (hours × consumers) of the consumers with annual heat + building type.

    Columns of other consumers are NaN. ``weather``: the year (``timestamp``, ``t_out_c``).
    """
    ts, t = _weather(weather)
    out = np.full((len(ts), len(consumers)), np.nan)
    rows = uses_profile(consumers)
    probs = _type_problems(consumers, rows)
    if probs:
        raise ModelError(probs)
    heat = consumers["annual_heat_j"].to_numpy(dtype=float)
    kinds = consumers["building_type"].fillna("").astype(str).to_numpy()
    for j in np.flatnonzero(rows):
        p, _ = _year(profile_type(kinds[j]), ts, t)
        out[:, j] = heat[j] / 3600.0 * p
    return out
