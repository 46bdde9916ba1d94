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


def water_net(junctions, pipes, sinks, ref="A", t_k=T, refs=None):
    """A water network; pressure held at ``ref`` (P_REF), or at each junction of ``refs``
    ({junction: p [Pa]})."""
    refs = refs or {ref: P_REF}
    recs = {
        "junctions": [{"id": j, "elevation_m": z} for j, z in junctions.items()],
        "pipes": [{"id": pid, "from_junction": a, "to_junction": b, "length_m": length,
                   "d_inner_m": d, "roughness_m": k, "u_w_per_mk": 0.0}
                  for pid, (a, b, length, d, k) in pipes.items()],
        "pressure_refs": [{"id": f"ref_{j}", "junction": j, "p_pa": p, "t_k": t_k}
                          for j, p in refs.items()],
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


def test_two_held_pressures_share_a_withdrawal_like_root_finding():
    """Pressure references at both ends of a two-pipe line (A at 10 bar, C at 9.6 bar) and
    an 8 kg/s withdrawal at B between them: each end supplies the flow whose friction loss
    meets B's pressure from its side (the loop-flow path's pseudo-loop between two held
    junctions; B→C is drawn against C's supply)."""
    ab, bc = (600.0, 0.0825, 1e-4), (400.0, 0.0703, 1e-4)
    net = water_net({"A": 0.0, "B": 0.0, "C": 0.0},
                    {"AB": ("A", "B", *ab), "BC": ("B", "C", *bc)}, {"B": 8.0},
                    refs={"A": P_REF, "C": P_REF - 0.4e5})
    r = solve(net)
    x = brentq(lambda m: P_REF - dp_darcy(m, *ab) - (P_REF - 0.4e5 - dp_darcy(8.0 - m, *bc)),
               -20.0, 20.0, xtol=1e-12)
    assert r.pipes.at["AB", "mdot_kg_s"] == pytest.approx(x, rel=1e-4)
    assert r.pipes.at["BC", "mdot_kg_s"] == pytest.approx(-(8.0 - x), rel=1e-4)
    assert r.junctions.at["B", "p_pa"] == pytest.approx(P_REF - dp_darcy(x, *ab), rel=1e-7)


def test_flow_reverses_against_drawing_direction():
    net = water_net({"A": 0.0, "B": 0.0}, {"P": ("B", "A", 200.0, 0.0545, 1e-4)}, {"B": 1.5})
    r = solve(net)
    assert r.pipes.at["P", "mdot_kg_s"] == pytest.approx(-1.5, rel=1e-9)
    assert r.pipes.at["P", "v_m_s"] < 0
    assert np.isclose(r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"],
                      dp_darcy(1.5, 200.0, 0.0545, 1e-4), rtol=1e-4)


# a booster pump: lift(V) = 4 bar − 2e4 Pa/(m³/s)·V − 3e6 Pa/(m³/s)²·V² (V in m³/s)
PUMP = {"lift0_pa": 4e5, "curve_b1": -2e4, "curve_b2": -3e6}


def pump_lift(v):
    return PUMP["lift0_pa"] + PUMP["curve_b1"] * v + PUMP["curve_b2"] * v * v


def pump_net(sink_m=None):
    """A (held at P_REF) → pump → B → 800 m DN100 → C; C either withdraws ``sink_m`` or is
    held at P_REF as well (then the pump curve and the pipe set the flow)."""
    recs = {
        "junctions": [{"id": j, "elevation_m": 0.0} for j in "ABC"],
        "pipes": [{"id": "P", "from_junction": "B", "to_junction": "C", "length_m": 800.0,
                   "d_inner_m": 0.1071, "roughness_m": 1e-4, "u_w_per_mk": 0.0}],
        "pumps": [{"id": "PU", "from_junction": "A", "to_junction": "B", **PUMP}],
        "pressure_refs": [{"id": "ref", "junction": "A", "p_pa": P_REF, "t_k": T}],
        "mass_flows": [],
    }
    if sink_m is None:
        recs["pressure_refs"].append({"id": "ref2", "junction": "C", "p_pa": P_REF, "t_k": T})
    else:
        recs["mass_flows"].append({"id": "s", "junction": "C", "mdot_kg_s": sink_m})
    return network_from_records(recs)


def test_pump_lifts_by_its_head_curve_at_the_given_flow():
    rho, _ = rho_mu()
    r = solve(pump_net(sink_m=15.0))
    lift = r.junctions.at["B", "p_pa"] - r.junctions.at["A", "p_pa"]
    assert lift == pytest.approx(pump_lift(15.0 / rho), rel=1e-6)
    assert r.pumps.at["PU", "lift_pa"] == pytest.approx(lift, rel=1e-12)
    assert r.pumps.at["PU", "power_w"] == pytest.approx(15.0 / rho * lift, rel=1e-4)
    dp = r.junctions.at["B", "p_pa"] - r.junctions.at["C", "p_pa"]
    assert dp == pytest.approx(dp_darcy(15.0, 800.0, 0.1071, 1e-4), rel=1e-4)


def test_pump_and_pipe_meet_at_the_operating_point():
    """Between two equal held pressures the flow is where the curve's lift equals the pipe's
    friction loss (brentq on the `fluids` Colebrook law)."""
    rho, _ = rho_mu()
    m_op = brentq(lambda m: pump_lift(m / rho) - dp_darcy(m, 800.0, 0.1071, 1e-4), 0.1, 200.0)
    r = solve(pump_net())
    assert r.converged
    assert r.pumps.at["PU", "mdot_kg_s"] == pytest.approx(m_op, rel=1e-4)
    assert r.pipes.at["P", "mdot_kg_s"] == pytest.approx(m_op, rel=1e-4)
