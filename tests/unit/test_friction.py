"""Friction factor and pipe pressure drop vs fluids and hand-computed Darcy-Weisbach."""

from __future__ import annotations

import math
import warnings

import fluids.friction as ff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p2h_hydraulics.physics import friction as fr

RE_TURB = np.geomspace(4e3, 1e8, 60)
REL_ROUGH = np.concatenate([[0.0], np.geomspace(1e-7, 0.05, 20)])


def fluids_oracle(fn, re, rr, **kw):
    with warnings.catch_warnings():  # fluids' Lambert-W path may overflow and fall back
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.array([fn(float(r), float(e), **kw) for r, e in zip(re, rr, strict=True)])


def test_colebrook_vs_fluids():
    re, rr = (a.ravel() for a in np.meshgrid(RE_TURB, REL_ROUGH))
    f = fr.friction_factor(re, rr)
    np.testing.assert_allclose(f, fluids_oracle(ff.Colebrook, re, rr), rtol=1e-10, atol=0)
    clamond = fluids_oracle(ff.friction_factor, re, rr, Method="Clamond")
    np.testing.assert_allclose(f, clamond, rtol=1e-10, atol=0)


def test_colebrook_residual_machine_precision():
    re, rr = (a.ravel() for a in np.meshgrid(RE_TURB, REL_ROUGH))
    x = fr.friction_factor(re, rr) ** -0.5
    res = x + 2.0 * np.log10(rr / 3.7 + 2.51 * x / re)
    assert np.max(np.abs(res / x)) < 1e-14


def test_laminar_and_zero_flow():
    re = np.array([1e-2, 1.0, 100.0, 2000.0, 2300.0])
    np.testing.assert_allclose(fr.friction_factor(re, 1e-3), 64.0 / re, rtol=1e-15)
    f, df = fr.friction_factor_and_derivative(re, 0.0)
    np.testing.assert_allclose(df, -64.0 / re**2, rtol=1e-15)
    for r in (0.0, 1e-12, fr.RE_FLOOR / 2):
        f, df = fr.friction_factor_and_derivative(r, 0.0)
        assert math.isfinite(f) and math.isfinite(df)
        assert fr.friction_times_re(r, 0.0) == 64.0
    np.testing.assert_allclose(fr.friction_times_re(re, 0.0), 64.0, rtol=1e-15)


@pytest.mark.parametrize("rr", [0.0, 1e-4, 1e-3, 0.05])
@pytest.mark.parametrize("re0", [fr.RE_LAMINAR, fr.RE_TURBULENT])
def test_transition_is_c1(rr, re0):
    lo, hi = re0 * (1 - 1e-12), re0 * (1 + 1e-12)
    f_lo, d_lo = fr.friction_factor_and_derivative(lo, rr)
    f_hi, d_hi = fr.friction_factor_and_derivative(hi, rr)
    assert f_lo == pytest.approx(f_hi, rel=1e-10)
    assert d_lo == pytest.approx(d_hi, rel=1e-8)
    f_turb = fluids_oracle(ff.Colebrook, [4000.0], [rr])[0]
    assert fr.friction_factor(4000.0, rr) == pytest.approx(f_turb, rel=1e-10)
    assert fr.friction_factor(2300.0, rr) == pytest.approx(64 / 2300, rel=1e-15)


@pytest.mark.parametrize("rr", [0.0, 1e-4, 0.05])
def test_derivative_vs_finite_differences(rr):
    re = np.concatenate(
        [np.geomspace(1.0, 2299.0, 30), np.linspace(2301, 3999, 30), np.geomspace(4001, 1e8, 60)]
    )
    f, df = fr.friction_factor_and_derivative(re, rr)
    h = 1e-6 * re
    fd = (fr.friction_factor(re + h, rr) - fr.friction_factor(re - h, rr)) / (2 * h)
    # relative 1e-6, plus FD round-off floor eps*f/h for the nearly flat fully-rough regime
    assert np.all(np.abs(df - fd) <= 1e-6 * np.abs(fd) + 1e-9 * f / re)


def test_vectorised_broadcasting_and_scalars():
    assert isinstance(fr.friction_factor(1e5, 1e-4), float)
    out = fr.friction_factor(np.array([[1e3], [1e5]]), np.array([0.0, 1e-3, 1e-2]))
    assert out.shape == (2, 3)
    assert fr.friction_factor(-1e5, 1e-4) == fr.friction_factor(1e5, 1e-4)
    with pytest.raises(ValueError):
        fr.friction_factor(1e5, -1e-4)


# Pressure drop ---------------------------------------------------------------------------
RHO, MU = 977.76, 4.04e-4  # water ~70 degC
D_DN100, K_ROUGH, L_1KM = 0.1071, 1e-4, 1000.0


def test_pressure_drop_dn100_hand_computed():
    mdot = 10.0
    area = math.pi * D_DN100**2 / 4
    v = mdot / (RHO * area)
    re = RHO * v * D_DN100 / MU
    f = ff.Colebrook(re, K_ROUGH / D_DN100)
    dp_hand = f * L_1KM / D_DN100 * RHO * v**2 / 2
    dp, ddp = fr.pressure_drop_pipe(mdot, L_1KM, D_DN100, K_ROUGH, RHO, MU)
    assert dp == pytest.approx(dp_hand, rel=1e-10)
    assert dp == pytest.approx(ff.one_phase_dP(mdot, RHO, MU, D_DN100, K_ROUGH, L_1KM), rel=1e-9)
    assert 100.0 < dp / L_1KM < 140.0  # ~120 Pa/m: typical DN100 design loading
    dpn, ddpn = fr.pressure_drop_pipe(-mdot, L_1KM, D_DN100, K_ROUGH, RHO, MU)
    assert dpn == -dp and ddpn == ddp
    zeta = 3.5
    dpz, _ = fr.pressure_drop_pipe(mdot, L_1KM, D_DN100, K_ROUGH, RHO, MU, zeta=zeta)
    assert dpz == pytest.approx(dp_hand + zeta * RHO * v**2 / 2, rel=1e-10)


def test_pressure_drop_laminar_is_hagen_poiseuille():
    mdot = np.array([0.0, 1e-9, 1e-4, 5e-3])  # Re <= ~160
    dp, ddp = fr.pressure_drop_pipe(mdot, L_1KM, D_DN100, K_ROUGH, RHO, MU)
    slope = 128 * MU * L_1KM / (math.pi * D_DN100**4 * RHO)
    np.testing.assert_allclose(dp, slope * mdot, rtol=1e-13)
    np.testing.assert_allclose(ddp, slope, rtol=1e-13)


@pytest.mark.parametrize(
    ("length", "zeta"), [(0.0, 2.0), (50.0, 0.0), (50.0, 2.0), (1000.0, 0.0), (1000.0, 2.0)]
)
def test_pressure_drop_derivative_fd(length, zeta):
    m = np.concatenate([-np.geomspace(1e-3, 50, 40), [0.0], np.geomspace(1e-3, 50, 40)])
    dp, ddp = fr.pressure_drop_pipe(m, length, D_DN100, K_ROUGH, RHO, MU, zeta)
    h = 1e-6 * np.maximum(np.abs(m), 1e-3)
    dp_p, _ = fr.pressure_drop_pipe(m + h, length, D_DN100, K_ROUGH, RHO, MU, zeta)
    dp_m, _ = fr.pressure_drop_pipe(m - h, length, D_DN100, K_ROUGH, RHO, MU, zeta)
    np.testing.assert_allclose(ddp, (dp_p - dp_m) / (2 * h), rtol=1e-5)
    assert np.all(ddp > 0.0)
    assert np.all(np.sign(dp) == np.sign(m))


def test_pure_zeta_element_regularisation():
    zeta, mdot = 4.0, 2.0
    area = math.pi * D_DN100**2 / 4
    dp, ddp = fr.pressure_drop_pipe(mdot, 0.0, D_DN100, 0.0, RHO, MU, zeta)
    v = mdot / (RHO * area)
    assert dp == pytest.approx(zeta * RHO * v**2 / 2, rel=1e-9)  # (m_eps/m)^2/2 ~ 1e-10
    dp0, ddp0 = fr.pressure_drop_pipe(0.0, 0.0, D_DN100, 0.0, RHO, MU, zeta)
    assert dp0 == 0.0 and 0.0 < ddp0 < 1e-2


@settings(max_examples=60, deadline=None)
@given(
    m1=st.floats(-100.0, 100.0),
    m2=st.floats(-100.0, 100.0),
    d=st.floats(0.02, 1.0),
    rr=st.floats(0.0, 0.01),
    length=st.floats(1.0, 5000.0),
)
def test_pressure_drop_is_monotone(m1, m2, d, rr, length):
    lo, hi = sorted((m1, m2))
    dp, ddp = fr.pressure_drop_pipe(np.array([lo, hi]), length, d, rr * d, RHO, MU, 1.0)
    assert np.all(np.isfinite(dp)) and np.all(ddp > 0.0)
    assert dp[0] <= dp[1]
