"""Property tests on random valid networks (hypothesis drives the seed and the shape).

Asserted on every example: mass balance at every junction (< 1e-6 relative to the plant flow),
energy balance heat in = consumers + losses (< 1e-6 relative), consumer demands met exactly;
renumbering junction ids / shuffling rows and reversing pipes' drawing direction leave the
physics unchanged to within the solver's own tolerances (pressures within 0.05 Pa — the
critical-point control settles to 0.01 Pa —, flows within 1e-7 relative, temperatures 1e-5 K).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2h_hydraulics import solve
from p2h_hydraulics.model import network_from_records
from tests.conftest import random_trench_records

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def networks():
    return st.builds(
        lambda seed, n, loops, t: random_trench_records(np.random.default_rng(seed), n, loops,
                                                        t_supply_c=t),
        st.integers(0, 10_000), st.integers(2, 30), st.integers(0, 4),
        st.floats(65.0, 95.0))


@SETTINGS
@given(networks())
def test_mass_and_energy_balance_close(records):
    net = network_from_records(records)
    r = solve(net)
    assert r.converged
    plant_flow = float(r.plant["mdot_kg_s"].sum())
    # mass: recompute each junction's balance from the result tables
    inflow = {j: 0.0 for j in r.junctions.index}
    for _, row in r.pipes.iterrows():
        inflow[row["from_junction"]] -= row["mdot_kg_s"]
        inflow[row["to_junction"]] += row["mdot_kg_s"]
    for _, row in r.consumers.iterrows():
        inflow[row["supply_junction"]] -= row["mdot_kg_s"]
        inflow[row["return_junction"]] += row["mdot_kg_s"]
    for _, row in r.plant.iterrows():
        inflow[row["supply_junction"]] += row["mdot_kg_s"]
        inflow[row["return_junction"]] -= row["mdot_return_kg_s"]
    assert max(abs(v) for v in inflow.values()) < 1e-6 * max(plant_flow, 1e-3)
    # energy
    heat_in = r.plant["q_w"].sum()
    out = r.consumers["q_w"].sum() + r.pipes["q_loss_w"].sum()
    assert abs(heat_in - out) < 1e-6 * heat_in
    expected_q = {c["id"]: c["q_kw"] * 1e3 for c in records["consumers"]}
    for cid, q in expected_q.items():
        assert r.consumers.at[cid, "q_w"] == np.float64(q) or \
            abs(r.consumers.at[cid, "q_w"] - q) < 1e-6 * q
    assert (r.pipes["t_out_k"] >= 283.15 - 1e-9).all()


def _renumbered(records, rng):
    ids = [n["id"] for n in records["nodes"]]
    mapping = {str(nid): f"X{k}" for k, nid in enumerate(rng.permutation(ids))}
    out = {
        "nodes": [dict(n, id=mapping[n["id"]]) for n in records["nodes"]],
        "trenches": [dict(t, from_node=mapping[t["from_node"]], to_node=mapping[t["to_node"]])
                     for t in records["trenches"]],
        "consumers": [dict(c, node=mapping[c["node"]]) for c in records["consumers"]],
        "plants": [dict(p, node=mapping[p["node"]]) for p in records["plants"]],
    }
    for key in ("nodes", "trenches", "consumers"):
        out[key] = [out[key][i] for i in rng.permutation(len(out[key]))]
    return out, mapping


def _same_equations(net, other, node_map: dict) -> bool:
    """Is ``other``'s steady state (of the renumbered/redrawn network) also a steady state of
    ``net``? Started from it (mapped back to ``net``'s numbering), the solver must stop at once
    without moving. Near-stagnant hilly loops can have several natural-convection steady
    states, and which one an iteration reaches can depend on round-off; this is how such a
    case shows that the *equations* did not change."""
    from dataclasses import replace

    from p2h_hydraulics.solver.compile import compile_network
    from p2h_hydraulics.solver.native import solve_compiled

    comp = compile_network(net)
    st = other.state
    other_nodes = list(other.junctions.index)
    node_pos = {j: k for k, j in enumerate(other_nodes)}
    nodes = [node_pos[node_map.get(j, j)] for j in comp.node_ids]
    pipes = {b: k for k, b in enumerate(other.pipes.index)}
    sign = np.array([1.0 if (other.pipes.at[b, "from_junction"]
                             == node_map.get(comp.node_ids[f], comp.node_ids[f])) else -1.0
                     for b, f in zip(comp.branch_ids, comp.b_from, strict=True)])
    warm = replace(st, mdot_b=sign * st.mdot_b[[pipes[b] for b in comp.branch_ids]],
                   p=st.p[nodes], h=st.h[nodes])
    _, again = solve_compiled(comp, warm=warm)
    return (again.convergence.iterations <= 2 and np.allclose(
        again.junctions["p_pa"].to_numpy(), st.p[nodes], rtol=0, atol=0.05))


@SETTINGS
@given(networks(), st.integers(0, 1000))
def test_renumbering_and_row_order_do_not_change_physics(records, seed):
    rng = np.random.default_rng(seed)
    net = network_from_records(records)
    base = solve(net)
    other_recs, mapping = _renumbered(records, rng)
    other = solve(network_from_records(other_recs))
    node_map = {n + side: mapping[n] + side for n in mapping for side in ("_s", "_r")}
    differ = any(abs(base.junctions.at[j, "p_pa"] - other.junctions.at[node_map[j], "p_pa"])
                 >= 0.05 for j in base.junctions.index)
    if differ:  # several steady states: the renumbered one must satisfy the same equations
        assert _same_equations(net, other, node_map)
        return
    for node, new in mapping.items():
        for side in ("_s", "_r"):
            a, b = base.junctions.loc[node + side], other.junctions.loc[new + side]
            assert abs(a["p_pa"] - b["p_pa"]) < 0.05
            assert abs(a["t_k"] - b["t_k"]) < 1e-5
    m_a = base.pipes["mdot_kg_s"]
    m_b = other.pipes["mdot_kg_s"].reindex(m_a.index)
    assert np.allclose(m_a, m_b, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(networks(), st.integers(0, 1000))
def test_reversing_pipe_drawing_direction_flips_only_the_sign(records, seed):
    net = network_from_records(records)
    base = solve(net)
    rng = np.random.default_rng(seed)
    pipes = net.pipes.copy()
    flip = rng.random(len(pipes)) < 0.5
    a, b = pipes["from_junction"].copy(), pipes["to_junction"].copy()
    pipes.loc[flip, "from_junction"], pipes.loc[flip, "to_junction"] = b[flip], a[flip]
    other = solve(net.replace(pipes=pipes))
    assert np.allclose(base.junctions["p_pa"], other.junctions["p_pa"], rtol=0, atol=0.05)
    assert np.allclose(base.junctions["t_k"], other.junctions["t_k"], rtol=0, atol=1e-5)
    sign = np.where(flip, -1.0, 1.0)
    assert np.allclose(base.pipes["mdot_kg_s"], sign * other.pipes["mdot_kg_s"], rtol=1e-7,
                       atol=1e-9)
    assert np.allclose(base.pipes["t_out_k"], other.pipes["t_out_k"], atol=1e-5)
