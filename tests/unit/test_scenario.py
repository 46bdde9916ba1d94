"""Scenario files: YAML with line numbers, strict validation, paths, load cases, JSON Schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError, ScenarioError
from p2h_hydraulics.evaluation import apply_load_case
from p2h_hydraulics.io import load_network
from p2h_hydraulics.scenario import (
    LoadCase,
    PlantSettings,
    load_scenario,
    parse_scenario_text,
    scenario_json_schema,
)

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"

GOOD = """\
name: demo
description: a small test scenario
network: ../nets/small_demo.json
plant: {t_supply_c: 80}
load_cases:
  - name: winter
    demand_scale: 1.0
  - name: summer
    demand_scale: 0.3
    t_supply_c: 75
    q_kw: {C1: 5}
units:
  - id: dc
    node: M0
    q_kw: 100
    cooling: liquid
thresholds:
  t_supply_min_c: 60
"""


@pytest.fixture
def tree(tmp_path):
    """tmp/nets/small_demo.json and tmp/scen/ for scenario files."""
    (tmp_path / "nets").mkdir()
    (tmp_path / "scen").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    return tmp_path


def write(tree, text: str, name: str = "s.yaml") -> Path:
    p = tree / "scen" / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_scenario_loads_with_relative_network_path(tree):
    s = load_scenario(write(tree, GOOD))
    assert s.name == "demo"
    assert s.network_path == (tree / "nets" / "small_demo.json")
    assert s.source.endswith("s.yaml")
    assert [lc.name for lc in s.load_cases] == ["winter", "summer"]
    assert s.load_cases[1].q_kw == {"C1": 5.0}
    assert s.units[0].junctions == ("M0_s", "M0_r")
    assert s.thresholds.t_supply_min_c == 60.0 and s.thresholds.pn_bar == 16.0
    assert s.plant.t_supply_c == 80
    assert len(s.load_network().consumers) == 10


def test_unknown_key_is_rejected_with_its_line(tree):
    text = GOOD.replace("    demand_scale: 0.3\n", "    demand_scal: 0.3\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tree, text))
    (p,) = exc.value.problems
    assert p.line == 9 and p.file.endswith("s.yaml")
    assert "unknown key 'demand_scal'" in str(exc.value)
    assert "did you mean 'demand_scale'" in str(exc.value)
    assert "s.yaml:9" in str(exc.value)


def test_nested_unknown_key_and_wrong_values_all_reported(tree):
    text = GOOD.replace("    cooling: liquid\n", "    cooling: liquid\n    colour: red\n")
    text = text.replace("  t_supply_min_c: 60\n", "  t_supply_min_c: hot\n")
    text = text.replace("    q_kw: 100\n", "    q_kw: -100\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tree, text))
    lines = {p.field: p.line for p in exc.value.problems}
    assert lines == {"units[0].colour": 17, "units[0].q_kw": 15, "thresholds.t_supply_min_c": 19}


def test_missing_key_duplicate_key_and_malformed_yaml(tree):
    with pytest.raises(ScenarioError, match="required key is missing") as exc:
        load_scenario(write(tree, GOOD.replace("name: demo\n", "")))
    assert exc.value.problems[0].field == "name"
    with pytest.raises(ScenarioError, match="given twice") as exc:
        load_scenario(write(tree, GOOD + "name: again\n"))
    assert exc.value.problems[0].line == 19
    with pytest.raises(InputFileError, match="malformed YAML") as exc:
        load_scenario(write(tree, "name: [unclosed\n"))
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario(write(tree, "# nothing\n"))
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(write(tree, "- a\n- b\n"))
    with pytest.raises(InputFileError, match="not found"):
        load_scenario(tree / "scen" / "nope.yaml")


def test_yaml_is_safe_loaded(tree):
    text = GOOD.replace("name: demo", "name: !!python/object/apply:os.system ['echo x']")
    with pytest.raises((InputFileError, ScenarioError)):
        load_scenario(write(tree, text))


def test_feedin_on_unknown_node_names_node_and_file(tree):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tree, GOOD.replace("node: M0", "node: M7")))
    msg = str(exc.value)
    assert "node 'M7' does not exist" in msg and "small_demo.json" in msg
    assert exc.value.problems[0].line == 14 and exc.value.problems[0].file.endswith("s.yaml")
    with pytest.raises(ScenarioError, match="consumer 'C77' does not exist"):
        load_scenario(write(tree, GOOD.replace("{C1: 5}", "{C77: 5}")))


def test_missing_network_file(tree):
    with pytest.raises(ScenarioError, match="network file not found") as exc:
        load_scenario(write(tree, GOOD.replace("../nets/", "../elsewhere/")))
    assert exc.value.problems[0].line == 3


def test_semantic_errors(tree):
    bad_units = GOOD.replace("    node: M0\n", "    node: M0\n    supply_junction: M0_s\n")
    with pytest.raises(ScenarioError, match="not both"):
        load_scenario(write(tree, bad_units))
    dup = GOOD.replace("  - name: summer", "  - name: winter")
    with pytest.raises(ScenarioError, match="unique"):
        load_scenario(write(tree, dup))


def test_json_schema_export():
    schema = scenario_json_schema()
    assert schema["additionalProperties"] is False
    assert {"name", "network", "units", "load_cases", "thresholds"} <= set(schema["properties"])
    assert set(schema["required"]) == {"name", "network", "units"}
    defs = schema["$defs"]
    assert defs["P2HUnit"]["additionalProperties"] is False
    assert "air" in json.dumps(defs["P2HUnit"]["properties"]["cooling"])
    assert defs["Thresholds"]["properties"]["pn_bar"]["default"] == 16.0
    json.dumps(schema)  # serialisable


def test_cli_schema_and_invalid_scenario_exit_code(tree, capsys):
    assert main(["scenario-schema"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["title"] == "Scenario"
    assert main(["schema", "scenario"]) == 0
    assert json.loads(capsys.readouterr().out) == out
    bad = write(tree, GOOD.replace("demand_scale: 0.3", "demand_scal: 0.3"))
    assert main(["check", str(bad)]) == 3
    assert "demand_scal" in capsys.readouterr().err


def test_apply_load_case_returns_a_new_network():
    net = load_network(SMALL)
    before = net.copy()
    lc = LoadCase(name="summer", demand_scale=0.5, q_kw={"C1": 7.0}, t_supply_c=75.0,
                  t_soil_c=15.0, t_return_offset_k=3.0,
                  plant=PlantSettings(control="lift", lift_bar=1.5, p_return_bar=3.0))
    new = apply_load_case(net, lc, PlantSettings(t_supply_c=90.0, mdot_design_kg_s=9.0))
    assert net.equals(before)
    assert new.consumers.at["C1", "q_w"] == 7000.0
    assert new.consumers.at["C2", "q_w"] == pytest.approx(0.5 * net.consumers.at["C2", "q_w"])
    assert (new.consumers["t_return_k"] - net.consumers["t_return_k"]).eq(3.0).all()
    pl = new.plants.loc["plant"]
    assert pl["t_supply_k"] == pytest.approx(75.0 + 273.15)  # the load case wins
    assert pl["control"] == "lift" and pl["lift_pa"] == 1.5e5 and pl["p_return_pa"] == 3e5
    assert pl["mdot_design_kg_s"] == 9.0
    assert new.t_soil_k == pytest.approx(288.15) and new.pipes["t_soil_k"].isna().all()
    # scenario defaults apply when the load case says nothing
    plain = apply_load_case(net, {"name": "w"}, PlantSettings(t_supply_c=90.0))
    assert plain.plants.at["plant", "t_supply_k"] == pytest.approx(363.15)
    assert plain.consumers["q_w"].equals(net.consumers["q_w"])
    with pytest.raises(ScenarioError, match="C404"):
        apply_load_case(net, LoadCase(name="x", q_kw={"C404": 1.0}))
    with pytest.raises(ScenarioError, match="p_supply_bar"):
        apply_load_case(net, LoadCase(name="x", plant=PlantSettings(control="p_supply")))


def test_parse_text_without_file():
    scen, lines = parse_scenario_text(GOOD, file="inline.yaml", base_dir=ROOT / "scenarios")
    assert scen.network_path == ROOT / "nets" / "small_demo.json"
    assert lines.line(("units", 0, "node")) == 14
    assert lines.line(("units", 0, "nonexistent")) == 13  # falls back to the enclosing item
