"""Hourly inputs of the annual analysis: weather, consumer demand, supply curve, soil, offers.

**Weather.** ``weather: example`` is the shipped synthetic year
(``p2h_hydraulics/data/weather_example_year.csv``, made by ``example_weather_year``); any CSV
with a ``t_out_c`` column (``,`` or ``;``) and an optional ``timestamp`` column is a user year
(without timestamps the rows are hours from 1 January 00:00 of a non-leap year). Every row is
one hour in the sums: timestamps must advance by exactly one hour (time zones are converted to
UTC), and an empty line inside the data of any input CSV is refused as a missing value.

**Consumer demand** (degree-hour method). Per hour h with outdoor temperature T(h):
heating degree-hours ``HDH = max(0, T_limit − T)`` and the daily DHW profile ``d(hour of
day)`` (mean 1). Every consumer draws ``q(h) = q_net · φ(h)``, where ``q_net`` is its load in
the network file (the load at ``design_outdoor_c``) and

    φ(h) = a · HDH(h) + b · d(h),   b = k·a,   k = s/(1−s) · ΣHDH / Σd,   a = 1 / (ΔT_design + k)

with ``s`` the DHW share of the annual heat and ``ΔT_design = T_limit − T_design``. So the DHW
share is exactly ``s`` over the weather file, and φ = 1 at the design temperature with average
DHW draw. ``consumer_profiles`` (CSV, one column per consumer id, kW) replace the model for the
consumers they name; consumers given by annual heat and building type (not named there) draw
their BDEW profile on the weather year (``loads.hourly_demand_w``). Space-heating night setback
and weekday effects are not modelled.

**Supply temperature** of the plant: linear between the curve's points, constant outside.
**Soil temperature**: ``SoilSettings`` (daily sinusoid) or a constant.
**Offer** of each P2H unit: its rating (``q_kw`` or ``it_load_kw``) times an hourly factor from
``unit_profiles`` (CSV column ``factor``, ``it_load_kw`` or ``q_kw``), else 1.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, ScenarioError
from ..io.safe_read import max_input_bytes, read_regular_text
from ..loads import EXAMPLE_WEATHER, hourly_demand_w, uses_profile
from .settings import AnnualSettings, SoilSettings

__all__ = ["DATA_DIR", "HourlyInputs", "build_inputs", "dhw_profile", "example_it_load_profile",
           "example_weather_year", "load_weather", "shipped_curves", "soil_temperature_c",
           "supply_curve_points", "supply_temperature_c", "demand_factors"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ANNUAL_DATA = DATA_DIR / "annual"
EXAMPLE_IT_LOAD = ANNUAL_DATA / "it_load_example.csv"


# ------------------------------------------------------------------------------------------
# synthetic example data


def example_weather_year(seed: int = 6, year: int = 2023) -> pd.DataFrame:
    """A synthetic hourly outdoor-temperature year for a central German city [°C, 0.1 °C].

    ``T = mean − A·c + D(c)·cos(2π(hour − 15)/24) + σ(c)·x``, with ``c = cos(2π(day − 18)/365)``
    (1 on the coldest day, 18 January): annual mean 9.5 °C, seasonal amplitude A = 9.5 K, daily
    amplitude D from 1.8 K (winter) to 4.5 K (summer), maximum at 15:00; weather noise x an AR(1)
    process with hourly persistence 0.985 (synoptic time scale ≈ 3 days) and unit variance,
    scaled by σ from 4.3 K (winter) to 3.0 K (summer); ``numpy.random.default_rng(seed)``.
    The default seed gives min −12.6 °C, max 29.6 °C, mean 9.7 °C, January −0.1 °C, July 18.5 °C
    and 2,440 heating degree-days at a 15 °C limit (Kassel/Potsdam-like). Local standard time,
    no daylight-saving shift, 8,760 hours.
    """
    n = 8760
    h = np.arange(n, dtype=float)
    c = np.cos(2 * np.pi * (h / 24.0 - 18.0) / 365.0)
    base = 9.5 - 9.5 * c
    daily = (3.15 - 1.35 * c) * np.cos(2 * np.pi * ((h % 24) - 15.0) / 24.0)
    sigma = 3.65 + 0.65 * c
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    phi = 0.985
    x = np.empty(n)
    x[0] = e[0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + s * e[i]
    t = np.round(base + daily + sigma * x, 1)
    stamps = pd.date_range(f"{year}-01-01", periods=n, freq="h")
    return pd.DataFrame({"timestamp": stamps, "t_out_c": t})


def example_it_load_profile(seed: int = 3, year: int = 2023) -> pd.DataFrame:
    """A synthetic hourly IT-load factor (share of the rated IT load) of a data centre.

    0.78 base + 0.12 daytime bump (08–20 h, smooth) − 0.05 on weekends + AR(1) noise (σ 0.03,
    persistence 0.9), clipped to 0.55–1.0, rounded to 0.01.
    """
    n = 8760
    stamps = pd.date_range(f"{year}-01-01", periods=n, freq="h")
    hod = stamps.hour.to_numpy()
    day = np.clip(np.sin(np.pi * (hod - 8) / 12.0), 0.0, None)
    weekend = stamps.dayofweek.to_numpy() >= 5
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for i in range(1, n):
        x[i] = 0.9 * x[i - 1] + np.sqrt(1 - 0.81) * e[i]
    f = 0.78 + 0.12 * day - 0.05 * weekend + 0.03 * x
    return pd.DataFrame({"timestamp": stamps, "factor": np.round(np.clip(f, 0.55, 1.0), 2)})


# ------------------------------------------------------------------------------------------
# reading


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    """A CSV with ``,``, ``;`` or tab separators and ``#`` comment lines."""
    if not os.path.lexists(path):
        raise InputFileError(f"{path}: {what} file not found")
    text = read_regular_text(path, max_input_bytes("table"), what)  # regular files, capped
    try:
        lines = text.splitlines()
        data = [k for k, line in enumerate(lines) if line.strip() and not line.startswith("#")]
        header = lines[data[0]] if data else ""
        # an empty line between data rows is a missing value, not nothing: pandas would skip
        # it and every later hour would shift by one
        gap = next((k for k in range(data[0] + 1, data[-1]) if not lines[k].strip()), None) \
            if data else None
        if gap is not None:
            raise InputFileError(f"{path}: line {gap + 1} is empty inside the data (a missing "
                                 f"{what} value?); fill it or remove the row")
        sep = ";" if ";" in header and "," not in header else ("\t" if "\t" in header and
                                                                "," not in header else ",")
        df = pd.read_csv(io.StringIO(text), sep=sep, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError,
            IsADirectoryError) as exc:
        raise InputFileError(f"{path}: cannot read the {what} CSV ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _timestamps(df: pd.DataFrame, path: Path, n: int) -> pd.DatetimeIndex:
    for col in ("timestamp", "time", "datetime", "date"):
        if col in df.columns:
            try:
                ts = pd.DatetimeIndex(pd.to_datetime(df[col]))
            except (ValueError, TypeError) as exc:
                raise InputFileError(f"{path}: column '{col}' is not a timestamp ({exc})") \
                    from None
            if ts.tz is not None:
                ts = ts.tz_convert("UTC").tz_localize(None)
            step = np.diff(ts.asi8) / 3.6e12 if len(ts) > 1 else np.ones(0)
            bad = np.flatnonzero(step != 1.0)
            if bad.size:  # every row is one hour in the sums: gaps, duplicates, 15-min data
                i = int(bad[0]) + 1
                raise InputFileError(
                    f"{path}: column '{col}' must advance by exactly one hour per row; data row "
                    f"{i + 1} ({ts[i]}) is {step[i - 1]:g} h after the previous one "
                    f"({bad.size} such rows). Resample to hourly values, fill gaps, and give "
                    "local times without daylight-saving jumps (or UTC)")
            return ts
    return pd.date_range("2023-01-01", periods=n, freq="h")


def _numeric(df: pd.DataFrame, col: str, path: Path, lo: float, hi: float) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(v) & (v >= lo) & (v <= hi)))
    if bad.size:
        i = int(bad[0])
        raise InputFileError(f"{path}: column '{col}', data row {i + 1}: value '{df[col].iloc[i]}'"
                             f" is not a number within {lo:g}…{hi:g} ({bad.size} such rows)")
    return v


def load_weather(source: str | Path = "example", base_dir: Path | None = None) -> pd.DataFrame:
    """Hourly weather: DataFrame with ``timestamp`` and ``t_out_c``."""
    if str(source) == "example":
        path = EXAMPLE_WEATHER
    else:
        path = Path(source).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
    df = _read_csv(path, "weather")
    if "t_out_c" not in df.columns:
        raise InputFileError(f"{path}: the weather CSV needs a 't_out_c' column (outdoor "
                             f"temperature in °C); found {', '.join(df.columns)}")
    if len(df) < 1:
        raise InputFileError(f"{path}: the weather CSV has no rows")
    t = _numeric(df, "t_out_c", path, -60.0, 60.0)
    return pd.DataFrame({"timestamp": _timestamps(df, path, len(df)), "t_out_c": t})


@lru_cache(maxsize=1)
def shipped_curves() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Shipped supply-temperature curves: name → (t_out_c, t_supply_c) points."""
    df = pd.read_csv(ANNUAL_DATA / "supply_curves.csv", comment="#")
    out = {}
    for name, g in df.groupby("curve", sort=False):
        g = g.sort_values("t_out_c")
        out[str(name)] = (g["t_out_c"].to_numpy(float), g["t_supply_c"].to_numpy(float))
    return out


def supply_curve_points(curve) -> tuple[np.ndarray, np.ndarray]:
    """(t_out_c, t_supply_c) points of a shipped curve name or a list of points."""
    if isinstance(curve, str):
        curves = shipped_curves()
        if curve not in curves:
            raise ScenarioError(f"annual.supply_curve: unknown curve {curve!r}; shipped curves: "
                                f"{', '.join(curves)} (or give [[t_out_c, t_supply_c], …])")
        return curves[curve]
    pts = sorted((float(x), float(y)) for x, y in curve)
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def supply_temperature_c(t_out_c, curve) -> np.ndarray:
    """Plant supply temperature [°C] at outdoor temperature(s) ``t_out_c``."""
    x, y = supply_curve_points(curve)
    return np.interp(np.asarray(t_out_c, dtype=float), x, y)


def dhw_profile(profile="residential") -> np.ndarray:
    """24 hourly DHW factors with mean 1 (shipped name or 24 values)."""
    if isinstance(profile, str):
        df = pd.read_csv(ANNUAL_DATA / "dhw_profiles.csv", comment="#")
        if profile not in df.columns or profile == "hour":
            names = [c for c in df.columns if c != "hour"]
            raise ScenarioError(f"annual.dhw_profile: unknown profile {profile!r}; shipped: "
                                f"{', '.join(names)} (or give 24 values)")
        v = df.sort_values("hour")[profile].to_numpy(float)
    else:
        v = np.asarray(profile, dtype=float)
    return v / v.mean()


def soil_temperature_c(timestamps: pd.DatetimeIndex, soil, default_mean_c: float) -> np.ndarray:
    """Soil temperature [°C] per hour: a constant, or the daily sinusoid of ``SoilSettings``."""
    if not isinstance(soil, SoilSettings):
        return np.full(len(timestamps), float(soil))
    mean = default_mean_c if soil.mean_c is None else soil.mean_c
    doy = pd.DatetimeIndex(timestamps).dayofyear.to_numpy(dtype=float)
    t = mean - soil.amplitude_k * np.cos(2 * np.pi * (doy - soil.coldest_day) / 365.0)
    if soil.resolution_k > 0:
        t = np.round(t / soil.resolution_k) * soil.resolution_k
        t = np.round(t, 6)  # no binary noise from the multiplication: equal days stay equal
    return t


def demand_factors(t_out_c, hour_of_day, settings: AnnualSettings) -> tuple[np.ndarray, dict]:
    """φ per hour (consumer load / network load) and the model constants (see module doc)."""
    t = np.asarray(t_out_c, dtype=float)
    d = dhw_profile(settings.dhw_profile)[np.asarray(hour_of_day, dtype=int)]
    hdh = np.clip(settings.heating_limit_c - t, 0.0, None)
    s = settings.dhw_share
    k = (s / (1.0 - s)) * float(hdh.sum()) / float(d.sum()) if d.sum() > 0 else 0.0
    dt_design = settings.heating_limit_c - settings.design_outdoor_c
    a = 1.0 / (dt_design + k)
    b = k * a
    phi = a * hdh + b * d
    return phi, {"a_per_k": a, "b": b, "k_k": k, "heating_degree_hours_kh": float(hdh.sum())}


# ------------------------------------------------------------------------------------------
# the hourly inputs of one scenario


@dataclass
class HourlyInputs:
    """Everything that varies by hour (SI inside, °C/kW columns in ``table`` for people).

    ``table``: one row per hour: timestamp, month, hour_of_day, t_out_c, t_supply_c, t_soil_c,
    demand_factor (φ of the degree-hour model), consumer_demand_kw (sum of the consumers'
    demands, profiles included) and ``offer_factor:<unit>`` per unit. ``q_w(hour)`` gives the
    consumer demands [W] in the order of ``consumer_ids``.
    """

    table: pd.DataFrame
    consumer_ids: np.ndarray
    q_net_w: np.ndarray  # network (design-point) loads
    profile_w: np.ndarray | None  # hours × consumers, NaN where the model applies
    constants: dict
    unit_ids: list[str]

    def q_w(self, hour: int) -> np.ndarray:
        q = self.q_net_w * float(self.table["demand_factor"].iat[hour])
        if self.profile_w is not None:
            row = self.profile_w[hour]
            q = np.where(np.isnan(row), q, row)
        return q

    def offer_factors(self, hour: int) -> np.ndarray:
        return np.array([self.table[f"offer_factor:{u}"].iat[hour] for u in self.unit_ids])

    @property
    def n_hours(self) -> int:
        return len(self.table)


def _resolve(path, base_dir) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() or base_dir is None else Path(base_dir) / p


def _consumer_profiles(path: Path, consumer_ids, n: int) -> np.ndarray:
    df = _read_csv(path, "consumer profile")
    skip = {"timestamp", "time", "datetime", "date", "hour"}
    cols = [c for c in df.columns if c not in skip]
    known = set(map(str, consumer_ids))
    unknown = [c for c in cols if c not in known]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], sorted(known), n=3)
        raise ScenarioError(f"annual.consumer_profiles {path}: unknown consumer(s) "
                            f"{', '.join(unknown[:5])}" + (f" — did you mean {', '.join(close)}?"
                                                           if close else ""))
    if len(df) != n:
        raise ScenarioError(f"annual.consumer_profiles {path}: {len(df)} rows, but the weather "
                            f"has {n} hours")
    out = np.full((n, len(consumer_ids)), np.nan)
    pos = {str(c): i for i, c in enumerate(consumer_ids)}
    for c in cols:
        out[:, pos[c]] = _numeric(df, c, path, 0.0, 1e6) * 1e3
    return out


def _unit_factor(unit, path: Path, n: int) -> np.ndarray:
    df = _read_csv(path, f"profile of unit '{unit.id}'")
    if len(df) != n:
        raise ScenarioError(f"annual.unit_profiles.{unit.id} {path}: {len(df)} rows, but the "
                            f"weather has {n} hours")
    if "factor" in df.columns:
        return _numeric(df, "factor", path, 0.0, 10.0)
    if "it_load_kw" in df.columns:
        if unit.it_load_kw is None:
            raise ScenarioError(f"annual.unit_profiles.{unit.id}: the profile gives it_load_kw, "
                                "but the unit is rated by q_kw; use a q_kw or factor column")
        return _numeric(df, "it_load_kw", path, 0.0, 1e7) / unit.it_load_kw
    if "q_kw" in df.columns:
        if unit.q_kw is None:
            raise ScenarioError(f"annual.unit_profiles.{unit.id}: the profile gives q_kw, but "
                                "the unit is rated by it_load_kw; use an it_load_kw or factor "
                                "column")
        return _numeric(df, "q_kw", path, 0.0, 1e7) / unit.q_kw
    raise ScenarioError(f"annual.unit_profiles.{unit.id} {path}: needs a 'factor', 'it_load_kw' "
                        f"or 'q_kw' column; found {', '.join(df.columns)}")


def _bdew_profiles(cons: pd.DataFrame, weather: pd.DataFrame, prof: np.ndarray | None):
    """Hourly BDEW demand of consumers given by annual heat + building type (``loads``) where
    ``consumer_profiles`` name no column."""
    if not uses_profile(cons).any():
        return prof
    bdew = hourly_demand_w(cons, weather)
    return bdew if prof is None else np.where(np.isnan(prof), bdew, prof)


def build_inputs(settings: AnnualSettings, network, units, base_dir: Path | None = None,
                 t_soil_default_c: float | None = None) -> HourlyInputs:
    """The hourly inputs for ``network`` (consumers in service) and ``units``."""
    from ..model.graph import active
    from ..units import ZERO_CELSIUS_K

    w = load_weather(settings.weather, base_dir)
    n = len(w)
    ts = pd.DatetimeIndex(w["timestamp"])
    hod = ts.hour.to_numpy()
    phi, const = demand_factors(w["t_out_c"].to_numpy(), hod, settings)
    cons = active(network.consumers)
    ids = cons.index.to_numpy(dtype=object)
    q_net = cons["q_w"].to_numpy(dtype=float)
    prof = None
    if settings.consumer_profiles is not None:
        prof = _consumer_profiles(_resolve(settings.consumer_profiles, base_dir), ids, n)
    prof = _bdew_profiles(cons, w, prof)
    if t_soil_default_c is None:
        t_soil_default_c = network.t_soil_k - ZERO_CELSIUS_K
    if settings.supply_curve is None:
        plants = active(network.plants)
        if plants.empty:
            raise ScenarioError("the network has no plant in service")
        t_supply = np.full(n, float(plants["t_supply_k"].max()) - ZERO_CELSIUS_K)
    else:
        t_supply = supply_temperature_c(w["t_out_c"].to_numpy(), settings.supply_curve)
    table = pd.DataFrame({
        "timestamp": ts, "month": ts.month.to_numpy(), "hour_of_day": hod,
        "t_out_c": w["t_out_c"].to_numpy(),
        "t_supply_c": t_supply,
        "t_soil_c": soil_temperature_c(ts, settings.soil, t_soil_default_c),
        "demand_factor": phi,
    })
    total = q_net.sum() * phi
    if prof is not None:
        model = np.where(np.isnan(prof), q_net[None, :] * phi[:, None], prof)
        total = model.sum(axis=1)
    table["consumer_demand_kw"] = total / 1e3
    unknown = sorted(set(settings.unit_profiles) - {u.id for u in units})
    if unknown:
        raise ScenarioError(f"annual.unit_profiles: unknown unit(s) {', '.join(unknown)}; units: "
                            f"{', '.join(u.id for u in units)}")
    for u in units:
        f = np.ones(n)
        if u.id in settings.unit_profiles:
            f = _unit_factor(u, _resolve(settings.unit_profiles[u.id], base_dir), n)
        table[f"offer_factor:{u.id}"] = f
    table.index.name = "hour"
    return HourlyInputs(table, ids, q_net, prof, const, [u.id for u in units])
