"""The coupled Newton on flows, pressures and temperatures (``solver/coupled.py``).

- its Jacobian is the derivative of the residuals: a full Newton step predicts the change of
  every residual to first order (finite differences along the step, hilly meshed network with
  return- and ΔT-controlled consumers, a heat-controlled feed-in, critical-point plant);
- it converges quadratically from a nearby solved state;
- started from it, the outer iteration confirms the state in one iteration, and the answer
  equals the outer iteration's own from the same warm start to its tolerances;
- when Newton does not settle (one step allowed) the solve still gives that answer;
- the sparse LU (KLU when installed, else SuperLU) solves unsymmetric systems and reports a
  singular one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from p2h_hydraulics.solver import coupled
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.hydraulic import HydraulicSystem
from p2h_hydraulics.solver.native import (
    BranchProperties,
    SolverOptions,
    _fixed_pressures,
    _heat_weights,
    _temperature_bounds,
    solve_compiled,
)
from p2h_hydraulics.synthetic import make_network

OUTER_ONLY = SolverOptions(coupled_newton=False)
NEWTON = SolverOptions(coupled_newton=True)


def _with_feedin(net, q_w: float, node: str = "T2"):
    """``net`` with a heat-controlled feed-in at trench node ``node`` (return → supply)."""
    feed = pd.DataFrame({"return_junction": [f"{node}_r"], "supply_junction": [f"{node}_s"],
                         "q_w": [q_w], "t_out_k": [348.15], "control": ["q"],
                         "mdot_kg_s": [np.nan], "in_service": [True]},
                        index=pd.Index(["dc"], name="id"))
    return net.replace(feedins=feed)


def _scaled(net, factor: float):
    cons = net.consumers.copy()
    cons["q_w"] = cons["q_w"] * factor
    return net.replace(consumers=cons)


@pytest.fixture(scope="module")
def hilly():
    """A meshed 60-consumer network on hilly ground, half of the consumers on a fixed ΔT, a
    feed-in; solved once (the warm start of the tests)."""
    net = make_network(60, topology="meshed", seed=4, generation="3g")
    cons = net.consumers.copy()
    dt = cons.index[::2]
    cons.loc[dt, "control"] = "delta_t"
    cons.loc[dt, "delta_t_k"] = 30.0
    net = _with_feedin(net.replace(consumers=cons), 400e3)
    comp = compile_network(net)
    state, res = solve_compiled(comp, options=OUTER_ONLY)
    assert res.converged
    return net, comp, state


def _newton(comp, state):
    fixed, _ = _fixed_pressures(comp, state.lift)
    hyd = HydraulicSystem.for_network(comp, fixed)
    return coupled.CoupledNewton(comp, hyd, BranchProperties, fixed,
                                 _temperature_bounds(comp), _heat_weights)


def test_newton_step_predicts_the_residuals(hilly):
    """At a state off the solution (loads +15 %), residual(x + ε·step) − residual(x) = −ε ·
    residual(x) to first order, block by block: the Jacobian holds every coupling the
    residuals have (flow directions and clamps do not change within ε)."""
    net, _, state = hilly
    comp = compile_network(_scaled(net, 1.15))
    cn = _newton(comp, state)
    m, p, h = state.mdot_b, state.p.copy(), state.h
    p[cn.fixed] = _fixed_pressures(comp, state.lift)[1]
    ev = cn.evaluate(m, p, h)
    cn.scale_m = 1.0
    dm, dpf, dh = cn.step(m, p, h, ev)
    eps = 1e-6
    p2 = p.copy()
    p2[cn.free] += eps * dpf
    ev2 = cn.evaluate(m + eps * dm, p2, h + eps * dh)
    # the size of the step's first-order terms in each block: friction slope × Δṁ, the
    # flows' imbalance Aᵀ Δṁ, the energy balance's diagonal × Δh
    terms = {"head": np.abs(ev["slope"] * dm),
             "mass": np.abs(cn.hyd.a_free_t @ dm),
             "r_e": np.abs(ev["es"].diag * dh)}
    for key in ("head", "mass", "r_e"):
        predicted = -ev[key]
        found = (ev2[key] - ev[key]) / eps
        scale = float(np.max(terms[key]))
        assert scale > 0
        # terms the Jacobian leaves out (the c_p(T) of the decay, the own-flow dependence of
        # a branch's friction through its content temperature) are small: the prediction
        # holds to 0.2 % of the step's largest term (without the friction's temperature
        # derivative, the head block misses by 0.5 %; without the consumer coupling the
        # mass block by 100 %)
        assert np.max(np.abs(found - predicted)) <= 2e-3 * scale, key


def test_newton_converges_quadratically_from_a_nearby_state(hilly):
    net, _, state = hilly
    comp = compile_network(_scaled(net, 1.05))
    cn = _newton(comp, state)
    out = cn.solve(state.mdot_b, state.p, state.h, state.lift,
                   lambda lift: _fixed_pressures(comp, lift)[1], max_steps=12, tol_p=1e-6,
                   tol_m_rel=1e-12, tol_t=1e-9)
    assert out.converged and out.steps <= 6
    heads = [hp for hp, _, _ in out.history]
    # the last steps square the error: each cuts the head residual by far more than a
    # constant factor (a linearly converging iteration would keep the ratio)
    r1, r2 = heads[-2] / heads[-3], heads[-1] / heads[-2]
    assert r2 < 1e-2 and r2 < r1


@pytest.mark.parametrize("factor,q_w", [(1.05, 400e3), (0.7, 400e3), (1.0, 900e3),
                                        (1.0, 0.0)])
def test_newton_start_gives_the_outer_iteration_state(hilly, factor, q_w):
    net, _, state = hilly
    case = _with_feedin(_scaled(net, factor), q_w)
    comp = compile_network(case)
    _, a = solve_compiled(comp, warm=state, options=NEWTON)  # Newton, then the outer iteration
    _, b = solve_compiled(comp, warm=state, options=OUTER_ONLY)
    assert a.converged and b.converged
    # Newton settled: the outer iteration needed one iteration to confirm
    assert a.convergence.iterations == 1 < b.convergence.iterations
    # both meet the outer tolerances (1e-5 K heat-weighted, flows 1e-7 relative between
    # iterations, heads 1e-6 Pa): the states agree to a few times that
    assert np.max(np.abs(a.junctions["p_pa"] - b.junctions["p_pa"])) < 0.05
    assert np.max(np.abs(a.consumers["t_supply_k"] - b.consumers["t_supply_k"])) < 1e-4
    assert np.max(np.abs(a.consumers["mdot_kg_s"] / b.consumers["mdot_kg_s"] - 1)) < 1e-6
    assert np.max(np.abs(a.feedins["mdot_kg_s"] - b.feedins["mdot_kg_s"])) < 1e-6
    assert abs(a.plant["head_pa"].iloc[0] - b.plant["head_pa"].iloc[0]) < 0.05
    # conservation in the Newton-started state: mass at the plant, energy overall
    inflow = a.plant["mdot_kg_s"].sum() + a.feedins["mdot_kg_s"].sum()
    assert abs(inflow - a.consumers["mdot_kg_s"].sum()) < 1e-6 * inflow
    assert abs(a.balance["energy_rel"]) < 1e-6


def test_unsettled_newton_leaves_the_outer_iteration_to_it(hilly):
    net, _, state = hilly
    comp = compile_network(_scaled(net, 1.3))
    _, a = solve_compiled(comp, warm=state, options=SolverOptions(coupled_newton=True,
                                                                  coupled_max_steps=1))
    _, b = solve_compiled(comp, warm=state, options=OUTER_ONLY)
    assert a.convergence.iterations == b.convergence.iterations > 1
    np.testing.assert_allclose(a.junctions["t_k"], b.junctions["t_k"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("klu", [True, False])
def test_sparse_lu_solves_unsymmetric_systems(klu, monkeypatch):
    """KLU (when installed) and SuperLU give the solution to round-off; without KLU a
    singular matrix is reported."""
    from p2h_hydraulics.solver import linear

    if klu and linear._klu() is None:
        pytest.skip("PyKLU not installed")
    if not klu:
        monkeypatch.setattr(linear, "_klu", lambda: None)
    rng = np.random.default_rng(1)
    n = 300
    a = sp.random(n, n, density=0.01, random_state=rng, format="csc") + sp.eye(n) * 4
    x = rng.normal(size=n)
    np.testing.assert_allclose(linear.sparse_lu(a)(a @ x), x, rtol=1e-10, atol=1e-10)
    if not klu:
        singular = sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 4.0]]))
        with pytest.raises(RuntimeError):
            linear.sparse_lu(singular)(np.array([1.0, 1.0]))
