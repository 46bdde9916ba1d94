"""Pipe sizing (``p2h_hydraulics.sizing``, ``p2h size``) against a sizing done by hand.

The hand sizing uses outside references only: water properties from IAPWS-IF97 (``iapws``),
the Darcy friction factor from ``fluids`` (Colebrook), the catalogue's EN 253 inner diameters.
Limits: the checker's defaults (v ≤ 2 m/s, ≤ 1.5 m/s for DN ≤ 50; R ≤ 200 Pa/m). Tolerances:
design flows to 1e-3 relative (the tool's water table vs IF97 for c_p), the DN exactly, v and R
of the report to 1e-3 relative against the hand values; the design solve's Δp margins to 1 Pa
(the solver's critical-point tolerance).
"""

from __future__ import annotations

import json
import math

import pytest
from fluids.friction import friction_factor
from iapws import IAPWS97

from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import ModelError
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.model.catalogue import catalogue
from p2h_hydraulics.model.graph import pipe_path
from p2h_hydraulics.sizing import design_flows, size_network, winter_simultaneity
from p2h_hydraulics.solver import solve

T_S_C, T_R_C = 90.0, 60.0
LOADS_KW = {"A": 9000.0, "B": 60.0, "C": 40.0}  # A: an industrial customer


def _records(dn=None, loop=False, control="critical_point", lift_bar=2.0):
    """Plant at N0; trench T1 N0–N1 (200 m); T2 N1–N2 (150 m) to A; T3 N1–N3 (120 m) to B;
    T4 N3–N4 (80 m) to C; optional loop closure T5 N2–N3 (300 m)."""
    dn = dn or {}
    nodes = [{"id": f"N{i}"} for i in range(5)]
    spans = [("T1", "N0", "N1", 200.0), ("T2", "N1", "N2", 150.0), ("T3", "N1", "N3", 120.0),
             ("T4", "N3", "N4", 80.0)]
    if loop:
        spans.append(("T5", "N2", "N3", 300.0))
    trenches = [{"id": t, "from_node": a, "to_node": b, "length_m": L, "roughness_mm": 0.1,
                 **({"dn": dn[t]} if t in dn else {})} for t, a, b, L in spans]
    consumers = [{"id": c, "node": n, "q_kw": LOADS_KW[c], "t_return_c": T_R_C}
                 for c, n in (("A", "N2"), ("B", "N3"), ("C", "N4"))]
    plants = [{"id": "P", "node": "N0", "t_supply_c": T_S_C, "p_return_bar": 2.0,
               "control": control, "lift_bar": lift_bar}]
    return {"nodes": nodes, "trenches": trenches, "consumers": consumers, "plants": plants}


def _net(**kw):
    return network_from_records(_records(**kw), validate=False)


def _water(t_c):
    w = IAPWS97(T=t_c + 273.15, P=0.4)
    return w.rho, w.mu, w.cp * 1e3


def _v_r(mdot, dn, t_c):
    """Velocity and R by hand: IF97 water, fluids' Colebrook friction factor, k = 0.1 mm."""
    d = float(catalogue().at[float(dn), "d_inner_m"])
    rho, mu, _ = _water(t_c)
    v = mdot / (rho * math.pi * d * d / 4)
    f = friction_factor(Re=rho * v * d / mu, eD=1e-4 / d)
    return v, f / d * rho * v * v / 2


def _limit(dn):
    return 1.5 if dn <= 50 else 2.0


# The sizing by hand. Design flows ṁ = Q / (c_p ΔT), c_p(75 °C) = 4190.9 J/(kg K), ΔT = 30 K:
# A 71.584, B 0.47723, C 0.31815 kg/s. Without simultaneity:
#   T1 (A+B+C) 72.379 kg/s: DN200 gives v 2.16 m/s > 2 (R 182 Pa/m would pass) → DN250
#   T2 (A)     71.584 kg/s: DN200 gives v 2.14 m/s > 2 (R 178 Pa/m)           → DN250
#   T3 (B+C)    0.7954 kg/s: DN32 gives R 238 Pa/m > 200 (v 0.81 m/s)         → DN40
#   T4 (C)      0.3182 kg/s: DN20 gives R 552 Pa/m > 200 (v 0.89 m/s)         → DN25
# (return pipes at 60 °C: the same DNs, R within 1 % of the supply values).
HAND = {"T1": (72.3792, 250, 200, "v"), "T2": (71.5838, 250, 200, "v"),
        "T3": (0.79538, 40, 32, "R"), "T4": (0.31815, 25, 20, "R")}


def test_hand_sizing_of_a_small_tree():
    _, _, cp = _water(0.5 * (T_S_C + T_R_C))
    m = {c: q * 1e3 / (cp * (T_S_C - T_R_C)) for c, q in LOADS_KW.items()}
    flows = {"T1": m["A"] + m["B"] + m["C"], "T2": m["A"], "T3": m["B"] + m["C"],
             "T4": m["C"]}
    sized, rep = size_network(_net(), simultaneity="none")
    t = rep.table
    assert len(t) == 8 and t["sized"].all()
    for trench, (m_hand, dn, smaller, why) in HAND.items():
        assert flows[trench] == pytest.approx(m_hand, rel=1e-4)
        for side, t_c in (("_s", T_S_C), ("_r", T_R_C)):
            pid = trench + side
            assert t.at[pid, "mdot_design_kg_s"] == pytest.approx(flows[trench], rel=1e-3)
            assert sized.pipes.at[pid, "dn"] == dn, pid
            assert t.at[pid, "dn"] == dn
            # the chosen DN is admissible …
            v, r = _v_r(flows[trench], dn, t_c)
            assert v <= _limit(dn) and r <= 200.0, (pid, v, r)
            # … and the next smaller one is not, for the reason written down above
            v2, r2 = _v_r(flows[trench], smaller, t_c)
            if why == "v":
                assert v2 > _limit(smaller) and r2 <= 200.0, (pid, v2, r2)
                assert "v " in t.at[pid, "why"] and f"DN {smaller}" in t.at[pid, "why"]
            else:
                assert r2 > 200.0 and v2 <= _limit(smaller), (pid, v2, r2)
                assert "R " in t.at[pid, "why"] and f"DN {smaller}" in t.at[pid, "why"]
            # the report's v and R at the design flow are the hand values
            assert t.at[pid, "v_m_s"] == pytest.approx(v, rel=2e-3)
            assert t.at[pid, "r_pa_per_m"] == pytest.approx(r, rel=5e-3)
            # catalogue geometry and U (series S1)
            assert sized.pipes.at[pid, "d_inner_m"] == catalogue().at[float(dn), "d_inner_m"]
            assert sized.pipes.at[pid, "u_w_per_mk"] == \
                catalogue().at[float(dn), "u_S1_w_per_mk"]


def test_sized_network_solves_at_design_with_every_consumer_at_dp_min():
    sized, rep = size_network(_net())
    res = solve(sized)
    assert res.converged
    c = res.consumers
    assert (c["dp_pa"] >= c["dp_min_pa"] - 1.0).all()
    # critical-point control: the worst consumer gets exactly Δp_min
    assert (c["dp_pa"] - c["dp_min_pa"]).min() == pytest.approx(0.0, abs=1.0)
    assert rep.verification["ok"] and rep.verification["critical_consumer"] in c.index
    assert rep.verification["head_pa"] == pytest.approx(float(res.plant["head_pa"].iloc[0]),
                                                        rel=1e-6)
    # delivered heat = design loads (the solve is at full load)
    assert c["q_w"].sum() == pytest.approx(sum(LOADS_KW.values()) * 1e3, rel=1e-6)


def test_winter_simultaneity_by_hand():
    # φ(n) = 0.449677646267461 + 0.551234688 / (1 + (n/53.84382392)^1.762743268), ≤ 1;
    # n = 10: (10/53.844)^1.7627 = 0.051443 → 0.44968 + 0.55123/1.051443 = 0.97395;
    # n = 50: 0.877606 → 0.74326; n = 200: 10.1058 → 0.49931; n = 1: 1.00042 → capped at 1
    for n, hand in ((1, 1.0), (3, 0.99754), (10, 0.97395), (50, 0.74326), (200, 0.49931)):
        assert winter_simultaneity(n) == pytest.approx(hand, abs=2e-5), n
    f = design_flows(_net())
    phi3 = 0.449677646267461 + 0.551234688 / (1 + (3 / 53.84382392) ** 1.762743268)
    assert f.at["T1_s", "simultaneity"] == pytest.approx(phi3, rel=1e-12)
    assert f.at["T1_s", "mdot_design_kg_s"] == pytest.approx(phi3 * f.at["T1_s",
                                                                         "mdot_sum_kg_s"])
    assert f.at["T2_r", "n_consumers"] == 1 and f.at["T2_r", "simultaneity"] == 1.0
    assert f.at["T3_s", "n_consumers"] == 2
    # a constant factor applies behind more than one consumer only
    g = design_flows(_net(), simultaneity=0.8)
    assert g.at["T3_s", "mdot_design_kg_s"] == pytest.approx(0.8 * g.at["T3_s",
                                                                        "mdot_sum_kg_s"])
    assert g.at["T4_s", "simultaneity"] == 1.0
    with pytest.raises(ModelError, match="simultaneity"):
        design_flows(_net(), simultaneity=1.5)


def test_only_missing_keeps_given_diameters_and_all_resizes_them():
    net = _net(dn={"T2": 100})
    sized, rep = size_network(net, simultaneity="none", verify=False)
    assert sized.pipes.at["T2_s", "dn"] == 100 and not rep.table.at["T2_s", "sized"]
    assert rep.table.at["T2_s", "why"] == "kept (diameter given)"
    assert sized.pipes.at["T1_s", "dn"] == 250
    resized, rep = size_network(net, only_missing=False, simultaneity="none", verify=False)
    assert resized.pipes.at["T2_s", "dn"] == 250 and rep.table.at["T2_s", "sized"]
    assert net.pipes.at["T2_s", "dn"] == 100  # input unchanged


def test_loop_closure_gets_the_dn_of_its_smaller_end():
    sized, rep = size_network(_net(loop=True), simultaneity="none")
    # T5 joins N2 (largest tree pipe T2: DN250) and N3 (T3 DN40, T4 DN25) → DN40
    assert not rep.table.at["T5_s", "in_tree"]
    assert sized.pipes.at["T5_s", "dn"] == 40 and sized.pipes.at["T5_r", "dn"] == 40
    assert "loop" in rep.table.at["T5_s", "why"]
    res = solve(sized)
    assert res.converged and (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1).all()


def test_fixed_lift_plant_gets_the_critical_path_upsized():
    # the head the plain sizing needs, then a fixed lift 0.1 bar below it
    plain, _ = size_network(_net(), simultaneity="none")
    need = float(solve(plain).plant["head_pa"].iloc[0])
    net = _net(control="lift", lift_bar=(need - 0.1e5) / 1e5)
    first, _ = size_network(net, simultaneity="none", verify=False)
    res0 = solve(first)
    c0 = res0.consumers
    crit = str((c0["dp_pa"] - c0["dp_min_pa"]).idxmin())
    assert c0.at[crit, "dp_pa"] < c0.at[crit, "dp_min_pa"]
    # the rule: of the pipes on the plant ↔ critical consumer path, the highest R first
    path = set()
    for a, b in (("N0_s", first.consumers.at[crit, "supply_junction"]),
                 (first.consumers.at[crit, "return_junction"], "N0_r")):
        nodes = pipe_path(first, a, b)
        pairs = {frozenset(x) for x in zip(nodes[:-1], nodes[1:], strict=True)}
        path |= {p for p, f, t in zip(first.pipes.index, first.pipes["from_junction"],
                                      first.pipes["to_junction"], strict=True)
                 if frozenset((f, t)) in pairs}
    worst = str(res0.pipes.loc[sorted(path), "r_pa_per_m"].idxmax())
    sized, rep = size_network(net, simultaneity="none")
    assert rep.upsized and rep.upsized[0].startswith(worst + " ")
    res = solve(sized)
    assert res.converged
    assert (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1.0).all()
    assert "upsized on the critical path" in rep.table.at[worst, "why"]
    for t in ("T1", "T2", "T3", "T4"):  # both pipes of a trench grow together
        assert sized.pipes.at[t + "_s", "dn"] == sized.pipes.at[t + "_r", "dn"]


def test_head_limit_of_a_critical_point_plant_upsizes_the_critical_path():
    plain, rep0 = size_network(_net(), simultaneity="none")
    need = rep0.verification["head_pa"]
    sized, rep = size_network(_net(), simultaneity="none", max_lift_pa=need - 0.05e5)
    assert rep.upsized and rep.verification["ok"]
    res = solve(sized)
    assert float(res.plant["head_pa"].iloc[0]) <= need - 0.05e5 + 1.0
    assert (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1.0).all()
    # exactly the pipes the report lists as upsized grew
    grown = sized.pipes.index[sized.pipes["dn"] > plain.pipes["dn"]]
    assert len(grown) >= 1 and set(grown) <= {p.split(" ")[0] for p in rep.upsized}


def test_unreachable_design_conditions_and_bad_input_are_errors():
    # a lift far too small for any catalogue pipe: no sized pipe can help any more
    with pytest.raises(ModelError, match="does not meet the design conditions"):
        size_network(_net(control="lift", lift_bar=0.4), simultaneity="none")
    rec = _records()
    rec["plants"][0]["in_service"] = False
    with pytest.raises(ModelError):
        size_network(network_from_records(rec, validate=False))


def test_cli_size(tmp_path, capsys):
    src = tmp_path / "net.json"
    rec = _records()
    rec["consumers"][2] = {"id": "C", "node": "N4", "annual_heat_mwh": 90,
                           "building_type": "HEF", "t_return_c": T_R_C}
    src.write_text(json.dumps({**rec, "settings": {"name": "hand"}}), encoding="utf-8")
    before = src.read_bytes()
    out, md = tmp_path / "sized.json", tmp_path / "sizing.md"
    assert main(["size", str(src), "--out", str(out), "--report", str(md),
                 "--simultaneity", "none"]) == 0
    assert src.read_bytes() == before
    from p2h_hydraulics import load_network

    net = load_network(out)  # a valid, solvable network
    assert net.pipes["dn"].notna().all()
    assert net.pipes.at["T1_s", "dn"] == 250
    assert net.consumers.at["C", "q_w"] > 0  # derived from the annual heat
    text = md.read_text(encoding="utf-8")
    assert "| T4_s |" in text and "simultaneity: none" in text
    # bad input: exit 3, one message, nothing written
    bad = tmp_path / "bad.json"
    rec["plants"] = []
    bad.write_text(json.dumps(rec), encoding="utf-8")
    out2 = tmp_path / "never.json"
    capsys.readouterr()
    assert main(["size", str(bad), "--out", str(out2)]) == 3
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert not out2.exists()
    assert main(["size", str(src), "--out", str(src)]) != 0
    assert src.read_bytes() == before


def test_sizing_report_files_hold_what_the_report_holds(tmp_path):
    import pandas as pd

    _, rep = size_network(_net(), simultaneity="none", verify=False)
    doc = json.loads(rep.to_json(tmp_path / "s.json").read_text(encoding="utf-8"))
    assert doc == rep.to_dict() and set(doc["pipes"]) == set(map(str, rep.table.index))
    assert {k: v["dn"] for k, v in doc["pipes"].items()} == \
        {str(k): float(v) for k, v in rep.table["dn"].items()}
    back = pd.read_csv(rep.to_csv(tmp_path / "s.csv"), index_col="id")
    assert list(back["dn"]) == list(rep.table["dn"])
    assert rep.to_markdown(tmp_path / "s.md").read_text(encoding="utf-8") == rep.markdown()
    assert rep.markdown().startswith("# Pipe sizing")
