"""Impossible physical states are refused or judged, never PERMITTED (each through the API and
the CLI).

* statically impossible consumers (a cooling ΔT or fixed flow that needs a return below 0 °C,
  a fixed flow of 0 kg/s with a demand, a load case shifting return setpoints below 0 °C):
  ``ModelError`` / ``ScenarioError`` naming the consumer (exit 3);
* returns below the surroundings, freezing stagnant water, velocities far beyond any design:
  violations of ``consumer_return_temperature``, ``freezing``, ``velocity_plausible``;
* a network without consumers: refused with a plain message;
* ``demand_scale`` scales fixed flows too (a summer load case gets summer flows);
* stagnant junctions take the soil temperature of the pipes that reach them.

References: stagnant water ends at the temperature of its surroundings (analytical steady
state); a fixed-flow consumer's enthalpy drop is Q/ṁ (IAPWS-IF97 through ``iapws``).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml

import p2h_hydraulics as p2h
from p2h_hydraulics import check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import ModelError, ScenarioError
from p2h_hydraulics.scenario import LoadCase, apply_load_case

T_SOIL_C = 10.0
TINY = {"nodes": [{"id": "A", "x_m": 0, "y_m": 0, "elevation_m": 30},
                  {"id": "B", "x_m": 120, "y_m": 0, "elevation_m": 30},
                  {"id": "C", "x_m": 240, "y_m": 0, "elevation_m": 30}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 120, "dn": 100,
                      "series": "S2"},
                     {"id": "T2", "from_node": "B", "to_node": "C", "length_m": 120, "dn": 80,
                      "series": "S2"}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 250, "t_return_c": 45},
                      {"id": "C2", "node": "C", "q_kw": 100, "t_return_c": 45}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                    "control": "critical_point"}]}
# direct feed-in from a hot source: no heat-pump condition, so the verdict shows what the
# checker makes of the network state alone
UNIT = {"id": "dc", "node": "B", "q_kw": 50, "cooling": "custom", "source_temperature_c": 95,
        "max_inlet_c": 60}


def records(*changes) -> dict:
    rec = copy.deepcopy(TINY)
    for fn in changes:
        fn(rec)
    return rec


def build(rec: dict, t_soil_c: float = T_SOIL_C):
    return p2h.network_from_records(rec, {"name": "absurd", "t_soil_c": t_soil_c})


def write_case(folder, rec: dict, t_soil_c: float = T_SOIL_C, load_cases=None,
               thresholds=None):
    """A native network file (written as is: no validation) and a scenario naming it."""
    doc = {"format": "p2h-network", "version": 1,
           "settings": {"name": "absurd", "t_soil_c": t_soil_c}, **rec}
    (folder / "net.json").write_text(json.dumps(doc), encoding="utf-8")
    scen = {"name": "absurd", "network": "net.json", "units": [UNIT]}
    if load_cases:
        scen["load_cases"] = load_cases
    if thresholds:
        scen["thresholds"] = thresholds
    (folder / "s.yaml").write_text(yaml.safe_dump(scen), encoding="utf-8")
    return folder / "net.json", folder / "s.yaml"


def run_cli(args, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, " ".join(out.split()), " ".join(err.split())


def violations(rep, code: str) -> list:
    return [f for f in rep.finding(code) if f.severity == "violation"]


# ------------------------------------------------------------------------------------------
# statically impossible consumers: refused, naming the consumer


def _cool_by(dt_k):
    def change(r):
        for c in r["consumers"]:
            c.pop("t_return_c")
            c.update(control="delta_t", delta_t_k=dt_k)
    return change


def _fixed_flow_zero(r):
    r["consumers"][1].pop("t_return_c")
    r["consumers"][1].update(control="mdot", mdot_kg_s=0.0, q_kw=500)


def _fixed_flow_too_small(r):  # 500 kW from 0.5 kg/s: 239 K of cooling from 80 °C
    r["consumers"][1].pop("t_return_c")
    r["consumers"][1].update(control="mdot", mdot_kg_s=0.5, q_kw=500)


@pytest.mark.parametrize("change, field, words", [
    (_cool_by(100.0), "delta_t_k", "below 0 °C"),
    (_fixed_flow_zero, "mdot_kg_s", "cannot deliver"),
    (_fixed_flow_too_small, "mdot_kg_s", "below 0 °C"),
], ids=["cooling_100K_in_80C_network", "fixed_zero_flow_with_500kW", "fixed_flow_far_too_small"])
def test_impossible_consumer_is_refused(change, field, words, tmp_path, capsys):
    with pytest.raises(ModelError) as info:
        build(records(change))
    msg = " ".join(str(info.value).split())
    assert "consumers 'C2'" in msg and f"'{field}'" in msg and words in msg, msg
    net_path, scen_path = write_case(tmp_path, records(change))
    for args in (["solve", net_path], ["check", scen_path]):
        code, out, err = run_cli(args, capsys)
        assert code == 3, (args, out, err)
        assert "C2" in err and field in err and words in err, err


def test_load_case_offset_below_0c_is_refused(tmp_path, capsys):
    """Return setpoints 45 °C shifted by −50 K: the returns would freeze."""
    net = build(records())
    with pytest.raises(ScenarioError) as info:
        check_integration(net, units=[UNIT], load_cases=[{"name": "summer",
                                                          "t_return_offset_k": -50}])
    msg = " ".join(str(info.value).split())
    assert "load case 'summer'" in msg and "consumers 'C1'" in msg and "below 0 °C" in msg, msg
    _, scen = write_case(tmp_path, records(),
                         load_cases=[{"name": "summer", "t_return_offset_k": -50}])
    code, out, err = run_cli(["check", scen], capsys)
    assert code == 3 and "summer" in err and "C1" in err and "below 0 °C" in err, err


def test_load_case_demand_on_zero_fixed_flow_is_refused(tmp_path, capsys):
    """A fixed-flow consumer with 0 kg/s and 0 kW in the network, given 500 kW by a load case:
    its heat would be dropped."""
    def idle(r):
        r["consumers"][1].pop("t_return_c")
        r["consumers"][1].update(control="mdot", mdot_kg_s=0.0, q_kw=0)

    net = build(records(idle))  # valid: no flow, no demand
    cases = [{"name": "peak", "q_kw": {"C2": 500}}]
    with pytest.raises(ScenarioError) as info:
        check_integration(net, units=[UNIT], load_cases=cases)
    msg = " ".join(str(info.value).split())
    assert "load case 'peak'" in msg and "consumers 'C2'" in msg and "0 kg/s" in msg, msg
    _, scen = write_case(tmp_path, records(idle), load_cases=cases)
    code, out, err = run_cli(["check", scen], capsys)
    assert code == 3 and "peak" in err and "C2" in err, err


def test_network_without_consumers_is_refused(tmp_path, capsys):
    def no_consumers(r):
        r["consumers"] = []

    net = build(records(no_consumers))
    with pytest.raises(ScenarioError) as info:
        check_integration(net, units=[UNIT])
    assert "no consumer in service" in str(info.value)
    _, scen = write_case(tmp_path, records(no_consumers))
    code, out, err = run_cli(["check", scen], capsys)
    assert code == 3 and "no consumer in service" in err, (out, err)
    assert "PERMITTED" not in out


# ------------------------------------------------------------------------------------------
# impossible states the solve reaches: violations, never PERMITTED


def test_return_below_the_soil_is_a_violation(tmp_path, capsys):
    """Cooling by 70 K from ~79 °C: returns at ~9 °C, below the 10 °C soil around them."""
    net = build(records(_cool_by(70.0)))
    base = p2h.solve(net)
    rep = check_integration(net, units=[UNIT])
    assert rep.verdict == "NOT_PERMITTED"
    bad = violations(rep, "consumer_return_temperature")
    assert {f.case for f in bad} == {"base", "feedin"}
    f = next(f for f in bad if f.case == "base")
    c = base.consumers.loc[f.element]
    # the return the fixed ΔT demands: T_supply − 70 K (the finding's value, 1e-6 K)
    assert f.value == pytest.approx(c["t_supply_c"] - 70.0, abs=1e-6)
    assert f.limit == pytest.approx(T_SOIL_C) and f.value < T_SOIL_C
    _, scen = write_case(tmp_path, records(_cool_by(70.0)))
    code, out, _ = run_cli(["check", scen], capsys)
    assert code == 1 and "NOT_PERMITTED" in out and "consumer_return_temperature" in out


def test_load_case_offset_below_the_soil_is_a_violation(tmp_path, capsys):
    """Soil at 20 °C, setpoints 45 °C shifted by −30 K: returns at 15 °C."""
    net = build(records(), t_soil_c=20.0)
    cases = [{"name": "winter"}, {"name": "summer", "t_return_offset_k": -30}]
    rep = check_integration(net, units=[UNIT], load_cases=cases)
    assert rep.verdict == "NOT_PERMITTED"
    bad = violations(rep, "consumer_return_temperature")
    assert bad and {f.load_case for f in bad} == {"summer"}
    assert all(f.value == pytest.approx(15.0, abs=1e-6) and f.limit == pytest.approx(20.0)
               for f in bad)
    _, scen = write_case(tmp_path, records(), t_soil_c=20.0, load_cases=cases)
    code, out, _ = run_cli(["check", scen], capsys)
    assert code == 1 and "consumer_return_temperature" in out and "summer" in out


def _frozen_dead_end(r):
    """A 200 m dead end (an overground bridge crossing: surroundings −12 °C) off node C."""
    r["nodes"].append({"id": "END", "x_m": 440, "y_m": 0, "elevation_m": 30})
    r["trenches"].append({"id": "BRIDGE", "from_node": "C", "to_node": "END", "length_m": 200,
                          "dn": 50, "series": "S2", "t_soil_c": -12.0})


def test_stagnant_water_in_frost_is_a_freezing_violation(tmp_path, capsys):
    net = build(records(_frozen_dead_end))
    rep = check_integration(net, units=[UNIT])
    assert rep.verdict == "NOT_PERMITTED"
    bad = violations(rep, "freezing")
    assert {f.case for f in bad} == {"base", "feedin"}
    assert all(f.element in ("BRIDGE_s", "BRIDGE_r") and f.value == pytest.approx(-12.0)
               and f.count == 2 for f in bad)
    assert "freezing risk" in bad[0].message
    _, scen = write_case(tmp_path, records(_frozen_dead_end))
    code, out, _ = run_cli(["check", scen], capsys)
    assert code == 1 and "freezing" in out and "BRIDGE" in out


def test_network_wide_frost_is_a_freezing_violation():
    """Soil at −12 °C everywhere (the dead end of ``test_hard_cases``): flowing pipes stay
    warm, the stagnant dead end freezes."""
    def dead_end(r):
        _frozen_dead_end(r)
        r["trenches"][-1].pop("t_soil_c")

    rep = check_integration(build(records(dead_end), t_soil_c=-12.0), units=[UNIT])
    assert rep.verdict == "NOT_PERMITTED"
    assert {f.element for f in violations(rep, "freezing")} <= {"BRIDGE_s", "BRIDGE_r"}
    assert violations(rep, "freezing")


def _five_mm_trunk(r):
    t = r["trenches"][0]
    for k in ("dn", "series"):
        t.pop(k)
    t.update(d_inner_m=0.005, length_m=5)


def test_absurd_velocity_is_never_permitted(tmp_path, capsys):
    """A 5 mm trunk carrying the whole network (> 100 m/s): with a pressure rating that lets
    the pressures pass, the velocity alone must refuse (formerly a pre-existing warning and
    PERMITTED)."""
    th = {"pn_bar": 1e6}
    net = build(records(_five_mm_trunk))
    base = p2h.solve(net)
    v = float(base.pipes.at["T1_s", "v_m_s"])
    # continuity: ṁ / (ρ π d² / 4) with ρ of the pipe's water, 1e-9 relative
    rho = p2h.physics.water.density(base.pipes.at["T1_s", "t_in_k"])
    assert v == pytest.approx(base.pipes.at["T1_s", "mdot_kg_s"] / (rho * np.pi * 0.005**2 / 4),
                              rel=1e-3)
    assert v > 3 * 1.5
    rep = check_integration(net, units=[UNIT], thresholds=th)
    assert rep.verdict == "NOT_PERMITTED"
    bad = violations(rep, "velocity_plausible")
    assert {f.case for f in bad} == {"base", "feedin"} and bad[0].element == "T1_s"
    assert [f.severity for f in rep.finding("velocity")] == ["warning"]  # pre-existing
    _, scen = write_case(tmp_path, records(_five_mm_trunk), thresholds=th)
    code, out, _ = run_cli(["check", scen], capsys)
    assert code == 1 and "velocity_plausible" in out and "T1_s" in out


def test_velocity_above_the_limit_but_plausible_stays_pre_existing():
    """Twice the limit (2 × v_max < 3 × v_max) without the feed-in is a pre-existing warning
    only, as before."""
    def narrow(r):
        t = r["trenches"][0]
        for k in ("dn", "series"):
            t.pop(k)
        t.update(d_inner_m=0.030, u_w_per_mk=0.2)

    net = build(records(narrow))
    v = abs(float(p2h.solve(net).pipes.at["T1_s", "v_m_s"]))
    assert 1.5 < v < 4.5, v
    rep = check_integration(net, units=[UNIT], thresholds={"pn_bar": 1e6})
    assert not violations(rep, "velocity_plausible")


# ------------------------------------------------------------------------------------------
# demand_scale and fixed flows


def _fixed_flow(r):
    r["consumers"][1].pop("t_return_c")
    r["consumers"][1].update(control="mdot", mdot_kg_s=1.0)  # 100 kW: 23.9 K of cooling


def test_demand_scale_scales_fixed_flows(tmp_path, capsys):
    from iapws import IAPWS97

    net = build(records(_fixed_flow))
    summer = apply_load_case(net, LoadCase(name="summer", demand_scale=0.2))
    assert summer.consumers.at["C2", "mdot_kg_s"] == pytest.approx(0.2)
    assert summer.consumers.at["C2", "q_w"] == pytest.approx(20e3)
    res = p2h.solve(summer)
    c = res.consumers.loc["C2"]
    # the consumer keeps its cooling: h(T_s) − h(T_r) = Q/ṁ = 100 kJ/kg (IF97, 1e-3)
    dh = IAPWS97(T=c["t_supply_k"], P=1.0).h - IAPWS97(T=c["t_return_k"], P=1.0).h
    assert dh == pytest.approx(100.0, rel=1e-3)
    # a per-consumer demand scales its flow likewise
    peak = apply_load_case(net, LoadCase(name="peak", q_kw={"C2": 150}))
    assert peak.consumers.at["C2", "mdot_kg_s"] == pytest.approx(1.5)
    _, scen = write_case(tmp_path, records(_fixed_flow),
                         load_cases=[{"name": "winter"}, {"name": "summer", "demand_scale": 0.2}])
    code, out, _ = run_cli(["check", "--json", scen], capsys)
    data = json.loads(out)
    flows = {lc["name"]: lc["base"]["plant_mdot_kg_s"] for lc in data["load_cases"]}
    # every consumer's flow scales by 0.2 (C1 by its return setpoint, C2 by its fixed flow);
    # heat losses at the lower flow shift C1's supply slightly: 2 %
    assert flows["summer"] == pytest.approx(0.2 * flows["winter"], rel=0.02)


# ------------------------------------------------------------------------------------------
# stagnant junctions take their own surroundings


def _warm_dead_end(r):
    """A dead end in a 2 °C surrounding (network soil 10 °C)."""
    r["nodes"].append({"id": "END", "x_m": 440, "y_m": 0, "elevation_m": 30})
    r["trenches"].append({"id": "SPUR", "from_node": "C", "to_node": "END", "length_m": 200,
                          "dn": 50, "series": "S2", "t_soil_c": 2.0})


def test_stagnant_dead_end_takes_its_pipes_surroundings(tmp_path, capsys):
    res = p2h.solve(build(records(_warm_dead_end)))
    assert res.converged
    assert abs(res.pipes.at["SPUR_s", "mdot_kg_s"]) < 1e-9
    # stagnant water ends at the temperature of its surroundings (not the network's 10 °C)
    for j in ("END_s", "END_r"):
        assert res.junctions.at[j, "t_c"] == pytest.approx(2.0, abs=1e-6)
    net_path, _ = write_case(tmp_path, records(_warm_dead_end))
    code, out, err = run_cli(["solve", net_path, "--out", tmp_path / "res.json"], capsys)
    assert code == 0, err
    back = json.loads((tmp_path / "res.json").read_text(encoding="utf-8"))
    assert back["junctions"]["END_s"]["t_c"] == pytest.approx(2.0, abs=1e-6)


def test_stagnant_junction_between_two_surroundings():
    """A stagnant junction reached by two stagnant pipes (2 °C and 6 °C surroundings) settles
    where the heat it exchanges with both balances: U₁L₁(T₁ − T) + U₂L₂(T₂ − T) = 0."""
    def chain(r):
        _warm_dead_end(r)
        r["nodes"].append({"id": "END2", "x_m": 740, "y_m": 0, "elevation_m": 30})
        r["trenches"].append({"id": "SPUR2", "from_node": "END", "to_node": "END2",
                              "length_m": 300, "dn": 50, "series": "S2", "t_soil_c": 6.0})

    net = build(records(chain))
    res = p2h.solve(net)
    ul = net.pipes["u_w_per_mk"] * net.pipes["length_m"]
    u1, u2 = float(ul["SPUR_s"]), float(ul["SPUR2_s"])
    assert u1 > 0 and u2 > 0
    expected = (u1 * 2.0 + u2 * 6.0) / (u1 + u2)
    assert res.junctions.at["END_s", "t_c"] == pytest.approx(expected, abs=1e-6)
    assert res.junctions.at["END2_s", "t_c"] == pytest.approx(6.0, abs=1e-6)


def test_solve_warns_about_water_at_0c(tmp_path, capsys):
    """``p2h solve`` does not show the frozen dead end as an ordinary 0 °C junction."""
    res = p2h.solve(build(records(_frozen_dead_end)))
    note = " ".join(w for w in res.warnings() if "0 °C" in w)
    assert "END_s" in note and "END_r" in note and "freeze" in note
    net_path, _ = write_case(tmp_path, records(_frozen_dead_end))
    code, out, err = run_cli(["solve", net_path], capsys)
    assert code == 0 and "warning: 2 junction(s) at 0 °C" in out and "END_s" in out, out


def test_pandapipes_dead_end_takes_its_pipes_surroundings():
    """An imported pandapipes net: the network-wide temperature is its ambient (here −10 °C,
    which the water model would clamp to 0 °C); a stagnant dead end takes the 10 °C around its
    own pipe instead."""
    import warnings

    import pandapipes as pp

    from p2h_hydraulics.io.pandapipes_io import from_pandapipes

    net = pp.create_empty_network(fluid="water")
    js = pp.create_junctions(net, 3, pn_bar=5, tfluid_k=353.15, name=["s0", "s1", "dead"])
    jr = pp.create_junctions(net, 2, pn_bar=3, tfluid_k=323.15, name=["r0", "r1"])
    for a, b in ((js[0], js[1]), (jr[1], jr[0]), (js[1], js[2])):
        pp.create_pipe_from_parameters(net, a, b, 0.3, 100, 0.05, u_w_per_m2k=2.0,
                                       text_k=283.15)
    pp.create_circ_pump_const_pressure(net, jr[0], js[0], p_flow_bar=5, plift_bar=2,
                                       t_flow_k=353.15)
    pp.create_heat_consumer(net, js[1], jr[1], qext_w=100e3, treturn_k=318.15)
    net.user_pf_options = {"ambient_temperature": 263.15}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nw = from_pandapipes(net)
    assert nw.t_soil_k == pytest.approx(263.15)
    res = p2h.solve(nw)
    dead = next(j for j in res.junctions.index if "dead" in str(j))
    assert res.junctions.at[dead, "t_c"] == pytest.approx(10.0, abs=1e-6)
