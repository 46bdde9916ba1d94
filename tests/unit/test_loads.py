"""Loads from annual heat consumption (``p2h_hydraulics.loads``): BDEW profiles via demandlib.

References: demandlib's own ``HeatBuilding.get_bdew_profile`` on the same weather (called here
directly, not through ``loads``). Tolerances: sums and ratios of the same floating-point numbers
to 1e-9 relative; demandlib's unscaled profile sums to the annual heat within 0.5 % (its hour
factors are rounded to four digits), which ``loads`` removes by one rescaling.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from demandlib.bdew import HeatBuilding

from p2h_hydraulics import loads
from p2h_hydraulics.annual.inputs import load_weather
from p2h_hydraulics.errors import ModelError, ScenarioError
from p2h_hydraulics.model import network_from_records

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
KWH = 3.6e6


def _demandlib(weather: pd.DataFrame, shlp: str, annual_kwh: float) -> np.ndarray:
    """demandlib's hourly profile [kW], called directly with the documented settings."""
    idx = pd.DatetimeIndex(weather["timestamp"])
    temp = pd.Series(np.clip(weather["t_out_c"].to_numpy(float), -20, 39), index=idx)
    bc = loads.RESIDENTIAL_BUILDING_CLASS if shlp in ("EFH", "MFH") else 0
    hb = HeatBuilding(idx, temperature=temp, shlp_type=shlp, building_class=bc,
                      wind_class=loads.WIND_CLASS, annual_heat_demand=annual_kwh)
    return np.asarray(hb.get_bdew_profile(), dtype=float)


@pytest.fixture(scope="module")
def weather():
    return load_weather("example")


@pytest.mark.parametrize("code", ["EFH", "MFH", "GHD", "GKO", "GBA"])
def test_annual_sum_of_the_profile_is_the_annual_heat(weather, code):
    annual_kwh = 23_456.0
    prof = loads.normalized_profile(code, weather) * annual_kwh
    assert prof.sum() == pytest.approx(annual_kwh, rel=1e-9)
    assert len(prof) == 8760 and (prof > 0).all()
    ref = _demandlib(weather, code, annual_kwh)
    assert ref.sum() == pytest.approx(annual_kwh, rel=5e-3)  # demandlib's rounding
    ratio = prof / ref  # the same shape: one constant rescaling
    assert ratio.max() - ratio.min() <= 1e-9 * ratio.mean()


@pytest.mark.parametrize("code", ["EFH", "GHD"])
def test_design_load_is_the_profile_value_at_the_design_temperature(weather, code):
    # a weather year with a cold spell held at T_design for two weeks: the profile's peak over
    # the last seven days (four-day mean = T_design, every weekday) is the design load
    t_design_c = -12.0
    w = weather.copy()
    spell = slice(8 * 24, 22 * 24)  # 9 … 22 January
    w.loc[w.index[spell], "t_out_c"] = t_design_c
    annual_kwh = 30_000.0
    ref = _demandlib(w, loads.profile_type(code), annual_kwh)
    ref *= annual_kwh / ref.sum()  # the documented rescaling to the exact annual heat
    peak_kw = ref[15 * 24:22 * 24].max()
    q_w = loads.design_loads_w([annual_kwh * KWH], [code], t_design_c + 273.15, w)[0]
    assert q_w / 1e3 == pytest.approx(peak_kw, rel=1e-9)
    # a colder design temperature gives a larger design load
    colder = loads.design_loads_w([annual_kwh * KWH], [code], 253.15, w)[0]
    assert colder > q_w


def test_both_code_families_give_the_same_profile_and_load(weather):
    for codes in (("EFH", "HEF", "hef03", "DE_HEF33", "SFH"), ("MFH", "HMF", "HMF34", "mfh")):
        q = loads.design_loads_w([1e11] * len(codes), codes, None, weather)
        assert np.all(q == q[0])
        p0 = loads.normalized_profile(codes[0], weather)
        for c in codes[1:]:
            assert np.array_equal(loads.normalized_profile(c, weather), p0)
    assert loads.profile_type("GKO") == "GKO" and loads.profile_type("GHD") == "GHD"
    assert loads.profile_type("XYZ") is None and loads.profile_type("") is None
    # EFH and MFH differ (the mapping is not trivially the same profile for everything)
    assert not np.allclose(loads.normalized_profile("EFH", weather),
                           loads.normalized_profile("MFH", weather))


def test_full_load_hours_are_plausible(weather):
    # annual heat / design load: 1,800–2,800 h for German residential buildings
    for code in ("EFH", "MFH"):
        hours = 1.0 / loads.design_fraction(code, None, weather)
        assert 1800 < hours < 2800, (code, hours)


def _records(consumers):
    junctions = [{"id": j} for j in ("ps", "pr", "s1", "r1")]
    pipes = [{"id": "sup", "from_junction": "ps", "to_junction": "s1", "length_m": 100,
              "dn": 50},
             {"id": "ret", "from_junction": "r1", "to_junction": "pr", "length_m": 100,
              "dn": 50}]
    plants = [{"id": "P", "return_junction": "pr", "supply_junction": "ps", "t_supply_c": 80}]
    base = {"supply_junction": "s1", "return_junction": "r1", "t_return_c": 50}
    return {"junctions": junctions, "pipes": pipes, "plants": plants,
            "consumers": [{**base, **c} for c in consumers]}


def test_reading_a_network_derives_the_design_load():
    net = network_from_records(_records([
        {"id": "A", "annual_heat_kwh": 20_000, "building_type": "HEF"},
        {"id": "B", "annual_heat_mwh": 50, "building_type": "GKO", "q_kw": 33},
    ]))
    c = net.consumers
    assert c.at["A", "annual_heat_j"] == pytest.approx(20_000 * KWH)
    assert c.at["B", "annual_heat_j"] == pytest.approx(50_000 * KWH)
    expect = loads.design_loads_w([20_000 * KWH], ["EFH"], loads.DEFAULT_T_DESIGN_K)[0]
    assert c.at["A", "q_w"] == pytest.approx(expect, rel=1e-12)
    assert c.at["B", "q_w"] == 33_000.0  # a given load is kept
    # without validation the load stays empty; fill_design_loads derives it (another T_design)
    raw = network_from_records(_records([{"id": "A", "annual_heat_kwh": 20_000,
                                          "building_type": "EFH"}]), validate=False)
    assert np.isnan(raw.consumers.at["A", "q_w"])
    cold = loads.fill_design_loads(raw, t_design_k=255.15)
    assert np.isnan(raw.consumers.at["A", "q_w"])  # input unchanged
    assert cold.consumers.at["A", "q_w"] > expect


def test_bad_loads_are_named():
    with pytest.raises(ModelError) as exc:
        network_from_records(_records([
            {"id": "A", "annual_heat_kwh": 20_000, "building_type": "VILLA"},
            {"id": "B", "annual_heat_kwh": 20_000},
            {"id": "C"},
            {"id": "D", "q_kw": 10},
        ]))
    text = str(exc.value)
    assert "consumers 'A', field 'building_type': unknown building type" in text
    assert "'VILLA'" in text and "EFH/HEF/SFH" in text and "GHA" in text
    assert "consumers 'B', field 'building_type'" in text
    assert "consumers 'C', field 'q_w': required field is missing" in text
    assert "'D'" not in text
    raw = network_from_records(_records([{"id": "A", "annual_heat_kwh": 1e4,
                                          "building_type": "VILLA"}]), validate=False)
    with pytest.raises(ModelError, match="consumers 'A'.*unknown building type"):
        loads.fill_design_loads(raw)


def test_weather_must_be_one_year(weather):
    with pytest.raises(ScenarioError, match="8760 or 8784"):
        loads.normalized_profile("EFH", weather.iloc[:1000])


def _annual_net(tmp: Path) -> tuple[Path, dict]:
    doc = json.loads(SMALL.read_text())
    types = ["EFH", "HMF", "GHD", "MFH", "GKO"]
    annual = {}
    for i, c in enumerate(doc["consumers"]):
        c["annual_heat_j"] = c.pop("q_w") * 2000 * 3600.0  # 2,000 full-load hours
        c["building_type"] = types[i % len(types)]
        annual[c["id"]] = (c["annual_heat_j"], c["building_type"])
    (tmp / "net.json").write_text(json.dumps(doc))
    return tmp / "net.json", annual


def test_annual_run_uses_the_profiles(tmp_path):
    from p2h_hydraulics.annual import run_annual
    from p2h_hydraulics.annual.run import prepare

    _, annual = _annual_net(tmp_path)
    scen = tmp_path / "scen.yaml"
    scen.write_text("name: bdew\nnetwork: net.json\nplant: {control: critical_point}\n"
                    "units:\n  - {id: dc, node: M0, q_kw: 30, cooling: liquid}\n"
                    "annual:\n  weather: example\n  supply_curve: 3g_90\n", encoding="utf-8")
    prep = prepare(scen)
    inp = prep.inputs
    total_kwh = sum(a for a, _ in annual.values()) / KWH
    # the year's consumer demand is the sum of the annual heats
    assert inp.table["consumer_demand_kw"].sum() == pytest.approx(total_kwh, rel=1e-9)
    w = load_weather("example")
    hours = [400, 4000, 8000]
    for h in hours:
        q = inp.q_w(h)
        for cid, qi in zip(inp.consumer_ids, q, strict=True):
            a, code = annual[cid]
            assert qi == pytest.approx(a / 3600.0 * loads.normalized_profile(code, w)[h],
                                       rel=1e-12)
    res = run_annual(scen, hours=hours, workers=1)
    df = res.hourly
    ok = df[df["converged"]]
    assert len(ok) == len(hours)
    # the solved network serves exactly the profile demand of each hour
    assert np.allclose(ok["consumer_kw"], ok["consumer_demand_kw"], rtol=1e-6)
    # and the hours differ as the profile does (winter ≫ summer)
    assert ok["consumer_kw"].iloc[0] > 3 * ok["consumer_kw"].iloc[1]
