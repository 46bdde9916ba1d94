"""Inputs of the HTML view tests: the shipped demo network with markup in its ids and texts,
a site ranking on it, and a small annual result."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from p2h_hydraulics.io import load_network
from p2h_hydraulics.sites import SitesResult

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
OLD_HOT = ROOT / "scenarios" / "old_hot_network.yaml"  # small network, NOT_PERMITTED

# the markup sets window.__xss when it runs; the tests assert it never does
EVIL_CONSUMER = "<script>window.__xss=1</script>"
EVIL_PIPE = '<img src=x onerror="window.__xss=2">'
EVIL_NAME = "demo </script><script>window.__xss=3</script> & <b>co</b>"


def markup_network():
    """``small_demo.json`` with consumer C3 and the first supply pipe renamed to markup, and
    markup in its name and description."""
    net = load_network(SMALL)
    cons = net.consumers.rename(index={"C3": EVIL_CONSUMER})
    first = next(p for p in net.pipes.index if p.endswith("_s"))
    pipes = net.pipes.rename(index={first: EVIL_PIPE})
    return net.replace(consumers=cons, pipes=pipes,
                       settings={"name": EVIL_NAME, "description": EVIL_NAME})


def sites_result(net, evil: bool = True) -> SitesResult:
    """A ranking of five nodes of ``net`` (best first; the last one screened only)."""
    nodes = ["S1", "M0", "H3", "S2", "H5"]
    j = net.junctions
    table = pd.DataFrame({
        "rank": [1, 2, 3, 4, math.nan], "capacity_kw": [410.0, 250.0, 90.0, 0.0, math.nan],
        "limited_by": ["plant_min_flow", "velocity", "feedin_pump_head", "heat_pump", None],
        "load_case": ["summer", "summer", "winter", "winter", None],
        "element": ["plant", EVIL_PIPE if evil else "p1", "dc", "dc", None],
        "pump_head_bar": [1.1, 1.3, 3.4, 0.8, math.nan],
        "heat_pump": [True, True, False, True, False],
        "cop": [3.1, 2.9, math.nan, 2.2, math.nan], "t_return_c": [55.0, 56.0, 57.0, 58.0,
                                                                   math.nan],
        "verdict": ["PERMITTED", "PERMITTED", "PERMITTED", "NOT_PERMITTED", None],
        "method": ["solved", "solved", "solved", "solved", "screened"],
        "screen_kw": [400.0, 260.0, 80.0, 10.0, 30.0],
        "x_m": [j.at[f"{n}_s", "x_m"] for n in nodes],
        "y_m": [j.at[f"{n}_s", "y_m"] for n in nodes]},
        index=pd.Index([EVIL_CONSUMER if evil and n == "H3" else n for n in nodes],
                       name="node"))
    return SitesResult(table=table, scenario=EVIL_NAME if evil else "demo",
                       unit={"id": "dc", "cooling": "air"}, q_max_kw=500.0, tol_kw=25.0,
                       tol_rel=0.02, load_cases=["winter", "summer"],
                       stats={"candidates": 5, "refined": 4, "n_solves": 20,
                              "per_solve_s": 0.1, "executor": "serial", "workers": 1,
                              "total_s": 2.0})


def annual_result():
    """An ``AnnualResult`` of 8 evenly spread hours of ``scenarios/annual_3g.yaml``."""
    from p2h_hydraulics.annual import run_annual
    from p2h_hydraulics.annual.run import prepare

    prep = prepare(ROOT / "scenarios" / "annual_3g.yaml",
                   hours=np.linspace(0, 8759, 8).round().astype(int))
    return run_annual(prep, workers=1)
