"""What the native solver derives from a network's topology, and the result tables built from a
solve: loop branches against a brute-force bridge search, the compiled arrays against the
network with its inactive rows removed, per-topology data kept in the workspace against a
fresh computation, and result tables that never share memory with the solver's arrays."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from p2h_hydraulics.model.graph import active, junction_sides
from p2h_hydraulics.model.network import Network
from p2h_hydraulics.solver.bridges import on_loop
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.linear import unique_inverse
from p2h_hydraulics.solver.native import solve_compiled
from p2h_hydraulics.synthetic import make_network


def _bridges_brute_force(n_nodes: int, b_from, b_to) -> np.ndarray:
    """True for each branch whose removal does not split a connected part (not a bridge)."""
    g = nx.MultiGraph()
    g.add_nodes_from(range(n_nodes))
    g.add_edges_from((int(a), int(b), k) for k, (a, b) in enumerate(zip(b_from, b_to,
                                                                        strict=True)))
    parts = nx.number_connected_components(g)
    out = []
    for k, (a, b) in enumerate(zip(b_from, b_to, strict=True)):
        g.remove_edge(int(a), int(b), key=k)
        out.append(nx.number_connected_components(g) == parts)
        g.add_edge(int(a), int(b), key=k)
    return np.array(out, dtype=bool)


def _bridges_networkx(n_nodes: int, b_from, b_to) -> np.ndarray:
    """The same from ``nx.bridges`` of the simple graph: a bridge there is a bridge of the
    multigraph unless a parallel branch joins the same two nodes."""
    pairs = [frozenset((int(a), int(b))) for a, b in zip(b_from, b_to, strict=True)]
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    g.add_edges_from((int(a), int(b)) for a, b in zip(b_from, b_to, strict=True) if a != b)
    bridges = {frozenset(e) for e in nx.bridges(g)}
    return np.array([p not in bridges or pairs.count(p) > 1 for p in pairs], dtype=bool)


@pytest.mark.parametrize("seed", range(12))
def test_on_loop_matches_a_brute_force_bridge_search_on_random_multigraphs(seed):
    # several connected parts, isolated nodes, trees, loops, parallel branches, self-loops
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    parts = np.sort(rng.integers(0, n, size=int(rng.integers(0, 4))))
    label = np.searchsorted(parts, np.arange(n), side="right")
    tree = [(i, int(rng.choice(np.flatnonzero(label[:i] == label[i]))))
            for i in range(1, n) if np.any(label[:i] == label[i]) and rng.random() < 0.9]
    extra = []
    for _ in range(int(rng.integers(0, n // 3 + 1))):
        a = int(rng.integers(0, n))
        same = np.flatnonzero(label == label[a])
        extra.append((a, int(rng.choice(same))))  # a loop, a parallel branch or a self-loop
    edges = tree + extra + [tree[k] for k in rng.integers(0, len(tree), 2)] if tree else extra
    if not edges:
        edges = [(0, 0)]
    flip = rng.random(len(edges)) < 0.5
    b_from = np.array([b if f else a for (a, b), f in zip(edges, flip, strict=True)])
    b_to = np.array([a if f else b for (a, b), f in zip(edges, flip, strict=True)])
    got = on_loop(n, b_from, b_to)
    assert np.array_equal(got, _bridges_brute_force(n, b_from, b_to))
    assert np.array_equal(got, _bridges_networkx(n, b_from, b_to))


def test_on_loop_of_a_street_grid_matches_networkx():
    comp = compile_network(make_network(300, topology="meshed", seed=3))
    got = on_loop(comp.n_nodes, comp.b_from, comp.b_to)
    assert np.array_equal(got, _bridges_networkx(comp.n_nodes, comp.b_from, comp.b_to))
    assert 0 < got.sum() < comp.n_branches


def _with_inactive_rows() -> Network:
    """A meshed network plus elements that take no part in the solve (a closed valve joining
    the supply and return sides, an out-of-service pipe, consumer and booster pump) and one
    opened valve that does."""
    net = make_network(40, topology="meshed", seed=2)
    sides = junction_sides(net)
    sup = [j for j in net.junctions.index if sides[j] == "supply"]
    ret = [j for j in net.junctions.index if sides[j] == "return"]
    valves = pd.DataFrame(
        {"from_junction": [sup[3], sup[5]], "to_junction": [ret[3], sup[9]],
         "d_inner_m": [0.05, 0.08], "zeta": [2.0, 0.0], "opened": [False, True]},
        index=pd.Index(["V_closed", "V_open"], name="id"))
    pipes = net.pipes.copy()
    extra = pipes.iloc[[0]].copy()
    extra.index = pd.Index(["P_out"], name="id")
    extra[["from_junction", "to_junction", "in_service"]] = [sup[2], ret[7], False]
    cons = net.consumers.copy()
    cons.loc[cons.index[4], "in_service"] = False
    pumps = pd.DataFrame(
        {"from_junction": [sup[1]], "to_junction": [sup[6]], "lift0_pa": [1e5],
         "curve_b1": [0.0], "curve_b2": [-1e6], "curve_b3": [0.0], "in_service": [False]},
        index=pd.Index(["BP_off"], name="id"))
    return net.replace(valves=pd.concat([net.valves, valves]).astype(net.valves.dtypes),
                       pipes=pd.concat([pipes, extra]), consumers=cons,
                       pumps=pd.concat([net.pumps, pumps]).astype(net.pumps.dtypes))


def _same(a, b) -> bool:
    if hasattr(a, "toarray"):
        return a.shape == b.shape and (a != b).nnz == 0
    if isinstance(a, np.ndarray):
        return (a.shape == b.shape and a.dtype == b.dtype
                and (np.array_equal(a, b) if a.dtype == object
                     else np.array_equal(a, b, equal_nan=True)))
    return a == b or (a != a and b != b)


def test_compiled_arrays_equal_those_of_the_network_without_its_inactive_rows():
    net = _with_inactive_rows()
    stripped = net.replace(**{t: active(net.table(t)) for t in
                              ("pipes", "valves", "pumps", "consumers")})
    assert len(stripped.pipes) == len(net.pipes) - 1 and len(stripped.valves) == 1
    comp, ref = compile_network(net), compile_network(stripped)
    fields = [f.name for f in dataclasses.fields(comp) if f.name != "workspace"]
    assert [f for f in fields if not _same(getattr(comp, f), getattr(ref, f))] == []
    assert "V_open" in comp.branch_ids and "V_closed" not in comp.branch_ids
    # the closed valve joins nothing: each junction keeps the side of its pipe network
    sides = junction_sides(net)
    assert list(comp.side) == [sides[j] for j in comp.node_ids]
    assert set(comp.side) == {"supply", "return"}


def test_cached_topology_data_equals_a_fresh_computation_after_loads_and_soil_change():
    net = make_network(60, topology="meshed", seed=4)
    comp = compile_network(net)
    changed = dataclasses.replace(comp, c_q_w=comp.c_q_w * 0.4,
                                  t_soil_k=np.full(comp.n_branches, 275.0),
                                  t_soil_node_k=np.full(comp.n_nodes, 275.0))
    assert changed.workspace is comp.workspace  # shared by the copies of one topology
    loop_first = comp.workspace.derived("on_loop", lambda: on_loop(
        comp.n_nodes, comp.b_from, comp.b_to))
    assert np.array_equal(changed.workspace.derived("on_loop", lambda: None), loop_first)
    assert np.array_equal(loop_first, on_loop(changed.n_nodes, changed.b_from, changed.b_to))
    # feed-ins placed on the copy through the stored junction index, as compiled afresh
    j = net.junctions.index
    feedins = pd.DataFrame(
        {"return_junction": [j[7], j[11]], "supply_junction": [j[6], j[10]],
         "q_w": [2e5, 1e5], "t_out_k": [343.15, 348.15], "control": ["q", "q"],
         "mdot_kg_s": [np.nan, np.nan], "in_service": [True, True]},
        index=pd.Index(["F1", "F2"], name="id"))
    for copy in (comp, changed, changed):  # the second call on a copy reuses the index
        placed = copy.with_feedins(feedins)
        fresh = compile_network(net.replace(feedins=feedins))
        for f in ("f_ids", "f_ret", "f_sup", "f_q_w", "f_t_out_k", "f_control"):
            assert _same(getattr(placed, f), getattr(fresh, f)), f
    # a copy with other junction ids does not use the stored index
    renamed = dataclasses.replace(comp, node_ids=np.array([f"x{i}" for i in
                                                           range(comp.n_nodes)], dtype=object))
    renamed_feedins = feedins.assign(return_junction=["x7", "x11"],
                                     supply_junction=["x6", "x10"])
    assert renamed.with_feedins(renamed_feedins).f_ret.tolist() == [7, 11]


def test_result_tables_share_no_memory_with_the_solver_arrays():
    net = _with_inactive_rows()
    net = net.replace(feedins=pd.DataFrame(
        {"return_junction": [net.consumers["return_junction"].iloc[0]],
         "supply_junction": [net.consumers["supply_junction"].iloc[0]],
         "q_w": [5e4], "t_out_k": [353.15], "control": ["q"], "mdot_kg_s": [np.nan],
         "in_service": [True]}, index=pd.Index(["F"], name="id")))
    comp = compile_network(net)
    state, res = solve_compiled(comp)
    assert res.converged and len(res.valves) == 1 and len(res.feedins) == 1
    solver_arrays = [v for v in (*vars(state).values(),
                                 *(getattr(comp, f.name) for f in dataclasses.fields(comp)))
                     if isinstance(v, np.ndarray)]
    p_before = state.p.copy()
    for name, table in res.tables().items():
        if table is None:
            continue
        for col in table.columns:
            values = table[col].to_numpy()
            assert not any(np.shares_memory(values, a) for a in solver_arrays), (name, col)
    res.junctions.iloc[:, 0] = 0.0  # editing a table in place leaves the solver state alone
    assert np.array_equal(state.p, p_before)


@pytest.mark.parametrize("size,high", [(0, 5), (1, 5), (7, 2), (5000, 40), (90000, 10**9)])
def test_unique_inverse_equals_numpy_unique(size, high):
    key = np.random.default_rng(size).integers(0, high, size)
    ref_values, ref_inverse = np.unique(key, return_inverse=True)
    values, inverse = unique_inverse(key)
    assert values.dtype == ref_values.dtype and inverse.dtype == ref_inverse.dtype
    assert np.array_equal(values, ref_values) and np.array_equal(inverse, ref_inverse)
    assert np.array_equal(values[inverse], key)
