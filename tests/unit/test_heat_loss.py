"""Pipe heat loss: exact exponential vs hand value, ODE march, zero-flow and energy checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from p2h_hydraulics.physics import heat_loss as hl

T_IN, T_SOIL, U_L, LENGTH, MDOT, CP = 353.15, 283.15, 0.3, 1000.0, 2.0, 4190.0


def test_hand_value():
    # NTU = 0.3*1000/(2*4190) = 0.0357995...; 70 K * exp(-NTU) = 67.53836 K
    t_out = hl.outlet_temperature(T_IN, T_SOIL, U_L, LENGTH, MDOT, CP)
    assert t_out == pytest.approx(T_SOIL + 70.0 * math.exp(-300.0 / 8380.0), rel=1e-15)
    assert t_out == pytest.approx(350.68836, abs=1e-5)
    q = hl.heat_loss_w(T_IN, T_SOIL, U_L, LENGTH, MDOT, CP)
    assert q == pytest.approx(MDOT * CP * (T_IN - t_out), rel=1e-12)
    assert q == pytest.approx(20628.55, rel=1e-6)  # < U_L*L*(T_in-T_soil) = 21 kW


def march(t_in, t_soil, u, length, mdot, cp, n=20000):
    """Trapezoidal (Crank-Nicolson) march of |mdot| cp dT/dx = -u (T - t_soil)."""
    a = u * (length / n) / (abs(mdot) * cp)
    g = (1 - a / 2) / (1 + a / 2)
    t = t_in
    for _ in range(n):
        t = t_soil + (t - t_soil) * g
    return t


@pytest.mark.parametrize(
    ("u", "length", "mdot"), [(0.3, 1000.0, 2.0), (0.5, 5000.0, 0.1), (1.0, 200.0, -0.02)]
)
def test_vs_ode_march(u, length, mdot):
    exact = hl.outlet_temperature(T_IN, T_SOIL, u, length, mdot, CP)
    ref = march(T_IN, T_SOIL, u, length, mdot, CP)
    assert (exact - T_SOIL) == pytest.approx(ref - T_SOIL, rel=1e-6)


def test_zero_flow_no_nan_no_warning():
    mdot = np.array([0.0, -0.0, 1e-300, 1e-12, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t_out = hl.outlet_temperature(T_IN, T_SOIL, U_L, LENGTH, mdot, CP)
        k = hl.decay_factor(U_L, LENGTH, mdot, CP)
        q = hl.heat_loss_w(T_IN, T_SOIL, U_L, LENGTH, mdot, CP)
        assert hl.outlet_temperature(T_IN, T_SOIL, U_L, LENGTH, 0.0, CP) == T_SOIL
        assert hl.decay_factor(0.0, LENGTH, 0.0, CP) == 1.0  # lossless pipe
    assert np.all(np.isfinite(t_out)) and np.all(np.isfinite(q))
    np.testing.assert_array_equal(t_out[:4], T_SOIL)
    np.testing.assert_array_equal(k[:4], 0.0)
    assert q[0] == 0.0 and q[3] == pytest.approx(1e-12 * CP * 70.0)


def test_decay_factor_range_and_direction_symmetry():
    mdot = np.geomspace(1e-6, 1e3, 50)
    k = hl.decay_factor(U_L, LENGTH, mdot, CP)
    assert np.all((k >= 0) & (k <= 1)) and np.all(np.diff(k) >= 0)
    np.testing.assert_array_equal(k, hl.decay_factor(U_L, LENGTH, -mdot, CP))
    with pytest.raises(ValueError):
        hl.decay_factor(-1.0, LENGTH, 1.0, CP)


def test_energy_balance_vectorised():
    rng = np.random.default_rng(0)
    n = 200
    t_in = rng.uniform(300, 400, n)
    t_soil = rng.uniform(275, 295, n)
    u = rng.uniform(0.1, 1.0, n)
    length = rng.uniform(1, 3000, n)
    mdot = rng.uniform(-20, 20, n)
    t_out = hl.outlet_temperature(t_in, t_soil, u, length, mdot, CP)
    q = hl.heat_loss_w(t_in, t_soil, u, length, mdot, CP)
    np.testing.assert_allclose(q, np.abs(mdot) * CP * (t_in - t_out), rtol=1e-9, atol=1e-9)
    assert np.all(q <= u * length * (t_in - t_soil) * (1 + 1e-12))  # bounded by max loss
    assert np.all((t_out > t_soil) & (t_out < t_in))
    assert isinstance(hl.outlet_temperature(T_IN, T_SOIL, U_L, LENGTH, MDOT, CP), float)


def test_linear_u_from_area_u():
    assert hl.linear_u_from_area_u(0.5, 0.2) == pytest.approx(0.5 * math.pi * 0.2, rel=1e-15)
    np.testing.assert_allclose(
        hl.linear_u_from_area_u(np.array([1.0, 2.0]), 0.1), [math.pi * 0.1, math.pi * 0.2]
    )


def test_u_from_area_coefficient_is_the_outer_surface_per_metre():
    """U_L = U·π·d_outer: over 1 m, a pipe of 200 mm outer diameter has π·0.2 m² of surface
    (geometry, exact to rounding); negative U or non-positive diameter are rejected."""
    import math

    import numpy as np
    import pytest

    from p2h_hydraulics.physics.heat_loss import u_from_area_coefficient

    surface_m2 = math.pi * 0.2 * 1.0
    assert u_from_area_coefficient(1.5, 0.2) == pytest.approx(1.5 * surface_m2, rel=1e-15)
    np.testing.assert_allclose(u_from_area_coefficient([0.0, 2.0], [0.1, 0.3]),
                               [0.0, 2.0 * math.pi * 0.3], rtol=1e-15)
    with pytest.raises(ValueError):
        u_from_area_coefficient(-1.0, 0.2)
    with pytest.raises(ValueError):
        u_from_area_coefficient(1.0, 0.0)
