"""The evaluation layer: load-case networks, the required supply temperature, one case solved
without and with the units, the plants' design flows and the registry run on a case — the one
way ``check_integration``, the site comparison, the annual analysis and the HTML report
evaluate a feed-in."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from p2h_hydraulics import load_scenario, solve
from p2h_hydraulics.check import check_integration
from p2h_hydraulics.checks import Thresholds
from p2h_hydraulics.errors import ScenarioError
from p2h_hydraulics.evaluation import (
    apply_load_case,
    design_flows,
    evaluate_case,
    judge,
    required_supply_c,
)
from p2h_hydraulics.findings import REGISTRY, WARNING_ONLY
from p2h_hydraulics.html_report import case_results
from p2h_hydraulics.unit import to_feedin_rows, with_feedins

ROOT = Path(__file__).resolve().parents[2]
SCEN = ROOT / "scenarios" / "3g_liquid_small_hp.yaml"


@pytest.fixture(scope="module")
def scen():
    return load_scenario(SCEN)


@pytest.fixture(scope="module")
def contexts(scen):
    net = scen.load_network()
    ctxs = [evaluate_case(apply_load_case(net, lc, scen.plant), list(scen.units),
                          scen.thresholds or Thresholds(), lc.name) for lc in scen.load_cases]
    design_flows(ctxs)
    return ctxs


def test_required_supply_is_the_warmest_plant_setpoint_in_service(scen):
    net = apply_load_case(scen.load_network(), scen.load_cases[0], scen.plant)
    t = net.plants.loc[net.plants["in_service"].astype(bool), "t_supply_k"]
    assert required_supply_c(net) == pytest.approx(float(t.max()) - 273.15, abs=1e-12)
    plants = net.plants.copy()
    plants["in_service"] = False
    with pytest.raises(ScenarioError, match="no plant in service"):
        required_supply_c(net.replace(plants=plants))


def test_a_case_is_the_base_solve_and_the_feedin_solve_of_its_networks(scen, contexts):
    """The context's results are plain solves of the load case without and with the units
    (pressures to 0.01 Pa: the feed-in solve is warm-started, the reference cold)."""
    ctx = contexts[0]
    assert ctx.load_case == scen.load_cases[0].name and ctx.base_error is None
    base = solve(ctx.network_base)
    np.testing.assert_allclose(ctx.base.junctions["p_pa"], base.junctions["p_pa"], atol=0.01)
    designs = list(ctx.designs.values())
    fnet = with_feedins(ctx.network_base, to_feedin_rows(list(scen.units), designs))
    feed = solve(fnet)
    np.testing.assert_allclose(ctx.feedin.junctions["p_pa"], feed.junctions["p_pa"], atol=0.01)
    u = scen.units[0]
    # the design records the local return the unit sees in the feed-in solve
    assert ctx.designs[u.id].t_return_local_k == pytest.approx(
        float(ctx.feedin.feedins.at[u.id, "t_in_k"]), abs=1e-9)


def test_design_flow_is_mdot_design_else_the_base_flow_of_the_highest_demand_case(contexts):
    given = contexts[0].network_base.plants["mdot_design_kg_s"]
    for ctx in contexts:
        for pid, d in ctx.design_flow_kg_s.items():
            assert d == float(given[pid]) and ctx.design_flow_source[pid] == ""
    # without mdot_design: the base-case flow of the load case with the highest demand
    bare = []
    for c in contexts:
        plants = c.network_base.plants.copy()
        plants["mdot_design_kg_s"] = np.nan
        c2 = copy.copy(c)
        c2.network_base = c.network_base.replace(plants=plants)
        c2.design_flow_kg_s, c2.design_flow_source = {}, {}
        bare.append(c2)
    design_flows(bare)
    demand = [float(c.network_base.consumers["q_w"].sum()) for c in bare]
    top = bare[int(np.argmax(demand))]
    for ctx in bare:
        for pid, d in ctx.design_flow_kg_s.items():
            assert d == float(top.base.plant.at[pid, "mdot_kg_s"])
            assert f"load case '{top.load_case}'" in ctx.design_flow_source[pid]


def test_judge_runs_the_registry_with_its_named_shortcuts(contexts):
    ctx = contexts[0]
    every = judge(ctx)
    assert [f.code for f in every] == sorted((f.code for f in every),
                                             key=list(REGISTRY).index)  # registry order
    assert {f.code for f in every} == set(REGISTRY)
    lean = judge(ctx, skip=WARNING_ONLY)  # the annual analysis' shortcut
    assert {f.code for f in lean} == set(REGISTRY) - set(WARNING_ONLY)
    assert lean == [f for f in every if f.code not in WARNING_ONLY]
    glob = judge(ctx, cases=("design", "base"))  # the site comparison's node-independent part
    assert glob and glob == [f for f in every if f.case in ("design", "base")]
    design = judge(ctx, codes=("feedin_outlet_temperature", "heat_pump"))
    assert [f.code for f in design][0] == "feedin_outlet_temperature"


def test_check_integration_is_evaluate_case_and_judge(scen, contexts):
    rep = check_integration(scen)
    ours = [f for ctx in contexts for f in judge(ctx)]
    key = lambda f: (f.load_case, f.code, f.case or "", f.element or "", f.message)  # noqa: E731
    assert sorted(map(key, rep.findings)) == sorted(map(key, ours))


def test_html_report_case_results_are_the_evaluated_case(scen, contexts):
    cr = case_results(scen, scen.load_cases[0].name)
    ctx = contexts[0]
    np.testing.assert_allclose(cr.base.junctions["p_pa"], ctx.base.junctions["p_pa"],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(cr.feedin.junctions["t_k"], ctx.feedin.junctions["t_k"],
                               rtol=0, atol=1e-9)
