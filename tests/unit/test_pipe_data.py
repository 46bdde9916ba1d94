"""Pipe data as it comes: heat loss from insulation / per-m² coefficients, DN and type names.

References: the series of cylindrical resistances ``ln(r2/r1)/(2πλ)`` written out by hand here,
the exact line-source-with-mirror soil resistance ``arcosh(2H/D)/(2πλ)`` (the tool uses the
``ln(4H/D)`` form of EN 13941, which agrees within 0.2 % for H ≥ 4 D), EN 253 dimensions, and
the range of manufacturers' published heat-loss coefficients of single pre-insulated steel
pipes (DN100 series 1 ≈ 0.3 W/(m K)).
"""

from __future__ import annotations

import math

import pytest

from p2h_hydraulics.model.catalogue import catalogue, lookup
from p2h_hydraulics.model.pipe_data import parse_type_name, resolve_pipe_data
from p2h_hydraulics.physics.heat_loss import u_from_area_coefficient, u_from_insulation


def _r(d1, d2, lam):
    return math.log(d2 / d1) / (2 * math.pi * lam)


def test_u_from_insulation_equals_the_hand_sum_of_resistances():
    d_in, d_s, s, lam, s_c = 0.1071, 0.1143, 0.040, 0.027, 0.005
    d_ins = d_s + 2 * s  # 0.1943
    d_c = d_ins + 2 * s_c  # 0.2043
    h = 0.8 + d_c / 2
    r = (_r(d_in, d_s, 50.0) + _r(d_s, d_ins, lam) + _r(d_ins, d_c, 0.43)
         + math.log(4 * h / d_c) / (2 * math.pi * 1.5))
    u = u_from_insulation(d_s, s, lam, casing_thickness_m=s_c, d_inner_m=d_in)
    assert u == pytest.approx(1 / r, rel=1e-12)
    # the insulation dominates: steel wall and casing change U by < 1 %
    bare = u_from_insulation(d_s, s, lam)
    assert abs(bare - u) / u < 0.01
    # numbers: R_ins = ln(194.3/114.3)/(2π 0.027) = 0.53058/0.16965 = 3.1276 m K/W,
    # R_soil = ln(4·0.90215/0.2043)/(2π 1.5) = 0.3047, casing + wall 0.019 → U = 0.2898
    assert _r(d_s, d_ins, lam) == pytest.approx(3.1276, abs=1e-4)
    assert u == pytest.approx(0.2898, abs=2e-4)


def test_soil_resistance_form_agrees_with_the_exact_mirror_solution():
    d_c, lam_soil = 0.2043, 1.5
    h = 0.8 + d_c / 2
    exact = math.acosh(2 * h / d_c) / (2 * math.pi * lam_soil)
    used = math.log(4 * h / d_c) / (2 * math.pi * lam_soil)
    assert used == pytest.approx(exact, rel=2e-3)
    # more cover or wetter soil: the soil resistance changes U in the expected direction
    base = u_from_insulation(0.1143, 0.04, 0.027)
    assert u_from_insulation(0.1143, 0.04, 0.027, cover_depth_m=1.5) < base
    assert u_from_insulation(0.1143, 0.04, 0.027, lambda_soil_w_mk=2.0) > base


def test_u_in_the_range_of_manufacturers_figures():
    # single pre-insulated steel pipes, EN 253, series 1 / 2 / 3 (manufacturers' tables: DN100
    # series 1 ≈ 0.30–0.33, series 3 ≈ 0.22; DN50 series 1 ≈ 0.23–0.26 W/(m K))
    assert 0.27 <= lookup(100, "S1")[1] <= 0.36
    assert 0.18 <= lookup(100, "S3")[1] <= 0.26
    assert 0.20 <= lookup(50, "S1")[1] <= 0.28
    cat = catalogue()
    for dn in cat.index:  # thicker insulation, less loss
        assert cat.at[dn, "u_S1_w_per_mk"] > cat.at[dn, "u_S2_w_per_mk"] > \
            cat.at[dn, "u_S3_w_per_mk"]
    # 30 mm of PUR around a DN50 steel pipe, no casing
    assert 0.15 < u_from_insulation(0.0603, 0.030, 0.027) < 0.30
    with pytest.raises(ValueError):
        u_from_insulation(0.1143, 0.0, 0.027)


def test_u_from_area_coefficient():
    # 0.5 W/(m² K) over a 200 mm outer diameter: 0.5 π 0.2 = 0.31416 W/(m K)
    assert u_from_area_coefficient(0.5, 0.2) == pytest.approx(0.5 * math.pi * 0.2, rel=1e-15)
    assert u_from_area_coefficient(0.5, 0.2) == pytest.approx(0.314159, rel=1e-6)


@pytest.mark.parametrize("name, expect", [
    ("KMR DN100 Serie 2", {"dn": 100.0, "series": "S2"}),
    ("KMR DN 100 S2", {"dn": 100.0, "series": "S2"}),
    ("isoplus DN80 Standard", {"dn": 80.0, "series": "S1"}),
    ("DN 50 1x verstärkt", {"dn": 50.0, "series": "S2"}),
    ("DN 50 2x verstärkt", {"dn": 50.0, "series": "S3"}),
    ("Logstor DN150 Series 3", {"dn": 150.0, "series": "S3"}),
    ("DN65", {"dn": 65.0, "series": ""}),
])
def test_type_names_with_a_dn(name, expect):
    assert parse_type_name(name) == expect


def test_type_names_with_dimensions():
    p = parse_type_name("PE-Xa 32x2,9/90")
    assert p == {"d_outer_m": pytest.approx(0.032), "wall_m": pytest.approx(0.0029),
                 "casing_m": pytest.approx(0.090), "plastic": True}
    p = parse_type_name("St 114.3 x 3.6")
    assert p["plastic"] is False and math.isnan(p["casing_m"])
    assert parse_type_name("Hausanschluss") is None
    assert parse_type_name("10x6") is None  # wall thicker than the pipe


def test_resolve_each_route_and_say_which_applied():
    # type name with DN and series → EN 253 geometry and the catalogue U
    d = resolve_pipe_data({"type_name": "KMR DN100 Serie 2"})
    assert d.d_inner_m == pytest.approx(0.1143 - 2 * 0.0036)
    assert d.d_outer_m == pytest.approx(0.1143)
    assert d.u_w_per_mk == pytest.approx(lookup(100, "S2")[1])
    assert "type name" in d.diameter_source and "DN 100" in d.diameter_source
    assert d.u_source == "catalogue: DN 100 series S2"
    # a given inner diameter wins; per-m² coefficient over the (catalogue) outer diameter
    d = resolve_pipe_data({"dn": 100, "d_inner_m": 0.105, "u_w_per_m2k": 0.8})
    assert d.d_inner_m == 0.105 and d.diameter_source == "given"
    assert d.u_w_per_mk == pytest.approx(0.8 * math.pi * 0.1143)
    assert "outer diameter 114.3 mm" in d.u_source
    # per-m² without any outer diameter: over the inner diameter (pandapipes' rule)
    d = resolve_pipe_data({"d_inner_m": 0.1, "u_w_per_m2k": 1.0})
    assert d.u_w_per_mk == pytest.approx(math.pi * 0.1) and "inner" in d.u_source
    # insulation thickness + conductivity around the outer diameter
    d = resolve_pipe_data({"d_outer_m": 0.0603, "wall_m": 0.0032,
                           "insulation_thickness_m": 0.03,
                           "lambda_insulation_w_per_mk": 0.03})
    assert d.d_inner_m == pytest.approx(0.0539)
    assert d.diameter_source == "outer diameter − 2 × wall"
    assert d.u_w_per_mk == pytest.approx(u_from_insulation(0.0603, 0.03, 0.03,
                                                           d_inner_m=0.0539))
    assert d.u_source == "insulation 30 mm, λ 0.03 W/(m K)"
    d = resolve_pipe_data({"dn": 50, "insulation_thickness_m": 0.03})
    assert "default λ" in d.u_source
    # explicit U wins over everything
    assert resolve_pipe_data({"dn": 50, "u_w_per_mk": 0.2}).u_source == "given"
    # plastic service pipe with a casing: PUR fills the casing
    d = resolve_pipe_data({"type_name": "PE-Xa 32x2.9/90"})
    assert d.d_inner_m == pytest.approx(0.0262)
    assert 0.10 < d.u_w_per_mk < 0.25 and "casing 90 mm" in d.u_source
    # nothing usable: left to sizing, no heat loss
    d = resolve_pipe_data({"type_name": "unknown"})
    assert math.isnan(d.d_inner_m) and d.diameter_source == "none" and d.u_w_per_mk == 0.0
    d = resolve_pipe_data({"dn": 55})
    assert "not in the catalogue" in d.diameter_source
