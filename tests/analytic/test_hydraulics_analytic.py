"""Native hydraulics against analytical solutions, with `fluids` and CoolProp IF97 as oracles.

Tolerances: 1e-4 relative on pressure drops (limited by the tabulated water properties, whose
error vs IF97 is < 2e-5 for μ and < 1e-6 for ρ; see physics/water.py), 1e-6 relative on flows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from CoolProp.CoolProp import PropsSI
from fluids.friction import Colebrook
from scipy.optimize import brentq, fsolve

from p2h_hydraulics import solve
from p2h_hydraulics.model import network_from_records

T = 343.15  # 70 °C
P_REF = 10e5


def rho_mu(t_k=T):
    return (PropsSI("D", "T", t_k, "P", 10e5, "IF97::Water"),
            PropsSI("V", "T", t_k, "P", 10e5, "IF97::Water"))


def dp_darcy(m, length, d, k, zeta=0.0):
    rho, mu = rho_mu()
    area = math.pi * d**2 / 4
    v = m / (rho * area)
    re = abs(m) * d / (area * mu)
    f = 64 / re if re < 2300 else Colebrook(re, k / d)
    return math.copysign((f * length / d + zeta) * rho * v * v / 2, m)


def water_net(junctions, pipes, sinks, ref="A", t_k=T):
    recs = {
        "junctions": [{"id": j, "elevation_m": z} for j, z in junctions.items()],
        "pipes": [{"id": pid, "from_junction": a, "to_junction": b, "length_m": length,
                   "d_inner_m": d, "roughness_m": k, "u_w_per_mk": 0.0}
                  for pid, (a, b, length, d, k) in pipes.items()],
        "pressure_refs": [{"id": "ref", "junction": ref, "p_pa": P_REF, "t_k": t_k}],
        "mass_flows": [{"id": f"s{j}", "junction": j, "mdot_kg_s": m} for j, m in sinks.items()],
    }
    return network_from_records(recs)


@pytest.mark.parametrize("m", [12.0, 2.0, 0.5])
def test_single_pipe_turbulent_matches_colebrook(m):
    net = water_net({"A": 0.0, "B": 0.0}, {"P": ("A", "B", 1000.0, 0.1071, 1e-4)}, {"B": m})
    r = solve(net)
    dp = r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"]
    assert dp == pytest.approx(dp_darcy(m, 1000.0, 0.1071, 1e-4), rel=1e-4)
    assert r.pipes.at["P", "mdot_kg_s"] == pytest.approx(m, rel=1e-9)


def test_single_pipe_laminar_matches_hagen_poiseuille():
    rho, mu = rho_mu()
    d, length, m = 0.02, 50.0, 0.005  # Re ≈ 790
    net = water_net({"A": 0.0, "B": 0.0}, {"P": ("A", "B", length, d, 1e-5)}, {"B": m})
    r = solve(net)
    q = m / rho
    expected = 128 * mu * length * q / (math.pi * d**4)
    dp = r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"]
    assert r.pipes.at["P", "reynolds"] < 2300
    assert dp == pytest.approx(expected, rel=1e-4)


def test_elevation_adds_hydrostatic_head():
    rho, _ = rho_mu()
    net = water_net({"A": 0.0, "B": 35.0}, {"P": ("A", "B", 400.0, 0.08, 1e-4)}, {"B": 3.0})
    r = solve(net)
    dp = r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"]
    assert dp == pytest.approx(dp_darcy(3.0, 400.0, 0.08, 1e-4) + rho * 9.80665 * 35.0,
                               rel=1e-4)


def test_pipes_in_series_add_up():
    net = water_net({"A": 0.0, "B": 0.0, "C": 0.0},
                    {"P1": ("A", "B", 300.0, 0.1071, 1e-4), "P2": ("B", "C", 500.0, 0.0825, 5e-5)},
                    {"C": 6.0})
    r = solve(net)
    dp = r.junctions.at["A", "p_pa"] - r.junctions.at["C", "p_pa"]
    expected = dp_darcy(6.0, 300.0, 0.1071, 1e-4) + dp_darcy(6.0, 500.0, 0.0825, 5e-5)
    assert dp == pytest.approx(expected, rel=1e-4)


def test_parallel_pipes_split_like_independent_root_finding():
    p1, p2 = (800.0, 0.1071, 1e-4), (400.0, 0.0703, 1e-4)
    net = water_net({"A": 0.0, "B": 0.0},
                    {"P1": ("A", "B", *p1), "P2": ("A", "B", *p2)}, {"B": 10.0})
    r = solve(net)
    m1 = brentq(lambda x: dp_darcy(x, *p1) - dp_darcy(10.0 - x, *p2), 1e-6, 10 - 1e-6,
                xtol=1e-12)
    assert r.pipes.at["P1", "mdot_kg_s"] == pytest.approx(m1, rel=1e-4)
    assert r.pipes.at["P2", "mdot_kg_s"] == pytest.approx(10.0 - m1, rel=1e-4)
    assert r.pipes.at["P1", "dp_pa"] == pytest.approx(r.pipes.at["P2", "dp_pa"], rel=1e-9)


def test_loop_split_with_two_sinks_matches_fsolve():
    pipes = {"AB": ("A", "B", 500.0, 0.0825, 1e-4), "BC": ("B", "C", 300.0, 0.0545, 1e-4),
             "AC": ("A", "C", 900.0, 0.0703, 1e-4)}
    net = water_net({"A": 0.0, "B": 0.0, "C": 0.0}, pipes, {"B": 3.0, "C": 4.0})
    r = solve(net)

    def loop(x):  # x = flow in AB; AC = 7 − x; BC = x − 3; head loss around A-B-C-A is zero
        (m,) = x
        return [dp_darcy(m, *pipes["AB"][2:]) + dp_darcy(m - 3.0, *pipes["BC"][2:])
                - dp_darcy(7.0 - m, *pipes["AC"][2:])]

    m_ab = fsolve(loop, [3.5], xtol=1e-13)[0]
    assert r.pipes.at["AB", "mdot_kg_s"] == pytest.approx(m_ab, rel=1e-4)
    assert r.pipes.at["BC", "mdot_kg_s"] == pytest.approx(m_ab - 3.0, rel=1e-3)
    assert r.pipes.at["AC", "mdot_kg_s"] == pytest.approx(7.0 - m_ab, rel=1e-4)


def test_flow_reverses_against_drawing_direction():
    net = water_net({"A": 0.0, "B": 0.0}, {"P": ("B", "A", 200.0, 0.0545, 1e-4)}, {"B": 1.5})
    r = solve(net)
    assert r.pipes.at["P", "mdot_kg_s"] == pytest.approx(-1.5, rel=1e-9)
    assert r.pipes.at["P", "v_m_s"] < 0
    assert np.isclose(r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"],
                      dp_darcy(1.5, 200.0, 0.0545, 1e-4), rtol=1e-4)
