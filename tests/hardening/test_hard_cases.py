"""Physically hard but valid networks: the solver converges to a physical answer (finite
temperatures between the soil and the hottest source) or raises ``ConvergenceError`` with a
diagnosis; the checker never calls a non-converged or unphysical state PERMITTED.

Three tests are marked ``xfail(strict=True)``: they state what the hardening issue requires
and what the checker / solver do not do yet (see their reasons). When the owner of
``checks.py`` / ``solver/`` fixes them they XPASS, strict makes that a failure, and the marker
is removed.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics import P2HUnit, check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import ConvergenceError, ConvergenceInfo
from p2h_hydraulics.results import Result
from p2h_hydraulics.solver.elements import DT_MIN_K
from p2h_hydraulics.solver.native import SolverOptions
from p2h_hydraulics.units import P_ATM_PA, ZERO_CELSIUS_K

T_SOIL_C = 10.0
T_SUPPLY_C = 80.0
TINY = {"nodes": [{"id": "A", "x_m": 0, "y_m": 0, "elevation_m": 30},
                  {"id": "B", "x_m": 120, "y_m": 0, "elevation_m": 30},
                  {"id": "C", "x_m": 240, "y_m": 0, "elevation_m": 30}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 120, "dn": 100,
                      "series": "S2"},
                     {"id": "T2", "from_node": "B", "to_node": "C", "length_m": 120, "dn": 80,
                      "series": "S2"}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 250, "t_return_c": 45},
                      {"id": "C2", "node": "C", "q_kw": 100, "t_return_c": 45}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": T_SUPPLY_C, "p_return_bar": 2.5,
                    "control": "critical_point"}]}
# a unit whose source is hot enough for a direct feed-in: no heat-pump condition in the verdict,
# so the verdict shows what the checker makes of the network state alone
HOT_UNIT = P2HUnit(id="dc", node="B", q_kw=50, cooling="custom", source_temperature_c=95,
                   max_inlet_c=60)


def records(**changes) -> dict:
    rec = copy.deepcopy(TINY)
    for fn in changes.values():
        fn(rec)
    return rec


def build(rec: dict):
    return p2h.network_from_records(rec, {"name": "hard", "t_soil_c": T_SOIL_C})


def assert_physical(res: Result, t_max_c: float, below_soil_ok: set[str] = frozenset()) -> None:
    """Finite pressures and flows; temperatures between the soil and the hottest source
    (junctions in ``below_soil_ok`` may be DT_MIN_K below the soil: see the 1 W test)."""
    j = res.junctions
    t = j["t_c"].to_numpy(dtype=float)
    assert np.isfinite(t).all() and np.isfinite(j["p_bar"].to_numpy(dtype=float)).all()
    assert np.isfinite(res.pipes["mdot_kg_s"].to_numpy(dtype=float)).all()
    lo = np.where(j.index.isin(list(below_soil_ok)), T_SOIL_C - DT_MIN_K, T_SOIL_C)
    assert (t >= lo - 1e-6).all(), j["t_c"]
    assert (t <= t_max_c + 1e-6).all(), j["t_c"]
    assert abs(res.balance["energy_rel"]) < 1e-5  # relative to a tiny total in the 1 W case


def test_zero_demand_everywhere_is_stagnant_at_soil_temperature():
    res = p2h.solve(build(records(q=lambda r: [c.update(q_kw=0) for c in r["consumers"]])))
    assert res.converged
    assert_physical(res, T_SUPPLY_C)
    assert np.allclose(res.consumers["mdot_kg_s"], 0.0)
    assert abs(float(res.plant["mdot_kg_s"].sum())) < 1e-9
    assert np.allclose(res.junctions["t_c"], T_SOIL_C)  # stagnant water ends at soil temperature


def test_tiny_flows_of_one_watt():
    def one_watt(r):
        for c in r["consumers"]:
            c.pop("q_kw")
            c["q_w"] = 1.0

    res = p2h.solve(build(records(q=one_watt)))
    assert res.converged
    c = res.consumers
    # the trickle cools to soil temperature on the way: the return setpoint cannot be reached
    # and the return is clamped DT_MIN_K below the arriving supply (flagged in the result)
    assert not c["return_setpoint_reached"].any()
    assert np.allclose(c["t_supply_c"], T_SOIL_C, atol=0.01)
    assert_physical(res, T_SUPPLY_C, below_soil_ok=set(c["return_junction"]))
    assert np.allclose(c["q_w"], 1.0)


def test_ten_km_stagnant_dead_end():
    def dead_end(r):
        r["nodes"].append({"id": "END", "x_m": 10_240, "y_m": 0, "elevation_m": 30})
        r["trenches"].append({"id": "LONG", "from_node": "C", "to_node": "END",
                              "length_km": 10, "dn": 50, "series": "S2"})

    res = p2h.solve(build(records(d=dead_end)))
    assert res.converged
    assert_physical(res, T_SUPPLY_C)
    assert abs(res.pipes.at["LONG_s", "mdot_kg_s"]) < 1e-9
    assert res.junctions.at["END_s", "t_c"] == pytest.approx(T_SOIL_C, abs=1e-6)


def test_stagnant_dead_end_in_frost_stays_finite():
    """Surroundings below 0 °C (overground pipes in winter, as in pandapipes' Schutterwald
    net): stagnant water would cool to −12 °C, below the water table (0–200 °C); the dead end
    comes out at 0 °C and nothing is NaN (the enthalpy table is flat there, which once made the
    heat-loss factor 0/0 and the thermal matrix singular)."""
    def dead_end(r):
        r["nodes"].append({"id": "END", "x_m": 440, "y_m": 0, "elevation_m": 30})
        r["trenches"].append({"id": "BRIDGE", "from_node": "C", "to_node": "END",
                              "length_m": 200, "dn": 50, "series": "S2"})

    net = p2h.network_from_records(records(d=dead_end), {"name": "frost", "t_soil_c": -12.0})
    res = p2h.solve(net)
    assert res.converged
    t = res.junctions["t_c"].to_numpy(dtype=float)
    assert np.isfinite(t).all()
    assert res.junctions.at["END_s", "t_c"] == pytest.approx(0.0, abs=1e-6)
    assert res.junctions.at["C_s", "t_c"] > 70


def test_plant_pushed_backwards_still_balances():
    """A feed-in larger than the demand drives water backwards through the plant (supply →
    return, unheated); the energy balance closes — it once counted the mixed return
    junction's enthalpy as the plant's outlet and called the state untrustworthy."""
    def big_feedin(r):
        r["feedins"] = [{"id": "F", "node": "C", "q_kw": 700, "t_out_c": 80}]
        # a consumer at the plant: its return mixes into the junction the plant pushes into
        r["consumers"].append({"id": "C0", "node": "A", "q_kw": 50, "t_return_c": 45})

    res = p2h.solve(build(records(f=big_feedin)))
    assert res.converged
    assert float(res.plant["mdot_kg_s"].iloc[0]) < 0  # reverse flow through the plant
    assert abs(res.balance["energy_rel"]) < 1e-8
    assert float(res.plant["q_w"].iloc[0]) == pytest.approx(0.0, abs=1e-6 * 400e3)


def test_zero_length_is_not_called_a_unit_error():
    from p2h_hydraulics.model.build import _unit_hint
    from p2h_hydraulics.model.schema import TABLES

    length = next(a for a in TABLES["pipes"] if a.name == "length_m")
    assert _unit_hint(length, 0.0) is None  # 0 mm is 0 m: no unit makes it valid
    assert "mm" in _unit_hint(length, 250_000.0)


def _high_point(r):
    r["nodes"][2]["elevation_m"] = 230  # 200 m above the plant


def _low_point(r):
    r["nodes"][2]["elevation_m"] = -170  # 200 m below the plant


def _near_boiling(r):
    r["plants"][0].update(t_supply_c=140, p_return_bar=2.0)


def test_high_point_200_m_shows_negative_absolute_pressure():
    res = p2h.solve(build(records(e=_high_point)))  # converges: the vacuum must be visible
    assert res.converged
    assert_physical(res, T_SUPPLY_C)
    p_abs = res.junctions["p_abs_bar"]
    assert p_abs["C_s"] < 0 and p_abs["C_r"] < 0
    assert p_abs["A_s"] > 0
    assert np.allclose(res.junctions["p_bar"] + P_ATM_PA / 1e5, p_abs)


def test_low_point_200_m_gets_high_pressure():
    res = p2h.solve(build(records(e=_low_point)))
    assert res.converged
    assert_physical(res, T_SUPPLY_C)
    assert res.junctions.at["C_r", "p_bar"] > 16.0 + res.junctions.at["A_r", "p_bar"]


def test_supply_near_boiling_at_low_pressure_is_visible():
    res = p2h.solve(build(records(b=_near_boiling)))
    assert res.converged
    assert_physical(res, 140.0)
    j = res.junctions
    assert (j["p_bar"] < j["p_sat_bar"]).any()  # the plant outlet is below saturation


@pytest.mark.parametrize("change, code", [(_high_point, "pressure_min"),
                                          (_low_point, "pressure_max"),
                                          (_near_boiling, "pressure_min")],
                         ids=["vacuum_at_high_point", "above_PN16_at_low_point",
                              "boiling_at_plant"])
def test_checker_flags_the_pressure_problem(change, code):
    rep = check_integration(build(records(c=change)), units=[HOT_UNIT])
    assert rep.finding(code) and all(f.severity != "ok" for f in rep.finding(code))


@pytest.mark.parametrize("change", [_high_point, _low_point, _near_boiling],
                         ids=["vacuum_at_high_point", "above_PN16_at_low_point",
                              "boiling_at_plant"])
def test_unphysical_network_state_is_never_permitted(change):
    rep = check_integration(build(records(c=change)), units=[HOT_UNIT])
    assert rep.verdict == "NOT_PERMITTED", [(f.code, f.severity) for f in rep.findings]


def _cold_feedin(r):
    r["feedins"] = [{"id": "F_cold", "node": "C", "t_out_c": 40, "q_kw": 100}]


def test_feedin_colder_than_the_return_is_flagged_and_never_delivers():
    """A unit whose outlet is colder than the return it draws: the solve settles with its flow
    capped (``inlet_clamped``), the heat it moves is negative, the energy balance still
    closes, and the checker calls it a violation."""
    res = p2h.solve(build(records(f=_cold_feedin)))
    f = res.feedins.loc["F_cold"]
    assert res.converged and bool(f["inlet_clamped"]) and f["q_w"] < 0
    assert abs(res.balance["energy_rel"]) < 1e-6


@pytest.fixture(scope="module")
def cold_feedin_error() -> ConvergenceError:
    """The error of a solve stopped before it could settle (3 outer iterations), shared."""
    with pytest.raises(ConvergenceError) as info:
        p2h.solve(build(records(f=_cold_feedin)), options=SolverOptions(max_outer=3))
    return info.value


def test_cli_solve_warns_about_a_feedin_that_cannot_deliver(tmp_path, capsys):
    from p2h_hydraulics.io import save_network

    save_network(build(records(f=_cold_feedin)), tmp_path / "net.json")
    code = main(["solve", str(tmp_path / "net.json")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "warning: feed-in 'F_cold'" in " ".join(out.split()), out


def test_unsettled_solve_raises_with_diagnostics(cold_feedin_error):
    exc = cold_feedin_error
    assert "did not converge" in str(exc) and "temperatures still change" in str(exc)
    assert exc.info is not None and not exc.info.converged
    assert exc.info.iterations > 0 and len(exc.info.residual_history) == exc.info.iterations
    assert isinstance(exc.partial_result, Result)


def test_non_convergence_names_the_element(cold_feedin_error):
    exc = cold_feedin_error
    assert "F_cold" in str(exc)
    assert any("F_cold" in e for e in exc.info.worst_elements)


@pytest.fixture
def never_converges(monkeypatch):
    """Every solve fails to converge (as a pathological network would)."""
    def fail(*args, **kwargs):
        raise ConvergenceError("the native solver did not converge: forced by the test",
                               ConvergenceInfo(False, 3, [{}, {}, {}]))

    monkeypatch.setattr("p2h_hydraulics.evaluation.solve", fail)


def test_checker_never_permits_a_non_converged_state(never_converges):
    rep = check_integration(build(records()), units=[HOT_UNIT])
    assert rep.verdict == "NOT_PERMITTED"
    assert rep.exit_code == 4  # non-convergence is the only reason
    assert any(f.code == "convergence" and f.severity == "violation" for f in rep.findings)


def test_cli_check_exits_4_when_not_converged(never_converges, tmp_path, capsys):
    doc = {"format": "p2h-network", "version": 1, "settings": {"t_soil_c": T_SOIL_C}, **TINY}
    (tmp_path / "net.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "name: s\nnetwork: net.json\nunits:\n  - {id: dc, node: B, q_kw: 50, cooling: custom,"
        " source_temperature_c: 95, max_inlet_c: 60}\n", encoding="utf-8")
    code = main(["check", str(tmp_path / "s.yaml")])
    out, err = capsys.readouterr()
    assert code == 4, out + err
    assert "NOT_PERMITTED" in out and "Traceback" not in out + err


def test_temperatures_stay_below_the_hottest_source_with_a_feedin():
    def hot_feedin(r):
        r["feedins"] = [{"id": "F", "node": "C", "t_out_c": 95, "q_kw": 80}]

    res = p2h.solve(build(records(f=hot_feedin)))
    assert res.converged
    assert_physical(res, 95.0)
    assert float(res.junctions["t_k"].max()) - ZERO_CELSIUS_K <= 95.0 + 1e-6
