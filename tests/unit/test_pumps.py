"""Booster pumps with a head curve: the curve, the file forms, and a boosted DH network solved
natively and with pandapipes (same network, the pandapipes backend).

The analytic checks of a pump in a pipe run are in ``tests/analytic``; OpenModelica's and
STANET's pump networks in ``tests/crossval``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.errors import ModelError
from p2h_hydraulics.io import load_network, save_network
from p2h_hydraulics.physics import pump

BOOSTED = {
    "format": "p2h-network", "version": 1, "settings": {"name": "boost", "t_soil_c": 10},
    "nodes": [{"id": "A", "x_m": 0, "y_m": 0}, {"id": "B", "x_m": 500, "y_m": 0},
              {"id": "B2", "x_m": 505, "y_m": 0}, {"id": "C", "x_m": 1500, "y_m": 0}],
    "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 500, "dn": 150,
                  "series": "S2"},
                 {"id": "T2", "from_node": "B2", "to_node": "C", "length_m": 1000, "dn": 100,
                  "series": "S2"}],
    # a supply booster pumping away from the plant, a return booster pumping back to it
    "pumps": [{"id": "BP", "from_node": "B", "to_node": "B2", "side": "supply",
               "lift0_bar": 1.5, "curve_b2": -2e6},
              {"id": "BR", "from_node": "B2", "to_node": "B", "side": "return",
               "lift0_bar": 0.5, "curve_b2": -1e6}],
    "consumers": [{"id": "C1", "node": "C", "q_kw": 800, "t_return_c": 45},
                  {"id": "C0", "node": "A", "q_kw": 100, "t_return_c": 45}],
    "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                "control": "critical_point"}],
}


def boosted(tmp_path, **changes):
    doc = json.loads(json.dumps(BOOSTED))
    for fn in changes.values():
        fn(doc)
    path = tmp_path / "boosted.json"
    path.write_text(json.dumps(doc))
    return load_network(path)


def test_lift_follows_the_curve_and_never_goes_negative():
    c = [[4e5, -2e4, -3e6, 0.0]] * 4
    v = np.array([0.0, 0.1, 0.5, -0.2])
    lift, slope = pump.lift(v, c)
    assert lift[0] == 4e5 and lift[1] == pytest.approx(4e5 - 2e3 - 3e4)
    assert lift[2] == 0.0 and slope[2] == 0.0  # 4e5 − 1e4 − 7.5e5 < 0: cut off
    assert lift[3] == 4e5 and slope[3] == 0.0  # reverse flow: the shut-off lift
    assert slope[1] == pytest.approx(-2e4 - 2 * 3e6 * 0.1)


def test_curve_from_points_recovers_a_parabola():
    q = np.array([0.0, 50.0, 100.0, 150.0])  # m³/h
    lifts = 6.0 - 1.5e-4 * q**2  # bar
    c = pump.curve_from_points(q, lifts, degree=2)
    assert c["lift0_pa"] == pytest.approx(6e5)
    assert c["curve_b1"] == pytest.approx(0.0, abs=1e-3)
    assert c["curve_b2"] == pytest.approx(-1.5e-4 * 1e5 * 3600**2)
    with pytest.raises(ValueError):
        pump.curve_from_points([0, 1], [1, 2], degree=2)


def test_trench_form_places_pumps_on_their_side(tmp_path):
    net = boosted(tmp_path)
    assert net.pumps.loc["BP_s", ["from_junction", "to_junction"]].tolist() == ["B_s", "B2_s"]
    assert net.pumps.loc["BR_r", ["from_junction", "to_junction"]].tolist() == ["B2_r", "B_r"]
    assert net.pumps.at["BP_s", "lift0_pa"] == pytest.approx(1.5e5)


def test_boosted_network_balances_and_lifts_by_the_curve(tmp_path):
    r = p2h.solve(boosted(tmp_path))
    assert r.converged
    assert abs(r.balance["energy_rel"]) < 1e-6
    j = r.junctions["p_pa"]
    for spec, pid, (a, b) in ((BOOSTED["pumps"][0], "BP_s", ("B_s", "B2_s")),
                              (BOOSTED["pumps"][1], "BR_r", ("B2_r", "B_r"))):
        row = r.pumps.loc[pid]
        assert row["lift_pa"] == pytest.approx(j[b] - j[a], rel=1e-12)
        coeffs = [spec["lift0_bar"] * 1e5, 0.0, spec["curve_b2"], 0.0]
        expect, _ = pump.lift([row["vdot_m3_s"]], [coeffs])
        assert row["lift_pa"] == pytest.approx(expect[0], rel=1e-6)
        assert row["mdot_kg_s"] == pytest.approx(r.pipes.at["T2_s", "mdot_kg_s"], rel=1e-9)
    # the supply booster raises the pressure behind it: the far consumer gets its Δp_min
    assert r.consumers.at["C1", "dp_pa"] >= r.consumers.at["C1", "dp_min_pa"] - 1e-3
    summary = r.summary()
    assert summary["booster_pumps"] == 2
    assert summary["booster_power_kw"] == pytest.approx(r.pumps["power_w"].sum() / 1e3)


@pytest.mark.parametrize("name", ["n.json", "n_csv", "n.geojson"])
def test_pumps_survive_every_file_format(tmp_path, name):
    net = boosted(tmp_path)
    back = load_network(save_network(net, tmp_path / name))
    pd.testing.assert_frame_equal(back.pumps, net.pumps, check_like=True)


def test_pumps_with_bad_references_are_named(tmp_path):
    def same_junction(doc):
        doc["pumps"][0]["to_node"] = "B"

    with pytest.raises(ModelError, match=r"pumps.*'BP'.*same junction|same junction.*BP"):
        boosted(tmp_path, f=same_junction)

    def no_side(doc):
        del doc["pumps"][1]["side"]

    with pytest.raises(ModelError, match="side supply\\|return"):
        boosted(tmp_path, f=no_side)


def test_boosted_network_native_vs_pandapipes(tmp_path):
    pytest.importorskip("pandapipes")
    from p2h_hydraulics.io.pandapipes_io import from_pandapipes, to_pandapipes

    net = boosted(tmp_path)
    assert from_pandapipes(to_pandapipes(net)).equals(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp_res = p2h.solve(net, backend="pandapipes")
    nat = p2h.solve(net)
    # pandapipes' c_p-based consumer law moves the flows by ~0.15 % (see the backend's notes)
    assert np.max(np.abs(pp_res.junctions["p_bar"] - nat.junctions["p_bar"])) < 0.005
    assert np.max(np.abs(pp_res.junctions["t_c"] - nat.junctions["t_c"])) < 0.01
    assert np.allclose(pp_res.pumps["mdot_kg_s"], nat.pumps["mdot_kg_s"], rtol=3e-3)
    assert np.allclose(pp_res.pumps["lift_pa"], nat.pumps["lift_pa"], rtol=1e-3)


@pytest.mark.parametrize("q_kw, expect", [(50.0, "ok"), (300.0, "violation")])
def test_feedin_that_reverses_a_booster_is_refused(tmp_path, q_kw, expect):
    """Summer (a quarter of the 900 kW demand): 50 kW at the far node keeps both boosters
    running forward; 300 kW drives water back through them (their non-return valves would
    close), which the checker refuses with the pump named."""
    from p2h_hydraulics import P2HUnit, check_integration

    net = boosted(tmp_path)
    summer = net.replace(consumers=net.consumers.assign(q_w=net.consumers["q_w"] * 0.25))
    rep = check_integration(summer, units=[P2HUnit(id="dc", node="C", q_kw=q_kw,
                                                   cooling="liquid",
                                                   source_temperature_c=70)])
    pumps = [f for f in rep.findings if f.code == "booster_pumps" and f.case == "feedin"]
    assert pumps and pumps[0].severity == expect
    if expect == "violation":
        assert rep.verdict == "NOT_PERMITTED"
        assert pumps[0].element in ("BP_s", "BR_r") and pumps[0].margin < 0
        assert "backwards" in pumps[0].message
    else:
        assert pumps[0].margin > 0
