"""Hydraulics on a spanning forest (``solver/tree.py``): direct without loops, Newton on the
loop flows with a few."""

from __future__ import annotations

import numpy as np
import pytest

from p2h_hydraulics.physics import water
from p2h_hydraulics.solver import elements, native, tree
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


@pytest.mark.parametrize(("n", "b_from", "b_to", "fixed", "loops"), [
    # a triangle 0→1→2→0 held at 0: chord 1→2 closes 1→2→0→1, every branch along
    (3, [0, 1, 2], [1, 2, 0], [0], {"chords": [1], "C": [[1], [1], [1]], "roots": ([0], [0])}),
    # parallel branches 0→1 (twice) and 1→2: the second closes a loop with the first, against
    (3, [0, 1, 0], [1, 2, 1], [0], {"chords": [2], "C": [[-1], [1]], "roots": ([0], [0]),
                                    "rows": [0, 2]}),
    # a line 0→1→2 held at both ends: the chord 1→2 joins the two held junctions
    (3, [0, 1], [1, 2], [0, 2], {"chords": [1], "C": [[1], [1]], "roots": ([0], [2])}),
])
def test_loops_closed_by_the_chords_by_hand(n, b_from, b_to, fixed, loops):
    t = TreeHydraulics.build(n, np.array(b_from), np.array(b_to), np.array(fixed))
    lp = t.loops
    np.testing.assert_array_equal(lp.chords, loops["chords"])
    np.testing.assert_array_equal(lp.rows, loops.get("rows", np.arange(len(b_from))))
    np.testing.assert_array_equal(lp.c_rows.toarray(), loops["C"])
    np.testing.assert_array_equal(lp.root_from, loops["roots"][0])
    np.testing.assert_array_equal(lp.root_to, loops["roots"][1])


def test_without_a_held_pressure_or_with_too_many_loops_the_newton_solver_is_used():
    assert TreeHydraulics.build(4, np.array([0, 2]), np.array([1, 3]), np.array([0])) is None
    tri = np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0])
    assert TreeHydraulics.build(3, *tri, max_loops=0) is None
    assert TreeHydraulics.build(3, *tri).loops is not None


def test_loop_jacobian_is_c_transpose_w_c():
    """The pair bookkeeping of the Jacobian equals Cᵀ diag(w) C on a network with 12 loops."""
    comp = compile_network(make_network(120, topology="meshed", seed=3, n_loops=6))
    fixed, _ = native._fixed_pressures(comp, native.initial_state(comp).lift)
    lp = TreeHydraulics.build(comp.n_nodes, comp.b_from, comp.b_to, fixed).loops
    assert lp.k == 12
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(lp.rows))
    c = lp.c_rows.toarray()
    np.testing.assert_allclose(lp.jacobian(w), c.T @ (w[:, None] * c), rtol=1e-13)


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
    _assert_equals_newton(direct, newton)


def _assert_equals_newton(forest, newton):
    """``forest`` (a solve on the spanning forest) equals the Newton–GGA solution: flows to
    1e-9 relative, pressures to 0.01 Pa, temperatures to 1e-6 K; the mass balance holds
    exactly at every free junction (round-off), heat in = consumers + losses as closely as
    the Newton solution's (outer tolerance 1e-5 K)."""
    m_f, m_n = forest.pipes["mdot_kg_s"], newton.pipes["mdot_kg_s"]
    assert np.max(np.abs(m_f - m_n)) <= 1e-9 * np.max(np.abs(m_n))
    assert np.max(np.abs(forest.junctions["p_pa"] - newton.junctions["p_pa"])) < 0.01
    assert np.max(np.abs(forest.junctions["t_k"] - newton.junctions["t_k"])) < 1e-6
    assert forest.balance["mass_max_kg_s"] < 1e-12 * float(np.sum(np.abs(m_f)))
    assert forest.balance["energy_rel"] < max(2 * newton.balance["energy_rel"], 1e-7)


def test_tree_flows_meet_every_junction_balance():
    """On a larger radial network the direct flows leave no mass residual at a free junction."""
    comp = compile_network(make_network(300, topology="radial", seed=1))
    st = native.initial_state(comp)
    fixed, _ = native._fixed_pressures(comp, st.lift)
    t = TreeHydraulics.build(comp.n_nodes, comp.b_from, comp.b_to, fixed)
    fl = elements.element_flows(comp, water.temperature_from_enthalpy(st.h), st.h)
    demand = elements.nodal_demand(comp, fl)
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


def _solved_both_ways(monkeypatch, net):
    """(loop-flow solution, Newton–GGA solution, loop solves used) of ``net``."""
    comp = compile_network(net)
    used = []
    loop_solve = native.HydraulicSystem._solve_loops
    monkeypatch.setattr(native.HydraulicSystem, "_solve_loops",
                        lambda self, *a: used.append(out := loop_solve(self, *a)) or out)
    _, loops = native.solve_compiled(comp)
    fixed, _ = native._fixed_pressures(comp, native.initial_state(comp).lift)
    hyd = native.HydraulicSystem.for_network(comp, fixed)
    monkeypatch.setattr(hyd, "tree", None)  # the cached system of this topology: Newton
    n_used = len(used)
    _, newton = native.solve_compiled(comp)
    assert len(used) == n_used
    return loops, newton, used


def test_meshed_network_by_loop_flows_equals_the_newton_solution(monkeypatch):
    """A hilly meshed network with 4 loops per side (critical-point control, heat losses)
    solved by Newton on the 8 loop flows and by Newton–GGA on all junctions: flows to 1e-9
    relative, pressures to 0.01 Pa, temperatures to 1e-6 K; the mass balance holds to
    round-off at every free junction and the energy balance as closely as Newton's."""
    loops, newton, used = _solved_both_ways(
        monkeypatch, make_network(150, topology="meshed", seed=5, n_loops=4,
                                  elevation_range_m=20.0))
    assert used and all(out is not None and out.converged for out in used)
    _assert_equals_newton(loops, newton)


def test_stalled_loop_newton_falls_back_to_gga_for_the_rest_of_the_solve(monkeypatch):
    net = make_network(60, topology="meshed", seed=2, n_loops=2)
    comp = compile_network(net)
    calls = []
    monkeypatch.setattr(native.HydraulicSystem, "_solve_loops",
                        lambda self, *a: calls.append(1))  # always "stalled"
    _, res = native.solve_compiled(comp)
    assert res.converged and len(calls) == 1  # tried once, then Newton–GGA only
    fixed, _ = native._fixed_pressures(comp, native.initial_state(comp).lift)
    hyd = native.HydraulicSystem.for_network(comp, fixed)
    assert hyd.tree.loops is not None and not hyd.loops_stalled  # the next solve tries again
    monkeypatch.undo()
    _, direct = native.solve_compiled(comp)
    np.testing.assert_allclose(res.pipes["mdot_kg_s"], direct.pipes["mdot_kg_s"], rtol=1e-7,
                               atol=1e-9)


def test_properties_and_drops_of_some_branches_equal_the_full_evaluation(tmp_path):
    """``BranchProperties.rows`` and ``branch_pressure_drop`` on ``_branch_rows`` give the
    full evaluation's values of those branches (booster pumps among them)."""
    from tests.unit.test_pumps import boosted

    _check_rows_equal_full(compile_network(make_network(40, topology="meshed", seed=1,
                                                        n_loops=2, elevation_range_m=25.0)),
                           25)
    comp = compile_network(boosted(tmp_path))
    assert len(comp.pump_b) == 2
    _check_rows_equal_full(comp, comp.n_branches - 1, must=comp.pump_b)


def _check_rows_equal_full(comp, n_rows, must=()):
    from p2h_hydraulics.solver.hydraulic import _branch_rows, branch_pressure_drop

    rng = np.random.default_rng(7)
    must = np.asarray(must, dtype=np.int64)
    rest = np.setdiff1d(np.arange(comp.n_branches), must)
    rows = np.sort(np.concatenate([must, rng.choice(rest, n_rows - len(must), replace=False)]))
    t = rng.uniform(300.0, 350.0, comp.n_nodes)
    m = rng.normal(0.0, 2.0, comp.n_branches)
    props = native.BranchProperties(comp, t)
    props.freeze(np.arange(comp.n_branches) % 3 == 0, m * 0.5)
    sub = _branch_rows(comp, rows)
    for full, part in zip(props(m), props.rows(rows, sub)(m[rows]), strict=True):
        np.testing.assert_array_equal(part, full[rows])
    rho, mu, _ = props(m)
    for full, part in zip(branch_pressure_drop(comp, m, rho, mu),
                          branch_pressure_drop(sub, m[rows], rho[rows], mu[rows]), strict=True):
        np.testing.assert_allclose(part, full[rows], rtol=1e-14)
