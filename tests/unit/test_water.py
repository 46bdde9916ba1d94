"""Water properties vs IAPWS-IF97 oracles (CoolProp 'IF97::Water' and the iapws package)."""

from __future__ import annotations

import numpy as np
import pytest
from CoolProp.CoolProp import PropsSI
from iapws import IAPWS97
from iapws.iapws97 import _PSat_T

from p2h_hydraulics.physics import water

# Off-grid temperatures 1...199 degC, including grid-interval midpoints (worst case for interp).
T_TEST = np.unique(
    np.concatenate([np.arange(274.15, 472.2, 0.73), 273.4 + 0.5 * np.arange(1, 398, 7)])
)
TOL = {"rho": 1e-5, "cp": 1e-4, "mu": 1e-4, "psat": 1e-4, "h": 1e-4}


def p_ref_pa(t_k: np.ndarray) -> np.ndarray:
    """Table pressure convention max(10 bar, p_sat + 1 bar), computed from iapws."""
    psat = np.array([_PSat_T(t) for t in np.atleast_1d(t_k)]) * 1e6
    return np.maximum(10e5, psat + 1e5)


def coolprop(name: str, t_k: np.ndarray, p_pa: np.ndarray) -> np.ndarray:
    return np.asarray(PropsSI(name, "T", t_k, "P", p_pa, "IF97::Water"), dtype=float)


def rel_err(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1.0)))


def test_vs_coolprop_if97():
    p = p_ref_pa(T_TEST)
    assert rel_err(water.density(T_TEST), coolprop("D", T_TEST, p)) < TOL["rho"]
    assert rel_err(water.heat_capacity(T_TEST), coolprop("C", T_TEST, p)) < TOL["cp"]
    assert rel_err(water.viscosity(T_TEST), coolprop("V", T_TEST, p)) < TOL["mu"]
    q0 = np.zeros_like(T_TEST)
    psat = np.asarray(PropsSI("P", "T", T_TEST, "Q", q0, "IF97::Water"))
    assert rel_err(water.saturation_pressure(T_TEST), psat) < TOL["psat"]


def test_vs_iapws_package():
    p = p_ref_pa(T_TEST)
    states = [IAPWS97(T=float(t), P=float(pp) / 1e6) for t, pp in zip(T_TEST, p, strict=True)]
    assert all(s.region == 1 for s in states)  # compressed liquid
    rho = np.array([s.rho for s in states])
    cp = np.array([s.cp for s in states]) * 1e3
    mu = np.array([s.mu for s in states])
    psat = np.array([_PSat_T(float(t)) for t in T_TEST]) * 1e6
    assert rel_err(water.density(T_TEST), rho) < TOL["rho"]
    assert rel_err(water.heat_capacity(T_TEST), cp) < TOL["cp"]
    assert rel_err(water.viscosity(T_TEST), mu) < TOL["mu"]
    assert rel_err(water.saturation_pressure(T_TEST), psat) < TOL["psat"]


def test_enthalpy_vs_isobaric_if97():
    # Up to 175 degC the table pressure is 10 bar: h must be the IF97 isobaric rise from 0 degC.
    t = T_TEST[T_TEST <= 448.15]
    p = np.full_like(t, 10e5)
    ref = coolprop("H", t, p) - PropsSI("H", "T", 273.15, "P", 10e5, "IF97::Water")
    h = water.enthalpy(t)
    assert rel_err(h, ref) < TOL["h"]
    assert np.max(np.abs(h - ref)) < 0.5  # J/kg
    # Above, the table pressure rises with p_sat; cp's pressure dependence (~1e-4/bar) and
    # the neglected v*dp path term limit agreement with one isobar to ~1e-3 of the rise.
    t_hi = T_TEST[T_TEST > 448.15]
    p_hi = np.full_like(t_hi, 17e5)
    ref_hi = coolprop("H", t_hi, p_hi) - PropsSI("H", "T", 448.15, "P", 17e5, "IF97::Water")
    assert rel_err(water.enthalpy(t_hi) - water.enthalpy(448.15), ref_hi) < 2e-3


def test_enthalpy_reference_and_consistency_with_cp():
    assert water.enthalpy(273.15) == 0.0
    t = T_TEST[1:-1]
    dh_dt = (water.enthalpy(t + 0.05) - water.enthalpy(t - 0.05)) / 0.1
    assert rel_err(dh_dt, water.heat_capacity(t)) < 5e-4
    assert np.all(np.diff(water.enthalpy(T_TEST)) > 0)


def test_temperature_from_enthalpy_roundtrip():
    t = np.linspace(273.15, 473.15, 1001)
    np.testing.assert_allclose(water.temperature_from_enthalpy(water.enthalpy(t)), t, atol=1e-9)
    h = np.linspace(0.0, 8.5e5, 77)
    np.testing.assert_allclose(water.enthalpy(water.temperature_from_enthalpy(h)), h, rtol=1e-12)


def test_grid_nodes_exact_against_coolprop():
    t = np.array([273.15, 323.15, 373.15, 473.15])
    np.testing.assert_allclose(water.density(t), coolprop("D", t, p_ref_pa(t)), rtol=1e-14)


def test_range_and_clipping():
    lo, hi = water.TEMPERATURE_RANGE_K
    assert (lo, hi) == (273.15, 473.15)
    for fn in (water.density, water.heat_capacity, water.viscosity, water.saturation_pressure):
        assert fn(200.0) == fn(lo)
        assert fn(600.0) == fn(hi)
    assert water.temperature_from_enthalpy(-1e5) == lo
    assert water.temperature_from_enthalpy(1e7) == hi


def test_shapes_and_types():
    assert isinstance(water.density(330.0), float)
    assert isinstance(water.viscosity(330.0), float)
    arr = np.full((3, 4), 330.0)
    for fn in (
        water.density,
        water.heat_capacity,
        water.viscosity,
        water.saturation_pressure,
        water.enthalpy,
        water.temperature_from_enthalpy,
    ):
        out = fn(arr)
        assert out.shape == (3, 4) and out.dtype == np.float64
    assert water.density([300.0, 350.0]).shape == (2,)


@pytest.mark.parametrize(
    ("t_c", "rho", "psat_bar"),
    [(20.0, 998.2, 0.02339), (100.0, 958.4, 1.01418), (180.0, 887.3, 10.0263)],
)
def test_textbook_values(t_c, rho, psat_bar):
    t = t_c + 273.15
    assert water.density(t) == pytest.approx(rho, rel=1e-3)
    assert water.saturation_pressure(t) / 1e5 == pytest.approx(psat_bar, rel=1e-3)


def test_array_lookup_equals_linear_interpolation_of_the_table():
    """Arrays (> 64 values) take the computed-cell path: the same numbers as ``np.interp`` on
    the shipped table, inside the range, at its grid points and clipped outside it."""
    tab = water._table()
    rng = np.random.default_rng(3)
    t = np.concatenate([rng.uniform(250.0, 500.0, 500), tab.t[::37], [273.15, 473.15, 473.0]])
    ref = {"rho": water.density, "cp": water.heat_capacity, "h": water.enthalpy}
    for col, fn in ref.items():
        np.testing.assert_array_equal(fn(t), np.interp(t, tab.t, getattr(tab, col)))
    np.testing.assert_allclose(water.viscosity(t), np.exp(np.interp(t, tab.t, tab.log_mu)),
                               rtol=1e-15)
    # and the small-array / scalar path agrees with the large-array path
    np.testing.assert_array_equal(water.density(t[:10]), water.density(t)[:10])
    assert water.density(float(t[0])) == water.density(t)[0]


def test_array_inverse_equals_linear_interpolation_of_the_table():
    """``temperature_from_enthalpy`` on arrays (> 64 values) finds the cell through uniform
    enthalpy bins: bit for bit ``np.interp`` on the table — off-grid, at every grid point and
    its neighbouring floats, at every bin edge, clipped outside the range."""
    tab = water._table()
    h0, scale, cell, _ = water._enthalpy_bins()
    edges = h0 + np.arange(len(cell)) / scale
    rng = np.random.default_rng(5)
    h = np.concatenate([rng.uniform(tab.h[0] - 5e4, tab.h[-1] + 5e4, 200_000), tab.h,
                        np.nextafter(tab.h, np.inf), np.nextafter(tab.h, -np.inf), edges,
                        np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf),
                        [np.inf, -np.inf]])
    np.testing.assert_array_equal(water.temperature_from_enthalpy(h), np.interp(h, tab.h, tab.t))
    assert water.temperature_from_enthalpy(h[:10]).tolist() == \
        water.temperature_from_enthalpy(h)[:10].tolist()


def test_nan_in_nan_out_for_any_array_size():
    for n in (3, 200):
        t = np.full(n, 330.0)
        t[1] = np.nan
        h = water.enthalpy(t)
        out = water.temperature_from_enthalpy(h)
        assert np.isnan(out[1]) and np.all(np.isfinite(np.delete(out, 1)))
        for fn in (water.density, water.heat_capacity, water.viscosity, water.enthalpy,
                   water.saturation_pressure):
            out = fn(t)
            assert np.isnan(out[1]) and np.all(np.isfinite(np.delete(out, 1)))
