"""The integration checker: every criterion of DOMAIN.md §4 triggers on a purpose-built network."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from p2h_hydraulics import solve
from p2h_hydraulics.check import check_integration
from p2h_hydraulics.checks import Thresholds
from p2h_hydraulics.errors import CheckFailed, ConvergenceError, ScenarioError
from p2h_hydraulics.findings import NOT_PERMITTED, PERMITTED, PERMITTED_WITH_CONDITIONS, REGISTRY
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.synthetic import line_network, single_pipe_network
from p2h_hydraulics.unit import P2HUnit, design_feedin, to_feedin_rows, with_feedins

LINE = dict(n=3, length_m=200.0, q_w=100e3, consumers="all", u_w_per_mk=0.2, d_inner_m=0.0703,
            t_supply_k=343.15, t_return_k=318.15)


def direct_unit(**kw) -> P2HUnit:
    """A liquid-cooled unit at 75 °C: direct feed into the 70 °C test networks."""
    return P2HUnit(**{"id": "dc", "node": "N3", "q_kw": 150.0, "cooling": "liquid",
                      "source_temperature_c": 75.0, **kw})


def branch_network(**plant):
    """Plant N0 — DN80 — N1 (C1, 500 kW) — DN32 — N2 (C2, 20 kW), 70 °C supply, 45 °C return.

    A feed-in at N2 must push its flow back through the thin DN32 pipe.
    """
    rec = {
        "nodes": [{"id": "N0", "x_m": 0}, {"id": "N1", "x_m": 150}, {"id": "N2", "x_m": 300}],
        "trenches": [
            {"id": "P1", "from_node": "N0", "to_node": "N1", "length_m": 150,
             "d_inner_m": 0.0825, "u_w_per_mk": 0.2},
            {"id": "P2", "from_node": "N1", "to_node": "N2", "length_m": 150,
             "d_inner_m": 0.0372, "u_w_per_mk": 0.2},
        ],
        "consumers": [{"id": "C1", "node": "N1", "q_kw": 500, "t_return_c": 45},
                      {"id": "C2", "node": "N2", "q_kw": 20, "t_return_c": 45}],
        "plants": [{"id": "plant", "node": "N0", "t_supply_c": 70, "p_return_bar": 2.5,
                    "control": "critical_point", "lift_bar": 1.0, **plant}],
    }
    return network_from_records(rec)


@pytest.fixture(scope="module")
def line():
    return line_network(**LINE)


@pytest.fixture(scope="module")
def branch():
    return branch_network()


def only(report, code, load_case=None, case=None):
    found = [f for f in report.finding(code, load_case) if case is None or f.case == case]
    assert found, f"no {code} finding"
    return found


# ------------------------------------------------------------------------------------------
# the verdict and the report


def test_registry_covers_every_criterion():
    assert {s.criterion for s in REGISTRY.values()} == set(range(1, 12))


def test_small_direct_feedin_is_permitted(line):
    rep = check_integration(line, units=[direct_unit()])
    assert rep.verdict == PERMITTED and rep.exit_code == 0
    assert not rep.violations and not rep.conditions
    # every check ran and found something (ok, warning or violation)
    assert {f.code for f in rep.findings} == set(REGISTRY)
    lc = rep.load_case("design")
    assert lc["units"]["dc"]["mode"] == "direct"
    assert lc["feedin"]["plant_mdot_kg_s"] < lc["base"]["plant_mdot_kg_s"]
    assert lc["units"]["dc"]["mdot_kg_s"] > 0 and 40 < lc["units"]["dc"]["t_in_c"] < 55
    d = rep.to_dict()
    assert d["verdict"] == PERMITTED and d["exit_code"] == 0
    md = rep.markdown()
    assert "**Verdict: PERMITTED**" in md and "| consumer_dp |" in md


def test_input_network_is_not_modified(line):
    before = line.copy()
    check_integration(line, units=[direct_unit()],
                      load_cases=[{"name": "half", "demand_scale": 0.5, "t_supply_c": 72}])
    assert line.equals(before)


def test_findings_are_sorted_decisive_first(branch):
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=200.0)])
    sev = [f.severity for f in rep.findings]
    order = {"violation": 0, "warning": 1, "ok": 2}
    assert [order[s] for s in sev] == sorted(order[s] for s in sev)
    assert rep.decisive[0].severity == "violation"
    assert rep.decisive_code == rep.violations[0].code


def test_strict_raises_unless_permitted(line, branch):
    rep = check_integration(line, units=[direct_unit()], strict=True)
    assert rep.verdict == PERMITTED
    with pytest.raises(CheckFailed) as exc:
        check_integration(branch, units=[direct_unit(node="N2", q_kw=200.0)], strict=True)
    assert exc.value.report.verdict == NOT_PERMITTED and exc.value.exit_code == 1
    with pytest.raises(CheckFailed):  # conditions are not PERMITTED either
        check_integration(line, units=[direct_unit(cooling="air", source_temperature_c=None)],
                          strict=True)


def test_unknown_node_and_bad_thresholds_are_scenario_errors(line):
    with pytest.raises(ScenarioError, match="node 'N9' does not exist"):
        check_integration(line, units=[direct_unit(node="N9")])
    with pytest.raises(ScenarioError, match="thresholds.pn_barr"):
        check_integration(line, units=[direct_unit()], thresholds={"pn_barr": 10})
    with pytest.raises(ScenarioError, match="at least one"):
        check_integration(line, units=[])


# ------------------------------------------------------------------------------------------
# criteria 1–11


def test_1_consumer_dp_with_and_without_feedin():
    net = line_network(**LINE, plant_control="lift", lift_pa=0.8e5)
    rep = check_integration(net, units=[direct_unit()])
    base = only(rep, "consumer_dp", case="base")[0]
    assert base.severity == "violation" and base.element == "C3"
    assert base.value < base.limit and base.count >= 1
    # the feed-in at the far end relieves the critical consumer, but the network must also
    # work without it (the data centre can fail): not permitted
    assert only(rep, "consumer_dp", case="feedin")[0].severity == "ok"
    assert rep.verdict == NOT_PERMITTED and rep.decisive_code == "consumer_dp"
    relaxed = check_integration(net, units=[direct_unit()], thresholds={"dp_min_bar": 0.1})
    assert all(f.severity == "ok" for f in relaxed.finding("consumer_dp"))


def test_2_feedin_pump_head(branch):
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=200.0)])
    f = only(rep, "feedin_pump_head")[0]
    assert f.severity == "violation" and f.value > 3.0 and f.limit == 3.0
    assert f.value == pytest.approx(rep.load_case("design")["units"]["dc"]["head_bar"] + 0.3)
    # a pump stronger than a standard station's is a condition
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=100.0)],
                            thresholds={"standard_pump_head_bar": 1.0})
    f = only(rep, "feedin_pump_head")[0]
    assert f.severity == "warning" and f.condition and "pump" in f.condition
    assert rep.verdict == PERMITTED_WITH_CONDITIONS
    assert any("bar head" in c for c in rep.conditions)


def test_3_pressure_max(branch):
    unit = direct_unit(node="N2", q_kw=200.0)
    rep = check_integration(branch, units=[unit], thresholds={"pn_bar": 4.0})
    f = only(rep, "pressure_max")[0]
    assert f.severity == "violation" and f.value > 4.0 and f.element == "N2_s"
    # exceeded equally without the feed-in: a safety limit is never downgraded (the network
    # must be fixed first), unlike e.g. velocities, where a pre-existing excess is a warning
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=50.0)],
                            thresholds={"pn_bar": 3.0})
    f = only(rep, "pressure_max")[0]
    assert f.severity == "violation" and "without the feed-in" in f.message
    assert rep.verdict == "NOT_PERMITTED"
    # not made worse: the message says the network must be fixed, and nothing contrary
    assert f.margin_to_worse > 0 and "must be fixed" in f.message
    assert "makes it worse" not in f.message


def test_4_pressure_min_atmospheric_and_boiling(branch):
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=200.0)],
                            thresholds={"p_min_bar": 2.0})
    f = only(rep, "pressure_min")[0]
    assert f.severity == "violation" and f.value < 2.0 and "air ingress" in f.message
    # 130 °C water at 1 bar g: below saturation pressure + margin
    hot = line_network(**{**LINE, "t_supply_k": 403.15, "t_return_k": 343.15,
                          "p_return_pa": 1.0e5})
    unit = P2HUnit(id="dc", node="N3", q_kw=100, cooling="custom", source_temperature_c=140,
                   max_inlet_c=80)
    rep = check_integration(hot, units=[unit])
    f = only(rep, "pressure_min")[0]
    assert f.severity != "ok" and "boiling" in f.message


def test_5_velocity_and_pressure_gradient(branch):
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=200.0)])
    v = only(rep, "velocity")[0]
    assert v.severity == "violation" and v.element.startswith("P2")
    assert v.limit == 1.5  # d_inner 37 mm counts as ≤ DN50
    assert v.value > 1.5
    r = only(rep, "pressure_gradient")[0]
    assert r.severity == "warning" and r.value > 200 and r.condition is None
    # the small-pipe limit applies to the 37 mm pipe only; the 82.5 mm pipe keeps 2 m/s
    rep = check_integration(branch, units=[direct_unit(node="N2", q_kw=50.0)],
                            thresholds={"v_max_small_m_s": 0.1})
    f = only(rep, "velocity")[0]
    assert f.severity == "violation" and f.element.startswith("P2") and f.limit == 0.1


def test_5_velocity_limit_uses_dn_when_given():
    from p2h_hydraulics.checks import CaseContext, pipe_vmax

    net = line_network(**LINE)
    pipes = net.pipes.copy()
    pipes["dn"] = [50.0, 50.0, 65.0, 65.0, 40.0, 40.0]
    pipes["d_inner_m"] = 0.0703  # the DN decides, not the diameter
    net = net.replace(pipes=pipes)
    ctx = CaseContext("x", Thresholds(), [], {}, net, net)
    assert list(pipe_vmax(ctx, pipes.index)) == [1.5, 1.5, 2.0, 2.0, 1.5, 1.5]


def test_6_flow_reversal_and_stagnant_pipes(line):
    rep = check_integration(line, units=[direct_unit(q_kw=250.0)])
    f = only(rep, "flow_reversal")[0]
    assert f.severity == "warning" and f.count >= 2 and f.condition is None
    assert rep.verdict == PERMITTED
    rep = check_integration(line, units=[direct_unit(q_kw=250.0)],
                            thresholds={"reversal_needs_action": True})
    assert only(rep, "flow_reversal")[0].condition
    assert rep.verdict == PERMITTED_WITH_CONDITIONS
    # a feed-in covering its own node's demand exactly leaves the pipe to it stagnant
    sp = single_pipe_network(q_w=100e3, t_supply_k=343.15, t_return_k=318.15)
    unit = P2HUnit(id="dc", node="B", q_kw=100, cooling="liquid", source_temperature_c=75)
    rep = check_integration(sp, units=[unit])
    f = only(rep, "stagnant_pipes")[0]
    assert f.severity == "warning" and f.count == 2


def test_7_outlet_and_consumer_supply_temperature(line):
    unit = direct_unit(cooling="warm_water", source_temperature_c=60.0,
                       heat_pump={"allowed": False})
    rep = check_integration(line, units=[unit])
    f = only(rep, "feedin_outlet_temperature")[0]
    assert f.severity == "violation" and f.value == pytest.approx(57.0)
    assert f.limit == pytest.approx(70.0) and "not allowed" in f.message
    c = only(rep, "consumer_supply_temperature")[0]
    assert c.severity == "violation" and c.value < 65.0  # the cold feed cools the supply
    assert rep.decisive_code == "feedin_outlet_temperature"
    # the consumer limit is configurable
    rep = check_integration(line, units=[direct_unit()], thresholds={"t_supply_min_c": 69.5})
    c = only(rep, "consumer_supply_temperature")[0]
    assert c.severity == "violation" and c.limit == 69.5


def test_8_return_temperature(line):
    rep = check_integration(line, units=[direct_unit(max_inlet_c=40.0)])
    f = only(rep, "feedin_return_temperature")[0]
    assert f.severity == "violation" and f.value > 40.0 and f.limit == 40.0
    assert "too warm" in f.message and rep.verdict == NOT_PERMITTED
    assert rep.decisive_code == "feedin_return_temperature"


def test_9_heat_pump_cop(line):
    rep = check_integration(line, units=[direct_unit(cooling="air", source_temperature_c=None)])
    f = only(rep, "heat_pump")[0]
    assert f.severity == "warning" and f.condition and "COP" in f.condition
    assert rep.verdict == PERMITTED_WITH_CONDITIONS
    assert rep.load_case("design")["units"]["dc"]["p_el_kw"] > 0
    hot = line_network(**{**LINE, "t_supply_k": 383.15, "t_return_k": 333.15})
    air = direct_unit(cooling="air", source_temperature_c=None)
    rep = check_integration(hot, units=[air])
    f = only(rep, "heat_pump")[0]
    assert f.severity == "violation" and f.value == pytest.approx(2.245, abs=0.01)
    assert rep.decisive_code == "heat_pump"
    rep = check_integration(hot, units=[air], thresholds=Thresholds(cop_min=2.0))
    assert only(rep, "heat_pump")[0].severity == "warning"
    assert rep.verdict == PERMITTED_WITH_CONDITIONS


def test_10_plant_min_flow(line):
    rep = check_integration(line, units=[direct_unit(q_kw=290.0)])
    f = only(rep, "plant_min_flow")[0]
    assert f.severity == "violation" and f.value < 10.0
    assert "cannot absorb" in f.message
    assert rep.decisive_code == "plant_min_flow"
    # design flow: the plant's mdot_design, else the base flow of the highest-load case
    rep = check_integration(line, units=[direct_unit(q_kw=100.0)],
                            load_cases=[{"name": "summer", "demand_scale": 0.5},
                                        {"name": "winter", "demand_scale": 1.0}])
    winter = rep.load_case("winter")
    assert winter["design_flow_kg_s"]["plant"] == pytest.approx(
        winter["base"]["plant_mdot_kg_s"])
    assert rep.load_case("summer")["design_flow_kg_s"]["plant"] == pytest.approx(
        winter["base"]["plant_mdot_kg_s"])
    plants = line.plants.copy()
    plants["mdot_design_kg_s"] = 40.0
    rep = check_integration(line.replace(plants=plants), units=[direct_unit(q_kw=100.0)])
    f = only(rep, "plant_min_flow")[0]
    assert f.severity == "violation" and f.value < 10.0  # 40 kg/s design: far below 10 %


def test_11_non_convergence_is_never_permitted(line, monkeypatch):
    import p2h_hydraulics.evaluation as solver_pkg

    real = solver_pkg.solve

    def failing(net, *a, **kw):
        if len(net.feedins):
            raise ConvergenceError("the native solver did not converge: test")
        return real(net, *a, **kw)

    monkeypatch.setattr(solver_pkg, "solve", failing)
    rep = check_integration(line, units=[direct_unit()])
    f = [x for x in rep.finding("convergence") if x.case == "feedin"][0]
    assert f.severity == "violation" and "did not converge" in f.message
    assert rep.verdict == NOT_PERMITTED and rep.not_converged_only and rep.exit_code == 4
    assert rep.decisive_code == "convergence"
    assert not rep.finding("plant_min_flow")  # nothing judged on a missing result
    # other violations as well: exit code 1
    rep = check_integration(line, units=[direct_unit(max_inlet_c=30.0)])
    assert rep.exit_code == 1


def test_11_balance(line):
    rep = check_integration(line, units=[direct_unit()])
    assert all(f.severity == "ok" for f in rep.finding("balance"))
    rep = check_integration(line, units=[direct_unit()], thresholds={"balance_rel_tol": 1e-15})
    assert all(f.severity == "violation" for f in rep.finding("balance"))
    assert rep.verdict == NOT_PERMITTED


def test_load_cases_and_thresholds_override(line):
    rep = check_integration(
        line, units=[direct_unit(q_kw=100.0)],
        load_cases=[{"name": "winter"}, {"name": "summer", "demand_scale": 0.2}],
        thresholds={"plant_min_flow_fraction": 0.05})
    assert [lc["name"] for lc in rep.load_cases] == ["winter", "summer"]
    summer = only(rep, "plant_min_flow", "summer")[0]
    assert summer.limit == 5.0
    assert rep.thresholds["plant_min_flow_fraction"] == 0.05
    assert only(rep, "plant_min_flow", "winter")[0].severity == "ok"


def test_report_files_are_written_atomically(line, tmp_path):
    rep = check_integration(line, units=[direct_unit()])
    md = rep.to_markdown(tmp_path / "r.md")
    js = rep.to_json(tmp_path / "r.json")
    assert md.read_text().startswith("# Feed-in check")
    assert json.loads(js.read_text())["verdict"] == PERMITTED
    from p2h_hydraulics.errors import P2HError

    with pytest.raises(P2HError, match="input"):
        rep.to_markdown(md, inputs=[md])


# ------------------------------------------------------------------------------------------
# cross-check of the feed-in case with pandapipes


def test_feedin_case_matches_pandapipes():
    try:
        import pandapipes  # noqa: F401

        from p2h_hydraulics.solver import pandapipes_backend  # noqa: F401
    except ImportError:
        pytest.skip("pandapipes backend not available")
    net = branch_network()
    unit = direct_unit(node="N2", q_kw=100.0)
    fnet = with_feedins(net, to_feedin_rows(unit, design_feedin(unit, 70.0)))
    a = solve(fnet)
    b = solve(fnet, backend="pandapipes")
    fa, fb = a.feedins.loc["dc"], b.feedins.loc["dc"]
    assert fb["mdot_kg_s"] == pytest.approx(fa["mdot_kg_s"], rel=2e-3)
    assert fb["t_in_k"] == pytest.approx(fa["t_in_k"], abs=0.05)
    assert fb["head_pa"] == pytest.approx(fa["head_pa"], rel=5e-3)
    assert b.plant["mdot_kg_s"].iloc[0] == pytest.approx(a.plant["mdot_kg_s"].iloc[0], rel=3e-3)
    assert np.allclose(b.pipes["mdot_kg_s"], a.pipes.loc[b.pipes.index, "mdot_kg_s"],
                       rtol=5e-3, atol=1e-3)
    # the checker gives the same verdict with either backend (the pandapipes backend closes the
    # energy balance only to ~1e-6…1e-5 relative, so the balance tolerance is relaxed here)
    th = {"balance_rel_tol": 1e-4}
    ra = check_integration(net, units=[unit], thresholds=th)
    rb = check_integration(net, units=[unit], thresholds=th, backend="pandapipes")
    assert rb.backend == "pandapipes"
    assert ra.verdict == rb.verdict == PERMITTED
    for code in ("feedin_pump_head", "plant_min_flow", "feedin_return_temperature"):
        va, vb = ra.finding(code)[0].value, rb.finding(code)[0].value
        assert math.isclose(va, vb, rel_tol=5e-3), code


def test_margin_to_worse_changes_sign_where_a_pre_existing_problem_gets_worse():
    """A pre-existing failure (C1 at −1 K) is tolerated while the feed-in case is not worse:
    worst margin within the 0.05 K tolerance and no element newly failing by more than it.
    The margin to worse is positive exactly then, and falls continuously as either rule is
    approached."""
    from p2h_hydraulics.checks import _margin_to_worse, _Measure

    ids = np.array(["C1", "C2", "C3"])

    def meas(margins):
        m = np.asarray(margins, dtype=float)
        return _Measure(ids, 50.0 + m, np.full(3, 50.0), m)

    base = meas([-1.0, 2.0, 0.3])
    assert _margin_to_worse(meas([-1.02, 1.5, 0.1]), base, 0.05) == pytest.approx(0.03)
    assert _margin_to_worse(meas([-1.0, 1.5, 0.01]), base, 0.05) == pytest.approx(0.05)
    # C3 newly fails within the tolerance (solver noise at the threshold) → not worse
    assert _margin_to_worse(meas([-1.0, 1.5, -0.01]), base, 0.05) == pytest.approx(0.04)
    # C3 newly fails by more than the tolerance → worse, negative
    assert _margin_to_worse(meas([-1.0, 1.5, -0.06]), base, 0.05) == pytest.approx(-0.01)
    # the worst gets worse by more than the tolerance → negative
    assert _margin_to_worse(meas([-1.2, 1.5, 0.2]), base, 0.05) == pytest.approx(-0.15)


def test_active_consumers_are_those_drawing_water():
    """``Result.active_consumers``: the consumers with flow (a consumer without load is left
    out of the consumer criteria)."""
    net = line_network(n=3, consumers="all")
    net.consumers.loc["C2", "q_w"] = 0.0
    res = solve(net)
    assert res.consumers.loc["C2", "mdot_kg_s"] == 0.0
    assert list(res.active_consumers.index) == ["C1", "C3"]
    assert res.active_consumers is res.active_consumers  # filtered once per result
