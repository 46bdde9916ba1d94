"""Cold start, inexact outer iterations and the warm-start fallback of the native solver."""

from __future__ import annotations

import numpy as np
import pytest

from p2h_hydraulics.errors import ConvergenceError, ConvergenceInfo
from p2h_hydraulics.physics import water
from p2h_hydraulics.solver import elements, native
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.hydraulic import HydraulicSystem
from p2h_hydraulics.synthetic import make_network


def _start(topology: str, n: int = 40):
    comp = compile_network(make_network(n, topology=topology, seed=3))
    st = native.initial_state(comp)
    fixed, p_fixed = native._fixed_pressures(comp, st.lift)
    hyd = HydraulicSystem(comp, fixed)
    fl = elements.element_flows(comp, water.temperature_from_enthalpy(st.h), st.h)
    demand = elements.nodal_demand(comp, fl)
    p = st.p.copy()
    p[fixed] = p_fixed
    t_b = np.full(comp.n_branches, float(comp.t_initial_k))
    m, p_lin = hyd.linear_start(p, demand, water.density(t_b), water.viscosity(t_b))
    return comp, hyd, demand, m, p_lin, fixed


@pytest.mark.parametrize("topology", ["radial", "meshed"])
def test_linear_start_meets_every_mass_balance(topology):
    comp, hyd, demand, m, p, fixed = _start(topology)
    mass = comp.incidence.T @ m + demand
    free = np.setdiff1d(np.arange(comp.n_nodes), fixed)
    # tolerance: round-off of the sparse solve relative to the total flow
    assert np.max(np.abs(mass[free])) < 1e-9 * np.sum(np.abs(demand))
    assert np.all(p[fixed] == p[fixed])  # held pressures untouched (and finite)


def test_linear_start_is_the_exact_flow_of_a_tree():
    """In a radial network mass balance alone fixes every branch flow, so the linear start
    already equals the converged hydraulic flows for the same withdrawals."""
    comp, hyd, demand, m, p, fixed = _start("radial")
    t = np.full(comp.n_nodes, float(comp.t_initial_k))
    props = native.BranchProperties(comp, t)
    out = hyd.solve(m, p, demand, props, tol_p=1e-6)
    assert out.converged
    scale = np.max(np.abs(out.mdot))
    assert np.max(np.abs(out.mdot - m)) < 1e-9 * scale


def test_hydraulic_tolerance_follows_the_last_temperature_change():
    opt = native.SolverOptions()
    assert native._hydraulic_tolerance(opt, np.inf) == 10.0  # first iteration: 10 Pa
    assert native._hydraulic_tolerance(opt, 0.01) == pytest.approx(0.1)
    assert native._hydraulic_tolerance(opt, 1e-4) == pytest.approx(1e-3)
    assert native._hydraulic_tolerance(opt, 0.5 * opt.tol_t_k) == opt.tol_p_pa  # final: exact


def test_cold_start_reaches_the_warm_started_state():
    comp = compile_network(make_network(60, topology="meshed", seed=5))
    state, cold = native.solve_compiled(comp)
    _, warm = native.solve_compiled(comp, warm=state)
    assert warm.convergence.iterations <= 2
    assert np.allclose(cold.junctions["p_bar"], warm.junctions["p_bar"], atol=1e-7)
    assert np.allclose(cold.junctions["t_c"], warm.junctions["t_c"], atol=1e-4)


def _failing_when(monkeypatch, fails, iterations):
    """Make ``native._solve_from`` raise ConvergenceError (after ``iterations``) for the
    attempts ``fails(warm, options)`` picks; returns (warm given, damping) of every attempt."""
    real = native._solve_from
    attempts = []

    def flaky(c, warm, options):
        attempts.append((warm is not None, options.anderson_damping))
        if fails(warm, options):
            raise ConvergenceError("stuck", ConvergenceInfo(False, iterations, []), None)
        return real(c, warm, options)

    monkeypatch.setattr(native, "_solve_from", flaky)
    return attempts


def test_a_warm_start_that_fails_is_repeated_from_a_cold_start(monkeypatch):
    comp = compile_network(make_network(30, topology="meshed", seed=1))
    state, reference = native.solve_compiled(comp)
    attempts = _failing_when(monkeypatch, lambda warm, options: warm is not None, 17)
    _, res = native.solve_compiled(comp, warm=state)
    assert [warm for warm, _ in attempts] == [True, False]
    assert "warm start did not converge (17 outer iterations)" in res.convergence.message
    assert np.allclose(res.junctions["p_bar"], reference.junctions["p_bar"], atol=1e-9)


def test_when_both_starts_fail_the_error_names_both(monkeypatch):
    comp = compile_network(make_network(10, seed=1))
    state, _ = native.solve_compiled(comp)

    def never(c, warm, options):
        which = "warm" if warm is not None else "cold"
        raise ConvergenceError(f"{which} failed", ConvergenceInfo(False, 5, [], f"{which} info"))

    monkeypatch.setattr(native, "_solve_from", never)
    with pytest.raises(ConvergenceError, match="cold failed.*also from the warm start: warm info"):
        native.solve_compiled(comp, warm=state)


def test_settled_state_needs_a_flat_small_change_for_a_whole_window():
    from types import SimpleNamespace

    opt = native.SolverOptions()
    ok = SimpleNamespace(converged=True)
    flat = [(1e-4, False), (2e-4, False)] * 4  # wobbling, not shrinking, < 1e-3 K
    assert native._settled(flat, opt, dm=1e-6, d_lift=0.0, out=ok)
    assert not native._settled(flat[:-1], opt, 1e-6, 0.0, ok)  # window not full yet
    shrinking = [(10.0 ** -(3 + k / 2), False) for k in range(8)]  # still converging
    assert not native._settled(shrinking, opt, 1e-6, 0.0, ok)
    assert not native._settled(flat, opt, dm=1e-3, d_lift=0.0, out=ok)  # flows still move
    assert not native._settled(flat, opt, 1e-6, d_lift=5.0, out=ok)  # control still moves
    assert not native._settled(flat, opt, 1e-6, 0.0, SimpleNamespace(converged=False))
    wobble = [(0.01, True)] * 8  # 0.01 K: only accepted when every hydraulic solve stalled
    assert native._settled(wobble, opt, 1e-6, 0.0, ok)
    assert not native._settled([(0.01, False)] + wobble[1:], opt, 1e-6, 0.0, ok)


def test_a_damped_cold_start_is_the_last_resort(monkeypatch):
    comp = compile_network(make_network(30, topology="meshed", seed=1))
    state, reference = native.solve_compiled(comp)
    attempts = _failing_when(monkeypatch, lambda warm, options: options.anderson_damping == 1.0,
                             60)
    _, res = native.solve_compiled(comp, warm=state)
    assert [d for _, d in attempts] == [1.0, 1.0, native.SolverOptions().fallback_damping]
    assert res.converged and "solved from a damped cold start" in res.convergence.message
    assert np.allclose(res.junctions["p_bar"], reference.junctions["p_bar"], atol=1e-6)


def test_the_damped_iteration_reaches_the_same_state():
    """The damped iteration converges to the same state the undamped one would: on a network
    that converges either way both answers agree."""
    comp = compile_network(make_network(60, topology="meshed", seed=5))
    _, plain = native.solve_compiled(comp)
    _, damped = native._solve_from(comp, None, native.SolverOptions(anderson_damping=0.3))
    assert damped.converged
    assert np.allclose(plain.junctions["t_c"], damped.junctions["t_c"], atol=1e-4)
    assert np.allclose(plain.junctions["p_bar"], damped.junctions["p_bar"], atol=1e-7)


def test_closing_the_mass_balance_of_a_stalled_iterate_moves_the_heads_by_little():
    """A Newton iterate from a shortened step leaves part of the (linear) mass balance open;
    the hydraulic solve closes it before accepting a stall (``_close_mass``: one GGA step
    with the head residuals taken as zero). On a meshed network with 1 % of the flow missing
    at every free node the mass balance then closes to round-off, and the heads move by no
    more than the missing flow over the smallest branch conductance."""
    comp, hyd, demand, m, p, fixed = _start("meshed")
    t = np.full(comp.n_nodes, float(comp.t_initial_k))
    props = native.BranchProperties(comp, t)
    head0, mass0, ddp0 = hyd.residuals(m, p, demand, props)
    rng = np.random.default_rng(0)
    m_open = m * (1 + 0.01 * rng.standard_normal(m.size))
    head1, mass1, ddp1 = hyd.residuals(m_open, p, demand, props)
    total = float(np.sum(np.abs(demand)))
    assert np.max(np.abs(mass1)) > 1e-4 * total  # open
    m2, p2, head2, mass2, _, hm, hp = hyd._close_mass(m_open, p, mass1, ddp1, demand, props)
    assert hm < 1e-9 * total and hm == np.max(np.abs(mass2))
    assert np.all(p2[fixed] == p[fixed])
    dm = np.abs(m2 - m_open)
    bound = np.max(dm * ddp1[1]) * 1.5  # heads follow the flow change through the slopes
    assert np.max(np.abs(head2 - head1)) <= bound
