"""Site comparison: candidates, the capacity search, agreement with the full checker, the
executors (serial, process pool, local Dask cluster give the same table), outputs and CLI."""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from p2h_hydraulics import load_network
from p2h_hydraulics.check import check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import BackendError, P2HError, ScenarioError
from p2h_hydraulics.executors import (
    SerialExecutor,
    chunked,
    executor_scope,
    make_executor,
    run_chunks,
)
from p2h_hydraulics.findings import PERMITTED, PERMITTED_WITH_CONDITIONS
from p2h_hydraulics.scenario import load_scenario
from p2h_hydraulics.sites import SitesResult, compare_sites, select_candidates, trench_nodes
from p2h_hydraulics.sites.compare import auto_round
from p2h_hydraulics.sites.search import refine_node
from p2h_hydraulics.sites.worker import Trial

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "networks" / "small_demo.json"
NODES = ["H6", "S3", "plant"]  # a house on a thin service pipe, a street tee, the plant node

SCENARIO = f"""
name: sites_demo
network: {DEMO}
plant: {{t_supply_c: 70, control: critical_point}}
load_cases:
  - {{name: winter, demand_scale: 1.0, t_soil_c: 8}}
  - {{name: summer, demand_scale: 0.3, t_soil_c: 14}}
units:
  - {{id: dc, node: M0, q_kw: 400, cooling: liquid, source_temperature_c: 75, max_inlet_c: 60}}
thresholds: {{t_supply_min_c: 55}}
"""


@pytest.fixture(scope="module")
def scen_path(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sites") / "sites_demo.yaml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def serial(scen_path) -> SitesResult:
    return compare_sites(scen_path, candidates=NODES, executor="serial")


def _feasible(verdict: str) -> bool:
    return verdict in (PERMITTED, PERMITTED_WITH_CONDITIONS)


# ------------------------------------------------------------------------------------------
# candidates


def test_trench_nodes_are_nodes_with_both_junctions():
    net = load_network(DEMO)
    nodes = trench_nodes(net)
    assert len(nodes) == len(net.junctions) // 2
    assert all(f"{n}_s" in net.junctions.index and f"{n}_r" in net.junctions.index
               for n in nodes)
    assert select_candidates(net) == nodes


def test_candidates_by_list_pattern_and_predicate():
    net = load_network(DEMO)
    assert select_candidates(net, "S1, H2") == ["S1", "H2"]
    assert select_candidates(net, ["S*"]) == [n for n in trench_nodes(net) if n.startswith("S")]
    assert select_candidates(net, lambda n: n.startswith("H")) == \
        [n for n in trench_nodes(net) if n.startswith("H")]
    with pytest.raises(ScenarioError, match="S99.*did you mean"):
        select_candidates(net, "S1,S99")
    with pytest.raises(ScenarioError, match="matches no node"):
        select_candidates(net, "Q*")


# ------------------------------------------------------------------------------------------
# the search on full solves agrees with the checker


def test_table_columns_ranking_and_bounds(serial):
    t = serial.table
    assert list(t.index) == list(t.sort_values("capacity_kw", ascending=False).index)
    assert list(t["rank"]) == [1, 2, 3]
    assert set(t.index) == set(NODES)
    assert (t["capacity_kw"] >= 0).all() and (t["capacity_kw"] <= 400.0 + 1e-9).all()
    assert (t["method"] == "solved").all()
    assert (t["n_solves"] > 0).all()
    assert serial.q_max_kw == pytest.approx(400.0)
    assert serial.load_cases == ["winter", "summer"]
    net = load_network(DEMO)
    assert t.at["S3", "x_m"] == net.junctions.at["S3_s", "x_m"]
    st = serial.stats
    assert st["candidates"] == 3 and st["refined"] == 3 and st["n_solves"] >= 3
    assert st["per_solve_s"] > 0


def test_plant_node_cannot_take_heat_its_pump_head_is_the_plant_lift(serial):
    row = serial.table.loc["plant"]
    assert row["capacity_kw"] == 0.0
    assert row["limited_by"] == "feedin_pump_head"
    assert row["verdict"] == "NOT_PERMITTED"
    assert row["pump_head_bar"] > 3.0


@pytest.mark.parametrize("node", ["H6", "S3"])
def test_capacity_is_permitted_and_the_next_step_is_not_by_the_full_checker(serial, scen_path,
                                                                            node):
    """check_integration at the reported capacity is permitted; at the first capacity found
    not permitted it is not, with the reported decisive check; the bracket is within the
    tolerance."""
    row = serial.table.loc[node]
    cap, bad = row["capacity_kw"], row["first_infeasible_kw"]
    assert 0 < cap < bad <= 400.0
    assert bad - cap <= max(25.0, 0.02 * bad) + 1e-9
    scen = load_scenario(scen_path)
    unit = scen.units[0].model_copy(update={"node": node})
    ok = check_integration(scen, units=[unit.model_copy(update={"q_kw": cap})])
    assert _feasible(ok.verdict)
    no = check_integration(scen, units=[unit.model_copy(update={"q_kw": bad})])
    assert no.verdict == "NOT_PERMITTED"
    assert no.decisive_code == row["limited_by"]
    lc = no.load_case(row["load_case"])["units"]["dc"]
    assert lc["t_in_c"] == pytest.approx(serial.table.at[node, "t_return_c"], abs=3.0)


def test_leaf_node_is_limited_by_its_service_pipe_and_the_screen_sees_it(serial):
    row = serial.table.loc["H6"]
    assert row["limited_by"] == "velocity"
    assert row["element"].startswith("service")
    # flows in a tree follow from mass balance: the linear screen is close there
    assert row["screen_kw"] == pytest.approx(row["capacity_kw"], rel=0.25)


def test_refine_subset_keeps_screened_estimates(scen_path):
    res = compare_sites(scen_path, candidates=NODES, executor="serial", refine=1)
    t = res.table
    assert (t["method"] == "solved").sum() == 1
    assert (t["method"] == "screened").sum() == 2
    assert (t.loc[t["method"] == "screened", "n_solves"] == 0).all()
    none = compare_sites(scen_path, candidates=NODES, executor="serial", refine=0)
    assert (none.table["method"] == "screened").all()
    assert none.stats["n_trial_solves"] == 0


def test_screened_rows_carry_no_capacity_and_rank_after_solved(scen_path):
    res = compare_sites(scen_path, candidates=NODES, executor="serial", refine=1)
    t = res.table
    scr = t[t["method"] == "screened"]
    assert scr["capacity_kw"].isna().all() and scr["screen_kw"].notna().all()
    assert list(t["method"]) == ["solved", "screened", "screened"]
    assert list(scr["screen_kw"]) == sorted(scr["screen_kw"], reverse=True)


def _auto_inputs(screen_kw: dict, solved_kw: dict):
    screened = {n: {"q_w": q * 1e3} for n, q in screen_kw.items()}
    ranked = sorted(screen_kw, key=lambda n: -screen_kw[n])
    refined = {n: {"capacity_kw": c} for n, c in solved_kw.items()}
    return ranked, screened, refined


def test_auto_round_keeps_nodes_the_allowance_lets_beat_the_best():
    # best=2: the 2nd best capacity by full solves is 400 kW; allowance 2.5 (the screen's
    # own ratios, 400/500 and 450/600, stay below 1)
    ranked, screened, refined = _auto_inputs(
        {"a": 600.0, "b": 500.0, "c": 170.0, "d": 150.0, "e": 10.0},
        {"a": 450.0, "b": 400.0})
    todo, st = auto_round(ranked, screened, refined, 2, 1000e3, 25e3)
    assert todo == ["c"]  # 170·2.5 = 425 > 400; 150·2.5 = 375 and max(10, 25)·2.5 cannot
    assert st["screen_allowance"] == pytest.approx(2.5)
    assert st["best_capacity_kw"] == pytest.approx(400.0)
    assert st["unsolved_possible_ties"] == 1
    # a node the screen underestimated 3× widens the allowance to 3·1.25
    refined["c"] = {"capacity_kw": 510.0}
    todo, st = auto_round(ranked, screened, refined, 2, 1000e3, 25e3)
    assert st["screen_allowance"] == pytest.approx(510 / 170 * 1.25)
    assert st["best_capacity_kw"] == pytest.approx(450.0)
    assert todo == ["d"]  # 150·3.75 = 562 > 450
    # at the search limit nothing can exceed the best: done, every bound reaching it may tie
    ranked, screened, refined = _auto_inputs({"a": 1000.0, "b": 900.0, "c": 500.0},
                                             {"a": 1000.0, "b": 1000.0})
    todo, st = auto_round(ranked, screened, refined, 2, 1000e3, 25e3)
    assert todo == [] and st["unsolved_possible_ties"] == 1
    # fewer solved than ``best``: every node is still in
    todo, _ = auto_round(ranked, screened, {"a": {"capacity_kw": 1000.0}}, 2, 1000e3, 25e3)
    assert todo == ["b", "c"]


def test_refine_auto_solves_what_can_reach_the_best_and_agrees_with_all(scen_path):
    every = compare_sites(scen_path, executor="serial").table
    auto = compare_sites(scen_path, executor="serial", refine="auto", best=3)
    t = auto.table
    solved = t[t["method"] == "solved"]
    assert 3 <= len(solved) < len(t)
    # the best three capacities are those of solving every node, each node's to the search
    # tolerance (the same trials: nodes are searched independently)
    np.testing.assert_allclose(solved["capacity_kw"].nlargest(3).to_numpy(),
                               every["capacity_kw"].nlargest(3).to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(solved["capacity_kw"],
                               every.loc[solved.index, "capacity_kw"], rtol=0, atol=1e-6)
    st = auto.stats
    assert st["refine_mode"] == "auto" and st["refined"] == len(solved)
    # no unsolved node actually exceeds the 3rd best (checked against solving them all)
    rest = every.loc[t.index[t["method"] == "screened"], "capacity_kw"]
    assert (rest <= st["best_capacity_kw"] + 1e-6).all()
    with pytest.raises(ScenarioError, match="best"):
        compare_sites(scen_path, candidates=NODES, executor="serial", refine="auto", best=0)


def test_node_independent_failure_gives_zero_without_trial_solves():
    """old_hot_network: the heat-pump stage's COP is below its minimum at every node."""
    res = compare_sites(ROOT / "scenarios" / "old_hot_network.yaml", candidates="S1,S2",
                        executor="serial")
    assert (res.table["capacity_kw"] == 0).all()
    assert (res.table["limited_by"] == "heat_pump").all()
    assert res.stats["n_trial_solves"] == 0
    assert any(f.code == "heat_pump" and f.severity == "violation"
               for f in res.global_findings)


def test_conditions_not_allowed(tmp_path):
    """A unit that needs a heat-pump stage is a condition: not allowed → capacity 0."""
    text = SCENARIO.replace("source_temperature_c: 75", "source_temperature_c: 65")
    p = tmp_path / "hp.yaml"
    p.write_text(text, encoding="utf-8")
    res = compare_sites(p, candidates=["S3"], executor="serial", allow_conditions=False)
    assert res.table.at["S3", "capacity_kw"] == 0
    assert res.table.at["S3", "limited_by"] == "heat_pump"
    ok = compare_sites(p, candidates=["S3"], executor="serial", q_max_kw=60.0)
    assert ok.table.at["S3", "capacity_kw"] > 0
    assert bool(ok.table.at["S3", "heat_pump"]) is True
    assert ok.table.at["S3", "cop"] > 2.5


def test_bad_arguments(scen_path):
    with pytest.raises(ScenarioError):
        compare_sites(scen_path, candidates=["nope"], executor="serial")
    with pytest.raises(ScenarioError):
        compare_sites(scen_path, candidates=["S1"], executor="serial", q_max_kw=-1)
    with pytest.raises(ScenarioError):
        compare_sites(scen_path, candidates=["S1"], executor="serial", refine="some")


# ------------------------------------------------------------------------------------------
# the bracketing/bisection logic (stub trials, no solves)


class _StubSetup:
    """Feasible where ``ok(q_kw)`` (one load case) or ``ok(q_kw, case)``; records the
    capacities tried and every (capacity, load case) solved."""

    def __init__(self, ok, q_max_kw=2000.0, tol_kw=25.0, tol_rel=0.02, n_cases=1):
        from types import SimpleNamespace

        self.ok = ok if n_cases > 1 else (lambda q, i: ok(q))
        self.cases = [SimpleNamespace(name=f"lc{i}") for i in range(n_cases)]
        self.spec = SimpleNamespace(q_max_w=q_max_kw * 1e3, tol_w=tol_kw * 1e3, tol_rel=tol_rel,
                                    confirm=False)
        self.tried = []
        self.solved = []

    def linear(self, i):
        return None  # no screen: no margins without the feed-in

    def trial(self, node, q_w, order, warm, into=None):
        if into is None:
            self.tried.append(q_w / 1e3)
        t = into if into is not None else Trial(q_w=q_w, feasible=True)
        for i in order:
            name = self.cases[i].name
            t.n_solves += 1
            self.solved.append((q_w / 1e3, i))
            if self.ok(q_w / 1e3, i):
                t.passed.append(i)
                t.verdicts[name] = PERMITTED
                t.figures[name] = {"pump_head_bar": 1.0, "t_return_c": 50.0,
                                   "heat_pump": False, "cop": math.nan, "p_el_kw": 0.0}
            else:
                t.feasible = False
                t.binding = {"code": "velocity", "load_case": name, "element": "p",
                             "message": "m"}
                t.failed_case = i
                break
        return t

    def base_figures(self, node):
        return {"pump_head_bar": 1.0, "t_return_c": 50.0, "heat_pump": False,
                "cop": math.nan, "p_el_kw": math.nan}


@pytest.mark.parametrize("seed_kw", [10.0, 900.0, 1234.0, 1900.0])
def test_search_converges_to_the_limit_from_any_seed(seed_kw):
    stub = _StubSetup(lambda q: q <= 1234.0)
    row = refine_node(stub, "N", {"q_w": seed_kw * 1e3, "order": [0]})
    assert row["capacity_kw"] <= 1234.0 < row["first_infeasible_kw"]
    assert row["first_infeasible_kw"] - row["capacity_kw"] <= 0.02 * 1260 + 1e-9
    assert row["limited_by"] == "velocity" and not row["non_monotone"]
    assert row["n_trials"] < 16


def test_search_limits():
    row = refine_node(_StubSetup(lambda q: True), "N", {"q_w": 500e3, "order": [0]})
    assert row["capacity_kw"] == 2000.0 and row["limited_by"] == "q_max"
    row = refine_node(_StubSetup(lambda q: False), "N", {"q_w": 500e3, "order": [0]})
    assert row["capacity_kw"] == 0.0 and row["first_infeasible_kw"] == pytest.approx(25.0)
    assert row["verdict"] == "NOT_PERMITTED"


def test_search_probes_below_a_non_monotone_verdict():
    """Permitted up to 300 kW and again 800–1000 kW: the probe at half the capacity found
    from the seed catches the gap and the search goes below it."""
    stub = _StubSetup(lambda q: q <= 300.0 or 800.0 <= q <= 1000.0)
    row = refine_node(stub, "N", {"q_w": 900e3, "order": [0]})
    assert row["non_monotone"]
    assert row["capacity_kw"] <= 300.0 < row["first_infeasible_kw"] <= 500.0


def test_search_judges_other_load_cases_once_settled_and_follows_the_one_that_binds():
    """Two load cases; the screen's order puts the wrong one first (case 0 permits up to
    1,500 kW, case 1 only up to 700 kW). Trials on the way are judged in the first case only;
    the capacity found is judged in both, and the search then continues below in both."""
    stub = _StubSetup(lambda q, i: q <= (1500.0 if i == 0 else 700.0), n_cases=2)
    row = refine_node(stub, "N", {"q_w": 1000e3, "order": [0, 1]})
    assert row["capacity_kw"] <= 700.0 < row["first_infeasible_kw"] <= 700.0 + 25.0
    assert row["load_case"] == "lc1"
    cap = row["capacity_kw"]
    assert {i for q, i in stub.solved if q == cap} == {0, 1}  # judged in every case
    assert row["n_solves"] == len(stub.solved)
    # the right order from the start: a trial that fails costs one solve, and passing trials
    # before the end are judged in the first case only
    stub = _StubSetup(lambda q, i: q <= (1500.0 if i == 0 else 700.0), n_cases=2)
    row = refine_node(stub, "N", {"q_w": 1000e3, "order": [1, 0]})
    assert row["capacity_kw"] <= 700.0 < row["first_infeasible_kw"] <= 725.0
    assert len(stub.solved) < 2 * len(stub.tried)


def test_bracketing_steps_grow_when_estimates_fall_short():
    """A margin that flattens: the secant from the last two passes lands just above ``lo``;
    after a probe aimed across fell short, the next step is at least twice the last."""
    from p2h_hydraulics.sites.search import crossing, step_beyond

    key = ("lc", "velocity")
    a = Trial(q_w=500e3, feasible=True, margins={key: 0.5})
    b = Trial(q_w=600e3, feasible=True, margins={key: 0.49})
    q, aimed = step_beyond(a, b, 1.1, False, 25e3, 0.02, up=True)
    assert aimed and q == pytest.approx(4 * 600e3)  # far root: capped at 4×
    c = Trial(q_w=610e3, feasible=True, margins={key: 0.001})
    q, _ = step_beyond(b, c, 1.1, False, 25e3, 0.02, up=True)
    assert q == pytest.approx(610e3 + 0.001 * 10e3 / 0.489 + 12.5e3, rel=1e-6)
    q, _ = step_beyond(b, c, 1.1, True, 25e3, 0.02, up=True)  # crept: ≥ twice the last step
    assert q == pytest.approx(630e3)
    # downwards from two trials not permitted, the binding margin recovering: −0.2, −0.1
    hi1 = Trial(q_w=1000e3, feasible=False, margins={key: -0.2},
                 binding={"code": "velocity", "load_case": "lc"})
    hi2 = Trial(q_w=900e3, feasible=False, margins={key: -0.1},
                 binding={"code": "velocity", "load_case": "lc"})
    assert crossing(hi1, hi2) == pytest.approx(800e3)
    q, aimed = step_beyond(hi1, hi2, 1.1, False, 25e3, 0.02, up=False)
    assert aimed and q == pytest.approx(800e3 - 12.5e3)
    assert crossing(hi2, hi1) is None  # not a downward pair
    q, aimed = step_beyond(None, hi2, 1.1, False, 25e3, 0.02, up=False)
    assert not aimed and q == pytest.approx(900e3 / 1.1)


def test_upward_bracketing_extrapolates_the_falling_margin():
    """Two permitted trials whose margin falls linearly (0.5 at 500 kW, 0.4 at 600 kW: zero
    at 1,000 kW) → the next probe aims just above 1,000 kW (half a tolerance); warning-only
    criteria and margins held at zero are ignored."""
    from p2h_hydraulics.sites.search import extrapolated

    a = Trial(q_w=500e3, feasible=True, margins={("lc", "velocity"): 0.5,
                                                  ("lc", "pressure_gradient"): 50.0,
                                                  ("lc", "consumer_dp"): 2e-7})
    b = Trial(q_w=600e3, feasible=True, margins={("lc", "velocity"): 0.4,
                                                  ("lc", "pressure_gradient"): 5.0,
                                                  ("lc", "consumer_dp"): 1e-7})
    assert extrapolated(a, b) == pytest.approx(1000e3)
    assert extrapolated(None, b) is None
    assert extrapolated(b, a) is None  # not an upward pair


# ------------------------------------------------------------------------------------------
# executors


def test_same_table_on_process_pool_and_dask_and_confirm(serial, scen_path):
    pytest.importorskip("distributed")
    import distributed

    cols = ["capacity_kw", "first_infeasible_kw", "pump_head_bar", "t_return_c", "screen_kw"]
    proc = compare_sites(scen_path, candidates=NODES, executor="process", workers=2,
                         chunk_size=1, confirm=True)
    assert proc.stats["executor"] == "process"
    # confirm=True re-runs check_integration at every capacity > 0
    pos = proc.table["capacity_kw"] > 0
    assert proc.table.loc[pos, "confirmed"].astype(bool).all()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dsk = compare_sites(scen_path, candidates=NODES, executor=client.get_executor())
    for other in (proc, dsk):
        t = other.table.loc[serial.table.index]
        assert list(other.table.index) == list(serial.table.index)
        np.testing.assert_allclose(t[cols].to_numpy(float),
                                   serial.table[cols].to_numpy(float), rtol=1e-9)
        assert list(t["limited_by"]) == list(serial.table["limited_by"])


def test_make_executor_kinds():
    for kind, cls in (("serial", SerialExecutor), ("thread", ThreadPoolExecutor)):
        with make_executor(kind, workers=2) as ex:
            assert isinstance(ex, cls)
            assert ex.submit(pow, 2, 5).result() == 32
    with pytest.raises(P2HError, match="unknown executor"):
        make_executor("cloud")
    with pytest.raises(P2HError):
        make_executor("thread", workers=0)


def test_dask_kind_without_distributed_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(BackendError, match=r"p2h_hydraulics\[dist\]"):
        make_executor("dask")
    with pytest.raises(BackendError):
        make_executor(scheduler="tcp://127.0.0.1:8786")


def test_dask_local_cluster_executor():
    pytest.importorskip("distributed")
    with make_executor("dask", workers=1, processes=False) as ex:
        assert ex.submit(sum, [1, 2, 3]).result() == 6
        assert run_chunks(ex, sum, [[1, 2], [3]]) == [3, 3]


def test_serial_executor_delivers_exceptions_through_the_future():
    ex = SerialExecutor()
    fut = ex.submit(int, "x")
    with pytest.raises(ValueError):
        fut.result()
    ex.shutdown()
    with pytest.raises(RuntimeError):
        ex.submit(int, "1")


def test_chunked_and_run_chunks_keep_order_and_report_progress():
    assert chunked(range(7), n_chunks=3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunked(range(5), size=2) == [[0, 1], [2, 3], [4]]
    assert chunked([], 4) == []
    seen = []
    with executor_scope("thread", workers=3) as ex:
        out = run_chunks(ex, sum, chunked(range(10), size=3), progress=seen.append)
    assert out == [3, 12, 21, 9]
    assert sorted(seen) == [1, 3, 3, 3]
    given = SerialExecutor()
    with executor_scope(given) as ex:
        assert ex is given
    assert given.submit(abs, -1).result() == 1  # the caller's executor stays open


# ------------------------------------------------------------------------------------------
# outputs and CLI


def test_csv_and_json_outputs(serial, tmp_path):
    p = serial.to_csv(tmp_path / "s.csv")
    back = pd.read_csv(p, index_col="node")
    assert list(back.index) == list(serial.table.index)
    np.testing.assert_allclose(back["capacity_kw"], serial.table["capacity_kw"], rtol=1e-5)
    j = json.loads(Path(serial.to_json(tmp_path / "s.json")).read_text())
    assert [s["node"] for s in j["sites"]] == list(serial.table.index)
    assert j["q_max_kw"] == 400.0 and "stats" in j
    assert "NaN" not in serial.to_json(tmp_path / "s2.json").read_text()


def test_cli_sites_json_and_outputs(scen_path, tmp_path, capsys):
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    code = main(["sites", str(scen_path), "--candidates", "H6", "--workers", "1", "--json",
                 "--out", str(out), "--html", str(html), "--map", str(tmp_path / "m.png")])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sites"][0]["node"] == "H6" and data["sites"][0]["capacity_kw"] > 0
    assert out.exists() and html.exists() and (tmp_path / "m.png").stat().st_size > 1000
    assert "<table" in html.read_text(encoding="utf-8")


def test_cli_sites_refine_auto(scen_path, tmp_path, capsys):
    out, fig = tmp_path / "auto.csv", tmp_path / "auto.svg"
    code = main(["sites", str(scen_path), "--refine", "auto", "--best", "2", "--workers", "1",
                 "--out", str(out), "--map", str(fig)])
    assert code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the lowest of the best 2" in text and "could tie" in text
    table = pd.read_csv(out)
    assert {"solved", "screened"} <= set(table["method"])
    assert table.loc[table["method"] == "screened", "capacity_kw"].isna().all()
    assert fig.stat().st_size > 1000
    assert main(["sites", str(scen_path), "--refine", "best", "--workers", "1"]) == 2


def test_cli_sites_usage_errors(scen_path, tmp_path):
    assert main(["sites", str(scen_path), "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["sites", str(scen_path), "--dask-local", "--scheduler", "tcp://h:1"]) == 2
    assert main(["sites", str(scen_path), "--candidates", "NOPE", "--workers", "1"]) == 3
    assert main(["sites", str(scen_path), "--out", str(scen_path.with_suffix(".csv")),
                 "--candidates", "S1", "--refine", "0", "--workers", "1"]) == 0


def test_trial_warm_start_is_linear_in_the_output_through_the_two_nearest_states():
    """States linear in q are predicted exactly between and next to the two nearest solved
    ones; one state is returned as is; extrapolation goes at most one spacing beyond."""
    from p2h_hydraulics.solver.native import State, predict_state

    def state(q):
        return State(mdot_b=np.array([1.0, -2.0]) + q * np.array([0.5, 0.25]),
                     p=np.array([3e5]) - 10.0 * q, h=np.array([2e5]) + 4.0 * q,
                     lift=np.array([1e5]) + q)

    assert predict_state([], 5.0) is None
    one = state(0.0)
    assert predict_state([(0.0, one)], 5.0) is one
    pts = [(0.0, state(0.0)), (10.0, state(10.0)), (40.0, state(40.0))]
    for q in (4.0, 13.0, 25.0):
        got, want = predict_state(pts, q), state(q)
        for k in ("mdot_b", "p", "h", "lift"):
            np.testing.assert_allclose(getattr(got, k), getattr(want, k), rtol=1e-12)
    far = predict_state(pts[:2], 100.0)  # two states 10 apart: at most to q = 20
    np.testing.assert_allclose(far.h, state(20.0).h)


def _explicit(rename_return, xy_return=True, consumers_only=False):
    """A two-pipe network drawn junction by junction: supply junctions A..D, their return
    twins named by ``rename_return`` (with or without the supply junction's coordinates)."""
    from p2h_hydraulics.model import network_from_records

    xs = {"A": 0.0, "B": 100.0, "C": 200.0, "D": 300.0}
    junctions = [{"id": k, "x_m": x, "y_m": 0.0} for k, x in xs.items()]
    junctions += [{"id": rename_return(k), "x_m": x if xy_return else 0.0, "y_m": 0.0}
                  for k, x in xs.items()]
    pipes = []
    for a, b in (("A", "B"), ("B", "C"), ("C", "D")):
        pipes.append({"id": f"{a}{b}", "from_junction": a, "to_junction": b, "length_m": 100,
                      "d_inner_m": 0.1, "u_w_per_mk": 0.3})
        pipes.append({"id": f"{a}{b}r", "from_junction": rename_return(b),
                      "to_junction": rename_return(a), "length_m": 100, "d_inner_m": 0.1,
                      "u_w_per_mk": 0.3})
    cons = [{"id": f"c{k}", "supply_junction": k, "return_junction": rename_return(k),
             "q_w": 50e3, "t_return_k": 318.15} for k in ("C", "D")]
    plant = [{"id": "P", "supply_junction": "A", "return_junction": rename_return("A"),
              "t_supply_k": 353.15}]
    return network_from_records({"junctions": junctions, "pipes": pipes, "consumers": cons,
                                 "plants": plant})


@pytest.mark.parametrize("rename, xy, expect", [
    (lambda k: f"return_{k}", False, "ABCD"),  # pandapipes' STANET naming, no coordinates
    (lambda k: f"{k}_back", True, "ABCD"),  # unknown naming: paired by coordinates
    (lambda k: f"{k}_back", False, "CD"),  # neither: only where consumers say so
])
def test_candidate_pairs_of_an_explicit_network(rename, xy, expect):
    from p2h_hydraulics.sites import candidate_pairs

    net = _explicit(rename, xy_return=xy)
    pairs = candidate_pairs(net)
    assert sorted(pairs) == list(expect)
    assert all(pairs[k] == (k, rename(k)) for k in expect)


def test_sites_on_an_explicit_network(tmp_path):
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.sites import compare_sites

    save_network(_explicit(lambda k: f"return_{k}"), tmp_path / "net.json")
    (tmp_path / "s.yaml").write_text(
        "name: explicit\nnetwork: net.json\nplant: {t_supply_c: 80, control: critical_point}\n"
        "units:\n  - {id: dc, supply_junction: B, return_junction: return_B, q_kw: 40,"
        " cooling: liquid, source_temperature_c: 70}\n")
    res = compare_sites(tmp_path / "s.yaml", executor="serial", workers=1)
    assert set(res.table.index) == set("ABCD")
    assert (res.table["method"] == "solved").all()
    # the plant's own node cannot take heat; a consumer node can take some
    assert res.capacity("D") > 0


def test_nodes_whose_trial_states_need_not_be_unique_are_flagged(serial, tmp_path, capsys):
    """``multiple_states``: a trial at the node found loop branches whose head law falls with
    flow (natural convection in a near-stagnant hilly loop). Never on a radial network; on a
    hilly meshed 4G network at a third of its load at the trunk node, not at the mains node M2.
    With ``confirm`` the checker solves the capacity again from a cold start: at T1 the other
    steady state fails the consumer supply temperature (``other_state``); both on the
    terminal."""
    from p2h_hydraulics.cli import main
    from tests.conftest import hilly_meshed_summer

    assert not serial.table["multiple_states"].any()
    scen = hilly_meshed_summer(tmp_path)
    res = compare_sites(scen, candidates=["T1", "M2"], executor="serial", confirm=True)
    t = res.table
    assert t["multiple_states"].to_dict() == {"T1": True, "M2": False}
    assert t.at["T1", "other_state"] == "consumer_supply_temperature (summer)"
    assert t.at["M2", "other_state"] == "" and t["confirmed"].all()
    assert main(["sites", str(scen), "--candidates", "T1,M2", "--confirm"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the terminal wraps lines
    assert "need not be unique" in out and "another steady state" in out


def test_site_map_hover_names_a_state_that_need_not_be_unique():
    from p2h_hydraulics.html.sites_view import _hover

    row = {"rank": 1, "method": "solved", "capacity_kw": 85.7,
           "limited_by": "consumer_supply_temperature", "element": "C26", "load_case": "summer",
           "pump_head_bar": 0.4, "heat_pump": False, "t_return_c": 35.0,
           "multiple_states": True, "other_state": "consumer_supply_temperature (summer)"}
    text = _hover("T1", row)
    assert "need not be unique" in text
    assert "fails in another steady state: consumer_supply_temperature (summer)" in text
    plain = _hover("T1", {**row, "multiple_states": False, "other_state": ""})
    assert "unique" not in plain and "another steady state" not in plain
