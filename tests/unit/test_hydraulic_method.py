"""``SolverOptions.hydraulic_method`` and the per-topology ``Workspace``.

Every method solves the same equations to the same tolerances, so on a network where it applies
each forced method must give the Newton–GGA answer: flows to 1e-9 relative, pressures to
0.01 Pa, temperatures to 1e-6 K (Newton's own tolerances are 1e-9 / 1e-6 Pa / 1e-5 K). A
forced method that does not apply is an error naming the method and the network's loops.
"""

from __future__ import annotations

import pickle
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from p2h_hydraulics.errors import ModelError
from p2h_hydraulics.solver import SolverOptions, compile_network, solve_compiled
from p2h_hydraulics.solver.hydraulic import HydraulicSystem
from p2h_hydraulics.solver.workspace import Workspace
from p2h_hydraulics.synthetic import make_network


def _solve(comp, method, monkeypatch=None, calls=None):
    if monkeypatch is not None:
        for name in ("_solve_tree", "_solve_loops"):
            real = getattr(HydraulicSystem, name)
            monkeypatch.setattr(HydraulicSystem, name,
                                lambda self, *a, _r=real, _n=name: calls.append(_n)
                                or _r(self, *a))
    _, res = solve_compiled(comp, options=SolverOptions(hydraulic_method=method))
    if monkeypatch is not None:
        monkeypatch.undo()
    return res


def _cycles(comp) -> int:
    """Independent loops of the branch graph, counted by networkx (a cycle basis)."""
    g = nx.MultiGraph()
    g.add_nodes_from(range(comp.n_nodes))
    g.add_edges_from(zip(comp.b_from.tolist(), comp.b_to.tolist(), strict=True))
    return len(nx.cycle_basis(nx.Graph(g))) + (g.number_of_edges() - nx.Graph(g).number_of_edges())


def _assert_same(a, b):
    m_a, m_b = a.pipes["mdot_kg_s"], b.pipes["mdot_kg_s"]
    assert np.max(np.abs(m_a - m_b)) <= 1e-9 * np.max(np.abs(m_b))
    assert np.max(np.abs(a.junctions["p_pa"] - b.junctions["p_pa"])) < 0.01
    assert np.max(np.abs(a.junctions["t_k"] - b.junctions["t_k"])) < 1e-6


@pytest.fixture(scope="module")
def radial():
    return compile_network(make_network(60, topology="radial", seed=4))


@pytest.fixture(scope="module")
def meshed():
    # 4 loop closures per side: 8 independent loops (supply and return side)
    return compile_network(make_network(150, topology="meshed", seed=5, n_loops=4,
                                        elevation_range_m=20.0))


def test_every_method_gives_the_gga_answer_on_a_radial_network(radial, monkeypatch):
    gga_calls, tree_calls, loop_calls = [], [], []
    gga = _solve(radial, "gga", monkeypatch, gga_calls)
    assert not gga_calls  # forced GGA never takes the forest
    tree = _solve(radial, "tree", monkeypatch, tree_calls)
    assert tree_calls and set(tree_calls) == {"_solve_tree"}
    _assert_same(tree, gga)
    _assert_same(_solve(radial, "loop_flows", monkeypatch, loop_calls), gga)
    assert set(loop_calls) == {"_solve_tree"}  # no loops: the direct solution
    _assert_same(_solve(radial, "auto"), gga)


def test_every_applicable_method_gives_the_gga_answer_on_a_meshed_network(meshed, monkeypatch):
    gga_calls, loop_calls = [], []
    gga = _solve(meshed, "gga", monkeypatch, gga_calls)
    assert not gga_calls
    loops = _solve(meshed, "loop_flows", monkeypatch, loop_calls)
    assert loop_calls and set(loop_calls) == {"_solve_loops"}
    _assert_same(loops, gga)
    _assert_same(_solve(meshed, "auto"), gga)


def test_forcing_tree_on_a_meshed_network_is_a_clear_error(meshed):
    with pytest.raises(ModelError) as exc:
        solve_compiled(meshed, options=SolverOptions(hydraulic_method="tree"))
    text = str(exc.value)
    assert _cycles(meshed) == 8  # 4 closures on each side
    assert "hydraulic_method='tree'" in text and "8 independent loop(s)" in text
    assert "'auto' or 'gga'" in text


def test_forcing_loop_flows_beyond_the_loop_limit_is_a_clear_error():
    comp = compile_network(make_network(300, topology="meshed", seed=1, n_loops=40))
    with pytest.raises(ModelError, match="at most 64 loops") as exc:
        solve_compiled(comp, options=SolverOptions(hydraulic_method="loop_flows"))
    assert f"{_cycles(comp)} independent loop(s)" in str(exc.value)


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="auto, tree, loop_flows, gga"):
        SolverOptions(hydraulic_method="newton")


def test_copies_of_a_compiled_network_share_one_workspace(radial):
    """Copies with other loads share the hydraulic system; a pickled copy starts empty."""
    comp = replace(radial, workspace=Workspace())
    solve_compiled(comp)
    assert len(comp.workspace) == 1
    other = comp.with_consumer_q(comp.c_q_w * 0.5)
    assert other.workspace is comp.workspace
    solve_compiled(other)
    assert len(comp.workspace) == 1  # same topology, same held junctions: reused
    sent = pickle.loads(pickle.dumps(comp))
    assert len(sent.workspace) == 0 and sent.workspace is not comp.workspace
