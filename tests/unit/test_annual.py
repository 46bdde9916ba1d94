"""Annual hour-by-hour feed-in analysis (``p2h_hydraulics.annual``, ``p2h annual``).

The main run is a reduced year (100 evenly spread hours plus a chosen winter and summer hour)
on the small radial 3G demo network with an air-cooled data centre behind a heat-pump stage,
computed once per module. Tolerances: bookkeeping identities hold to 1e-9 kW (they are sums of
the same numbers); the network's energy balance to 1e-6 relative (the solver's tolerance);
hours of the table reproduce a direct cold ``solve`` of the network built for that hour (the
solver's defaults, 1e-5 K) to 1e-5 relative (+ 1e-3 kW) — the warm-started annual solve stops
within the annual tolerance (``tolerance_k``, 1e-3 K), the direct one within 1e-5 K.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from p2h_hydraulics.annual import AnnualSettings, run_annual
from p2h_hydraulics.annual.inputs import (
    EXAMPLE_IT_LOAD,
    EXAMPLE_WEATHER,
    demand_factors,
    dhw_profile,
    load_weather,
    shipped_curves,
    soil_temperature_c,
    supply_temperature_c,
)
from p2h_hydraulics.annual.make_data import it_load_csv_text, weather_csv_text
from p2h_hydraulics.annual.run import network_for_hour, prepare
from p2h_hydraulics.annual.settings import SoilSettings
from p2h_hydraulics.check import check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError, ScenarioError
from p2h_hydraulics.scenario import load_scenario, parse_scenario_text
from p2h_hydraulics.solver import solve

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
SCENARIOS = ROOT / "scenarios"

SCEN = """\
name: annual_test
network: net.json
plant: {control: critical_point}
units:
  - id: dc
    node: M0
    q_kw: 80
    cooling: air
    hx_approach_k: 3
annual:
  weather: example
  supply_curve: 3g_90
  soil: {amplitude_k: 4, coldest_day: 45}
"""


def _write(tmp: Path, text: str = SCEN) -> Path:
    shutil.copy(SMALL, tmp / "net.json")
    p = tmp / "scen.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(prepared inputs, result, winter hour, summer hour) of the reduced year."""
    tmp = tmp_path_factory.mktemp("annual")
    path = _write(tmp)
    prep = prepare(path)
    t = prep.inputs.table
    jan = t[(t["month"] == 1) & (t["t_out_c"].between(-1.0, 1.0)) & (t["hour_of_day"] == 12)]
    jul = t[(t["month"] == 7) & (t["t_out_c"] > 18) & (t["hour_of_day"] == 12)]
    winter, summer = int(jan.index[0]), int(jul.index[0])
    hours = np.unique(np.concatenate([np.linspace(0, 8759, 100).round().astype(int),
                                      [winter, summer]]))
    prep = prepare(path, hours=hours)
    result = run_annual(prep, workers=2)
    return prep, result, winter, summer


def _row(result, hour: int) -> pd.Series:
    df = result.hourly
    return df[df["hour"] == hour].iloc[0]


# ------------------------------------------------------------------------------------------
# inputs


def test_shipped_example_files_are_reproducible():
    assert EXAMPLE_WEATHER.read_text(encoding="utf-8") == weather_csv_text()
    assert EXAMPLE_IT_LOAD.read_text(encoding="utf-8") == it_load_csv_text()


def test_example_weather_is_a_plausible_german_year():
    w = load_weather("example")
    t = w["t_out_c"].to_numpy()
    assert len(w) == 8760 and w["timestamp"].iloc[0] == pd.Timestamp("2023-01-01 00:00")
    assert -16 < t.min() < -10 and 27 < t.max() < 35 and 8.5 < t.mean() < 10.5
    monthly = w.groupby(w["timestamp"].dt.month)["t_out_c"].mean()
    assert monthly[1] < 3 and monthly[7] > 16 and monthly[7] - monthly[1] > 14
    degree_days = np.clip(15 - t, 0, None).sum() / 24
    assert 2000 < degree_days < 3000  # G15 of German cities
    assert np.allclose(t, np.round(t, 1))  # 0.1 °C like weather-service data


def test_shipped_supply_curves():
    assert set(shipped_curves()) == {"3g_110", "3g_90", "4g"}
    for name, cold, warm in (("3g_110", 110, 75), ("3g_90", 90, 75), ("4g", 70, 60)):
        v = supply_temperature_c([-20, -12, -1, 10, 25], name)
        assert v[0] == v[1] == cold and v[3] == v[4] == warm
        assert v[2] == pytest.approx((cold + warm) / 2)  # linear between the points
    assert supply_temperature_c(0.0, [[10, 70], [-10, 90]]) == pytest.approx(80.0)


def test_demand_model_dhw_share_and_design_point():
    w = load_weather("example")
    s = AnnualSettings(dhw_share=0.2, heating_limit_c=15, design_outdoor_c=-12)
    hod = w["timestamp"].dt.hour.to_numpy()
    phi, c = demand_factors(w["t_out_c"], hod, s)
    d = dhw_profile("residential")[hod]
    dhw = c["b"] * d
    assert dhw.sum() / phi.sum() == pytest.approx(0.2, rel=1e-12)
    # at the design temperature with average DHW draw the consumers draw their network load
    assert c["a_per_k"] * (15 + 12) + c["b"] == pytest.approx(1.0)
    summer = w["t_out_c"].to_numpy() >= 15
    assert np.allclose(phi[summer], dhw[summer])  # above the heating limit: hot water only
    assert dhw_profile("residential").mean() == pytest.approx(1.0)
    assert np.allclose(dhw_profile("flat"), 1.0)


def test_soil_temperature_sinusoid():
    ts = pd.date_range("2023-01-01", periods=8760, freq="h")
    t = soil_temperature_c(ts, SoilSettings(mean_c=10, amplitude_k=4, coldest_day=45), 9.0)
    assert t.min() == pytest.approx(6.0, abs=0.05) and t.max() == pytest.approx(14.0, abs=0.05)
    exact = soil_temperature_c(ts, SoilSettings(mean_c=10, amplitude_k=4, coldest_day=45,
                                                resolution_k=0), 9.0)
    assert ts[np.argmin(exact)].dayofyear == 45
    assert np.allclose(t * 10, np.round(t * 10))  # 0.1 K resolution
    assert np.all(soil_temperature_c(ts, 12.5, 9.0) == 12.5)
    default = soil_temperature_c(ts, SoilSettings(amplitude_k=0), 9.0)
    assert np.all(default == 9.0)  # mean from the network


def test_annual_block_validation_names_the_line(tmp_path):
    text = SCEN.replace("  supply_curve: 3g_90", "  supply_curv: 3g_90")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario_text(text, file="s.yaml")
    msg = str(exc.value)
    assert "s.yaml:12" in msg and "supply_curv" in msg and "supply_curve" in msg
    bad = SCEN.replace("  supply_curve: 3g_90", "  dhw_profile: [1, 2, 3]")
    with pytest.raises(ScenarioError, match="24 hourly values"):
        parse_scenario_text(bad, file="s.yaml")
    with pytest.raises(ScenarioError, match="unknown curve"):
        prepare(_write(tmp_path, SCEN.replace("3g_90", "5g")))


def test_input_files_errors(tmp_path):
    (tmp_path / "w.csv").write_text("time_x,temp\n1,2\n")
    path = _write(tmp_path, SCEN.replace("weather: example", "weather: w.csv"))
    with pytest.raises(InputFileError, match="t_out_c"):
        prepare(path)
    (tmp_path / "w.csv").write_text("t_out_c\n1.0\nabc\n")
    with pytest.raises(InputFileError, match="row 2"):
        prepare(path)
    # an empty line inside the data is a missing value (pandas alone would skip it and shift
    # every later hour); empty lines at the end are fine
    (tmp_path / "w.csv").write_text("t_out_c\n1.0\n\n2.0\n")
    with pytest.raises(InputFileError, match="line 3 is empty"):
        prepare(path)
    (tmp_path / "w.csv").write_text("# my station\nt_out_c\n1.0\n2.0\n\n\n")
    assert len(prepare(path).inputs.table) == 2
    # every row must be one hour: a gap, or 15-minute data, is refused with the row
    ts = pd.date_range("2023-01-01", periods=6, freq="h").delete(3)
    pd.DataFrame({"timestamp": ts, "t_out_c": 1.0}).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(InputFileError, match="row 4 .* 2 h after"):
        prepare(path)
    ts = pd.date_range("2023-01-01", periods=8, freq="15min")
    pd.DataFrame({"timestamp": ts, "t_out_c": 1.0}).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(InputFileError, match="0.25 h"):
        prepare(path)
    (tmp_path / "p.csv").write_text("C1,C99\n" + "1,2\n" * 8760)
    path = _write(tmp_path, SCEN.replace("  weather: example",
                                         "  weather: example\n  consumer_profiles: p.csv"))
    with pytest.raises(ScenarioError, match="C99"):
        prepare(path)


def test_user_weather_profiles_and_offer_factor(tmp_path):
    n = 48
    pd.DataFrame({"timestamp": pd.date_range("2024-07-01", periods=n, freq="h"),
                  "t_out_c": np.linspace(20, 5, n).round(1)}).to_csv(tmp_path / "w.csv",
                                                                     index=False)
    pd.DataFrame({"C1": np.full(n, 7.5)}).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame({"factor": np.r_[np.full(24, 0.5), np.ones(24)]}).to_csv(tmp_path / "u.csv",
                                                                          index=False)
    text = SCEN.replace("  weather: example", "  weather: w.csv\n  consumer_profiles: p.csv\n"
                                              "  unit_profiles: {dc: u.csv}")
    prep = prepare(_write(tmp_path, text))
    t = prep.inputs.table
    assert len(t) == n and t["month"].iloc[0] == 7
    i_c1 = list(prep.inputs.consumer_ids).index("C1")
    assert prep.inputs.q_w(3)[i_c1] == 7.5e3  # the profile replaces the model for C1
    assert prep.designs(0)[0].q_out_w == pytest.approx(40e3)
    assert prep.designs(30)[0].q_out_w == pytest.approx(80e3)


# ------------------------------------------------------------------------------------------
# the reduced year


def test_energy_bookkeeping_closes(run):
    prep, res, _, _ = run
    df = res.hourly
    assert len(df) == len(prep.hours)
    assert np.allclose(df["offered_kw"], df["absorbed_kw"] + df["rejected_kw"], atol=1e-9)
    assert (df["absorbed_kw"] >= 0).all() and (df["absorbed_kw"] <= df["offered_kw"] + 1e-9).all()
    ok = df[df["converged"]]
    assert len(ok) > 0.8 * len(df)
    # network heat = plant + feed-in = consumers + losses (the solver's energy balance)
    scale = ok["network_heat_kw"].abs() + 1.0
    assert (((ok["plant_kw"] + ok["feedin_network_kw"]) - ok["network_heat_kw"]).abs()
            <= 1e-9 * scale).all()
    assert ((ok["network_heat_kw"] - ok["consumer_kw"] - ok["loss_kw"]).abs()
            <= 1e-6 * scale).all()
    # the unit delivers what it is set to (its inlet is never clamped here): its flow is set
    # from the inlet temperature of the last iterate, its heat counted at the converged one;
    # they differ by at most the hour's temperature tolerance, so relatively by at most
    # tolerance_k / (outlet − inlet) — the unit lifts by ≥ 5 K (FEEDIN_DT_MIN_K)
    tol_k = prep.settings.tolerance_k
    assert (ok["feedin_network_kw"] - ok["absorbed_kw"]).abs().max() <= \
        tol_k / 5.0 * ok["absorbed_kw"].abs().max() + 1e-6
    # absorbed ≤ demand − plant minimum, in every hour that absorbs something
    feeding = ok[ok["absorbed_kw"] > 0]
    assert (feeding["absorbed_kw"] <= feeding["consumer_kw"] + feeding["loss_kw"]
            - feeding["plant_min_kw"] + 1e-6).all()
    assert (feeding["plant_flow_share"] >= 0.1 - 1e-12).all()
    # the summary is the sum of the table
    s = res.summary
    assert s["offered_mwh"] == pytest.approx(df["offered_kw"].sum() / 1e3)
    assert s["absorbed_mwh"] + s["rejected_mwh"] == pytest.approx(s["offered_mwh"])
    assert s["network_heat_mwh"] == pytest.approx(s["plant_heat_mwh"] + s["absorbed_mwh"],
                                                  rel=1e-9)
    assert s["hours_full_offer"] + s["hours_limited"] == s["hours"]
    assert sum(s["hours_limited_by"].values()) == s["hours_limited"]
    assert not s["full_year"]


def test_summer_hour_limited_by_absorption_winter_hour_not(run):
    _, res, winter, summer = run
    w, s = _row(res, winter), _row(res, summer)
    assert w["consumer_demand_kw"] > w["offered_kw"]
    assert w["limited_by"] == "" and w["absorbed_kw"] == pytest.approx(w["offered_kw"])
    assert s["consumer_demand_kw"] < s["offered_kw"]
    assert s["limited_by"] == "plant_min_flow" and s["absorbed_kw"] < s["offered_kw"]
    assert s["plant_flow_share"] == pytest.approx(0.1, abs=0.1 * 0.01 + 0.005)


def test_minimum_flow_limited_hour_is_bracketed_from_the_estimate(run):
    """Where the offer exceeds what the plant's minimum flow leaves, the search starts from
    the estimate (base case, probe just below it, probe one step above): three solves when
    the estimate is right — the full offer, which would push water back through the plant,
    is never solved."""
    _, res, _, summer = run
    s = _row(res, summer)
    assert s["limited_by"] == "plant_min_flow"
    assert s["solves"] <= 4, s["solves"]


def test_heat_pump_figures(run):
    _, res, winter, _ = run
    w = _row(res, winter)
    assert w["mode"] == "heat_pump" and 2.5 < w["cop"] < 3.5
    assert w["p_el_kw"] == pytest.approx(w["absorbed_kw"] / w["cop"])
    assert w["q_source_kw"] == pytest.approx(w["absorbed_kw"] - w["p_el_kw"])
    hp = res.summary["heat_pump"]
    df = res.hourly
    on = df["absorbed_kw"] > 0
    assert hp["electricity_mwh"] == pytest.approx(df.loc[on, "p_el_kw"].sum() / 1e3)
    assert hp["cop_mean_heat_weighted"] == pytest.approx(
        (df.loc[on, "absorbed_kw"] * df.loc[on, "cop"]).sum() / df.loc[on, "absorbed_kw"].sum())
    assert hp["seasonal_cop"] == pytest.approx(hp["heat_mwh"] / hp["electricity_mwh"])


def test_hours_equal_a_direct_single_hour_solve(run):
    prep, res, winter, summer = run
    df = res.hourly[res.hourly["converged"]]
    picks = [winter, summer, int(df["hour"].iloc[len(df) // 3])]
    for h in picks:
        row = _row(res, h)
        lam = row["absorbed_kw"] / row["offered_kw"]
        direct = solve(network_for_hour(prep, h, lam))  # cold start, default options
        s = direct.summary()
        for mine, theirs in (("plant_kw", s["plant_heat_kw"]),
                             ("consumer_kw", s["consumer_heat_kw"]),
                             ("loss_kw", s["heat_loss_kw"]),
                             ("feedin_network_kw", s["feedin_heat_kw"]),
                             ("plant_mdot_kg_s", s["plant_mdot_kg_s"])):
            assert row[mine] == pytest.approx(theirs, rel=1e-5, abs=1e-3), (h, mine)


def test_limits_agree_with_the_checker(run):
    """At the absorbed heat the checker permits the feed-in; one search step above, it refuses
    it for the criterion the table names."""
    prep, res, winter, summer = run
    flows = res.summary["design_flow_kg_s"]
    tol = prep.settings.search_rel_tol
    for h in (winter, summer):
        row = _row(res, h)
        net = network_for_hour(prep, h, lam=None, design_flows=flows)
        unit = prep.units[0]

        def verdict(q_kw, net=net, unit=unit):
            u = unit.model_copy(update={"q_kw": q_kw})
            return check_integration(net, units=[u], thresholds=prep.thresholds)

        ok = verdict(max(row["absorbed_kw"], 1e-3))
        assert ok.verdict != "NOT_PERMITTED", (h, [f.message for f in ok.violations])
        if row["limited_by"]:
            bad = verdict(row["absorbed_kw"] + tol * row["offered_kw"])
            assert bad.verdict == "NOT_PERMITTED" and bad.decisive_code == row["limited_by"]


def test_consumer_returns_are_judged_against_the_hours_soil(tmp_path):
    """Consumers set to return 12 °C, network soil 10 °C, the soil of the year 6–14 °C: the
    coldest day's hour accepts the offer; on the warmest day the returns are colder than the
    pipes' surroundings of that hour, which the annual analysis refuses as the checker does on
    the network built for that hour (not against the network's own 10 °C)."""
    rec = json.loads(SMALL.read_text(encoding="utf-8"))
    rec["settings"]["t_soil_k"] = 283.15
    for c in rec["consumers"]:
        c.update(control="t_return", t_return_k=285.15, delta_t_k=None)
    (tmp_path / "net.json").write_text(json.dumps(rec), encoding="utf-8")
    path = tmp_path / "scen.yaml"
    path.write_text(SCEN, encoding="utf-8")
    soil = prepare(path).inputs.table["t_soil_c"]
    cold, warm = int(soil.idxmin()), int(soil.idxmax())
    assert soil[cold] == pytest.approx(6.0) and soil[warm] == pytest.approx(14.0)
    prep = prepare(path, hours=np.array([cold, warm]))
    res = run_annual(prep, workers=1)
    flows = res.summary["design_flow_kg_s"]
    for hour, limit in ((cold, ""), (warm, "consumer_return_temperature")):
        row = _row(res, hour)
        assert row["limited_by"] == limit, hour
        rep = check_integration(network_for_hour(prep, hour, lam=None, design_flows=flows),
                                units=prep.units, thresholds=prep.thresholds)
        assert (rep.verdict == "NOT_PERMITTED") == bool(limit), hour
        if limit:
            assert rep.decisive_code == limit
            assert row["absorbed_kw"] == 0.0


def test_identical_hours_are_solved_once(run):
    _, res, _, _ = run
    df = res.hourly
    comp = res.summary["computation"]
    assert comp["distinct_hours"] == df["representative_hour"].nunique() <= len(df)
    keys = ["demand_factor", "t_supply_c", "t_soil_c", "offer_factor:dc"]
    for _, g in df.groupby(keys):
        assert g["absorbed_kw"].nunique() == 1 and g["representative_hour"].nunique() == 1


def test_figures_and_files(run, tmp_path):
    import matplotlib.pyplot as plt

    _, res, _, _ = run
    before = plt.get_fignums()
    figs = res.figures()
    assert set(figs) == {"duration_curves", "monthly"}
    assert all(len(f.axes) >= 1 for f in figs.values())
    assert plt.get_fignums() == before  # nothing registered with pyplot, nothing shown
    written = res.write(tmp_path / "out")
    names = sorted(p.name for p in written)
    try:
        import pyarrow  # noqa: F401

        table = "hourly.parquet"
    except ImportError:
        table = "hourly.csv"
    assert names == sorted([table, "summary.json", "duration_curves.png", "monthly.png"])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["hourly_table"]["file"] == table
    if table == "hourly.csv":
        assert "pyarrow" in summary["hourly_table"]["note"]
        back = pd.read_csv(tmp_path / "out" / table)
    else:
        back = pd.read_parquet(tmp_path / "out" / table)
        assert list(back.columns) == list(res.hourly.columns)
    assert len(back) == len(res.hourly)
    assert back["absorbed_kw"].sum() == pytest.approx(res.hourly["absorbed_kw"].sum())


# ------------------------------------------------------------------------------------------
# shipped scenarios and the command line


@pytest.mark.parametrize("name", ["annual_4g.yaml", "annual_3g.yaml"])
def test_shipped_annual_scenarios_load(name):
    scen = load_scenario(SCENARIOS / name)
    assert scen.annual is not None
    prep = prepare(scen)
    assert prep.inputs.n_hours == 8760
    assert len(prep.inputs.table["t_supply_c"].unique()) > 10  # a sliding curve


def test_cli_annual_json_and_out(tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["annual", str(SCENARIOS / "annual_3g.yaml"), "--sample", "6", "--workers", "1",
               "--out", str(out), "--json", "--no-figures"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert data["hours"] == 6 and data["scenario"] == "annual_3g"
    assert data["offered_mwh"] == pytest.approx(data["absorbed_mwh"] + data["rejected_mwh"])
    assert (out / "summary.json").exists()
    assert any((out / f).exists() for f in ("hourly.csv", "hourly.parquet"))


def test_cli_annual_terminal_and_bad_input(tmp_path, capsys):
    rc = main(["annual", str(SCENARIOS / "annual_4g.yaml"), "--sample", "3", "--workers", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and "absorbed by the network" in out and "not a full year" in out
    rc = main(["annual", str(tmp_path / "missing.yaml")])
    assert rc == 3
    path = _write(tmp_path, SCEN.replace("3g_90", "6g"))
    assert main(["annual", str(path), "--sample", "2"]) == 3


def test_warm_start_predictor_is_exact_for_states_linear_in_the_inputs():
    """The hour-to-hour predictor writes the step to the new inputs as a combination of the
    last steps: for states that depend linearly on the inputs the prediction is exact; with
    one state it is that state; with an ill-posed history it falls back to the last state."""
    from p2h_hydraulics.annual.engine import _Predictor
    from p2h_hydraulics.solver.native import State

    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 6))  # state = a @ inputs + b (every field)
    b = rng.normal(size=6)

    def state(u):
        v = a.T @ u + b
        return State(v.copy(), 2 * v, 3 * v, v[:1].copy())

    pred = _Predictor(depth=5)
    assert pred.predict(np.zeros(4), "fallback") == "fallback"
    inputs = [rng.normal(size=4) for _ in range(5)]
    pred.add(inputs[0], state(inputs[0]))
    np.testing.assert_array_equal(pred.predict(inputs[1], None).h, state(inputs[0]).h)
    for u in inputs[1:]:
        pred.add(u, state(u))
    new = inputs[-1] + 0.1 * rng.normal(size=4)
    got, want = pred.predict(new, None), state(new)
    for name in ("mdot_b", "p", "h", "lift"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-9,
                                   atol=1e-9)
    far = inputs[-1] + 100.0  # needs coefficients > 3: not extrapolated that far
    np.testing.assert_array_equal(pred.predict(far, None).h, state(inputs[-1]).h)


def _stub_hour_solver(margin):
    """An ``HourSolver`` whose solves are a margin function of λ (no network)."""
    from types import SimpleNamespace

    from p2h_hydraulics.annual import engine as E

    hs = E.HourSolver.__new__(E.HourSolver)
    hs.p = SimpleNamespace(rel_tol=0.005)
    hs.tried = []

    def evaluate(comp_h, case, lam, warm, base=None, self_base=False):
        hs.tried.append((float(lam), base))
        m = float(margin(lam))
        f = SimpleNamespace(code="consumer_supply_temperature", case="feedin", search_margin=m,
                            severity="violation" if m < 0 else "ok", element="C1",
                            message="m")
        return E._Eval(lam, state=None, res=f"res{lam:.4f}", violations=[f] if m < 0 else [],
                       findings=[f])

    hs.evaluate = evaluate
    return hs


@pytest.mark.parametrize("margin", [lambda x: np.cbrt(0.3 - x),
                                    lambda x: (0.3 - x) * (1 + 30 * abs(0.3 - x)),
                                    lambda x: 1 - np.exp(8 * (x - 0.3))])
def test_hour_search_on_curved_margins_needs_about_as_many_probes_as_bisection(margin):
    """Margins crossing zero at λ = 0.3 that curve (flat far off, steep near the crossing, or
    the reverse): the search ends with a pass within ``rel_tol`` below a failure around the
    crossing in at most 9 probes (bisection of [0, 1] to 0.005: 8; 11–14 while estimates at
    or beyond the failing end were probed just below it, one step at a time)."""
    hs = _stub_hour_solver(margin)
    lo, hi = hs.evaluate(None, None, 0.0, None), hs.evaluate(None, None, 1.0, None)
    lo, hi = hs._search(None, None, lo, hi, base="base-result")
    assert lo.ok and not hi.ok and 0.0 < hi.lam - lo.lam <= 0.005
    assert lo.lam <= 0.3 <= hi.lam
    probes = hs.tried[2:]
    assert len(probes) <= 9
    assert all(b == "base-result" for _, b in probes)  # judged against the hour's base case


def test_plant_flow_message_without_a_base_case():
    from types import SimpleNamespace

    from p2h_hydraulics.checks import Thresholds, check_plant_flow

    plant = pd.DataFrame({"mdot_kg_s": [1.5]}, index=pd.Index(["plant"]))
    ctx = SimpleNamespace(feedin=SimpleNamespace(plant=plant), base=None,
                          thresholds=Thresholds(), design_flow_kg_s={"plant": 20.0},
                          design_flow_source={})
    ctx.finding = lambda code, sev, **kw: SimpleNamespace(code=code, severity=sev, **kw)
    (f,) = check_plant_flow(ctx)
    assert f.severity == "violation" and "nan" not in f.message
    assert "with the feed-in is 1.50 kg/s = 7.5 % of its design flow" in f.message


def test_hour_options_follow_the_tolerance_setting():
    from p2h_hydraulics.annual.run import hour_options

    o = hour_options(AnnualSettings(tolerance_k=2e-4, max_outer_iterations=80))
    assert (o.tol_t_k, o.max_outer) == (2e-4, 80) and o.tol_flow_rel == pytest.approx(2e-6)
    assert hour_options(AnnualSettings()).tol_t_k == 1e-3
    for bad in (0.0, -1e-3, 0.5):
        with pytest.raises(ValueError, match="tolerance_k"):
            AnnualSettings(tolerance_k=bad)


MESHED_SCEN = """\
name: annual_meshed
network: net.json
plant: {control: critical_point}
units:
  - {id: dc, node: T1, q_kw: 400, cooling: liquid, source_temperature_c: 70,
     hx_approach_k: 3}
thresholds: {t_supply_min_c: 50}
annual:
  weather: example
  supply_curve: 4g
  max_outer_iterations: 120
"""


def test_the_same_hours_give_the_same_answers_on_any_number_of_workers(tmp_path):
    """The hours are chunked by their number alone (``chunk_count``), so a run on one worker
    and one on two workers (another executor, other processes) solve every hour from the
    same warm start: on a hilly meshed 4G network, where an hour's state depends on its warm
    start, every figure of the two tables is equal to the last bit."""
    from p2h_hydraulics.annual.run import chunk_count
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    assert [chunk_count(n) for n in (1, 40, 41, 600, 6585, 10**6)] == [1, 1, 2, 15, 32, 32]
    save_network(make_network(40, topology="meshed", generation="4g"), tmp_path / "net.json")
    path = tmp_path / "scen.yaml"
    path.write_text(MESHED_SCEN, encoding="utf-8")
    hours = np.arange(24) * 365 + 100
    one = run_annual(prepare(path, hours=hours), workers=1)
    two = run_annual(prepare(path, hours=hours), workers=2)
    assert one.hourly["converged"].all()
    pd.testing.assert_frame_equal(one.hourly, two.hourly, check_exact=True)


def test_hours_whose_state_need_not_be_unique_are_flagged(run, tmp_path):
    """``multiple_states``: a solve of the hour found branches whose head law falls with
    flow on a loop (natural convection). Never on a network without loops; on the hilly meshed
    4G network in the low-load hours (summer) only; counted in the summary."""
    _, res, _, _ = run
    assert not res.hourly["multiple_states"].any()
    assert res.summary["hours_multiple_states"] == 0
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    save_network(make_network(40, topology="meshed", generation="4g"), tmp_path / "net.json")
    path = tmp_path / "scen.yaml"
    path.write_text(MESHED_SCEN, encoding="utf-8")
    year = run_annual(prepare(path, hours=[100, 3750, 4480, 8495]), workers=1)
    flags = year.hourly.set_index("hour")["multiple_states"]
    assert flags.to_dict() == {100: False, 3750: True, 4480: True, 8495: False}
    assert year.summary["hours_multiple_states"] == 2


def test_second_start_tells_hours_whose_answer_depends_on_the_state(tmp_path):
    """``annual.second_start``: flagged hours are solved again from a cold start at the
    accepted feed-in. Where that settles in another state (``other_state``), a direct cold
    solve of the hour's network differs from the table's figures; where it does not, the
    direct solve reproduces them. Unflagged hours are never re-solved."""
    from p2h_hydraulics.io import save_network
    from p2h_hydraulics.synthetic import make_network

    save_network(make_network(40, topology="meshed", generation="4g"), tmp_path / "net.json")
    path = tmp_path / "scen.yaml"
    path.write_text(MESHED_SCEN + "  second_start: true\n", encoding="utf-8")
    prep = prepare(path, hours=[100, 1560, 3750, 4480])
    year = run_annual(prep, workers=1)
    df = year.hourly.set_index("hour")
    assert not (df["other_state"] & ~df["multiple_states"]).any()
    assert df.loc[3750, "other_state"] and not df.loc[4480, "other_state"]
    assert df.loc[3750, "other_state_limited_by"] == "consumer_supply_temperature"
    assert year.summary["hours_other_state"] == int(df["other_state"].sum())
    assert year.summary["hours_other_state_limited"] == 1
    for hour, other in ((3750, True), (4480, False)):
        row = df.loc[hour]
        lam = row["absorbed_kw"] / row["offered_kw"]
        direct = solve(network_for_hour(prep, hour, lam)).summary()  # a cold start
        same = abs(direct["plant_mdot_kg_s"] - row["plant_mdot_kg_s"]) <= 1e-3 * abs(
            row["plant_mdot_kg_s"]) and abs(direct["t_supply_min_consumer_c"]
                                             - row["t_supply_min_consumer_c"]) <= 0.05
        assert same != other, hour
    plain = run_annual(prepare(_write_meshed(tmp_path), hours=[3750]), workers=1)
    assert "other_state" not in plain.hourly and plain.summary["hours_other_state"] is None


def _write_meshed(tmp: Path) -> Path:
    p = tmp / "plain.yaml"
    p.write_text(MESHED_SCEN, encoding="utf-8")
    return p
