"""The P2H feed-in unit: cooling types, direct feed vs heat-pump stage, feed-in rows."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from p2h_hydraulics import solve
from p2h_hydraulics.physics.heat_pump import carnot_cop
from p2h_hydraulics.synthetic import single_pipe_network
from p2h_hydraulics.unit import (
    COOLING_DEFAULTS,
    P2HUnit,
    design_feedin,
    feedin_table,
    to_feedin_rows,
    with_feedins,
)

K0 = 273.15


def unit(**kw) -> P2HUnit:
    return P2HUnit(**{"id": "dc", "node": "B", "q_kw": 1000.0, **kw})


def test_cooling_defaults_follow_the_source_document():
    assert COOLING_DEFAULTS["air"].source_c == 30.0
    assert COOLING_DEFAULTS["air"].t_max_c == 30.0
    assert (COOLING_DEFAULTS["warm_water"].t_min_c, COOLING_DEFAULTS["warm_water"].t_max_c) == \
        (45.0, 60.0)
    assert (COOLING_DEFAULTS["liquid"].t_min_c, COOLING_DEFAULTS["liquid"].t_max_c) == \
        (60.0, 75.0)
    assert COOLING_DEFAULTS["liquid"].max_inlet_c == 55.0  # DOMAIN.md criterion 8
    assert unit(cooling="liquid").source_c == 65.0
    assert unit(cooling="warm_water", source_temperature_c=50).source_c == 50.0


def test_norderstedt_air_cooled_needs_heat_pump_with_cop_about_3():
    d = design_feedin(unit(cooling="air"), 81.0)
    assert d.mode == "heat_pump" and d.needs_heat_pump
    assert d.t_cold_k == pytest.approx(27.0 + K0)  # 30 °C source − 3 K approach
    assert d.t_hot_k == pytest.approx(84.0 + K0)  # 81 °C supply + 3 K approach
    assert d.cop == pytest.approx(0.5 * (84 + K0) / 57.0)
    assert 2.8 < d.cop < 3.4  # "solved with a heat pump at COP ≈ 3"
    assert d.p_el_w == pytest.approx(1e6 / d.cop)
    assert d.q_source_w == pytest.approx(1e6 - d.p_el_w)
    assert d.cop_ok and d.outlet_ok
    assert d.t_out_k == pytest.approx(81.0 + K0)


@pytest.mark.parametrize("supply_c", [75.0, 81.0, 90.0])
def test_classical_dh_cop_range(supply_c):
    """Air-cooled heat into classical DH: COP 2.5–3.5 (source document §TL;DR)."""
    d = design_feedin(unit(cooling="air"), supply_c)
    assert 2.5 <= d.cop <= 3.5


@pytest.mark.parametrize("supply_c", [55.0, 60.0, 65.0])
def test_low_temperature_network_cop_range(supply_c):
    """Moderate lifts into 4G / low-temperature networks: COP 3.5–6."""
    d = design_feedin(unit(cooling="air"), supply_c)
    assert 3.5 <= d.cop <= 6.0


def test_liquid_cooling_feeds_4g_directly():
    d = design_feedin(unit(cooling="liquid"), 60.0)  # 65 °C − 3 K = 62 °C ≥ 60 °C
    assert d.mode == "direct" and not d.needs_heat_pump
    assert d.p_el_w == 0.0 and math.isinf(d.cop)
    assert d.q_out_w == d.q_source_w == 1e6
    assert d.t_out_k == pytest.approx(60.0 + K0)
    assert d.max_inlet_k == pytest.approx(55.0 + K0)
    d70 = design_feedin(unit(cooling="liquid", source_temperature_c=70), 65.0)
    assert d70.mode == "direct"


def test_liquid_cooling_into_3g_needs_a_small_stage():
    d = design_feedin(unit(cooling="liquid"), 81.0)
    assert d.mode == "heat_pump"
    assert d.lift_k == pytest.approx(22.0)
    assert d.cop > 6.0 and d.p_el_w < 0.15e6
    assert d.max_inlet_k == pytest.approx(65.0 + K0)  # the condenser's limit


def test_small_lift_cop_is_capped():
    """Liquid cooling at 70 °C (direct 67 °C) into 68 °C: lift 68 + 3 − 67 = 4 K, Carnot-grade
    COP 0.5 · 344.15 / 4 ≈ 43 — capped at ``cop_max`` (default 8), electricity Q/8."""
    d = design_feedin(unit(cooling="liquid", source_temperature_c=70), 68.0)
    assert d.mode == "heat_pump" and d.lift_k == pytest.approx(4.0)
    assert d.cop == 8.0 and d.p_el_w == pytest.approx(d.q_out_w / 8.0, rel=1e-12)
    assert any("capped" in n for n in d.notes)
    d20 = design_feedin(unit(cooling="liquid", source_temperature_c=70,
                             heat_pump={"cop_max": 20.0}), 68.0)
    assert d20.cop == 20.0


def test_old_hot_network_cop_below_minimum():
    d = design_feedin(unit(cooling="air"), 110.0)
    assert d.cop == pytest.approx(float(carnot_cop(113.0 + K0, 27.0 + K0, 0.5)))
    assert d.cop < 2.5 and not d.cop_ok


def test_heat_pump_not_allowed_feeds_too_cold():
    d = design_feedin(unit(cooling="air", heat_pump={"allowed": False}), 81.0)
    assert d.mode == "too_cold"
    assert d.t_out_k == pytest.approx(27.0 + K0)
    assert not d.outlet_ok
    assert d.p_el_w == 0.0


def test_it_load_gives_source_heat_and_heat_pump_adds_electricity():
    u = unit(q_kw=None, it_load_kw=1000.0)  # liquid, 0.9 recoverable
    direct = design_feedin(u, 60.0)
    assert direct.q_out_w == pytest.approx(0.9e6)
    hp = design_feedin(u.model_copy(update={"cooling": "air"}), 81.0)
    assert hp.q_source_w == pytest.approx(0.9e6)
    assert hp.q_out_w == pytest.approx(0.9e6 * hp.cop / (hp.cop - 1.0))
    assert hp.q_out_w - hp.p_el_w == pytest.approx(0.9e6)


def test_inlet_check_and_overrides():
    d = design_feedin(unit(cooling="liquid"), 60.0, t_return_local_c=57.0)
    assert d.inlet_ok is False
    assert design_feedin(unit(cooling="liquid"), 60.0, t_return_local_c=40.0).inlet_ok is True
    assert design_feedin(unit(), 60.0).inlet_ok is None
    d = design_feedin(unit(cooling="liquid", max_inlet_c=60.0), 60.0, t_return_local_c=57.0)
    assert d.inlet_ok is True
    d = design_feedin(unit(cooling="air", heat_pump={"max_inlet_c": 50}), 81.0, 55.0)
    assert d.inlet_ok is False
    d = design_feedin(unit(cooling="liquid", required_supply_c=58.0), 81.0)
    assert d.mode == "direct" and d.required_supply_k == pytest.approx(58.0 + K0)


@pytest.mark.parametrize("kw, text", [
    ({"supply_junction": "B_s"}, "not both"),
    ({"node": None}, "give 'node'"),
    ({"it_load_kw": 10.0}, "exactly one"),
    ({"q_kw": None}, "exactly one"),
    ({"cooling": "air", "source_temperature_c": 45.0}, "outside the air range"),
    ({"cooling": "custom"}, "custom"),
    ({"colour": "red"}, "Extra inputs"),
    ({"q_kw": -1.0}, "greater than 0"),
])
def test_invalid_units_are_rejected(kw, text):
    with pytest.raises(ValidationError, match=text):
        unit(**kw)


def test_junctions_and_feedin_rows():
    u = unit(cooling="liquid")
    assert u.junctions == ("B_s", "B_r")
    assert P2HUnit(id="x", supply_junction="a", return_junction="b", q_kw=1).junctions == \
        ("a", "b")
    d = design_feedin(u, 60.0)
    (row,) = to_feedin_rows(u, d)
    assert row == {"id": "dc", "return_junction": "B_r", "supply_junction": "B_s", "q_w": 1e6,
                   "t_out_k": pytest.approx(60.0 + K0), "control": "q",
                   "mdot_kg_s": pytest.approx(math.nan, nan_ok=True), "in_service": True}
    df = feedin_table([row])
    assert list(df.index) == ["dc"] and df.at["dc", "q_w"] == 1e6
    with pytest.raises(ValueError, match="no design"):
        to_feedin_rows([u, unit(id="other")], [d])


def test_with_feedins_solves_and_leaves_the_input_alone():
    net = single_pipe_network(q_w=200e3, u_w_per_mk=0.2)
    u = unit(q_kw=50.0, cooling="liquid", source_temperature_c=75)
    d = design_feedin(u, 72.0)
    new = with_feedins(net, to_feedin_rows(u, d))
    assert net.feedins.empty and len(new.feedins) == 1
    res = solve(new)
    f = res.feedins.loc["dc"]
    assert f["q_w"] == pytest.approx(50e3, rel=1e-9)
    assert f["t_out_k"] == pytest.approx(72.0 + K0)
    assert f["mdot_kg_s"] > 0
    with pytest.raises(ValueError, match="already"):
        with_feedins(new, to_feedin_rows(u, d))
