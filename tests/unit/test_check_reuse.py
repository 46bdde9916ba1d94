"""What a sweep reuses between its solves and checks: result tables of one topology share their
row labels, and ``CaseContext.memo`` keeps what the checks derive from a network's tables —
neither may change a finding."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from p2h_hydraulics.checks import Thresholds
from p2h_hydraulics.evaluation import evaluate_case, judge
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.native import solve_compiled
from p2h_hydraulics.synthetic import line_network
from p2h_hydraulics.unit import P2HUnit

LINE = dict(n=3, length_m=200.0, q_w=100e3, consumers="all", u_w_per_mk=0.2, d_inner_m=0.0703,
            t_supply_k=343.15, t_return_k=318.15)


def _unit(q_kw: float) -> P2HUnit:
    return P2HUnit(id="dc", node="N3", q_kw=q_kw, cooling="liquid", source_temperature_c=75.0)


def _as_dicts(findings) -> list[dict]:
    return [dataclasses.asdict(f) for f in findings]


def test_results_of_one_topology_share_row_labels_but_not_index_objects():
    comp = compile_network(line_network(**LINE))
    _, a = solve_compiled(comp)
    _, b = solve_compiled(comp.with_consumer_q(comp.c_q_w * 0.5))
    for table in ("junctions", "pipes", "consumers"):
        ia, ib = getattr(a, table).index, getattr(b, table).index
        assert ia.is_(ib) and ia is not ib  # views of one index: aligning them is free
        assert ia.equals(pd.Index(ia.to_numpy())) and ia.name == "id"
    a.pipes.index.name = "pipe"  # renaming one table's labels leaves the others
    assert b.pipes.index.name == "id"
    assert (b.pipes["v_m_s"].reindex(a.pipes.index).to_numpy()
            == b.pipes["v_m_s"].to_numpy()).all()


def test_a_memo_shared_with_another_network_changes_no_finding():
    """A memo filled by a network with other pipes (warmer soil, other diameters) must not
    leak into the checks of this one: every finding equals the one judged with a fresh memo."""
    net = line_network(**LINE)
    other_pipes = net.pipes.copy()
    other_pipes["t_soil_k"] = 303.15  # consumers' surroundings 30 °C instead of 10 °C
    other_pipes["dn"] = 40.0  # every pipe under the small-pipe velocity limit
    other = net.replace(pipes=other_pipes)

    ctx = evaluate_case(net, [_unit(250.0)], Thresholds(), second_start=False)
    fresh = _as_dicts(judge(ctx))
    assert any(f["code"] == "flow_reversal" and f["severity"] == "warning" for f in fresh)

    ctx_other = evaluate_case(other, [_unit(250.0)], Thresholds(), second_start=False)
    shared: dict = {}
    ctx_other.memo = shared
    judged_other = _as_dicts(judge(ctx_other))
    assert shared  # the checks did keep something
    ctx.memo = shared
    assert _as_dicts(judge(ctx)) == fresh
    # and the other network's findings differ where its tables differ (the test can fail)
    by_code = {(f["code"], f["case"]): f for f in judged_other}
    mine = {(f["code"], f["case"]): f for f in fresh}
    key = ("consumer_return_temperature", "feedin")
    assert not np.isclose(by_code[key]["limit"], mine[key]["limit"])


def test_a_memo_shared_between_trials_of_one_network_changes_no_finding():
    """Two feed-in outputs on the same network (the site search's trials): judged with one
    memo, in either order, every finding equals the one judged with a fresh memo."""
    net = line_network(**LINE)
    ctxs = [evaluate_case(net, [_unit(q)], Thresholds(), second_start=False) for q in (60.0, 250.0)]
    fresh = [_as_dicts(judge(c)) for c in ctxs]
    shared: dict = {}
    for c in (ctxs[1], ctxs[0], ctxs[1]):
        c.memo = shared
    assert [_as_dicts(judge(c)) for c in ctxs] == fresh
    assert fresh[0] != fresh[1]


def test_velocity_limits_kept_in_a_memo_follow_the_network():
    """``pipe_vmax`` with one memo and the same pipe labels on two networks whose diameters
    differ: each gets its own limits."""
    from p2h_hydraulics.checks import CaseContext, pipe_vmax

    net = line_network(**LINE)
    pipes = net.pipes.copy()
    pipes["dn"] = 40.0
    small = net.replace(pipes=pipes)
    shared: dict = {}
    idx = net.pipes.index
    big_ctx = CaseContext("x", Thresholds(), [], {}, net, net, memo=shared)
    small_ctx = CaseContext("x", Thresholds(), [], {}, small, small, memo=shared)
    assert list(pipe_vmax(big_ctx, idx)) == [2.0] * len(idx)  # no DN, 70.3 mm inside
    assert list(pipe_vmax(small_ctx, idx)) == [1.5] * len(idx)
    assert list(pipe_vmax(big_ctx, idx)) == [2.0] * len(idx)


def test_velocity_limits_kept_in_a_memo_follow_the_labels():
    """``pipe_vmax`` with one memo and two sets of pipe labels of the same network: each set
    gets its limits in its own rows (a view of a set reuses them)."""
    from p2h_hydraulics.checks import CaseContext, pipe_vmax

    net = line_network(**LINE)
    pipes = net.pipes.copy()
    pipes.loc[pipes.index[0], "dn"] = 40.0
    net = net.replace(pipes=pipes)
    ctx = CaseContext("x", Thresholds(), [], {}, net, net, memo={})
    every, last = net.pipes.index, net.pipes.index[1:]
    first = pipe_vmax(ctx, every)
    assert list(first) == [1.5] + [2.0] * (len(every) - 1)
    assert list(pipe_vmax(ctx, last)) == [2.0] * len(last)
    assert pipe_vmax(ctx, every.view()) is not first  # rebuilt after the other labels
    assert pipe_vmax(ctx, every.view()) is pipe_vmax(ctx, every)
