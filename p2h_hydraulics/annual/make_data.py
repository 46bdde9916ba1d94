"""Regenerate the shipped synthetic example data of the annual analysis.

```
python -m p2h_hydraulics.annual.make_data
```

writes ``p2h_hydraulics/data/weather_example_year.csv`` (``example_weather_year()``: hourly
outdoor temperature of a synthetic year for a central German city) and
``p2h_hydraulics/data/annual/it_load_example.csv`` (``example_it_load_profile()``: hourly IT-load
factor of a data centre). Both are deterministic (fixed seeds); a unit test checks that the
shipped files equal the functions' output. The supply curves and DHW profiles in
``data/annual/`` are hand-written tables (documented in their comment lines).
"""

from __future__ import annotations

from .inputs import (
    EXAMPLE_IT_LOAD,
    EXAMPLE_WEATHER,
    example_it_load_profile,
    example_weather_year,
)


def weather_csv_text() -> str:
    """The text of the shipped weather file."""
    df = example_weather_year()
    head = ("# Synthetic hourly outdoor temperature of a central German city (p2h_hydraulics, "
            "annual.inputs.example_weather_year, seed 6): seasonal cosine + daily cycle + AR(1) "
            "weather noise; local standard time, 0.1 °C.\n")
    return head + df.to_csv(index=False, date_format="%Y-%m-%dT%H:%M", float_format="%.1f")


def it_load_csv_text() -> str:
    """The text of the shipped IT-load example."""
    df = example_it_load_profile()
    head = ("# Synthetic hourly IT-load factor (share of the rated IT load) of a data centre "
            "(p2h_hydraulics, annual.inputs.example_it_load_profile, seed 3).\n")
    return head + df.to_csv(index=False, date_format="%Y-%m-%dT%H:%M", float_format="%.2f")


def main() -> None:
    EXAMPLE_WEATHER.write_text(weather_csv_text(), encoding="utf-8")
    EXAMPLE_IT_LOAD.parent.mkdir(parents=True, exist_ok=True)
    EXAMPLE_IT_LOAD.write_text(it_load_csv_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
