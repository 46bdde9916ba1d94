"""Synthetic network generator: determinism, structure, sizing, shipped examples, tiny helpers."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from p2h_hydraulics.io import load_network
from p2h_hydraulics.io.native_json import network_from_document
from p2h_hydraulics.model.catalogue import catalogue
from p2h_hydraulics.model.graph import PIPE_LIKE, loops, to_graph
from p2h_hydraulics.model.validate import find_problems
from p2h_hydraulics.synthetic import (
    CP_DESIGN,
    line_network,
    make_network,
    ring_network,
    single_pipe_network,
    size_dn,
    small_test_network,
)

NETWORKS = Path(__file__).resolve().parents[2] / "networks"


def supply_pipes(net):
    p = net.pipes
    return p[p.index.str.endswith("_s")]


def tree_parent_dn(net):
    """(DN of each supply tree trench, DN of the trench feeding it) for non-root trenches."""
    sup = supply_pipes(net)
    tree = sup[~sup.index.str.startswith("loop")]
    feeding = dict(zip(tree["to_junction"], tree["dn"], strict=True))
    has = tree["from_junction"].isin(list(feeding)).to_numpy()
    child = tree["dn"].to_numpy()[has]
    parent = np.array([feeding[j] for j in tree["from_junction"][has]])
    return child, parent


# ---------------------------------------------------------------------------------------------
# make_network


def test_same_seed_same_network_other_seed_differs():
    a = make_network(300, "meshed", seed=3)
    b = make_network(300, "meshed", seed=3)
    c = make_network(300, "meshed", seed=4)
    assert a.equals(b)
    assert not a.equals(c)
    assert make_network(50, seed=0, as_records=True) == make_network(50, seed=0, as_records=True)


@pytest.mark.parametrize("n,topology", [(1, "radial"), (4, "meshed"), (10, "radial"),
                                        (157, "meshed"), (400, "radial")])
def test_fast_build_equals_records_build(n, topology):
    """The vectorised build gives exactly what network_from_records makes of the records."""
    net = make_network(n, topology, seed=7)
    doc = make_network(n, topology, seed=7, as_records=True)
    assert set(doc) == {"format", "version", "settings", "nodes", "trenches", "consumers",
                        "plants"}
    assert net.equals(network_from_document(doc))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 33, 150, 501])
@pytest.mark.parametrize("topology", ["radial", "meshed"])
def test_exact_consumer_count_and_valid(n, topology):
    net = make_network(n, topology, seed=n)
    assert len(net.consumers) == n
    assert len(net.plants) == 1
    assert find_problems(net) == []
    # trench form: node N -> N_s/N_r, trench T -> T_s/T_r
    assert len(net.junctions) % 2 == 0 and len(net.pipes) % 2 == 0
    assert {"plant_s", "plant_r"} <= set(net.junctions.index)
    assert set(net.consumers["supply_junction"].str[:-2]) == \
        set(net.consumers["return_junction"].str[:-2])


@pytest.mark.parametrize("topology", ["radial", "meshed"])
def test_every_consumer_reachable_from_plant(topology):
    net = make_network(400, topology, seed=2)
    g = to_graph(net, kinds=PIPE_LIKE)
    sup = nx.node_connected_component(g, "plant_s")
    ret = nx.node_connected_component(g, "plant_r")
    assert set(net.consumers["supply_junction"]) <= sup
    assert set(net.consumers["return_junction"]) <= ret
    assert not sup & ret
    assert len(sup) + len(ret) == len(net.junctions)  # no stray junctions


def test_radial_has_no_loops():
    net = make_network(300, "radial", seed=5)
    assert loops(net) == []
    assert len(net.pipes) == len(net.junctions) - 2  # two trees (supply, return)
    assert not supply_pipes(net).index.str.startswith("loop").any()


def test_meshed_has_loops_on_both_sides():
    net = make_network(1000, "meshed", seed=5)
    cyc = loops(net)
    assert cyc
    sides = [all(j.endswith("_s") for j in c) for c in cyc]
    assert sum(sides) == len(cyc) - sum(sides)  # same loops on supply and return
    sup = supply_pipes(net)
    per_side = len(cyc) // 2
    n_tree = int((~sup.index.str.startswith("loop")).sum())
    assert 0.04 <= per_side / n_tree <= 0.10


def test_ring_main_closes_a_loop_through_the_plant():
    net = make_network(200, "meshed", seed=1, loop_fraction=0.0)
    g = nx.Graph(to_graph(net, kinds=PIPE_LIKE))
    assert len(nx.cycle_basis(g)) == 2  # just the ring, on each side
    bridges = {frozenset(e) for e in nx.bridges(g)}
    assert not any("plant_s" in e for e in bridges)


def test_n_loops_and_radial_errors():
    net = make_network(120, "meshed", seed=2, ring_main=False, n_loops=2)
    assert len(loops(net)) == 4
    with pytest.raises(ValueError):
        make_network(10, "radial", n_loops=2)
    with pytest.raises(ValueError):
        make_network(10, "star")
    with pytest.raises(ValueError):
        make_network(10, generation="5g")
    with pytest.raises(ValueError):
        make_network(0)


@pytest.mark.parametrize("topology", ["radial", "meshed"])
def test_dn_non_increasing_away_from_plant(topology):
    net = make_network(600, topology, seed=8)
    child, parent = tree_parent_dn(net)
    assert len(child) > 1000
    assert np.mean(child <= parent) >= 0.99


def test_sizing_limits_and_loop_dn():
    net = make_network(500, "meshed", seed=9)
    sup = supply_pipes(net)
    cat = catalogue()
    assert set(sup["dn"]) <= set(cat.index)
    assert (sup["series"] == "S2").all()
    loop = sup[sup.index.str.startswith("loop")]
    assert (loop["dn"] >= 40).all() and loop["dn"].max() <= sup["dn"].max()
    service = sup[sup.index.str.startswith("service")]
    assert service["length_m"].between(9.9, 40.5).all()
    assert (service["dn"] >= 25).all()
    assert (sup.loc[~sup.index.str.startswith("service"), "dn"] >= 40).all()


def test_size_dn_is_smallest_size_within_limits():
    cat = catalogue()
    d = cat["d_inner_m"].to_numpy()
    dns = cat.index.to_numpy()
    mdot = np.geomspace(0.01, 500, 200)
    dn = size_dn(mdot, 20.0, 1.5, 120.0)
    assert np.all(np.diff(dn) >= 0)  # monotone in the flow
    assert size_dn(0.0, 25.0)[0] == 25.0
    for m, chosen in zip(mdot, dn, strict=True):
        i = int(np.searchsorted(dns, chosen))
        v = m / (975.0 * math.pi * d[i] ** 2 / 4)
        assert v <= 1.5 + 1e-12
        if i > 0:  # the next smaller size breaks a limit
            v_small = m / (975.0 * math.pi * d[i - 1] ** 2 / 4)
            re = 4 * m / (math.pi * d[i - 1] * 3.8e-4)
            f = 0.25 / math.log10(1e-4 / d[i - 1] / 3.7 + 5.74 / re**0.9) ** 2
            r = f / d[i - 1] * 975.0 * v_small**2 / 2
            assert v_small > 1.5 or r > 120.0


@pytest.mark.parametrize("generation,t_sup,t_lo,t_hi", [("3g", 80.0, 50.0, 60.0),
                                                       ("4g", 65.0, 30.0, 40.0)])
def test_generation_temperatures_loads_and_plant(generation, t_sup, t_lo, t_hi):
    net = make_network(400, "radial", seed=3, generation=generation)
    c, p = net.consumers, net.plants.iloc[0]
    assert p["t_supply_k"] == pytest.approx(t_sup + 273.15)
    assert c["t_return_k"].between(t_lo + 273.15, t_hi + 273.15).all()
    assert (c["control"] == "t_return").all()
    assert (c["dp_min_pa"] == 0.5e5).all()
    assert c["q_w"].between(8e3, 1.5e6).all()
    assert c["q_w"].max() > 250e3  # a few large customers
    assert (c["q_w"] <= 25e3).mean() > 0.5  # mostly single-family houses
    assert p["control"] == "critical_point"
    assert p["p_return_pa"] == 2.5e5 and p["lift_pa"] == 3e5
    mdot = (c["q_w"] / (CP_DESIGN * (p["t_supply_k"] - c["t_return_k"]))).sum()
    assert p["mdot_design_kg_s"] == pytest.approx(mdot, rel=1e-4)
    assert net.settings["t_soil_k"] == pytest.approx(283.15)
    scaled = make_network(400, "radial", seed=3, generation=generation, load_scale=0.5)
    assert scaled.consumers["q_w"].sum() == pytest.approx(0.5 * c["q_w"].sum(), rel=1e-3)


def test_geometry_and_elevation():
    net = make_network(300, "meshed", seed=6, elevation_base_m=50.0, elevation_range_m=10.0)
    z = net.junctions["elevation_m"]
    assert z.min() == pytest.approx(40.0, abs=0.01) and z.max() == pytest.approx(60.0, abs=0.01)
    flat = make_network(30, seed=6, elevation_range_m=0.0)
    assert (flat.junctions["elevation_m"] == 30.0).all()
    sup = supply_pipes(net)
    j = net.junctions
    a, b = j.loc[sup["from_junction"]], j.loc[sup["to_junction"]]
    straight = np.hypot(a["x_m"].to_numpy() - b["x_m"].to_numpy(),
                        a["y_m"].to_numpy() - b["y_m"].to_numpy())
    np.testing.assert_allclose(sup["length_m"], np.maximum(straight, 0.5), atol=0.02)
    # house spacing along the streets: more than 5 m between neighbouring consumer nodes
    houses = j.loc[net.consumers["supply_junction"], ["x_m", "y_m"]].to_numpy()
    tree = houses[np.lexsort((houses[:, 0], houses[:, 1]))]
    assert len(np.unique(np.round(tree, 1), axis=0)) == len(houses)


def test_large_network_splits_the_trunk():
    doc = make_network(3000, "radial", seed=1, as_records=True)
    assert len(doc["consumers"]) == 3000
    trunk_from_plant = [t for t in doc["trenches"] if t["from_node"] == "plant"]
    assert len(trunk_from_plant) >= 2  # one trunk leg cannot carry ~160 MW within the limits
    assert max(t["dn"] for t in doc["trenches"]) <= 800


def test_ten_thousand_consumers():
    doc = make_network(10_000, "meshed", seed=0, as_records=True)
    assert len(doc["consumers"]) == 10_000
    n_loops = len(doc["trenches"]) - len(doc["nodes"]) + 1  # connected trench graph
    n_tree = sum(not t["id"].startswith("loop") for t in doc["trenches"])
    assert 0.05 <= n_loops / n_tree <= 0.07


# ---------------------------------------------------------------------------------------------
# shipped examples


def _examples_module():
    spec = importlib.util.spec_from_file_location("make_examples",
                                                  NETWORKS / "make_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_examples_load_and_match_the_generator():
    mod = _examples_module()
    for fname, ex in mod.EXAMPLES.items():
        net = load_network(NETWORKS / fname)
        assert net.equals(make_network(**ex["kw"])), fname
    assert (NETWORKS / "README.md").is_file()


def test_norderstedt_like_example():
    net = load_network(NETWORKS / "3g_norderstedt_like.json")
    assert len(net.consumers) >= 150
    assert net.plants["t_supply_k"].max() == pytest.approx(81 + 273.15)
    assert net.consumers["t_return_k"].mean() - 273.15 == pytest.approx(55, abs=1.5)
    assert 2e6 <= net.consumers["q_w"].sum() <= 15e6
    g = nx.Graph(to_graph(net, kinds=PIPE_LIKE))
    assert not any("plant_s" in e for e in nx.bridges(g))  # ring main through the plant
    assert len(loops(net)) >= 10


def test_lowtemp_and_demo_examples():
    net = load_network(NETWORKS / "4g_lowtemp.json")
    assert len(net.consumers) >= 80
    assert net.plants["t_supply_k"].max() == pytest.approx(65 + 273.15)
    assert net.consumers["t_return_k"].between(303.15, 313.15).all()
    assert 1 <= len(loops(net)) // 2 <= 2
    demo = load_network(NETWORKS / "small_demo.json")
    assert 5 <= len(demo.consumers) <= 15 and loops(demo) == []


# ---------------------------------------------------------------------------------------------
# tiny analytic networks


def test_single_pipe_network():
    net = single_pipe_network(length_m=250.0, q_w=80e3, dz_m=5.0, u_w_per_mk=0.3)
    assert sorted(net.junctions.index) == ["A_r", "A_s", "B_r", "B_s"]
    assert list(net.pipes.index) == ["P_s", "P_r"]
    assert net.pipes.loc["P_s", ["from_junction", "to_junction"]].tolist() == ["A_s", "B_s"]
    assert net.pipes.loc["P_r", ["from_junction", "to_junction"]].tolist() == ["B_r", "A_r"]
    assert (net.pipes["length_m"] == 250.0).all() and (net.pipes["u_w_per_mk"] == 0.3).all()
    assert net.junctions.loc["B_s", "elevation_m"] == 5.0
    assert net.consumers.loc["C", "q_w"] == 80e3
    assert find_problems(net) == []


def test_line_and_ring_networks():
    line = line_network(4, consumers="all", consumer_control="mdot")
    assert len(line.pipes) == 8 and len(line.consumers) == 4
    assert line.consumers["mdot_kg_s"].notna().all()
    assert loops(line) == []
    end = line_network(3, plant_control="lift", lift_pa=2e5)
    assert list(end.consumers.index) == ["C3"] and end.plants.iloc[0]["control"] == "lift"
    ring = ring_network(6, consumer_control="delta_t")
    assert len(ring.pipes) == 12 and list(ring.consumers.index) == ["C3"]
    assert ring.consumers["delta_t_k"].iloc[0] == pytest.approx(30.0)
    assert len(loops(ring)) == 2
    for net in (line, end, ring):
        assert find_problems(net) == []
    assert len(small_test_network("single").pipes) == 2
    assert len(small_test_network("synthetic").consumers) == 10
    with pytest.raises(ValueError):
        small_test_network("cube")
