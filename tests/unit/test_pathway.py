"""The temperature pathway (``p2h pathway``): return models against hand calculations, the
direct-feed-in threshold against source − approach, the hydraulic bottleneck against a hand
calculation of the flow (ṁ = Q / (c_p ΔT), water from CoolProp's IAPWS-IF97), the annual
figures per level against separate ``run_annual`` runs, the CLI and the shipped scenario."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from CoolProp.CoolProp import PropsSI
from scipy.optimize import brentq

from p2h_hydraulics import PathwayResult, run_annual, save_network, temperature_pathway
from p2h_hydraulics.cli import main
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.pathway import level_returns, pathway_levels, substation_return_c
from p2h_hydraulics.pathway.returns import counterflow_cold_end_k
from p2h_hydraulics.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
Q_W = 200e3  # the consumer's demand
T_RET_C = 50.0  # its return setpoint


# -- return models ----------------------------------------------------------------------------


def test_cold_end_of_a_counterflow_exchanger_matches_the_lmtd_by_hand():
    # hand: ΔT_1 = 20 K, ΔT_2 = 5 K → LMTD = 15 / ln 4 = 10.8202 K; the inverse gives 5 K back
    assert counterflow_cold_end_k(20.0, 15.0 / math.log(4.0)) == pytest.approx(5.0, rel=1e-9)
    # and the other branch (cold end larger than hot end): LMTD(5, 20) is the same 10.82 K
    assert counterflow_cold_end_k(5.0, 15.0 / math.log(4.0)) == pytest.approx(20.0, rel=1e-9)


def test_substation_return_against_a_hand_solved_lmtd():
    # design 81/55 °C primary, approaches 10 K (hot) and 5 K (cold): building side 71/50 °C,
    # LMTD_design = (10 − 5)/ln 2. At 78 °C: hot end 7 K; the cold end b solves
    # (7 − b)/ln(7/b) = LMTD_design (bisection, independent of the Lambert-W closed form)
    lm = 5.0 / math.log(2.0)
    b = brentq(lambda b: (7.0 - b) / math.log(7.0 / b) - lm, 7.0001, 60.0)
    t = substation_return_c(78.0, 81.0, 55.0, hot_approach_k=10.0, cold_approach_k=5.0)
    assert t == pytest.approx(50.0 + b, abs=1e-9)
    assert t > 55.0  # the return rises when the supply drops
    # the same heat at the same UA: Q/UA = LMTD unchanged (tolerance 1e-9 K)
    assert ((78 - 71) - (t - 50)) / math.log(7 / (t - 50)) == pytest.approx(lm, abs=1e-9)
    # at today's level the design return comes back; at 71 °C the building's 71 °C cannot be
    # reached
    assert substation_return_c(81.0, 81.0, 55.0) == pytest.approx(55.0, abs=1e-9)
    assert math.isnan(substation_return_c(71.0, 81.0, 55.0))


def test_fixed_and_constant_dt_returns_and_the_exchanger_limit():
    ret = [55.0, 58.0]
    new, lim = level_returns("fixed", 81.0, 70.0, ret)
    assert new.tolist() == ret and not lim.any()
    new, lim = level_returns("constant_dt", 81.0, 70.0, ret)
    assert new == pytest.approx([44.0, 47.0], abs=1e-12)  # ΔT 26 and 23 K kept
    # fixed at 60 °C: 58 °C would leave 2 K < 3 K minimum cooling → capped at 57 °C
    new, lim = level_returns("fixed", 81.0, 60.0, ret)
    assert new == pytest.approx([55.0, 57.0]) and lim.tolist() == [False, True]
    new, lim = level_returns("substation", 81.0, 70.0, ret)
    assert lim.all() and new == pytest.approx([67.0, 67.0])


def test_levels_from_start_stop_step_and_lists():
    assert pathway_levels((81, 65, 2), 81) == [81, 79, 77, 75, 73, 71, 69, 67, 65]
    assert pathway_levels((80, 71, 4), 80) == [80, 76, 72]
    assert pathway_levels([70, 75, 70], 81) == [70, 75]
    assert pathway_levels(None, 81)[0] == 81 and pathway_levels(None, 81)[-1] == 65


# -- a small network ------------------------------------------------------------------------


def _records(u_w_per_mk=0.0):
    return {
        "nodes": [{"id": "P", "x_m": 0.0, "y_m": 0.0}, {"id": "A", "x_m": 300.0, "y_m": 0.0},
                  {"id": "B", "x_m": 300.0, "y_m": 200.0}],
        "trenches": [{"id": "T1", "from_node": "P", "to_node": "A", "length_m": 300.0,
                      "dn": 100, "u_w_per_mk": u_w_per_mk},
                     {"id": "T2", "from_node": "A", "to_node": "B", "length_m": 200.0,
                      "dn": 50, "u_w_per_mk": u_w_per_mk}],
        "plants": [{"id": "pl", "node": "P", "t_supply_c": 80, "p_return_bar": 3.0}],
        "consumers": [{"id": "cB", "node": "B", "q_kw": Q_W / 1e3,
                       "t_return_c": T_RET_C}],
    }


SCENARIO = """
name: tiny_pathway
network: net.json
plant: {{t_supply_c: 80, control: critical_point}}
load_cases:
  - {{name: design, t_soil_c: 10}}
units:
  - {{id: dc, node: A, q_kw: 40, cooling: custom, source_temperature_c: 70,
     max_inlet_c: 65, hx_approach_k: 3}}
thresholds: {{t_supply_min_c: 40, r_max_pa_per_m: 5000}}  # velocity is the limit here
{annual}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("pathway")
    save_network(network_from_records(_records(), {"name": "tiny"}), d / "net.json")
    annual = ("annual: {supply_curve: [[-12, 80], [15, 70]], sample_hours: 48, "
              "heating_limit_c: 15}")
    (d / "scen.yaml").write_text(SCENARIO.format(annual=annual), encoding="utf-8")
    return d


def test_direct_feedin_threshold_is_source_minus_approach(tiny):
    # direct outlet = 70 − 3 = 67 °C: heat pump above, direct at 67 °C and below
    pw = temperature_pathway(tiny / "scen.yaml", supply=[69, 68, 67, 66], return_model="fixed")
    modes = {r["level_c"]: r["mode"] for r in pw.levels}
    assert modes == {69: "heat_pump", 68: "heat_pump", 67: "direct", 66: "direct"}
    assert pw.direct_from_c() == 67
    assert pw.answer().startswith("Direct feed-in from 67 °C supply")
    for r in pw.levels:  # electricity = Q / COP with the stage, 0 without
        assert r["p_el_kw_max"] == (pytest.approx(40.0 / r["cop_min"], rel=1e-9)
                                    if r["mode"] == "heat_pump" else 0.0)


def _hand_velocity(level_c: float, d_inner_m: float) -> float:
    """Velocity in the consumer's supply pipe: ṁ = Q / (c_p ΔT) with the fixed return, water
    from CoolProp (IAPWS-IF97 backend): c_p at the mean temperature, ρ at the supply."""
    p = 4e5
    t_s, t_r = level_c + 273.15, T_RET_C + 273.15
    h = PropsSI("H", "T", t_s, "P", p, "IF97::Water") - PropsSI("H", "T", t_r, "P", p,
                                                                "IF97::Water")
    m = Q_W / h
    rho = PropsSI("D", "T", t_s, "P", p, "IF97::Water")
    return m / (rho * math.pi * d_inner_m ** 2 / 4)


def test_bottleneck_appears_where_the_hand_calculated_velocity_exceeds_v_max(tiny):
    levels = list(range(81, 56, -2))
    pw = temperature_pathway(tiny / "scen.yaml", supply=levels, return_model="fixed",
                             settings={"plant_head_max_bar": 20.0, "plant_flow_max_kg_s": 50.0})
    net = load_scenario(tiny / "scen.yaml").load_network()
    d = float(net.pipes.at["T2_s", "d_inner_m"])
    assert d <= 0.0545  # DN50: the small-pipe limit 1.5 m/s applies
    hand = {L: _hand_velocity(L, d) for L in levels}
    # the sweep must not put a level within 2 % of the limit (tolerance of the comparison)
    assert all(abs(v / 1.5 - 1) > 0.02 for v in hand.values())
    expect_over = {L for L, v in hand.items() if v > 1.5}
    assert expect_over and len(expect_over) < len(levels)
    got_over = {r["level_c"] for r in pw.levels if "T2_s" in r["pipes_over_v_max"]}
    assert got_over == expect_over
    first = max(expect_over)
    assert pw.hydraulic_limit_c() == first
    row = next(r for r in pw.levels if r["level_c"] == first)
    assert "T2" in row["bottleneck_trenches"] and "pipe velocity" in row["hydraulic_limits"]
    # the solver's velocity in T2 at that level within 0.5 % of the hand value (no heat loss)
    case = next(c for c in pw.cases if c["level_c"] == first)
    assert case["network"]["v_max_m_s"] == pytest.approx(hand[first], rel=5e-3)
    assert f"at {first:g} °C and below" in pw.answer()


def test_annual_figures_per_level_equal_separate_run_annual(tiny):
    pw = temperature_pathway(tiny / "scen.yaml", supply=[80, 72], return_model="fixed",
                             annual=True)
    scen = load_scenario(tiny / "scen.yaml")
    for row in pw.levels:
        step = 80 - row["level_c"]
        curve = [[-12, 80 - step], [15, 70 - step]]
        text = (tiny / "scen.yaml").read_text().replace("[[-12, 80], [15, 70]]",
                                                        json.dumps(curve))
        f = tiny / f"level_{row['level_c']:g}.yaml"
        f.write_text(text, encoding="utf-8")
        year = run_annual(f, workers=1)
        s = year.summary
        assert row["annual_hours"] == s["hours"] == 48
        assert row["annual_absorbed_mwh"] == pytest.approx(s["absorbed_mwh"], rel=1e-9)
        assert row["annual_heat_pump_electricity_mwh"] == pytest.approx(
            s["heat_pump"]["electricity_mwh"], rel=1e-9, abs=1e-12)
        assert row["annual_hours_limited"] == s["hours_limited"]
    assert scen.annual.sample_hours == 48
    el = [r["annual_heat_pump_electricity_mwh"] for r in pw.levels]
    assert el[0] > el[1]  # a lower curve needs less heat-pump electricity


def test_result_files_round_trip(tiny, tmp_path):
    pw = temperature_pathway(tiny / "scen.yaml", supply=[70, 66], return_model="constant_dt")
    assert isinstance(pw, PathwayResult)
    written = pw.write(tmp_path / "out")
    assert sorted(p.name for p in written) == ["levels.csv", "pathway.json", "pathway.png"]
    data = json.loads((tmp_path / "out" / "pathway.json").read_text())
    assert [r["level_c"] for r in data["levels"]] == [70, 66]
    assert data["answer"] == pw.answer()
    csv = (tmp_path / "out" / "levels.csv").read_text().splitlines()
    assert csv[0].startswith("level_c,step_k,verdict") and len(csv) == 3
    # constant ΔT: the flow stays (within the property change of water, 1 %)
    f = [r["plant_mdot_kg_s"] for r in pw.levels]
    assert f[1] == pytest.approx(f[0], rel=1e-2)


# -- CLI --------------------------------------------------------------------------------------


def test_cli_exit_codes_and_outputs(tiny, tmp_path, capsys):
    scen = str(tiny / "scen.yaml")
    out = tmp_path / "o"
    page = tmp_path / "p.html"
    assert main(["pathway", scen, "--supply", "70:66:2", "--return-model", "fixed", "--json",
                 "--out", str(out), "--html", str(page)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["level_c"] for r in data["levels"]] == [70, 68, 66]
    assert (out / "levels.csv").is_file() and page.read_text().startswith("<!DOCTYPE html>")
    assert main(["pathway", scen, "--return-model", "wrong"]) == 3
    assert main(["pathway", scen, "--supply", "abc"]) == 3
    assert main(["pathway", scen, "--supply", "70:66:0"]) == 3
    assert main(["pathway", str(tmp_path / "missing.yaml")]) == 3
    assert main(["pathway"]) == 2
    capsys.readouterr()


# -- the shipped scenario ------------------------------------------------------------------


def test_shipped_scenario_goes_direct_at_source_minus_approach():
    pw = temperature_pathway(ROOT / "scenarios" / "pathway_3g_to_4g.yaml", supply=[81, 75, 67],
                             return_model="constant_dt")
    rows = {r["level_c"]: r for r in pw.levels}
    assert rows[81]["mode"] == "heat_pump" and rows[81]["verdict"] != "NOT_PERMITTED"
    assert rows[67]["mode"] == "direct" and rows[67]["p_el_kw_max"] == 0.0
    assert pw.direct_from_c() == 67  # 70 °C module water − 3 K approach
    # constant ΔT keeps the flows: the plant flow stays within 3 % of today's
    assert rows[67]["plant_mdot_kg_s"] == pytest.approx(rows[81]["plant_mdot_kg_s"], rel=3e-2)
    assert np.isfinite(rows[67]["plant_head_bar"])


def test_figure_and_page_show_the_levels_and_escape_input_text(tiny):
    pw = temperature_pathway(tiny / "scen.yaml", supply=[70, 66], return_model="fixed")
    pw.scenario = "<script>x</script> $\\frac$"
    fig = pw.figure()
    line = next(ln for ax in fig.axes for ln in ax.get_lines()
                if ln.get_label() == "plant head")
    assert line.get_ydata() == pytest.approx([r["plant_head_bar"] for r in pw.levels])
    import io

    fig.savefig(io.BytesIO(), format="png")  # the $ in the name is not mathtext
    from p2h_hydraulics.html.pathway_view import pathway_view

    page = pathway_view(pw)
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_markdown_escapes_element_ids(tiny):
    pw = temperature_pathway(tiny / "scen.yaml", supply=[81, 57], return_model="fixed",
                             settings={"plant_head_max_bar": 20.0, "plant_flow_max_kg_s": 50.0})
    low = next(r for r in pw.levels if r["level_c"] == 57)
    assert low["bottleneck_trenches"] == ["T2"]
    low["bottleneck_trenches"] = ["T|2<b>"]  # an id with Markdown / HTML syntax
    md = pw.markdown()
    assert "T\\|2&lt;b&gt;" in md and "<b>" not in md
    assert md.count("\n| 81 |") == 1 and md.count("\n| 57 |") == 1


def test_work_above_the_limit_needs_yes(tiny, monkeypatch, capsys):
    # 2 levels × 1 load case × 2 solves = 4 estimated solves against a limit of 3
    monkeypatch.setenv("P2H_MAX_SOLVES", "3")
    scen = str(tiny / "scen.yaml")
    assert main(["pathway", scen, "--supply", "70,66", "--return-model", "fixed"]) == 3
    assert "add --yes" in capsys.readouterr().err.replace("\n", " ")
    assert main(["pathway", scen, "--supply", "70,66", "--return-model", "fixed", "--yes"]) == 0
    monkeypatch.setenv("P2H_MAX_SOLVES", "4")
    assert main(["pathway", scen, "--supply", "70,66", "--return-model", "fixed"]) == 0
    capsys.readouterr()
