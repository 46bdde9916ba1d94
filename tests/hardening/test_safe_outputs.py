"""Safe outputs: atomic writes, inputs never overwritten, normal file permissions, YAML
safe-loaded, scenario paths relative to the scenario file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import OutputError, P2HError
from p2h_hydraulics.io.atomic import write_text_atomic
from p2h_hydraulics.io.results_io import write_result

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
SCENARIO = """\
name: safe
network: ../nets/small_demo.json
load_cases:
  - {name: winter, demand_scale: 1.0}
units:
  - {id: dc, node: M0, q_kw: 100, cooling: custom, source_temperature_c: 90, max_inlet_c: 60}
"""


def digest(path: Path) -> str:
    """Hash of a file, or of every file of a folder (names and bytes)."""
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(path.rglob("*")):
            h.update(str(f.relative_to(path)).encode())
            if f.is_file():
                h.update(f.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small_net():
    return p2h.load_network(SMALL)


@pytest.fixture(scope="module")
def small_result(small_net):
    return p2h.solve(small_net)


@pytest.fixture
def inputs(tmp_path, small_net) -> dict[str, Path]:
    """The small demo as native JSON, GeoJSON and a CSV folder in tmp."""
    out = {"json": tmp_path / "net.json", "geojson": tmp_path / "net.geojson",
           "csv": tmp_path / "net_csv"}
    shutil.copy(SMALL, out["json"])
    p2h.save_network(small_net, out["geojson"])
    p2h.save_network(small_net, out["csv"])
    return out


@pytest.fixture
def scenario_tree(tmp_path) -> Path:
    (tmp_path / "nets").mkdir()
    (tmp_path / "scen").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    path = tmp_path / "scen" / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return [f.name for f in folder.rglob("*.tmp")]


# ---------------------------------------------------------------------------------------------
# atomic writes


def _boom(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_leaves_the_target_untouched(tmp_path, monkeypatch, failing):
    target = tmp_path / "out.json"
    target.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(os, failing, _boom)
    with pytest.raises(OutputError):
        write_text_atomic(target, "new content that must never appear\n")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt, name", [("json", "n.json"), ("geojson", "n.geojson"),
                                       ("csv", "n_csv")])
def test_failed_network_write_leaves_no_partial_file(tmp_path, monkeypatch, small_net, fmt,
                                                     name):
    target = tmp_path / name
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OutputError):
        p2h.save_network(small_net, target, fmt=fmt)
    assert not target.exists() or (target.is_dir() and not any(target.iterdir()))
    assert leftovers(tmp_path) == []


def test_failed_result_write_leaves_the_old_result(tmp_path, monkeypatch, small_result):
    target = tmp_path / "res.json"
    write_result(small_result, target)
    before = digest(target)
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OutputError):
        write_result(small_result, target)
    assert digest(target) == before and leftovers(tmp_path) == []


def test_cli_reports_a_failed_write_without_traceback(inputs, tmp_path, monkeypatch, capsys):
    target = tmp_path / "converted.json"
    target.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(os, "replace", _boom)
    code = main(["convert", str(inputs["json"]), str(target)])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert "No space left on device" in err and "Traceback" not in out + err
    assert target.read_text(encoding="utf-8") == "old\n" and leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# inputs are never overwritten


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
def test_solve_refuses_to_write_results_over_its_input(inputs, capsys, fmt):
    src = inputs[fmt]
    before = digest(src)
    code = main(["solve", str(src), "--out", str(src)])
    out, err = capsys.readouterr()
    assert code == 3, out + err
    assert "refusing to overwrite" in err and "Traceback" not in out + err
    assert digest(src) == before


def test_solve_refuses_results_inside_its_csv_folder(inputs, capsys):
    src = inputs["csv"]
    before = digest(src)
    code = main(["solve", str(src), "--out", str(src / "junctions.csv")])
    err = capsys.readouterr().err
    assert code == 3 and "refusing to overwrite" in err
    assert digest(src) == before


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
@pytest.mark.parametrize("to", [None, "csv", "pandapipes"])
def test_convert_refuses_to_overwrite_its_input(inputs, capsys, fmt, to):
    src = inputs[fmt]
    before = digest(src)
    args = ["convert", str(src), str(src)] + (["--to", to] if to else [])
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 3, out + err
    assert "Traceback" not in out + err and "internal error" not in err
    assert digest(src) == before


def test_convert_refuses_the_input_by_another_name(inputs, tmp_path, capsys):
    src = inputs["json"]
    link = tmp_path / "alias.json"
    link.symlink_to(src)
    before = digest(src)
    for target in (link, tmp_path / "." / "net.json", tmp_path / "sub" / ".." / "net.json"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        assert main(["convert", str(src), str(target)]) == 3
        assert "refusing to overwrite" in capsys.readouterr().err
    assert digest(src) == before


def test_check_refuses_a_report_over_its_inputs(scenario_tree, capsys):
    net = scenario_tree.parent.parent / "nets" / "small_demo.json"
    before = (digest(scenario_tree), digest(net))
    for target in (scenario_tree, net):
        code = main(["check", str(scenario_tree), "--report", str(target)])
        out, err = capsys.readouterr()
        assert code == 3, out + err
        assert "refusing to overwrite" in err
    assert (digest(scenario_tree), digest(net)) == before


# ---------------------------------------------------------------------------------------------
# permissions


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_normal_permissions(tmp_path, small_net, small_result, umask_022):
    written = [p2h.save_network(small_net, tmp_path / "n.json"),
               p2h.save_network(small_net, tmp_path / "n.geojson"),
               write_result(small_result, tmp_path / "r.json")]
    p2h.save_network(small_net, tmp_path / "n_csv")
    write_result(small_result, tmp_path / "r_csv")
    written += list((tmp_path / "n_csv").iterdir()) + list((tmp_path / "r_csv").iterdir())
    for f in written:
        assert f.stat().st_mode & 0o777 == 0o644, f


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        path = write_text_atomic(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------------------------
# YAML is safe-loaded


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "name: !!python/object/apply:os.system ['touch {marker}']",
    "name: x\ndescription: !!python/object/new:os.system ['touch {marker}']",
    "name: x\nunits: !!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "name: !!python/name:os.system",
    "name: !custom_tag {{a: 1}}",
])
def test_yaml_tags_are_refused_without_side_effects(tmp_path, capsys, payload):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.yaml"
    path.write_text(payload.format(marker=marker) + "\n", encoding="utf-8")
    with pytest.raises(P2HError) as info:
        p2h.load_scenario(path)
    assert "not allowed" in str(info.value) and "evil.yaml" in str(info.value)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 3 and "not allowed" in err
    assert not marker.exists()


def test_scenario_loader_uses_the_safe_yaml_loader(monkeypatch, scenario_tree):
    import yaml

    def forbidden(*args, **kwargs):
        raise AssertionError("unsafe YAML loader used")

    monkeypatch.setattr(yaml, "Loader", forbidden)
    monkeypatch.setattr(yaml, "UnsafeLoader", forbidden)
    monkeypatch.setattr(yaml, "FullLoader", forbidden)
    monkeypatch.setattr(yaml, "unsafe_load", forbidden)
    monkeypatch.setattr(yaml, "full_load", forbidden)
    assert p2h.load_scenario(scenario_tree).name == "safe"


# ---------------------------------------------------------------------------------------------
# scenario paths are relative to the scenario file


def test_scenario_network_resolves_relative_to_the_scenario_file(scenario_tree, tmp_path,
                                                                 monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    rel = Path(os.path.relpath(scenario_tree, elsewhere))
    scen = p2h.load_scenario(rel)
    assert scen.network_path.resolve() == (tmp_path / "nets" / "small_demo.json").resolve()
    assert len(scen.load_network().consumers) == 10
    code = main(["check", str(rel), "--json", "--report-dir", "."])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert json.loads(out)["verdict"] in ("PERMITTED", "PERMITTED_WITH_CONDITIONS",
                                          "NOT_PERMITTED")
    assert (elsewhere / "safe.json").exists() and (elsewhere / "safe.md").exists()
    assert not (elsewhere / "nets").exists()


def test_scenario_with_a_missing_relative_network_names_the_resolved_path(scenario_tree,
                                                                          tmp_path, monkeypatch):
    scenario_tree.write_text(SCENARIO.replace("../nets/", "../other/"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "nets")  # a cwd where ../other/ would not exist either
    with pytest.raises(P2HError) as info:
        p2h.load_scenario(scenario_tree)
    msg = str(info.value)
    assert str(tmp_path / "other" / "small_demo.json") in msg and "s.yaml" in msg
