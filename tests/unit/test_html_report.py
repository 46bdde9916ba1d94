"""HTML reports: self-contained (embedded figures, no external resources), escaped, written
atomically, never over an input; ``p2h check --html`` keeps its exit code."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from p2h_hydraulics.check import check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import P2HError
from p2h_hydraulics.html_report import (
    case_results,
    check_html,
    sites_html,
    write_check_html,
    write_sites_html,
)
from p2h_hydraulics.io import load_network
from p2h_hydraulics.scenario import load_scenario
from p2h_hydraulics.sites import SitesResult

ROOT = Path(__file__).resolve().parents[2]
OLD_HOT = ROOT / "scenarios" / "old_hot_network.yaml"  # small network, NOT_PERMITTED


@pytest.fixture(scope="module")
def scen():
    return load_scenario(OLD_HOT)


@pytest.fixture(scope="module")
def report(scen):
    return check_integration(scen)


@pytest.fixture(scope="module")
def page(report, scen):
    return check_html(report, scen)


def _self_contained(text: str) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", text)
    assert "<script" not in text


def test_check_page_content(page, report):
    _self_contained(page)
    assert f"verdict {report.verdict}" in page and "NOT_PERMITTED" in page
    for f in report.findings:
        assert f.code in page
    assert "IAPWS-IF97" in page and "Colebrook" in page and "Darcy" in page
    assert "tolerances" in page and "<code>pn_bar</code>" in page
    for lc in ("winter", "transition"):
        assert f"Load case {lc}" in page


def test_check_page_embeds_decodable_pngs(page):
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == 3  # pressure diagram, temperature profile, map
    for b in imgs:
        assert base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "pressure diagram, load case winter" in page  # the decisive load case


def test_check_page_escapes_text(report):
    import dataclasses

    evil = dataclasses.replace(report, description="<script>alert(1)</script> & co")
    text = check_html(evil, figures=False)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "data:image/png" not in text


def test_case_results_solve_the_load_case(scen):
    cr = case_results(scen, "transition")
    assert cr.load_case == "transition"
    assert cr.base.converged and cr.feedin.converged
    assert list(cr.feedin.feedins.index) == ["dc_air"]
    with pytest.raises(P2HError, match="unknown load case"):
        case_results(scen, "spring")


def test_write_check_html_is_atomic_and_protects_inputs(report, scen, tmp_path):
    p = write_check_html(tmp_path / "sub" / "r.html", report, figures=False)
    assert p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not [x for x in p.parent.iterdir() if x.name.endswith(".tmp")]
    with pytest.raises(P2HError, match="input"):
        write_check_html(OLD_HOT, report, inputs=[OLD_HOT], figures=False)


def _sites_result(net) -> SitesResult:
    nodes = ["S1", "S2", "H3"]
    j = net.junctions
    table = pd.DataFrame({
        "rank": [1, 2, 3], "capacity_kw": [250.0, 90.0, 0.0],
        "limited_by": ["plant_min_flow", "velocity", "feedin_pump_head"],
        "load_case": ["summer", "summer", "winter"], "element": ["plant", "p<1>", "dc"],
        "pump_head_bar": [1.1, 1.3, 3.4], "heat_pump": [False, False, False],
        "cop": [float("nan")] * 3, "t_return_c": [55.0, 56.0, 57.0],
        "verdict": ["PERMITTED", "PERMITTED", "NOT_PERMITTED"],
        "method": ["solved", "solved", "screened"],
        "x_m": [j.at[f"{n}_s", "x_m"] for n in nodes],
        "y_m": [j.at[f"{n}_s", "y_m"] for n in nodes]}, index=pd.Index(nodes, name="node"))
    return SitesResult(table=table, scenario="demo <sites>", unit={"id": "dc", "cooling": "air"},
                       q_max_kw=400.0, tol_kw=25.0, tol_rel=0.02, load_cases=["winter", "summer"],
                       stats={"candidates": 3, "refined": 2, "n_solves": 9, "per_solve_s": 0.1,
                              "executor": "serial", "workers": 1, "total_s": 1.0})


def test_sites_page(tmp_path):
    net = load_network(ROOT / "networks" / "small_demo.json")
    res = _sites_result(net)
    text = sites_html(res, net)
    _self_contained(text)
    assert "demo &lt;sites&gt;" in text and "p&lt;1&gt;" in text
    rows = re.findall(r"<tr><td class='num'>(\d+)</td><td>([^<]+)</td>", text)
    assert rows == [("1", "S1"), ("2", "S2"), ("3", "H3")]
    assert text.count("data:image/png;base64,") == 1
    assert "screened" in text
    p = write_sites_html(tmp_path / "s.html", res, None)
    assert "data:image/png" not in p.read_text(encoding="utf-8")  # no network: no map


def test_cli_check_html_keeps_the_exit_code(tmp_path):
    out = tmp_path / "check.html"
    assert main(["check", str(OLD_HOT), "--html", str(out)]) == 1  # NOT_PERMITTED
    text = out.read_text(encoding="utf-8")
    # the interactive view (html.check_view): map and diagrams as plotly figures
    assert "NOT_PERMITTED" in text and 'data-div="checkmap"' in text
    assert 'data-div="pressure"' in text and "<img" not in text
