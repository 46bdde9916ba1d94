"""A STANET export through ``import_network`` and ``p2h import``: the imported network is
solved, our solve is compared with the state STANET stored in the export, and the report states
the comparison and STANET's notes.

The expected figures are computed here independently of the report: ``import_stanet`` (the io
reader) and ``solve`` give ``comparison``, whose numbers the report must print in its own
formats (``io.stanet_compare.comparison_markdown``). The written network must reload and solve
to the same state (pressures within 1e-6 Pa relative 1e-9, flows within 1e-12 kg/s: the JSON
keeps full double precision).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from p2h_hydraulics import load_network, solve
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError, P2HError
from p2h_hydraulics.importing import import_network
from p2h_hydraulics.io.stanet import import_stanet

DATA = Path(__file__).parents[1] / "data" / "stanet"
EXPORTS = [DATA / "small_heat_export.csv", DATA / "small_heat_export_utf8.csv"]


def _expected(path: Path) -> dict:
    imp = import_stanet(path)
    return imp.comparison(solve(imp.network))


def _figures(c: dict) -> list[str]:
    """The report's text of each figure of the comparison ``c``."""
    out = [f"| nodes compared | {c['nodes_compared']} |",
           f"{c['max_abs_dp_bar']:.3g} bar ({c['max_abs_dp_bar'] * 1e5:.1f} Pa) at "
           f"{c['max_abs_dp_node']} |",
           f"| pipes compared | {c['pipes_compared']} |",
           f"{c['max_abs_dmdot_kg_s']:.2e} kg/s", f"at {c['max_abs_dmdot_pipe']} |"]
    for pid, v in c["plants"].items():
        out += [f"| plant {pid} flow (ours / STANET) | {v['mdot_kg_s'][0]:.4f} / "
                f"{v['mdot_kg_s'][1]:.4f} kg/s |",
                f"| plant {pid} lift (ours / STANET) | {v['lift_bar'][0]:.4f} / "
                f"{v['lift_bar'][1]:.4f} bar |"]
    return out


@pytest.mark.parametrize("export", EXPORTS, ids=["cp1252", "utf8"])
def test_import_network_solves_and_compares(export):
    net, rep = import_network(export)
    expected = _expected(export)
    assert rep.mode == "stanet" and rep.sources == [str(export)]
    assert list(net.junctions.index) == list(import_stanet(export).network.junctions.index)
    assert rep.network == {"junctions": 16, "pipes": 14, "consumers": 4, "plants": 1,
                           **{t: 0 for t in rep.network if t not in
                              ("junctions", "pipes", "consumers", "plants")}}
    c = rep.comparison
    assert c["nodes_compared"] == expected["nodes_compared"] == 16
    assert c["max_abs_dp_node"] == expected["max_abs_dp_node"]
    assert c["max_abs_dp_bar"] == pytest.approx(expected["max_abs_dp_bar"], abs=1e-12)
    assert c["plants"]["HKW"]["lift_bar"] == pytest.approx(expected["plants"]["HKW"]["lift_bar"])
    # the exports' stored state is a converged state of the same network: the comparison
    # shows agreement within the file's rounding (5 decimals of bar, 4 of t/h)
    assert c["max_abs_dp_bar"] < 2e-5 and c["max_abs_dmdot_kg_s"] < 3e-5
    text = rep.markdown()
    for figure in _figures(expected):
        assert figure in text, figure
    assert "friction law: NET.LAM = 5 → colebrook" in text
    assert "plant HKW (RK0 → K0)" in text
    doc = rep.to_dict()
    assert doc["comparison"]["max_abs_dp_node"] == expected["max_abs_dp_node"]
    assert doc["comparison"]["plants"]["HKW"]["mdot_kg_s"] == pytest.approx(
        list(expected["plants"]["HKW"]["mdot_kg_s"]))


def test_a_different_stored_state_shows_in_the_report(tmp_path):
    """The report is not blind: a stored plant lift 0.5 bar off shows as 0.5 bar difference."""
    raw = EXPORTS[0].read_bytes().decode("cp1252").split("\r\n")
    header = next(x for x in raw if x.startswith("REM FLDNAM HEA;"))
    k = header[len("REM FLDNAM "):].split(";").index("DP")
    i = next(i for i, x in enumerate(raw) if x.startswith("HEA;"))
    parts = raw[i].split(";")
    stored = float(parts[k])
    parts[k] = f"{stored + 0.5 * np.sign(stored):.5f}"
    raw[i] = ";".join(parts)
    path = tmp_path / "shifted.csv"
    path.write_bytes("\r\n".join(raw).encode("cp1252"))
    _, rep = import_network(path)
    ours, theirs = rep.comparison["plants"]["HKW"]["lift_bar"]
    assert theirs - ours == pytest.approx(0.5, abs=1e-4)
    assert f"| plant HKW lift (ours / STANET) | {ours:.4f} / {theirs:.4f} bar |" in \
        rep.markdown()


@pytest.mark.parametrize("export", EXPORTS, ids=["cp1252", "utf8"])
def test_cli_import_writes_network_and_report(tmp_path, export, capsys):
    out, md = tmp_path / "net.json", tmp_path / "import.md"
    assert main(["import", str(export), "--report", str(md), "--out", str(out)]) == 0
    text = md.read_text(encoding="utf-8")
    for figure in _figures(_expected(export)):
        assert figure in text, figure
    assert "## Notes" in text and "decoded as" in text
    reloaded = load_network(out)
    direct = solve(import_stanet(export).network)
    again = solve(reloaded)
    np.testing.assert_allclose(again.junctions.loc[direct.junctions.index, "p_pa"],
                               direct.junctions["p_pa"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(again.pipes.loc[direct.pipes.index, "mdot_kg_s"],
                               direct.pipes["mdot_kg_s"], rtol=1e-9, atol=1e-12)
    capsys.readouterr()
    assert main(["import", str(export), "--out", str(tmp_path / "n2.json"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "stanet" and doc["comparison"]["nodes_compared"] == 16


def test_cli_malformed_export_exits_3_and_writes_nothing(tmp_path, capsys):
    raw = EXPORTS[0].read_bytes().decode("cp1252").split("\r\n")
    header = next(x for x in raw if x.startswith("REM FLDNAM LEI;"))
    k = header[len("REM FLDNAM "):].split(";").index("DM")
    i = [i for i, x in enumerate(raw) if x.startswith("LEI;")][2]
    parts = raw[i].split(";")
    parts[k] = "abc"
    raw[i] = ";".join(parts)
    bad = tmp_path / "export.csv"
    bad.write_bytes("\r\n".join(raw).encode("cp1252"))
    out, md = tmp_path / "net.json", tmp_path / "import.md"
    assert main(["import", str(bad), "--report", str(md), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"{bad}:{i + 1}, LEI, field 'DM'" in err and "not a number" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_gis_options_with_an_export_are_refused_and_gis_layers_go_the_gis_way():
    with pytest.raises(InputFileError, match="GIS layers only"):
        import_network(EXPORTS[0], plant="K0")
    gis = Path(__file__).parents[1] / "data" / "gis" / "trench_utm.geojson"
    assert import_network(gis, plant="N1")[1].mode == "trench"


def test_import_report_files_hold_what_the_report_holds(tmp_path):
    _, rep = import_network(EXPORTS[0])
    doc = json.loads(rep.to_json(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc == rep.to_dict() and doc["comparison"]["nodes_compared"] == 16
    assert rep.to_markdown(tmp_path / "r.md").read_text(encoding="utf-8") == rep.markdown()
    with pytest.raises(P2HError, match="input"):
        rep.to_markdown(EXPORTS[0], inputs=[EXPORTS[0]])


def test_cli_prints_the_comparison(tmp_path, capsys):
    c = _expected(EXPORTS[0])
    assert main(["import", str(EXPORTS[0]), "--out", str(tmp_path / "n.json")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"{c['max_abs_dp_bar'] * 1e5:.1f} Pa at {c['max_abs_dp_node']}" in out
    ours, theirs = c["plants"]["HKW"]["mdot_kg_s"]
    assert f"{ours:.4f} / {theirs:.4f} kg/s" in out


def test_docs_show_the_report_the_command_writes(tmp_path, monkeypatch, capsys):
    """docs/import.md's STANET run is what ``p2h import export.csv`` writes."""
    import shutil

    shutil.copy(EXPORTS[0], tmp_path / "export.csv")
    monkeypatch.chdir(tmp_path)
    assert main(["import", "export.csv", "--report", "import.md", "--out", "net.json"]) == 0
    doc = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(
        encoding="utf-8")
    part = doc.split("\n## STANET exports\n", 1)[1]
    shown = part.split("```markdown\n", 1)[1].split("```", 1)[0]
    assert shown == (tmp_path / "import.md").read_text(encoding="utf-8")
