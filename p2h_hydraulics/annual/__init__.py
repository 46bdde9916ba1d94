"""Annual hour-by-hour feed-in analysis (``p2h annual``): how much data-centre heat can the
network take over a year, hour by hour, and what limits it?

For every hour of a weather year the network is solved with the P2H unit(s) feeding their full
offer; if any of the checker's criteria fails, the largest feed-in that passes is searched
(``engine``). Output: an hourly table, an annual summary (MWh offered / absorbed / share of the
network heat, heat-pump electricity and COP, hours limited by each criterion), duration curves
and a monthly plot (``AnnualResult``).

Modules (data flows one way):

* ``settings`` — the scenario's ``annual:`` block (imported by ``scenario.py``; light),
* ``inputs``   — weather (shipped synthetic year or a CSV), degree-hour demand model with DHW,
  supply-temperature curves, soil sinusoid, unit offer profiles → ``HourlyInputs``,
* ``run``      — ``run_annual``: design flows, deduplication of identical hours, sorting, chunks
  on an executor (``executors.make_executor``),
* ``engine``   — one hour: compiled-array reuse, warm starts, the checker's criteria, search,
* ``result`` / ``plots`` — ``AnnualResult``: summary, files (Parquet or CSV), figures,
* ``make_data`` — regenerates the shipped synthetic data files.

Shipped data: ``data/weather_example_year.csv`` (synthetic year, ``example_weather_year``),
``data/annual/supply_curves.csv`` (3g_110, 3g_90, 4g), ``data/annual/dhw_profiles.csv``
(residential, flat), ``data/annual/it_load_example.csv`` (IT-load factor).

The public names are loaded lazily, so importing the scenario model stays cheap.
"""

from __future__ import annotations

from .settings import AnnualSettings, SoilSettings

__all__ = ["AnnualSettings", "SoilSettings", "AnnualResult", "run_annual", "prepare",
           "network_for_hour", "example_weather_year", "example_it_load_profile",
           "load_weather", "supply_temperature_c", "shipped_curves", "demand_factors",
           "duration_curves", "monthly_plot"]

_LAZY = {
    "AnnualResult": "result", "run_annual": "run", "prepare": "run",
    "network_for_hour": "run", "example_weather_year": "inputs",
    "example_it_load_profile": "inputs", "load_weather": "inputs",
    "supply_temperature_c": "inputs", "shipped_curves": "inputs", "demand_factors": "inputs",
    "duration_curves": "plots", "monthly_plot": "plots",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        mod = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(mod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
