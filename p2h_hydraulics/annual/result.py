"""``AnnualResult``: the hourly table, the annual summary, files and figures.

Hourly table (one row per analysed hour, edge units kW/°C/bar): inputs (timestamp, month,
hour_of_day, t_out_c, t_supply_c, t_soil_c, demand_factor, consumer_demand_kw), the feed-in
(``offered_kw``, ``absorbed_kw``, ``rejected_kw``, ``absorbed_fraction``, heat-pump
``p_el_kw`` / ``cop`` / ``q_source_kw``; per unit ``<id>:…`` when there are several), the
network state at the accepted feed-in (``plant_kw``, ``plant_min_kw`` — the heat the plant
makes at its minimum flow —, ``plant_mdot_kg_s``, ``plant_flow_share``, ``consumer_kw``,
``loss_kw``, ``feedin_network_kw``, ``network_heat_kw`` = plant + feed-ins, ``energy_rel``, …),
``limited_by`` (check code of the criterion that stops more feed-in; empty when the full offer
is absorbed), ``converged``, ``multiple_states`` (a solve of the hour found a state that need
not be unique — natural convection in a near-stagnant hilly loop, the checker's
``multiple_states``: the hour's answer can depend on the state it was started from; with
``annual.second_start`` also ``other_state``: a cold start at the accepted feed-in settled in
another state, and ``other_state_limited_by``: the first criterion the feed-in fails there),
``solves`` and ``representative_hour`` (the hour whose identical inputs were solved).

Bookkeeping: offered = absorbed + rejected every hour; network heat = plant + feed-in =
consumers + losses (the solver's energy balance); absorbed ≤ consumers + losses − plant minimum
in every accepted hour (the minimum-flow criterion). Hours that could not be solved at all
(``converged`` false) count as absorbing nothing and are listed in the summary.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["AnnualResult"]


def _w_to_kw(df: pd.DataFrame) -> pd.DataFrame:
    ren = {}
    for c in df.columns:
        if c.endswith("_w"):
            df[c] = df[c] / 1e3
            ren[c] = c[:-2] + "_kw"
    return df.rename(columns=ren)


def _mwh(x) -> float:
    return float(np.nansum(np.asarray(x, dtype=float))) / 1e3


@dataclass
class AnnualResult:
    """Hourly table + summary of an annual feed-in analysis."""

    hourly: pd.DataFrame
    summary: dict
    units: list = field(default_factory=list)
    scenario: str = ""

    @classmethod
    def build(cls, prep, hourly: pd.DataFrame, flows: dict, src: dict, design_hour: int,
              stats: dict) -> AnnualResult:
        ids = [u.id for u in prep.units]
        df = hourly.copy()
        for q in ("offered_w", "absorbed_w", "p_el_w", "q_source_w"):
            df[q] = sum(df[f"{u}:{q}"] for u in ids)
        df["rejected_w"] = df["offered_w"] - df["absorbed_w"]
        with np.errstate(invalid="ignore", divide="ignore"):
            df["absorbed_fraction"] = np.where(df["offered_w"] > 0,
                                               df["absorbed_w"] / df["offered_w"], np.nan)
            wsum = sum(df[f"{u}:absorbed_w"] * df[f"{u}:cop"].fillna(0.0) for u in ids)
            hp_q = sum(df[f"{u}:absorbed_w"] * df[f"{u}:cop"].notna() for u in ids)
            df["cop"] = np.where(hp_q > 0, wsum / hp_q, np.nan)
        df["network_heat_w"] = df["plant_w"] + df["feedin_network_w"] + df["other_feedin_w"]
        if len(ids) == 1:  # one unit: the totals say it all
            u = ids[0]
            df["mode"] = df[f"{u}:mode"]
            for c in ("t_in_c", "mdot_kg_s", "head_needed_bar"):
                if f"{u}:{c}" in df:
                    df[f"feedin_{c}"] = df[f"{u}:{c}"]
            df = df.drop(columns=[c for c in df.columns if c.startswith(f"{u}:")])
        df = _w_to_kw(df)
        front = ["hour", "timestamp", "month", "hour_of_day", "t_out_c", "t_supply_c",
                 "t_soil_c", "demand_factor", "consumer_demand_kw", "offered_kw",
                 "absorbed_kw", "rejected_kw", "absorbed_fraction", "limited_by", "p_el_kw",
                 "cop", "q_source_kw", "plant_kw", "plant_min_kw", "feedin_network_kw",
                 "network_heat_kw", "consumer_kw", "loss_kw"]
        cols = [c for c in front if c in df] + [c for c in df.columns if c not in front]
        df = df[cols]
        summary = _summary(prep, df, ids, flows, src, design_hour, stats)
        return cls(df, summary, ids, prep.scenario.name)

    # -- output -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The summary (JSON-ready)."""
        return json.loads(json.dumps(self.summary, default=_json_default))

    def to_json(self, path, inputs=()) -> Path:
        """Write the summary (``to_dict``) as JSON, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The JSON file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        from ..io.atomic import write_text_atomic

        text = json.dumps(self.to_dict(), indent=1, default=_json_default, ensure_ascii=False)
        return write_text_atomic(path, text + "\n", inputs)

    def to_csv(self, path, inputs=()) -> Path:
        """Write the hourly table as CSV (timestamps as ``YYYY-MM-DDTHH:MM``), atomically.

        Parameters
        ----------
        path : path-like
            The CSV file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        from ..io.atomic import write_text_atomic

        table = self.hourly.copy()
        table["timestamp"] = table["timestamp"].dt.strftime("%Y-%m-%dT%H:%M")
        return write_text_atomic(path, table.to_csv(index=False, float_format="%.6g"), inputs)

    def figures(self) -> dict:
        """{"duration_curves": Figure, "monthly": Figure} (matplotlib; never shown)."""
        from .plots import duration_curves, monthly_plot

        return {"duration_curves": duration_curves(self), "monthly": monthly_plot(self)}

    def write(self, out_dir, inputs=(), figures: bool = True) -> list[Path]:
        """Write ``hourly.parquet`` (pyarrow installed) or ``hourly.csv``, ``summary.json`` and
        the figures (PNG) into ``out_dir``; returns the paths. Inputs are never overwritten."""
        from ..io.atomic import write_bytes_atomic, write_text_atomic

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        table = self.hourly.copy()
        table["timestamp"] = table["timestamp"].dt.strftime("%Y-%m-%dT%H:%M")
        fmt = "csv"
        try:
            import pyarrow  # noqa: F401

            fmt = "parquet"
        except ImportError:
            pass
        if fmt == "parquet":
            import io

            buf = io.BytesIO()
            table.to_parquet(buf, index=False)
            written.append(write_bytes_atomic(out / "hourly.parquet", buf.getvalue(), inputs))
        else:
            written.append(write_text_atomic(out / "hourly.csv", table.to_csv(
                index=False, float_format="%.6g"), inputs))
        self.summary["hourly_table"] = {
            "file": written[0].name, "format": fmt,
            "note": None if fmt == "parquet" else
            "pyarrow is not installed: the hourly table is written as CSV instead of Parquet "
            "(pip install pyarrow for Parquet)"}
        summary = self.to_dict()
        written.append(write_text_atomic(out / "summary.json",
                                         json.dumps(summary, indent=1, default=_json_default,
                                                    ensure_ascii=False) + "\n", inputs))
        if figures:
            import io

            for name, fig in self.figures().items():
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=110)
                written.append(write_bytes_atomic(out / f"{name}.png", buf.getvalue(), inputs))
        self.summary["written"] = [str(p) for p in written]
        return written


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating, float)):
        return float(o) if math.isfinite(o) else None
    if isinstance(o, np.bool_):
        return bool(o)
    return str(o)


def _clean(d):
    if isinstance(d, dict):
        return {k: _clean(v) for k, v in d.items()}
    if isinstance(d, float) and not math.isfinite(d):
        return None
    return d


def _summary(prep, df: pd.DataFrame, ids, flows, src, design_hour, stats) -> dict:
    ok = df["converged"].astype(bool)
    offered, absorbed = _mwh(df["offered_kw"]), _mwh(df["absorbed_kw"])
    network = _mwh(df.loc[ok, "network_heat_kw"])
    hp = df["cop"].notna() & (df["absorbed_kw"] > 0)
    p_el = _mwh(df["p_el_kw"])
    hp_heat = _mwh(df.loc[hp, "absorbed_kw"])
    limited = df.loc[df["limited_by"] != "", "limited_by"].value_counts()
    frac = prep.thresholds.plant_min_flow_fraction
    n = len(df)
    summary = {
        "scenario": prep.scenario.name,
        "hours": n,
        "full_year": n == prep.inputs.n_hours,
        "period": [str(df["timestamp"].iloc[0]), str(df["timestamp"].iloc[-1])],
        "units": ids,
        "offered_mwh": offered,
        "absorbed_mwh": absorbed,
        "rejected_mwh": offered - absorbed,
        "absorbed_share_of_offer": absorbed / offered if offered > 0 else None,
        "network_heat_mwh": network,
        "feedin_share_of_network_heat": _mwh(df.loc[ok, "absorbed_kw"]) / network
        if network > 0 else None,
        "plant_heat_mwh": _mwh(df.loc[ok, "plant_kw"]),
        "consumer_heat_mwh": _mwh(df.loc[ok, "consumer_kw"]),
        "heat_losses_mwh": _mwh(df.loc[ok, "loss_kw"]),
        "consumer_demand_mwh": _mwh(df["consumer_demand_kw"]),
        "heat_pump": {
            "hours": int(hp.sum()),
            "electricity_mwh": p_el,
            "heat_mwh": hp_heat,
            "cop_mean_heat_weighted": float((df.loc[hp, "absorbed_kw"] * df.loc[hp, "cop"]).sum()
                                            / df.loc[hp, "absorbed_kw"].sum())
            if hp_heat > 0 else None,
            "seasonal_cop": hp_heat / p_el if p_el > 0 else None,
        },
        "data_centre_heat_used_mwh": _mwh(df["q_source_kw"]),
        "hours_full_offer": int(((df["limited_by"] == "") & ok).sum()),
        "hours_limited": int((df["limited_by"] != "").sum()),
        "hours_nothing_absorbed": int(((df["absorbed_kw"] <= 0) & (df["offered_kw"] > 0)).sum()),
        "hours_limited_by": {str(k): int(v) for k, v in limited.items()},
        "hours_not_converged": int((~ok).sum()),
        "hours_multiple_states": int(df["multiple_states"].astype(bool).sum()),
        # with ``second_start``: hours whose cold re-solve found another state, and those of
        # them in which the feed-in would fail a criterion there
        "hours_other_state": int(df["other_state"].astype(bool).sum())
        if "other_state" in df else None,
        "hours_other_state_limited": int((df["other_state_limited_by"].fillna("") != "").sum())
        if "other_state_limited_by" in df else None,
        "design_flow_kg_s": flows,
        "design_flow_source": {k: (v.strip(" ()") or "plant mdot_design_kg_s")
                               for k, v in src.items()},
        "design_hour": int(design_hour),
        "plant_min_flow_fraction": frac,
        "demand_model": prep.inputs.constants,
        "settings": prep.settings.model_dump(mode="json"),
        "computation": {**stats, "hours_analysed": n,
                        "solves_per_second": stats["solves"] / stats["seconds_total"]
                        if stats["seconds_total"] > 0 else None},
    }
    return _clean(summary)
