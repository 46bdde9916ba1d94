"""Site ranking on a small network (< 1 MW): the default tolerance resolves close capacities,
and plant reverse flow is found and named as the physical limit it is.

The network is a star built here: plant ``N0`` — main trench — hub ``H`` — branches to ``A``,
``B`` (equal), ``C`` (3 % wider pipe) with a consumer each, and a 3 kW house ``D`` on a
12.5 mm service pipe. True capacities come from bisection with ``check_integration`` (the full
checker, independent of the site search) to 0.25 kW."""

from __future__ import annotations

import math

import pytest

from p2h_hydraulics import save_network
from p2h_hydraulics.check import check_integration
from p2h_hydraulics.findings import PERMITTED, PERMITTED_WITH_CONDITIONS
from p2h_hydraulics.model.build import network_from_records
from p2h_hydraulics.physics.water import enthalpy
from p2h_hydraulics.scenario import load_scenario
from p2h_hydraulics.sites import compare_sites, worker

TRUE_RES_KW = 0.25  # resolution of the independent bisection


def _star(folder, branches, main_d_m, thresholds):
    """Star network file + scenario; ``branches``: (node, pipe inner diameter, consumer heat
    [W], trench length [m])."""
    nodes = {"N0": (0.0, 0.0), "H": (300.0, 0.0)}
    trenches = [("P0", "N0", "H", 300.0, main_d_m)]
    consumers = []
    for k, (name, d, q, ln) in enumerate(branches):
        nodes[name] = (300.0 + ln, 60.0 * k)
        trenches.append((f"P{name}", "H", name, ln, d))
        consumers.append((f"C{name}", name, q))
    junctions = [{"id": f"{n}{s}", "x_m": x, "y_m": y, "elevation_m": 0.0}
                 for n, (x, y) in nodes.items() for s in ("_s", "_r")]
    pipes = []
    for tid, a, b, ln, d in trenches:
        geo = {"length_m": ln, "d_inner_m": d, "roughness_m": 1e-4, "u_w_per_mk": 0.2}
        pipes += [{"id": f"{tid}_s", "from_junction": f"{a}_s", "to_junction": f"{b}_s", **geo},
                  {"id": f"{tid}_r", "from_junction": f"{b}_r", "to_junction": f"{a}_r", **geo}]
    cons = [{"id": c, "supply_junction": f"{n}_s", "return_junction": f"{n}_r", "q_w": q,
             "control": "t_return", "t_return_k": 323.15, "dp_min_pa": 0.5e5}
            for c, n, q in consumers]
    plant = {"id": "plant", "return_junction": "N0_r", "supply_junction": "N0_s",
             "t_supply_k": 353.15, "p_return_pa": 2.5e5, "control": "critical_point",
             "lift_pa": 3e5}
    net = network_from_records({"junctions": junctions, "pipes": pipes, "consumers": cons,
                                "plants": [plant]}, {"name": "star", "t_soil_k": 283.15})
    save_network(net, folder / "star.json")
    scen = folder / "star.yaml"
    scen.write_text(f"""
name: star
network: {folder / "star.json"}
plant: {{t_supply_c: 70, control: critical_point}}
load_cases:
  - {{name: winter, demand_scale: 1.0, t_soil_c: 8}}
units:
  - {{id: dc, node: A, q_kw: 400, cooling: liquid, source_temperature_c: 75, max_inlet_c: 60,
      pump_head_bar: 6}}
thresholds: {thresholds}
""", encoding="utf-8")
    return scen


def _permitted(scen, node: str, q_kw: float):
    rep = check_integration(scen, units=[scen.units[0].model_copy(
        update={"node": node, "q_kw": q_kw})])
    return rep.verdict in (PERMITTED, PERMITTED_WITH_CONDITIONS), rep


def _true_capacity_kw(scen, node: str, hi_kw: float) -> float:
    """Largest permitted heat [kW] by bisection on [0, hi_kw] with the full checker (0 when
    not even ``TRUE_RES_KW`` is permitted)."""
    lo, hi = 0.0, hi_kw
    assert not _permitted(scen, node, hi)[0]
    while hi - lo > TRUE_RES_KW:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _permitted(scen, node, mid)[0] else (lo, mid)
    return lo


# ------------------------------------------------------------------------------------------
# the default tolerance resolves a network under 1 MW


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small_star")
    path = _star(folder, [("A", 0.045, 150e3, 200.0), ("B", 0.045, 150e3, 200.0),
                          ("C", 0.0465, 150e3, 200.0), ("D", 0.0125, 3e3, 80.0)],
                 0.1071, "{t_supply_min_c: 55}")
    scen = load_scenario(path)
    return scen, compare_sites(scen, executor="serial"), path


def test_default_tolerance_scales_with_the_unit_and_the_network(small):
    scen, res, _ = small
    load_kw = sum(scen.load_network().consumers["q_w"]) / 1e3
    assert load_kw < 1000.0
    # 0.5 % of min(search limit 400 kW, design load 453 kW), far below the old 25 kW floor
    assert res.tol_kw == pytest.approx(0.005 * min(400.0, load_kw))
    assert res.tol_rel == pytest.approx(0.01)
    # explicit values still override
    again = compare_sites(scen, candidates="D", executor="serial", tol_kw=25.0, tol_rel=0.02)
    assert (again.tol_kw, again.tol_rel) == (25.0, 0.02)


def test_small_network_ranking_resolves_close_capacities(small):
    """Each reported capacity brackets the checker's own capacity within the tolerance; the
    3 %-wider branch ranks above the two equal ones, which come out equal; the 3 kW house
    on its thin pipe takes about 15 kW and is not reported as 0 kW."""
    scen, res, _ = small
    t = res.table
    true = {n: _true_capacity_kw(scen, n, 400.0) for n in ("A", "C", "D")}
    for n, q in true.items():
        cap, bad = t.at[n, "capacity_kw"], t.at[n, "first_infeasible_kw"]
        tol = max(res.tol_kw, res.tol_rel * bad)
        assert bad - cap <= tol + 1e-6
        assert cap - TRUE_RES_KW <= q <= bad + TRUE_RES_KW, (n, cap, q, bad)
    # the true capacities: C above A by a few % (more than the tolerance), D small but > 0
    assert 0.01 < true["C"] / true["A"] - 1 < 0.06
    assert 5.0 < true["D"] < 25.0
    order = list(t.index)
    assert order.index("C") < order.index("A") and order.index("C") < order.index("B")
    assert order.index("A") < order.index("D") and order.index("B") < order.index("D")
    assert abs(t.at["A", "capacity_kw"] - t.at["B", "capacity_kw"]) <= res.tol_kw
    # no site reported at 0 kW that permits more than the tolerance
    assert t.at["D", "capacity_kw"] > 0
    for n in t.index[t["capacity_kw"] == 0]:
        assert not _permitted(scen, n, res.tol_kw)[0]
    ok, _ = _permitted(scen, "D", t.at["D", "capacity_kw"])
    assert ok


# ------------------------------------------------------------------------------------------
# plant reverse flow: the physical limit, named


@pytest.fixture(scope="module")
def reversal(tmp_path_factory):
    """A network whose feed-in capacity is where the plant's flow runs out: wide pipes, and
    an operator who accepts any plant flow above zero (minimum share 0)."""
    folder = tmp_path_factory.mktemp("reverse_star")
    path = _star(folder, [("A", 0.0703, 150e3, 200.0), ("B", 0.0703, 150e3, 400.0),
                          ("C", 0.0703, 100e3, 600.0)],
                 0.1071, "{t_supply_min_c: 55, plant_min_flow_fraction: 0.0}")
    return load_scenario(path)


def _assert_reverse_flow_named(scen, res, nodes):
    """Capacity bound by plant reverse flow, at the heat where the feed-in's flow equals
    the plant's base flow: ``q = m0 · (h(t_out) − h(t_in))`` with the feed-in's inlet
    temperature from the checker at the capacity. The estimate ignores how the consumers'
    flows and the heat losses change as the plant's flow stalls: within 1 % of it, plus the
    search tolerance."""
    t = res.table
    for n in nodes:
        row = t.loc[n]
        assert row["limited_by"] == "plant_min_flow", (n, row["limited_by"], row["message"])
        assert row["message"].startswith("plant reverse flow beyond"), row["message"]
        ok, rep = _permitted(scen, n, row["capacity_kw"])
        assert ok
        lc = rep.load_case("winter")
        m0 = lc["base"]["plant_mdot_kg_s"]
        assert lc["feedin"]["plant_mdot_kg_s"] >= 0
        u = lc["units"]["dc"]
        dh = float(enthalpy(u["t_out_c"] + 273.15) - enthalpy(u["t_in_c"] + 273.15))
        q_est_kw = m0 * dh / 1e3
        tol = max(res.tol_kw, res.tol_rel * q_est_kw)
        assert abs(row["capacity_kw"] - q_est_kw) <= tol + 0.01 * q_est_kw, (n, q_est_kw)
        assert row["first_infeasible_kw"] <= q_est_kw + tol + 0.01 * q_est_kw
        x = float(row["message"].split("beyond ")[1].split(" kW")[0])
        assert row["capacity_kw"] - 0.05 <= x <= row["first_infeasible_kw"] + 0.05


def test_plant_reverse_flow_is_the_named_limit(reversal):
    res = compare_sites(reversal, candidates="A,B,C,H", q_max_kw=800.0, executor="serial")
    _assert_reverse_flow_named(reversal, res, ["A", "B", "C", "H"])


def test_trials_beyond_the_reversal_are_named_by_it_also_when_solved(reversal, monkeypatch):
    """Without the refusal before solving, trials beyond the reversal land in reversed
    states (a hot return from the plant, fast pipes) or do not converge at all: still
    named plant reverse flow, at the same capacity."""
    monkeypatch.setattr(worker, "REVERSE_SAFETY", math.inf, raising=False)
    res = compare_sites(reversal, candidates="A,B", q_max_kw=800.0, executor="serial")
    _assert_reverse_flow_named(reversal, res, ["A", "B"])


def test_cli_default_and_explicit_tolerance(small, tmp_path):
    """``p2h sites`` without ``--tol``: the relative default (the 3 kW house gets its ≈ 15 kW);
    with the old ``--tol 25``: the house is not resolved (0 kW)."""
    import json

    from p2h_hydraulics.cli import main

    path = str(small[2])
    out = tmp_path / "d.json"
    assert main(["sites", path, "--candidates", "D", "--workers", "1", "--out", str(out)]) == 0
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["tol_kw"] == pytest.approx(2.0) and d["tol_rel"] == pytest.approx(0.01)
    row = next(r for r in d["sites"] if r["node"] == "D")
    assert row["capacity_kw"] > 5.0
    out2 = tmp_path / "d25.json"
    assert main(["sites", path, "--candidates", "D", "--workers", "1", "--tol", "25",
                 "--out", str(out2)]) == 0
    d25 = json.loads(out2.read_text(encoding="utf-8"))
    assert d25["tol_kw"] == 25.0
    assert next(r for r in d25["sites"] if r["node"] == "D")["capacity_kw"] == 0.0
