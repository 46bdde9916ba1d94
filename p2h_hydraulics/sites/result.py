"""``SitesResult``: the ranked site table of ``compare_sites`` and its files."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..findings import clean_tree
from ..io.atomic import JsonFile, write_text_atomic

# ------------------------------------------------------------------------------------------
# the result


_COLUMNS = ["rank", "capacity_kw", "limited_by", "load_case", "element", "first_infeasible_kw",
            "pump_head_bar", "heat_pump", "cop", "p_el_kw", "t_return_c", "verdict", "method",
            "screen_kw", "screen_limited_by", "non_monotone", "multiple_states", "n_solves",
            "confirmed", "other_state", "x_m", "y_m", "message"]


@dataclass
class SitesResult(JsonFile):
    """Ranked site comparison: ``table`` (one row per node, best first) and run metadata.

    Columns: ``capacity_kw`` (largest permitted heat output found), ``limited_by`` (decisive
    check at the first capacity not permitted; "q_max" when the search limit was permitted),
    ``load_case`` / ``element`` of that finding, ``first_infeasible_kw``, ``pump_head_bar``
    (feed-in pump head needed at the capacity, worst load case), ``heat_pump`` / ``cop`` /
    ``p_el_kw`` (heat-pump stage), ``t_return_c`` (local return temperature, warmest load
    case), ``verdict`` at the capacity, ``method`` ("solved": full solves; "screened": screened
    only: no capacity), ``screen_kw`` / ``screen_limited_by`` (the screen), ``non_monotone``
    (the verdict was not monotone in the capacity: refused at half of a permitted capacity),
    ``multiple_states`` (a trial's network state need not be unique — natural convection in a
    near-stagnant hilly loop: the capacity can depend on the state the search started from),
    ``n_solves``, ``confirmed`` (``check_integration`` agreed, when asked), ``other_state``
    (with ``confirm``: the checks the feed-in fails at the capacity only in another steady
    state the checker found from a cold start, "code (load case)"; empty for none), node
    coordinates ``x_m``/``y_m``.
    """

    table: pd.DataFrame
    scenario: str = ""
    unit: dict = field(default_factory=dict)
    q_max_kw: float = math.nan
    tol_kw: float = math.nan
    tol_rel: float = math.nan
    allow_conditions: bool = True
    load_cases: list = field(default_factory=list)
    global_findings: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    def best(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` best-ranked nodes."""
        return self.table.head(n)

    def capacity(self, node: str) -> float:
        """Capacity [kW] found for ``node``."""
        return float(self.table.at[node, "capacity_kw"])

    def to_dict(self) -> dict:
        """The comparison as plain Python (JSON-ready): run settings, findings judged once for
        all nodes, statistics and one record per node (``sites``)."""
        rows = self.table.reset_index().to_dict("records")
        return clean_tree({
            "scenario": self.scenario, "unit": self.unit, "q_max_kw": self.q_max_kw,
            "tol_kw": self.tol_kw, "tol_rel": self.tol_rel,
            "allow_conditions": self.allow_conditions, "load_cases": self.load_cases,
            "global_findings": [f.to_dict() for f in self.global_findings],
            "stats": self.stats, "sites": rows})

    def to_csv(self, path, inputs: Iterable = ()) -> Path:
        """Write the ranked table as CSV (one row per node), atomically.

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
        text = self.table.reset_index().to_csv(index=False, float_format="%.6g")
        return write_text_atomic(path, text, inputs)


def rank_table(rows: list[dict]) -> pd.DataFrame:
    """The ranked site table: solved nodes by capacity, then screened nodes by estimate.

    Parameters
    ----------
    rows : list of dict
        One row per node (``node``, ``capacity_kw``, ``method``, ``screen_kw`` …).

    Returns
    -------
    DataFrame
        Indexed by node, with ``rank`` and the columns of ``SitesResult``; ties broken by
        pump head, return temperature and id.
    """
    df = pd.DataFrame(rows).set_index("node")
    for c in _COLUMNS:
        if c not in df.columns and c != "rank":
            df[c] = None
    df["_head"] = pd.to_numeric(df["pump_head_bar"], errors="coerce").fillna(np.inf)
    df["_tret"] = pd.to_numeric(df["t_return_c"], errors="coerce").fillna(np.inf)
    df["_id"] = df.index.astype(str)
    # solved nodes by capacity, then the screened ones by their estimate
    solved = df["method"].to_numpy() != "screened"
    df["_solved"] = solved
    df["_key"] = np.where(solved, pd.to_numeric(df["capacity_kw"], errors="coerce"),
                          pd.to_numeric(df["screen_kw"], errors="coerce"))
    df = df.sort_values(["_solved", "_key", "_head", "_tret", "_id"],
                        ascending=[False, False, True, True, True], kind="mergesort")
    df["rank"] = np.arange(1, len(df) + 1)
    extra = [c for c in df.columns if c not in _COLUMNS and not c.startswith("_")]
    return df[_COLUMNS + extra]

