"""Shared test fixtures: small networks built from records."""

from __future__ import annotations

import numpy as np
import pytest

from p2h_hydraulics.model import network_from_records


def random_trench_records(rng: np.random.Generator, n_nodes: int = 12, n_loops: int = 2,
                          t_supply_c: float = 80.0, elevation_span: float = 20.0) -> dict:
    """A random tree of trench nodes with ``n_loops`` closures, one plant, consumers on leaves
    and some inner nodes (trench form)."""
    nodes = [{"id": "N0", "x_m": 0.0, "y_m": 0.0,
              "elevation_m": float(rng.uniform(-1, 1) * elevation_span / 2)}]
    trenches = []
    parent = {}
    for i in range(1, n_nodes):
        p = int(rng.integers(0, i))
        parent[i] = p
        x = nodes[p]["x_m"] + float(rng.uniform(30, 150))
        y = nodes[p]["y_m"] + float(rng.uniform(-100, 100))
        nodes.append({"id": f"N{i}", "x_m": x, "y_m": y,
                      "elevation_m": float(rng.uniform(-1, 1) * elevation_span / 2)})
        trenches.append({"id": f"T{i}", "from_node": f"N{p}", "to_node": f"N{i}",
                         "length_m": float(rng.uniform(20, 250)), "dn": 0})
    # size: DN from the number of downstream nodes
    down = np.ones(n_nodes)
    for i in range(n_nodes - 1, 0, -1):
        down[parent[i]] += down[i]
    dns = [25, 32, 40, 50, 65, 80, 100, 125, 150, 200]
    for t in trenches:
        i = int(t["to_node"][1:])
        t["dn"] = dns[min(len(dns) - 1, int(2 + 2.2 * np.log2(down[i])))]
    for k in range(n_loops):
        a, b = rng.choice(n_nodes, size=2, replace=False)
        trenches.append({"id": f"L{k}", "from_node": f"N{a}", "to_node": f"N{b}",
                         "length_m": float(rng.uniform(50, 300)), "dn": 50})
    consumers = []
    for i in range(1, n_nodes):
        if rng.random() < 0.8:
            consumers.append({"id": f"C{i}", "node": f"N{i}",
                              "q_kw": float(rng.uniform(10, 250)),
                              "t_return_c": float(rng.uniform(35, 55))})
    if not consumers:
        consumers.append({"id": "C1", "node": "N1", "q_kw": 50.0, "t_return_c": 45.0})
    plants = [{"id": "PL", "node": "N0", "t_supply_c": t_supply_c, "p_return_bar": 3.0,
               "control": "critical_point", "lift_bar": 2.0}]
    return {"nodes": nodes, "trenches": trenches, "consumers": consumers, "plants": plants}


def build(records: dict, settings: dict | None = None):
    """Network from records."""
    return network_from_records(records, settings)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def hilly_meshed_summer(tmp_path, q_kw: float = 300.0, demand_scale: float = 0.35,
                        t_supply_min_c: float = 64.0):
    """A scenario file on the 40-consumer hilly meshed 4G synthetic network (seed 0) with
    one summer load case and a liquid-cooled unit at the trunk node T1: a network with a
    second steady state within reach of a cold start at a third of its load."""
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    save_network(make_network(40, topology="meshed", generation="4g"), tmp_path / "net.json")
    path = tmp_path / "scen.yaml"
    path.write_text(f"""\
name: hilly_meshed_summer
network: net.json
plant: {{control: critical_point}}
load_cases:
  - {{name: summer, demand_scale: {demand_scale}, t_soil_c: 15}}
units:
  - {{id: dc, node: T1, q_kw: {q_kw}, cooling: liquid, source_temperature_c: 70,
     hx_approach_k: 3}}
thresholds: {{t_supply_min_c: {t_supply_min_c}}}
""", encoding="utf-8")
    return path
