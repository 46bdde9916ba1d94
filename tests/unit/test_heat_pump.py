"""Heat-pump COP (eta * Carnot) cases, incl. the Norderstedt data-centre example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from p2h_hydraulics.physics import HeatPumpStage, carnot_cop, heat_pump_stage

K = 273.15
APPROACH = 5.0  # K, evaporator below the source temperature


def test_formula():
    assert carnot_cop(350.0, 300.0) == pytest.approx(0.5 * 350.0 / 50.0, rel=1e-15)
    assert carnot_cop(350.0, 300.0, eta=1.0) == pytest.approx(7.0)


def test_norderstedt_cop_about_3():
    # 81 degC supply; air-cooled data centre 25-30 degC source, 5 K evaporator approach.
    # Formula: 0.5*354.15/(354.15-295.15) = 3.0013 for a 27 degC source (22 degC evaporator).
    assert carnot_cop(81 + K, 27 + K - APPROACH) == pytest.approx(3.0013, abs=1e-4)
    cops = carnot_cop(81 + K, np.array([25.0, 30.0]) + K - APPROACH)
    np.testing.assert_allclose(cops, [2.903, 3.162], atol=1e-3)
    assert np.all((cops > 2.8) & (cops < 3.2))


@pytest.mark.parametrize(("t_supply_c", "t_source_c"), [(85, 20), (90, 30), (80, 25)])
def test_classical_district_heating_range(t_supply_c, t_source_c):
    assert 2.5 <= carnot_cop(t_supply_c + K, t_source_c + K) <= 3.5


@pytest.mark.parametrize(("t_supply_c", "t_source_c"), [(60, 20), (50, 15), (45, 15), (50, 10)])
def test_low_temperature_network_range(t_supply_c, t_source_c):
    assert 3.5 <= carnot_cop(t_supply_c + K, t_source_c + K) <= 6.0


def test_invalid_scalar_inputs_raise():
    with pytest.raises(ValueError, match="t_hot_k > t_cold_k"):
        carnot_cop(300.0, 300.0)
    with pytest.raises(ValueError, match="t_hot_k > t_cold_k"):
        carnot_cop(290.0, 300.0)
    with pytest.raises(ValueError, match="eta"):
        carnot_cop(350.0, 300.0, eta=1.5)
    with pytest.raises(ValueError, match="absolute"):
        carnot_cop(80.0, -10.0)


def test_array_nonpositive_lift_is_inf():
    cop = carnot_cop(np.array([350.0, 300.0, 290.0]), 300.0)
    assert cop[0] == pytest.approx(3.5) and np.isinf(cop[1]) and np.isinf(cop[2])


def test_heat_pump_stage_energy_balance():
    s = heat_pump_stage(1.0e6, 81 + K, 22 + K)
    assert isinstance(s, HeatPumpStage)
    assert s.cop == pytest.approx(3.0013, abs=1e-4)
    assert s.p_el_w == pytest.approx(1.0e6 / s.cop)
    assert s.q_source_w + s.p_el_w == pytest.approx(s.q_out_w, rel=1e-15)
    assert s.lift_k == pytest.approx(59.0) and s.t_hot_k == 81 + K and s.t_cold_k == 22 + K
    with pytest.raises(AttributeError):
        s.cop = 4.0  # frozen
    assert math.isfinite(s.p_el_w)


def test_cop_ceiling_caps_small_lifts_only():
    """A 4 K lift gives a Carnot-grade COP of 0.5·344/4 = 43; the ceiling caps it and the
    electricity follows (P_el = Q/COP); a 40 K lift (COP 4.3) is unchanged."""
    capped = heat_pump_stage(1e6, 344.0, 340.0, 0.5, cop_max=8.0)
    assert capped.cop == 8.0
    assert capped.p_el_w == pytest.approx(1e6 / 8.0, rel=1e-12)
    assert capped.q_source_w == pytest.approx(1e6 - 1e6 / 8.0, rel=1e-12)
    big = heat_pump_stage(1e6, 344.0, 304.0, 0.5, cop_max=8.0)
    assert big.cop == pytest.approx(0.5 * 344.0 / 40.0, rel=1e-15)
    assert heat_pump_stage(1e6, 344.0, 340.0, 0.5).cop == pytest.approx(43.0, rel=1e-12)
