"""Native thermal model against analytical solutions (CoolProp IF97 at 10 bar, the pressure of
the shipped property table, as the oracle).

- heat-loss exponential along one pipe: within 1e-4 K of the ODE with IF97 c_p(T) integrated
  numerically, and within 0.01 K of the constant-c_p closed form,
- adiabatic mixing at a tee: enthalpy-weighted, within 1e-3 K,
- consumer flows follow ṁ = Q / (h(T_s) − h(T_r)) within 1e-6 relative,
- critical-point control: the worst consumer ends at Δp_min within 1 Pa,
- stagnant dead-end pipes: no NaN, never below soil temperature.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from CoolProp.CoolProp import PropsSI
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from p2h_hydraulics import solve
from p2h_hydraulics.model import network_from_records


def cp(t_k):
    return PropsSI("C", "T", t_k, "P", 10e5, "IF97::Water")


def h(t_k):
    return PropsSI("H", "T", t_k, "P", 10e5, "IF97::Water")


@pytest.mark.parametrize("m,u", [(2.0, 0.3), (0.2, 0.5), (0.05, 0.25)])
def test_heat_loss_exponential(m, u):
    t_in, t_soil, length = 353.15, 283.15, 800.0
    net = network_from_records({
        "junctions": [{"id": "A"}, {"id": "B"}],
        "pipes": [{"id": "P", "from_junction": "A", "to_junction": "B", "length_m": length,
                   "d_inner_m": 0.0545, "u_w_per_mk": u}],
        "pressure_refs": [{"id": "r", "junction": "A", "p_pa": 10e5, "t_k": t_in}],
        "mass_flows": [{"id": "s", "junction": "B", "mdot_kg_s": m}],
    }, {"t_soil_k": t_soil})
    r = solve(net)
    t_out = r.junctions.at["B", "t_k"]
    # constant-c_p closed form (c_p at the mean temperature): the textbook answer, within 0.01 K
    c = cp(0.5 * (t_in + t_out))
    expected = t_soil + (t_in - t_soil) * math.exp(-u * length / (m * c))
    assert t_out == pytest.approx(expected, abs=1e-2)
    # the ODE ṁ c_p(T) dT/dx = −U (T − T_soil) with IF97 c_p(T), integrated: within 1e-4 K
    ode = solve_ivp(lambda x, y: [-u * (y[0] - t_soil) / (m * cp(y[0]))], [0, length], [t_in],
                    rtol=1e-11, atol=1e-11)
    assert t_out == pytest.approx(ode.y[0, -1], abs=1e-4)
    assert r.pipes.at["P", "q_loss_w"] == pytest.approx(m * (h(t_in) - h(t_out)), rel=2e-4)


def test_mixing_at_a_tee_is_enthalpy_weighted():
    net = network_from_records({
        "junctions": [{"id": "A"}, {"id": "B"}, {"id": "M"}, {"id": "O"}],
        "pipes": [
            {"id": "PA", "from_junction": "A", "to_junction": "M", "length_m": 10,
             "d_inner_m": 0.08},
            {"id": "PB", "from_junction": "B", "to_junction": "M", "length_m": 10,
             "d_inner_m": 0.08},
            {"id": "PO", "from_junction": "M", "to_junction": "O", "length_m": 10,
             "d_inner_m": 0.1}],
        "pressure_refs": [{"id": "r", "junction": "O", "p_pa": 5e5, "t_k": 300.0}],
        "mass_flows": [{"id": "a", "junction": "A", "mdot_kg_s": -3.0, "t_k": 363.15},
                       {"id": "b", "junction": "B", "mdot_kg_s": -1.0, "t_k": 313.15}],
    })
    r = solve(net)
    h_mix = (3.0 * h(363.15) + 1.0 * h(313.15)) / 4.0
    # invert the forward equation (IF97's backward T(p, h) is only consistent to ~mK)
    t_mix = brentq(lambda t: h(t) - h_mix, 313.15, 363.15, xtol=1e-10)
    assert r.junctions.at["M", "t_k"] == pytest.approx(t_mix, abs=1e-3)
    assert r.junctions.at["O", "t_k"] == pytest.approx(t_mix, abs=1e-3)


def two_consumer_net(control="critical_point", **plant):
    return network_from_records({
        "nodes": [{"id": "A"}, {"id": "B", "x_m": 300}, {"id": "C", "x_m": 600}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 500, "dn": 100},
                     {"id": "T2", "from_node": "B", "to_node": "C", "length_m": 400, "dn": 65}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 400, "t_return_c": 45},
                      {"id": "C2", "node": "C", "q_kw": 250, "t_return_c": 40,
                       "dp_min_bar": 0.8}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                    "control": control, **plant}],
    })


def test_consumer_flow_follows_supply_temperature_and_setpoint():
    r = solve(two_consumer_net())
    c = r.consumers
    for cid in ("C1", "C2"):
        expected = c.at[cid, "q_w"] / (h(c.at[cid, "t_supply_k"]) - h(c.at[cid, "t_return_k"]))
        assert c.at[cid, "mdot_kg_s"] == pytest.approx(expected, rel=2e-5)
        assert c.at[cid, "q_w"] == pytest.approx({"C1": 4e5, "C2": 2.5e5}[cid], rel=1e-9)
    assert r.balance["energy_rel"] < 1e-6


def test_critical_point_control_gives_worst_consumer_dp_min():
    r = solve(two_consumer_net())
    margin = r.consumers["dp_pa"] - r.consumers["dp_min_pa"]
    assert margin.min() == pytest.approx(0.0, abs=1.0)
    assert margin.idxmin() == "C2"
    head = r.plant.at["PL", "head_pa"]
    r_lift = solve(two_consumer_net(control="lift", lift_pa=head))
    assert np.allclose(r_lift.junctions["p_pa"], r.junctions["p_pa"], atol=2.0)


def test_fixed_supply_pressure_control():
    r = solve(two_consumer_net(control="p_supply", p_supply_bar=6.0))
    assert r.plant.at["PL", "p_supply_pa"] == pytest.approx(6e5)
    assert r.plant.at["PL", "p_return_pa"] == pytest.approx(2.5e5)


def test_stagnant_dead_end_no_nan_and_not_below_soil():
    net = network_from_records({
        "nodes": [{"id": "A"}, {"id": "B"}, {"id": "D"}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 300, "dn": 80},
                     {"id": "T2", "from_node": "B", "to_node": "D", "length_m": 2000, "dn": 50}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 200, "t_return_c": 45},
                      {"id": "C0", "node": "D", "q_kw": 0, "t_return_c": 45}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5}],
    }, {"t_soil_c": 8})
    r = solve(net)
    assert np.isfinite(r.junctions["t_k"]).all()
    assert (r.junctions["t_k"] >= 281.15 - 1e-9).all()
    assert r.junctions.at["D_s", "t_c"] == pytest.approx(8.0, abs=1e-6)
    assert r.pipes.at["T2_s", "mdot_kg_s"] == pytest.approx(0.0, abs=1e-9)
