"""Direct hydraulics of networks without loops (``solver/tree.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from p2h_hydraulics.physics import water
from p2h_hydraulics.solver import native, tree
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.tree import TreeHydraulics
from p2h_hydraulics.synthetic import make_network


def test_flows_and_pressures_of_a_small_tree_by_hand():
    """Root 0 (held); branches 0→1, 2→1 (drawn against the flow), 1→3; withdrawals 1, 2, 3
    kg/s at junctions 1, 2, 3."""
    b_from, b_to = np.array([0, 2, 1]), np.array([1, 1, 3])
    t = TreeHydraulics.build(4, b_from, b_to, np.array([0]))
    m = t.flows(np.array([0.0, 1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(m, [6.0, -2.0, 3.0])  # 0→1 carries all, 2→1 runs 1→2
    p = t.pressures(np.array([10.0, 20.0, 30.0]), np.array([100.0, 0.0, 0.0, 0.0]))
    # p_from − p_to = drop: p1 = 100 − 10, p2 = p1 + 20 (2→1), p3 = p1 − 30
    np.testing.assert_array_equal(p, [100.0, 90.0, 110.0, 60.0])


@pytest.mark.parametrize(("n", "b_from", "b_to", "fixed"), [
    (3, [0, 1, 2], [1, 2, 0], [0]),  # a loop
    (3, [0, 1, 0], [1, 2, 1], [0]),  # parallel branches
    (3, [0, 1], [1, 2], [0, 2]),  # two held pressures in one tree (flows not by balance)
    (4, [0, 2], [1, 3], [0]),  # a part without a held pressure
])
def test_only_forests_with_one_held_pressure_per_tree(n, b_from, b_to, fixed):
    assert TreeHydraulics.build(n, np.array(b_from), np.array(b_to), np.array(fixed)) is None


def test_without_numba_the_newton_solver_is_used(monkeypatch):
    monkeypatch.setattr(tree, "_kernels", lambda: None)
    assert TreeHydraulics.build(2, np.array([0]), np.array([1]), np.array([0])) is None


def test_radial_network_solved_directly_equals_the_newton_solution(monkeypatch):
    """The same radial network (elevations, heat losses, critical-point control) solved with
    the direct tree hydraulics and with Newton–GGA: flows to 1e-9 relative, pressures to
    0.01 Pa, temperatures to 1e-6 K (Newton's own tolerances are 1e-9 / 1e-6 Pa / 1e-5 K)."""
    net = make_network(80, topology="radial", seed=4)
    comp = compile_network(net)
    calls = []
    direct_solve = native.HydraulicSystem._solve_tree
    monkeypatch.setattr(native.HydraulicSystem, "_solve_tree",
                        lambda self, *a: calls.append(1) or direct_solve(self, *a))
    _, direct = native.solve_compiled(comp)
    assert len(calls) == direct.convergence.iterations - 1  # not in the cold start's first
    fixed, _ = native._fixed_pressures(comp, native.initial_state(comp).lift)
    hyd = native.HydraulicSystem.for_network(comp, fixed)
    monkeypatch.setattr(hyd, "tree", None)  # the cached system of this topology: Newton
    calls.clear()
    _, newton = native.solve_compiled(comp)
    assert not calls
    m_d, m_n = direct.pipes["mdot_kg_s"], newton.pipes["mdot_kg_s"]
    assert np.max(np.abs(m_d - m_n)) <= 1e-9 * np.max(np.abs(m_n))
    assert np.max(np.abs(direct.junctions["p_pa"] - newton.junctions["p_pa"])) < 0.01
    assert np.max(np.abs(direct.junctions["t_k"] - newton.junctions["t_k"])) < 1e-6
    # the mass balance holds exactly at every free junction (round-off)
    assert direct.balance["mass_max_kg_s"] < 1e-12 * float(np.sum(np.abs(m_d)))
    # heat in = consumers + losses as closely as the Newton solution's (outer tolerance 1e-5 K)
    assert direct.balance["energy_rel"] < max(2 * newton.balance["energy_rel"], 1e-7)


def test_tree_flows_meet_every_junction_balance():
    """On a larger radial network the direct flows leave no mass residual at a free junction."""
    comp = compile_network(make_network(300, topology="radial", seed=1))
    st = native.initial_state(comp)
    fixed, _ = native._fixed_pressures(comp, st.lift)
    t = TreeHydraulics.build(comp.n_nodes, comp.b_from, comp.b_to, fixed)
    fl = native.element_flows(comp, water.temperature_from_enthalpy(st.h), st.h)
    demand = native.nodal_demand(comp, fl)
    m = t.flows(demand)
    mass = comp.incidence.T @ m + demand
    free = np.setdiff1d(np.arange(comp.n_nodes), fixed)
    assert np.max(np.abs(mass[free])) < 1e-12 * np.sum(np.abs(demand))


def test_non_finite_withdrawal_is_reported_not_converged():
    comp = compile_network(make_network(20, topology="radial", seed=2))
    st = native.initial_state(comp)
    fixed, p_fixed = native._fixed_pressures(comp, st.lift)
    hyd = native.HydraulicSystem(comp, fixed)
    assert hyd.tree is not None
    demand = np.zeros(comp.n_nodes)
    demand[np.setdiff1d(np.arange(comp.n_nodes), fixed)[5]] = np.nan
    p = st.p.copy()
    p[fixed] = p_fixed
    props = native.BranchProperties(comp, water.temperature_from_enthalpy(st.h))
    out = hyd.solve(st.mdot_b, p, demand, props)
    assert not out.converged and out.worst_node >= 0 and out.worst_branch >= 0
