"""Stagnant water in both backends: a dead end under mixed soil temperatures.

A plant feeds one consumer at ``N1``; from there a stub of two trenches (``S1`` to ``X1``,
``S2`` to ``X2``) without any consumer holds standing water. The stub's pipes lie in different
soil (4/14 °C and 12/2 °C, supply/return) with different heat-loss conductances (U·L = 20 and
40 W/K). Standing water settles at its surroundings: a junction at the U·L-weighted soil
temperature of the pipes that reach it (computed by hand below), a pipe's content at its own
soil temperature. pandapipes alone would put every stagnant junction at its one ambient
temperature (the network's 10 °C)."""

from __future__ import annotations

import numpy as np
import pytest

from p2h_hydraulics.model.build import network_from_records
from p2h_hydraulics.solver import solve
from p2h_hydraulics.solver.compile import compile_network
from p2h_hydraulics.solver.pandapipes_backend import stagnant_nodes

C0 = 273.15
# (trench, from, to, length [m], U [W/(m K)], soil supply / return [°C])
TRENCHES = [("P1", "N0", "N1", 200.0, 0.3, None, None),
            ("S1", "N1", "X1", 100.0, 0.2, 4.0, 14.0),
            ("S2", "X1", "X2", 80.0, 0.5, 12.0, 2.0)]


def _network():
    xs = {"N0": 0.0, "N1": 200.0, "X1": 300.0, "X2": 380.0}
    junctions = [{"id": f"{n}{s}", "x_m": x, "y_m": 0.0, "elevation_m": 0.0}
                 for n, x in xs.items() for s in ("_s", "_r")]
    pipes = []
    for tid, a, b, ln, u, soil_s, soil_r in TRENCHES:
        for side, fa, fb, soil in (("s", a, b, soil_s), ("r", b, a, soil_r)):
            rec = {"id": f"{tid}_{side}", "from_junction": f"{fa}_{side}",
                   "to_junction": f"{fb}_{side}", "length_m": ln, "d_inner_m": 0.0703,
                   "roughness_m": 1e-4, "u_w_per_mk": u}
            if soil is not None:
                rec["t_soil_k"] = soil + C0
            pipes.append(rec)
    consumers = [{"id": "C1", "supply_junction": "N1_s", "return_junction": "N1_r",
                  "q_w": 200e3, "control": "t_return", "t_return_k": 323.15,
                  "dp_min_pa": 0.5e5}]
    plant = {"id": "plant", "return_junction": "N0_r", "supply_junction": "N0_s",
             "t_supply_k": 353.15, "p_return_pa": 2.5e5, "control": "critical_point",
             "lift_pa": 3e5}
    return network_from_records({"junctions": junctions, "pipes": pipes,
                                 "consumers": consumers, "plants": [plant]},
                                {"name": "stub", "t_soil_k": 283.15})


@pytest.fixture(scope="module")
def solved():
    net = _network()
    return solve(net, backend="native"), solve(net, backend="pandapipes")


# U·L-weighted soil temperature of the pipes reaching each stagnant junction [°C], by hand:
# X1_s: S1_s (4 °C, 20 W/K) and S2_s (12 °C, 40 W/K); X1_r: S1_r (14, 20) and S2_r (2, 40);
# X2 only by S2
EXPECTED_C = {"X1_s": (4 * 20 + 12 * 40) / 60, "X1_r": (14 * 20 + 2 * 40) / 60,
              "X2_s": 12.0, "X2_r": 2.0}


@pytest.mark.parametrize("backend", [0, 1], ids=["native", "pandapipes"])
def test_stagnant_junctions_take_their_pipes_surroundings(solved, backend):
    res = solved[backend]
    for j, want in EXPECTED_C.items():
        assert res.junctions.at[j, "t_k"] - C0 == pytest.approx(want, abs=1e-6), j
    # a stagnant pipe's content at its own soil temperature
    for pid, soil in (("S1_r", 14.0), ("S2_s", 12.0), ("S2_r", 2.0)):
        assert res.pipes.at[pid, "t_out_k"] - C0 == pytest.approx(soil, abs=1e-6), pid


def test_both_backends_agree_on_the_network_with_a_dead_end(solved):
    """Everywhere: junction temperatures within 0.05 K (the crossval tolerance), stagnant
    pipes' outlets equal; the flowing part unchanged by the stagnant one; the energy balance
    of the pandapipes result still closes."""
    nat, pp = solved
    dt = (nat.junctions["t_k"] - pp.junctions["t_k"]).abs()
    assert dt.max() <= 0.05, dt.to_dict()
    still = pp.pipes["mdot_kg_s"].abs() <= 1e-9
    assert set(pp.pipes.index[still]) == {"S1_s", "S1_r", "S2_s", "S2_r"}
    assert np.allclose(pp.pipes.loc[still, "t_out_k"], nat.pipes.loc[still, "t_out_k"],
                       atol=1e-6)
    assert pp.balance["energy_rel"] <= 1e-6


def test_stagnant_nodes_by_inflow():
    """Only the junctions nothing flows into are stagnant (flows made up per element)."""
    comp = compile_network(_network())
    ids = list(comp.node_ids)
    m = np.zeros(len(comp.branch_ids))
    m[list(comp.branch_ids).index("P1_s")] = 1.0
    m[list(comp.branch_ids).index("P1_r")] = 1.0
    still = stagnant_nodes(comp, m, np.array([1.0]), np.array([1.0]), np.zeros(0))
    assert {ids[k] for k in np.flatnonzero(still)} == {"X1_s", "X1_r", "X2_s", "X2_r"}
    # a reversed plant feeds its return junction, not its supply junction
    m[:] = 0.0
    still = stagnant_nodes(comp, m, np.array([0.0]), np.array([-1.0]), np.zeros(0))
    assert not still[ids.index("N0_r")] and still[ids.index("N0_s")]
