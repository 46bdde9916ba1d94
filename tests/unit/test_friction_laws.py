"""Friction laws as a network setting (``settings["friction_law"]``), against outside oracles.

Oracles: ``fluids.friction`` (Colebrook, von Kármán fully rough, Swamee–Jain 1976) and
pandapipes' own friction formulas (``pandapipes.pf.derivative_toolbox`` / ``calc_lambda``);
water properties for the single-pipe cases from CoolProp IF97.
Tolerances: friction factors 1e-12 relative where the oracle has the same constants (fluids'
Colebrook, pandapipes' Nikuradse and Swamee–Jain); 1e-5 against fluids' Swamee–Jain, which writes
5.74 as 6.97^0.9 = 5.73997; derivatives 1e-6 relative against central differences; pressure
drops of a solved pipe 1e-4 relative (the tabulated water properties, see
tests/analytic/test_hydraulics_analytic.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from fluids.friction import Colebrook, Swamee_Jain_1976, von_Karman

from p2h_hydraulics import solve
from p2h_hydraulics.errors import ModelError
from p2h_hydraulics.model import network_from_records
from p2h_hydraulics.physics import friction as fr
from tests.analytic.test_hydraulics_analytic import P_REF, T, rho_mu

RE = np.array([1e-3, 10.0, 500.0, 2299.0, 2301.0, 3000.0, 3999.0, 4001.0, 1e4, 1e5, 1e6, 1e8])
RR = np.array([1e-6, 1e-4, 1e-3, 1e-2, 5e-2])


def test_laws_listed_and_schema_choices_agree():
    from p2h_hydraulics.model.schema import SETTINGS

    attr = {a.name: a for a in SETTINGS}["friction_law"]
    assert attr.default == fr.DEFAULT_FRICTION_LAW == "colebrook"
    assert set(attr.choices) == set(fr.FRICTION_LAWS)


@pytest.mark.parametrize("rr", RR)
def test_colebrook_is_the_default_and_matches_fluids(rr):
    re = np.array([4000.0, 1e4, 1e5, 1e7])
    f = fr.friction_factor(re, rr, "colebrook")
    np.testing.assert_array_equal(f, fr.friction_factor(re, rr))
    np.testing.assert_allclose(f, [Colebrook(x, rr) for x in re], rtol=1e-12)


@pytest.mark.parametrize("rr", RR)
def test_nikuradse_is_laminar_plus_fully_rough(rr):
    """f = 64/Re + von Kármán's fully rough value with STANET's constant 3.71 (fluids writes
    3.7: eD·3.7/3.71 turns one into the other exactly)."""
    re = RE[RE >= 1.0]
    f = fr.friction_factor(re, rr, "nikuradse")
    expected = 64.0 / re + von_Karman(rr * 3.7 / 3.71)
    np.testing.assert_allclose(f, expected, rtol=1e-12)
    np.testing.assert_allclose(fr.friction_times_re(re, rr, "nikuradse"), expected * re,
                               rtol=1e-12)
    assert fr.friction_times_re(0.0, rr, "nikuradse") == 64.0


def test_nikuradse_and_swamee_jain_match_pandapipes_formulas():
    pytest.importorskip("pandapipes")
    from pandapipes.pf.derivative_toolbox import calc_lambda_nikuradse_incomp_np

    d = np.full(6, 0.1)
    k = np.array([1e-5, 1e-4, 5e-4, 1e-3, 2e-3, 1e-4])
    eta = np.full(6, 1e-3)
    area = np.pi * d**2 / 4
    m = np.array([0.01, 0.5, 3.0, 10.0, 40.0, -7.0])
    re, lam, rough = calc_lambda_nikuradse_incomp_np(m, d, k, eta, area)
    np.testing.assert_allclose(fr.friction_factor(re, k / d, "nikuradse"), lam + rough,
                               rtol=1e-12)
    turb = re >= fr.RE_TURBULENT
    sj_pp = 0.25 / np.log10(k / (3.7 * d) + 5.74 / re**0.9) ** 2  # pandapipes' "swamee-jain"
    np.testing.assert_allclose(fr.friction_factor(re, k / d, "swamee_jain")[turb], sj_pp[turb],
                               rtol=1e-12)


@pytest.mark.parametrize("rr", RR)
def test_swamee_jain_matches_fluids(rr):
    re = np.array([4000.0, 1e4, 1e5, 1e6, 1e8])
    f = fr.friction_factor(re, rr, "swamee_jain")
    np.testing.assert_allclose(f, [Swamee_Jain_1976(x, rr) for x in re], rtol=1e-5)
    # below Re 2300 every law but Nikuradse is Hagen–Poiseuille
    np.testing.assert_allclose(fr.friction_factor(1000.0, rr, "swamee_jain"), 0.064, rtol=1e-15)


@pytest.mark.parametrize("law", fr.FRICTION_LAWS)
def test_derivative_matches_central_difference(law):
    re, rr = np.meshgrid(RE[(RE > 100) & (np.abs(RE - 2300) > 5) & (np.abs(RE - 4000) > 5)],
                         RR)
    f, df = fr.friction_factor_and_derivative(re, rr, law)
    h = re * 1e-6
    fd = (fr.friction_factor(re + h, rr, law) - fr.friction_factor(re - h, rr, law)) / (2 * h)
    np.testing.assert_allclose(df, fd, rtol=1e-6, atol=1e-14)
    assert np.all(np.isfinite(f)) and np.all(f > 0)


@pytest.mark.parametrize("law", fr.FRICTION_LAWS)
def test_pressure_drop_derivative_positive_and_consistent(law):
    m = np.array([-20.0, -1.0, -1e-4, 0.0, 1e-4, 0.3, 2.0, 20.0])
    dp, ddp = fr.pressure_drop_pipe(m, 500.0, 0.1, 1e-4, 990.0, 5e-4, 0.5, law=law)
    h = 1e-6 * np.maximum(np.abs(m), 1e-3)
    dp_p, _ = fr.pressure_drop_pipe(m + h, 500.0, 0.1, 1e-4, 990.0, 5e-4, 0.5, law=law)
    dp_m, _ = fr.pressure_drop_pipe(m - h, 500.0, 0.1, 1e-4, 990.0, 5e-4, 0.5, law=law)
    np.testing.assert_allclose(ddp, (dp_p - dp_m) / (2 * h), rtol=1e-5)
    assert np.all(ddp > 0) and np.all(np.sign(dp) == np.sign(m))


def test_unknown_law_and_smooth_nikuradse_rejected():
    with pytest.raises(ValueError, match="unknown friction law 'darcy'"):
        fr.friction_factor(1e5, 1e-3, "darcy")
    with pytest.raises(ValueError, match="k > 0"):
        fr.friction_factor(1e5, 0.0, "nikuradse")


def _pipe_net(law: str, k: float = 1e-4):
    recs = {
        "junctions": [{"id": "A"}, {"id": "B"}],
        "pipes": [{"id": "P", "from_junction": "A", "to_junction": "B", "length_m": 1000.0,
                   "d_inner_m": 0.1071, "roughness_m": k, "u_w_per_mk": 0.0}],
        "pressure_refs": [{"id": "ref", "junction": "A", "p_pa": P_REF, "t_k": T}],
        "mass_flows": [{"id": "s", "junction": "B", "mdot_kg_s": 10.0}],
    }
    return network_from_records(recs, {"friction_law": law})


@pytest.mark.parametrize("law", fr.FRICTION_LAWS)
def test_single_pipe_solve_honours_the_law(law):
    """Δp of one solved pipe = Darcy–Weisbach with the law's oracle factor (IF97 water)."""
    rho, mu = rho_mu()
    d, length, m, k = 0.1071, 1000.0, 10.0, 1e-4
    area = math.pi * d**2 / 4
    re = m * d / (area * mu)
    oracle = {"colebrook": Colebrook(re, k / d),
              "nikuradse": 64.0 / re + von_Karman(k / d * 3.7 / 3.71),
              "swamee_jain": Swamee_Jain_1976(re, k / d)}[law]
    expected = oracle * length / d * rho * (m / (rho * area)) ** 2 / 2
    r = solve(_pipe_net(law))
    dp = r.junctions.at["A", "p_pa"] - r.junctions.at["B", "p_pa"]
    assert dp == pytest.approx(expected, rel=1e-4 if law != "swamee_jain" else 2e-4)
    assert r.pipes.at["P", "dp_friction_pa"] == pytest.approx(dp, rel=1e-9)


def test_nikuradse_differs_from_colebrook_on_the_same_pipe():
    """The setting changes the answer: at Re ≈ 3e5, k/D ≈ 1e-3 the fully rough law lies 4 %
    below Colebrook (the pipe is not yet fully rough)."""
    dps = {law: float(np.diff(-solve(_pipe_net(law)).junctions["p_pa"].to_numpy())[0])
           for law in ("colebrook", "nikuradse")}
    assert dps["nikuradse"] < 0.97 * dps["colebrook"]


def test_settings_reject_unknown_law_and_smooth_pipe_under_nikuradse():
    with pytest.raises(ModelError, match="friction_law"):
        _pipe_net("prandtl")
    with pytest.raises(ModelError, match=r"pipes 'P', field 'roughness_m'.*Nikuradse"):
        _pipe_net("nikuradse", k=0.0)


@pytest.mark.parametrize("law", fr.FRICTION_LAWS)
def test_pandapipes_round_trip_and_backend(law):
    """ours → pandapipes' friction_model → ours; the pandapipes backend solves with the law
    (agreeing with the native solve to 1e-3 relative on the pressure drop)."""
    pytest.importorskip("pandapipes")
    from p2h_hydraulics.io.pandapipes_io import (
        FRICTION_TO_PANDAPIPES,
        from_pandapipes,
        to_pandapipes,
    )

    net = _pipe_net(law)
    ppnet = to_pandapipes(net)
    assert ppnet["user_pf_options"]["friction_model"] == FRICTION_TO_PANDAPIPES[law]
    assert from_pandapipes(ppnet).settings["friction_law"] == law
    if law == "swamee_jain":
        return  # pandapipes' swamee-jain has no laminar regime; compared above by formula
    native = solve(net)
    theirs = solve(net, backend="pandapipes")
    dp_n = native.junctions.at["A", "p_pa"] - native.junctions.at["B", "p_pa"]
    dp_p = theirs.junctions.at["A", "p_pa"] - theirs.junctions.at["B", "p_pa"]
    assert dp_p == pytest.approx(dp_n, rel=1e-3)


def test_pandapipes_net_friction_model_sets_the_law():
    pp = pytest.importorskip("pandapipes")
    from p2h_hydraulics.io.pandapipes_io import from_pandapipes, to_pandapipes

    ppnet = to_pandapipes(_pipe_net("colebrook"))
    ppnet["p2h_settings"].pop("friction_law")
    pp.set_user_pf_options(ppnet, friction_model="nikuradse")
    assert from_pandapipes(ppnet).settings["friction_law"] == "nikuradse"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_friction_law_survives_the_native_formats(tmp_path, fmt):
    from p2h_hydraulics import load_network, save_network

    path = tmp_path / ("net.json" if fmt == "json" else "net")
    save_network(_pipe_net("nikuradse"), path)
    assert load_network(path).settings["friction_law"] == "nikuradse"
