"""The networkx view: islands, sides, loops, paths and the critical consumer."""

from __future__ import annotations

import pytest

from p2h_hydraulics import ModelError, load_network, solve
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.model.graph import (
    critical_consumer,
    critical_path,
    islands,
    junction_sides,
    loops,
)


def test_sides_loops_and_critical_path_on_the_3g_example():
    net = load_network("networks/3g_norderstedt_like.json")
    sides = junction_sides(net)
    assert all(sides[j] == "supply" for j in net.junctions.index if j.endswith("_s"))
    assert all(sides[j] == "return" for j in net.junctions.index if j.endswith("_r"))
    assert len(loops(net)) > 0  # ring main and cross-links, on both sides
    res = solve(net)
    cid = critical_consumer(res)
    margins = res.consumers["dp_pa"] - res.consumers["dp_min_pa"]
    assert margins[cid] == pytest.approx(margins.min())
    path = critical_path(net, res)
    assert path[0] == net.plants["supply_junction"].iloc[0]
    assert path[-1] == net.consumers.at[cid, "supply_junction"]


def test_island_without_plant_is_reported_with_its_consumers():
    recs = {
        "nodes": [{"id": "A"}, {"id": "B"}, {"id": "X"}, {"id": "Y"}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 100, "dn": 50},
                     {"id": "T2", "from_node": "X", "to_node": "Y", "length_m": 100, "dn": 50}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 50, "t_return_c": 45},
                      {"id": "C9", "node": "Y", "q_kw": 50, "t_return_c": 45}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80}],
    }
    with pytest.raises(ModelError) as exc:
        network_from_records(recs)
    text = str(exc.value)
    assert "island" in text and "C9" in text and "C1" not in text
    net = network_from_records(recs, validate=False)
    bad = [i for i in islands(net) if not i.has_reference]
    assert {tuple(i.consumers) for i in bad} == {("C9",)}
