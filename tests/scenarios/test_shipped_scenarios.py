"""Every shipped scenario gives its expected verdict and decisive finding — via the Python API and
via the ``p2h check`` command line (exit codes are a contract).

The expectations are written here *and* in each file's ``expected`` block; both must agree, so a
change of either is deliberate. The verdicts come from the physics (solves and the heat-pump
model), never from the ``expected`` block, which the checker does not read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from p2h_hydraulics.check import check_integration
from p2h_hydraulics.cli import main
from p2h_hydraulics.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# file → (verdict, code of the first decisive finding, its load case, exit code)
EXPECTED = {
    "norderstedt_air_hp.yaml": ("PERMITTED_WITH_CONDITIONS", "heat_pump", "winter", 0),
    "3g_liquid_small_hp.yaml": ("PERMITTED_WITH_CONDITIONS", "heat_pump", "winter", 0),
    "4g_direct_liquid.yaml": ("PERMITTED", None, None, 0),
    "old_hot_network.yaml": ("NOT_PERMITTED", "heat_pump", "winter", 1),
    "warm_return.yaml": ("NOT_PERMITTED", "feedin_return_temperature", "winter", 1),
    "summer_dp_fail.yaml": ("NOT_PERMITTED", "plant_min_flow", "summer", 1),
    "pathway_3g_to_4g.yaml": ("PERMITTED_WITH_CONDITIONS", "heat_pump", "winter", 0),
}

_reports: dict[str, object] = {}


def report(name: str):
    """The API report of a shipped scenario (computed once per test session)."""
    if name not in _reports:
        _reports[name] = check_integration(load_scenario(SCENARIOS / name))
    return _reports[name]


def test_every_shipped_scenario_is_covered():
    # annual_*.yaml are year-long analyses, covered by tests/unit/test_annual.py
    shipped = [p.name for p in SCENARIOS.glob("*.yaml") if not p.name.startswith("annual_")]
    assert sorted(shipped) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_block_agrees(name):
    verdict, code, load_case, _ = EXPECTED[name]
    exp = load_scenario(SCENARIOS / name, load_network=False).expected
    assert exp is not None
    assert (exp.verdict, exp.decisive) == (verdict, code)
    if exp.load_case is not None:
        assert exp.load_case == load_case


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_verdict_and_decisive_finding(name):
    verdict, code, load_case, exit_code = EXPECTED[name]
    rep = report(name)
    assert rep.verdict == verdict
    assert rep.decisive_code == code
    if code is not None:
        assert rep.decisive[0].load_case == load_case
    assert rep.exit_code == exit_code
    # every load case converged: the verdicts are judged on real solutions
    assert not rep.finding("convergence") or all(
        f.severity == "ok" for f in rep.finding("convergence"))


def test_norderstedt_key_numbers():
    rep = report("norderstedt_air_hp.yaml")
    hp = rep.finding("heat_pump", "winter")[0]
    assert 2.9 < hp.value < 3.3  # COP ≈ 3 at 81 °C (source document)
    winter = rep.load_case("winter")["units"]["dc_air"]
    assert winter["mode"] == "heat_pump" and winter["lift_k"] == pytest.approx(57.0)
    assert 50.0 < winter["t_in_c"] < 60.0  # return around 55 °C
    assert winter["head_needed_bar"] < 2.0  # standard station pump suffices
    assert len(rep.conditions) == 1 and "heat-pump stage" in rep.conditions[0]
    assert all(f.severity == "ok" for f in rep.finding("plant_min_flow"))


def test_small_stage_and_direct_feed_numbers():
    small = report("3g_liquid_small_hp.yaml").load_case("winter")["units"]["p2h_module"]
    assert small["cop"] > 6.0 and small["p_el_kw"] < 0.15 * small["q_out_kw"]
    for lc in report("4g_direct_liquid.yaml").load_cases:
        u = lc["units"]["p2h_modules"]
        assert u["mode"] == "direct" and u["p_el_kw"] == 0.0
        assert u["t_in_c"] < u["max_inlet_c"]


def test_failures_are_where_the_document_says():
    old = report("old_hot_network.yaml").finding("heat_pump", "winter")[0]
    assert old.severity == "violation" and old.value < 2.5
    warm = report("warm_return.yaml").finding("feedin_return_temperature", "winter")[0]
    assert warm.severity == "violation" and warm.value > 55.0
    summer = report("summer_dp_fail.yaml")
    assert summer.finding("plant_min_flow", "summer")[0].severity == "violation"
    # fine in winter and in the transition season
    for lc in ("winter", "transition"):
        assert not [f for f in summer.violations if f.load_case == lc]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_json_and_exit_code(name, capsys):
    verdict, code, load_case, exit_code = EXPECTED[name]
    rc = main(["check", str(SCENARIOS / name), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == exit_code
    assert out["verdict"] == verdict and out["exit_code"] == exit_code
    decisive = out["decisive"]
    assert (decisive[0]["code"] if decisive else None) == code
    assert out == report(name).to_dict()  # same as the API


def test_cli_terminal_output_and_reports(tmp_path, capsys):
    name = "old_hot_network.yaml"
    md = tmp_path / "out" / "old.md"
    rc = main(["check", str(SCENARIOS / name), "--report", str(md),
               "--report-dir", str(tmp_path / "dir")])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.lstrip().startswith("NOT_PERMITTED")
    assert "heat_pump" in out and "COP" in out and "report written" in out
    assert "**Verdict: NOT_PERMITTED**" in md.read_text()
    assert json.loads((tmp_path / "dir" / "old_hot_network.json").read_text())["verdict"] == \
        "NOT_PERMITTED"
    assert (tmp_path / "dir" / "old_hot_network.md").exists()
    # never over an input file
    net = tmp_path / "net.json"
    scen = tmp_path / "s.yaml"
    shutil.copy(SCENARIOS.parent / "networks" / "small_demo.json", net)
    text = (SCENARIOS / "old_hot_network.yaml").read_text().replace(
        "../networks/small_demo.json", "net.json")
    scen.write_text(text)
    before = scen.read_text()
    assert main(["check", str(scen), "--report", str(scen)]) != 0
    assert scen.read_text() == before


def test_console_script_exit_code():
    """The installed ``p2h`` script passes the exit code on (1: not permitted)."""
    exe = shutil.which("p2h") or str(Path(sys.executable).with_name("p2h"))
    if not Path(exe).exists():
        pytest.skip("console script p2h not installed")
    proc = subprocess.run([exe, "check", str(SCENARIOS / "old_hot_network.yaml"), "--json"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "NOT_PERMITTED"
