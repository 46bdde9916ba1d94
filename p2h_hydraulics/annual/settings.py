"""The ``annual:`` block of a scenario file (edge units: °C, K, kW; paths relative to the file).

```yaml
annual:
  weather: example              # shipped synthetic year, or a CSV with t_out_c [+ timestamp]
  heating_limit_c: 15           # no space heating above this outdoor temperature
  design_outdoor_c: -12         # the network's consumer loads are the loads at this temperature
  dhw_share: 0.18               # domestic hot water: share of the annual consumer heat
  dhw_profile: residential      # shipped daily profile, or 24 relative values
  consumer_profiles: null       # CSV: one column per consumer id, kW per hour (overrides model)
  supply_curve: 4g              # shipped curve (3g_110, 3g_90, 4g), [[t_out_c, t_supply_c], …]
                                # or null: the plant's setpoint all year
  soil: {mean_c: 10, amplitude_k: 4, coldest_day: 45}   # or one number (°C, constant)
  unit_profiles: {dc1: it_load.csv}   # per unit: hourly factor / it_load_kw / q_kw
  search_rel_tol: 0.005         # bracket width of the absorbable-heat search (share of the offer)
  sample_hours: null            # analyse only N evenly spread hours (quick looks, tests)
  max_outer_iterations: 120     # a solve not converged by then counts as not converged
  tolerance_k: 0.001            # temperature tolerance of each hour's solve [K]
  second_start: false           # re-solve flagged hours (multiple_states) from a cold start
```

Only this module is imported by ``scenario.py`` (no solver, no pandas at import time).
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["AnnualSettings", "SoilSettings"]


class SoilSettings(BaseModel):
    """Soil temperature at pipe depth over the year: a sinusoid of the day of the year.

    ``T_soil(day) = mean − amplitude · cos(2π (day − coldest_day) / 365)``, evaluated once per
    day (at noon) and rounded to ``resolution_k`` (0: not rounded). Daily values with a
    0.1 K resolution make hours with the same weather and load exact duplicates, which are
    solved once.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mean_c: float | None = Field(None, gt=-30.0, lt=40.0,
                                 description="annual mean; default: the network's t_soil")
    amplitude_k: float = Field(4.0, ge=0.0, le=20.0,
                               description="half the difference between warmest and coldest day")
    coldest_day: float = Field(45.0, ge=0.0, le=366.0,
                               description="day of the year (1 = 1 January) of the minimum")
    resolution_k: float = Field(0.1, ge=0.0, le=5.0,
                                description="rounding of the daily value (0: none)")


class AnnualSettings(BaseModel):
    """Inputs of the hour-by-hour annual analysis (``p2h annual``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weather: str = Field("example", min_length=1,
                         description="'example' (shipped synthetic year) or a CSV file with a "
                                     "t_out_c column and an optional timestamp column")
    heating_limit_c: float = Field(15.0, gt=-10.0, lt=30.0,
                                   description="heating limit: no space heating above it")
    design_outdoor_c: float = Field(-12.0, gt=-40.0, lt=10.0,
                                    description="outdoor temperature of the network's loads")
    dhw_share: float = Field(0.18, ge=0.0, lt=0.9,
                             description="domestic hot water share of the annual consumer heat")
    dhw_profile: str | list[float] = Field(
        "residential", description="shipped daily DHW profile name or 24 relative values")
    consumer_profiles: Path | None = Field(
        None, description="CSV with one column per consumer id [kW per hour]")
    supply_curve: str | list[tuple[float, float]] | None = Field(
        None, description="shipped supply-temperature curve (3g_110, 3g_90, 4g) or points "
                          "[[t_out_c, t_supply_c], …] (linear between, constant outside); "
                          "default: the plant's setpoint all year")
    soil: SoilSettings | float = Field(default_factory=SoilSettings,
                                       description="soil sinusoid, or a constant [°C]")
    unit_profiles: dict[str, Path] = Field(
        default_factory=dict,
        description="per unit id: CSV with a factor, it_load_kw or q_kw column per hour")
    search_rel_tol: float = Field(0.005, gt=0.0, le=0.5,
                                  description="accuracy of the absorbable heat (share of the "
                                              "hour's offer)")
    sample_hours: int | None = Field(None, ge=1,
                                     description="analyse N evenly spread hours only")
    max_outer_iterations: int = Field(
        120, ge=5, le=1000,
        description="outer (hydraulic-thermal) iterations after which an hour's solve counts as "
                    "not converged (a warm start gets half, then a cold and a damped cold start "
                    "all of them; the solver's default is 300). 120 measured fastest on the "
                    "benchmark: fewer limits cost failed solves and extra search steps than with "
                    "60 or 200")
    tolerance_k: float = Field(
        1e-3, gt=0.0, le=0.1,
        description="temperature tolerance of each hour's solve [K]: it has converged when no "
                    "node temperature that carries heat changes by more than this from one "
                    "outer iteration to the next and consumer / feed-in flows by less than "
                    "1/100 of it relative (the solver's own defaults, 1e-5 K and 1e-7, are "
                    "for single solves; 1e-3 K is pandapipes' default). Measured on 208 "
                    "solves of the meshed benchmark from the same starts: consumer heat within "
                    "4e-8 and plant flow within 3e-6 relative of the 1e-5 K answer, consumer "
                    "supply temperatures within 2e-4 K in 99 % of them (one landed in another "
                    "steady state); the benchmark year took 245 s instead of 310 s")

    second_start: bool = Field(
        False,
        description="re-solve the accepted state of every hour flagged multiple_states from a "
                    "cold start and judge the state it finds (columns other_state, "
                    "other_state_limited_by): tells the hours whose answer depends on the "
                    "state from those where it does not, at the cost of one more solve per "
                    "flagged hour (one to three times a warm solve)")

    @field_validator("dhw_profile")
    @classmethod
    def _profile(cls, v):
        if isinstance(v, list):
            if len(v) != 24:
                raise ValueError(f"dhw_profile needs 24 hourly values, got {len(v)}")
            if any(not (math.isfinite(x) and x >= 0) for x in v) or sum(v) <= 0:
                raise ValueError("dhw_profile values must be finite, ≥ 0 and not all 0")
        return v

    @field_validator("supply_curve")
    @classmethod
    def _curve(cls, v):
        if isinstance(v, list):
            if not v:
                raise ValueError("supply_curve needs at least one [t_out_c, t_supply_c] point")
            xs = [p[0] for p in v]
            if len(set(xs)) != len(xs):
                raise ValueError("supply_curve has two points at the same outdoor temperature")
            for x, y in v:
                if not (math.isfinite(x) and math.isfinite(y) and 0 < y < 200):
                    raise ValueError(f"supply_curve point [{x}, {y}]: supply temperature must "
                                     "be between 0 and 200 °C")
        return v

    @field_validator("soil")
    @classmethod
    def _soil(cls, v):
        if isinstance(v, float) and not -30 < v < 40:
            raise ValueError(f"soil temperature {v} °C is outside −30…40 °C")
        return v

    @model_validator(mode="after")
    def _limits(self):
        if self.design_outdoor_c >= self.heating_limit_c:
            raise ValueError("design_outdoor_c must be below heating_limit_c")
        return self
