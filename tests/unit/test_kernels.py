"""Compiled kernels of the native solver (``solver.kernels``, ``solver.hydraulic_kernels``)
against the NumPy route they replace and against the external references of the physics.

Tolerances: kernel vs NumPy route 1e-12 relative (same formulas, round-off only; enthalpies
1e-9 J/kg absolute, dρ/dṁ 1e-12 of its largest value); friction factors vs
``fluids.friction.Colebrook`` 1e-10 relative (as ``test_friction.py``); water properties vs
CoolProp IF97 at 10 bar: ρ 1e-5, μ 1e-4 relative (the table's interpolation error); solved
networks with and without the kernels: flows 1e-9 relative to the largest flow, temperatures
1e-6 K, pressures 1e-3 Pa.
"""

from __future__ import annotations

import warnings
from contextlib import nullcontext
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("numba")

from CoolProp.CoolProp import PropsSI  # noqa: E402
from fluids.friction import Colebrook  # noqa: E402

from p2h_hydraulics.physics import friction, water  # noqa: E402
from p2h_hydraulics.solver import elements, kernels, thermal  # noqa: E402
from p2h_hydraulics.solver.compile import compile_network  # noqa: E402
from p2h_hydraulics.solver.hydraulic import HydraulicSystem, branch_pressure_drop  # noqa: E402
from p2h_hydraulics.solver.hydraulic_kernels import pressure_drop  # noqa: E402
from p2h_hydraulics.solver.native import BranchProperties, solve_compiled  # noqa: E402
from p2h_hydraulics.synthetic import make_network  # noqa: E402

RTOL = 1e-12


def _pipes(n: int, seed: int = 0):
    """Random branches spanning stagnant, laminar, transition and turbulent flow, both
    directions, zeta-only elements (length 0) and exactly zero flow."""
    rng = np.random.default_rng(seed)
    m = rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-7, 1.0, n)
    m[:5] = 0.0
    re_target = np.array([1.0, 2299.0, 2301.0, 3000.0, 3999.0, 4000.0, 4001.0, 1e7])
    d = rng.uniform(0.02, 0.6, n)
    mu = rng.uniform(1.5e-4, 1e-3, n)
    m[5:5 + len(re_target)] = re_target * 0.25 * np.pi * d[5:13] * mu[5:13]
    length = np.where(rng.random(n) < 0.1, 0.0, rng.uniform(1.0, 800.0, n))
    return SimpleNamespace(m=m, length=length, d=d, k=rng.uniform(1e-6, 1e-3, n),
                           rho=rng.uniform(860.0, 1000.0, n), mu=mu,
                           zeta=np.where(rng.random(n) < 0.3, rng.uniform(0, 5, n), 0.0))


@pytest.mark.parametrize("law", friction.FRICTION_LAWS)
def test_pressure_drop_kernel_equals_the_array_version(law):
    p = _pipes(3000)
    got = pressure_drop(p.m, p.length, p.d, p.k, p.rho, p.mu, p.zeta, law)
    ref = friction.pressure_drop_pipe(p.m, p.length, p.d, p.k, p.rho, p.mu, p.zeta, law=law)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=RTOL, atol=0)
    assert np.all(got[0][:5] == 0.0)  # no flow, no pressure drop
    assert np.all(got[1][(p.length > 0) | (p.zeta > 0)] > 0.0)  # a slope everywhere but L = ζ = 0


def test_pressure_drop_kernel_gives_colebrook_of_fluids():
    """f recovered from Δp = f (L/D) ρ v|v|/2 (zeta 0) is Colebrook's at every turbulent Re."""
    rng = np.random.default_rng(3)
    n = 500
    d, mu, rho = rng.uniform(0.03, 0.5, n), rng.uniform(2e-4, 8e-4, n), 970.0
    rr = 10.0 ** rng.uniform(-6, -2, n)
    re = 10.0 ** rng.uniform(np.log10(4000.0), 8, n)
    m = re * 0.25 * np.pi * d * mu
    dp, _ = pressure_drop(m, np.full(n, 100.0), d, rr * d, rho, mu, 0.0, "colebrook")
    area = 0.25 * np.pi * d**2
    f = dp / (100.0 / d * m**2 / (2 * rho * area**2))
    with warnings.catch_warnings():  # fluids' Lambert-W path may overflow and fall back
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.array([Colebrook(r, e) for r, e in zip(re, rr, strict=True)])
    np.testing.assert_allclose(f, ref, rtol=1e-10, atol=0)


def test_pressure_drop_kernel_leaves_refused_input_to_the_array_version():
    """A smooth pipe under Nikuradse, a negative roughness, an unknown law: the kernel
    declines, so ``branch_pressure_drop`` raises the array version's error."""
    p = _pipes(100)
    assert pressure_drop(p.m, p.length, p.d, 0.0, p.rho, p.mu, 0.0, "nikuradse") is None
    assert pressure_drop(p.m, p.length, p.d, -p.k, p.rho, p.mu, 0.0, "colebrook") is None
    assert pressure_drop(p.m, p.length, p.d, p.k, p.rho, p.mu, 0.0, "blasius") is None
    comp = SimpleNamespace(length_m=p.length, d_m=p.d, roughness_m=np.zeros(100), zeta=p.zeta,
                           friction_law="nikuradse", pump_b=np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="roughness k > 0"):
        branch_pressure_drop(comp, p.m, p.rho, p.mu)


def _compiled(seed=1, topology="meshed", n=60):
    return compile_network(make_network(n, topology, seed=seed, generation="4g"))


def _branch_inputs(comp, seed=0):
    rng = np.random.default_rng(seed)
    nb = comp.n_branches
    t_node = rng.uniform(275.0, 370.0, comp.n_nodes)
    m = rng.choice([-1.0, 1.0], nb) * 10.0 ** rng.uniform(-9, 0.5, nb)
    m[::17] = 0.0
    frozen = rng.random(nb) < 0.2
    return t_node, m, frozen, rng.normal(0, 0.1, nb)


def test_branch_properties_kernel_equals_the_array_version():
    comp = _compiled()
    comp.u_w_per_mk[::7] = 0.0  # some lossless branches (mean of their ends)
    t_node, m, frozen, m_frozen = _branch_inputs(comp)
    results = []
    for ctx in (kernels.numpy_only(), nullcontext()):
        with ctx:
            props = BranchProperties(comp, t_node)
            props.freeze(frozen, m_frozen)
            results.append(props(m))
    (rho, mu, drho), (rho_r, mu_r, drho_r) = results[1], results[0]
    np.testing.assert_allclose(rho, rho_r, rtol=RTOL, atol=0)
    np.testing.assert_allclose(mu, mu_r, rtol=RTOL, atol=0)
    # dρ/dṁ: 1e-12 of its largest value — for small x = UL/(|ṁ| c_p) the factor
    # 1 − e^(−x)(1 + x) cancels, and the last bits of exp differ between libm and NumPy
    np.testing.assert_allclose(drho, drho_r, rtol=0, atol=RTOL * np.max(np.abs(drho_r)))
    assert np.all(results[1][2][frozen] == 0.0)
    assert np.any(results[1][2] != 0.0)


def test_branch_properties_kernel_gives_if97_water():
    """Lossless branches: ρ and μ of water at the mean of their end temperatures (IF97)."""
    comp = _compiled()
    comp.u_w_per_mk[:] = 0.0
    t_node, m, _, _ = _branch_inputs(comp, 2)
    rho, mu, drho = BranchProperties(comp, t_node)(m)
    t_b = 0.5 * (t_node[comp.b_from] + t_node[comp.b_to])
    rho_ref = [PropsSI("D", "T", t, "P", 10e5, "IF97::Water") for t in t_b[:40]]
    mu_ref = [PropsSI("V", "T", t, "P", 10e5, "IF97::Water") for t in t_b[:40]]
    np.testing.assert_allclose(rho[:40], rho_ref, rtol=1e-5)
    np.testing.assert_allclose(mu[:40], mu_ref, rtol=1e-4)
    assert np.all(drho == 0.0)  # the content temperature does not follow the flow


def test_pipe_decay_kernel_equals_the_array_version():
    comp = _compiled()
    comp.u_w_per_mk[::9] = 0.0
    t_node, m, _, _ = _branch_inputs(comp, 4)
    t_up = np.where(m >= 0, t_node[comp.b_from], t_node[comp.b_to])
    t_up[::11] = comp.t_soil_k[::11]  # inlet at soil temperature
    got = thermal.pipe_decay(comp, m, t_up)
    with kernels.numpy_only():
        ref = thermal.pipe_decay(comp, m, t_up)
    np.testing.assert_allclose(got[0], ref[0], rtol=RTOL, atol=0)
    np.testing.assert_allclose(got[1], ref[1], rtol=0, atol=1e-9)
    assert np.all(got[0][m == 0] == 0.0) and np.all((got[0] >= 0) & (got[0] <= 1))


def test_element_flows_kernel_equals_the_array_version():
    """Every consumer control (return setpoint, clamped or not; ΔT; fixed flow, zero flow)
    and feed-ins in heat (clamped or not) and flow control."""
    rng = np.random.default_rng(5)
    nn, nc, nf = 400, 300, 12
    comp = SimpleNamespace(
        c_sup=rng.integers(0, nn, nc), c_control=rng.integers(0, 3, nc),
        c_q_w=rng.uniform(-1e3, 2e5, nc), c_t_return_k=rng.uniform(300.0, 330.0, nc),
        c_delta_t_k=rng.uniform(10.0, 40.0, nc),
        c_mdot_kg_s=np.where(rng.random(nc) < 0.2, 0.0, rng.uniform(0.01, 1.0, nc)),
        f_ret=rng.integers(0, nn, nf), f_control=rng.integers(0, 2, nf),
        f_q_w=rng.uniform(1e5, 1e6, nf), f_t_out_k=rng.uniform(330.0, 360.0, nf),
        f_mdot_kg_s=rng.uniform(0.5, 5.0, nf))
    t = rng.uniform(300.0, 360.0, nn)
    t[comp.c_sup[::5]] = comp.c_t_return_k[::5] + 0.5  # clamped return setpoints
    t[comp.f_ret[::3]] = comp.f_t_out_k[::3] - 1.0  # feed-ins clamped by a hot return
    h = water.enthalpy(t)
    got = elements.element_flows(comp, t, h)
    with kernels.numpy_only():
        ref = elements.element_flows(comp, t, h)
    assert got.keys() == ref.keys()
    for key in ref:
        if ref[key].dtype == bool:
            assert np.array_equal(got[key], ref[key]), key
        else:
            np.testing.assert_allclose(got[key], ref[key], rtol=RTOL, atol=0, err_msg=key)
    assert np.any(got["c_clamped"]) and np.any(got["f_clamped"]) and np.any(~got["f_clamped"])


def test_residual_terms_kernel_equals_the_array_version():
    """Head and mass residuals and both Newton slopes, with branches whose buoyancy
    outweighs friction (negative and clamped slopes)."""
    comp = _compiled()
    rng = np.random.default_rng(6)
    comp.dz_m[:] = rng.normal(0.0, 30.0, comp.n_branches)
    t_node, m, _, _ = _branch_inputs(comp, 7)
    hyd = HydraulicSystem(comp, np.array([comp.pl_ret[0], comp.pl_sup[0]]))
    p = rng.uniform(1e5, 6e5, comp.n_nodes)
    demand = rng.normal(0.0, 0.1, comp.n_nodes)
    props = BranchProperties(comp, t_node)
    got = hyd.residuals(m, p, demand, props)
    with kernels.numpy_only():
        ref = hyd.residuals(m, p, demand, props)
    for g, r in [(got[0], ref[0]), (got[1], ref[1]), *zip(got[2], ref[2], strict=True)]:
        np.testing.assert_allclose(g, r, rtol=RTOL, atol=RTOL * np.max(np.abs(r)))
    signed, clamped = got[2]
    assert np.any(signed < 0) and np.all(clamped > 0)  # buoyancy-dominated branches seen


@pytest.mark.parametrize("law", ["colebrook", "nikuradse", "swamee_jain"])
@pytest.mark.parametrize("topology", ["meshed", "radial"])
def test_solved_networks_equal_with_and_without_kernels(topology, law):
    """Whole solves (hilly synthetic networks with heat losses) agree within the solver's
    round-off: flows 1e-9 of the largest, temperatures 1e-6 K, pressures 1e-3 Pa."""
    net = make_network(80, topology, seed=2, generation="4g")
    net.settings["friction_law"] = law
    comp = compile_network(net)
    with kernels.numpy_only():
        ref, _ = solve_compiled(comp)
    got, res = solve_compiled(comp)
    assert res.convergence.converged
    scale = np.max(np.abs(ref.mdot_b))
    assert np.max(np.abs(got.mdot_b - ref.mdot_b)) <= 1e-9 * scale
    t_got, t_ref = water.temperature_from_enthalpy(got.h), water.temperature_from_enthalpy(ref.h)
    assert np.max(np.abs(t_got - t_ref)) <= 1e-6
    assert np.max(np.abs(got.p - ref.p)) <= 1e-3

