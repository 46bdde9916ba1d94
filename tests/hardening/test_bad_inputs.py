"""The bad-input corpus (``tests/bad_inputs``): every broken network or scenario fails with the
documented exception and CLI exit code, and the message names the file, element and field.

The expected outcomes live in ``tests/bad_inputs/expected.yaml``; each case is checked twice:
through the Python API (exact exception class, ``str(exc)`` contains the substrings) and through
the CLI (``p2h_hydraulics.cli.main`` returns the exit code; stderr has the substrings, no
traceback, no "internal error").
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import P2HError

CORPUS = Path(__file__).resolve().parents[1] / "bad_inputs"
MANIFEST = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
CASES: dict[str, dict] = MANIFEST["cases"]
GENERATED: dict[str, dict] = MANIFEST["generated"]
FORMATS = ("native", "csv", "geojson", "pandapipes", "scenario")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _run_api(kind: str, path: Path) -> None:
    if kind == "network":
        p2h.load_network(path)
    elif kind == "solve":
        net = p2h.load_network(path)  # must load: the problem shows only when solving
        p2h.solve(net)
    elif kind == "scenario":
        p2h.load_scenario(path)
    else:  # pragma: no cover - manifest typo
        raise AssertionError(f"unknown kind {kind!r}")


def check_api(path: Path, spec: dict) -> None:
    with pytest.raises(P2HError) as info:
        _run_api(spec["kind"], path)
    exc = info.value
    msg = str(exc)
    assert type(exc).__name__ == spec["error"], msg
    assert exc.exit_code == spec["exit"], msg
    for part in spec["contains"]:
        assert _flat(str(part)) in _flat(msg), f"{part!r} not in: {msg}"


def cli_commands(spec: dict, path: Path, out_dir: Path, convert: bool = True) -> list[list[str]]:
    if spec["kind"] == "scenario":
        return [["check", str(path)]]
    cmds = [["solve", str(path)]]
    if spec["kind"] == "network" and convert:
        cmds.append(["convert", str(path), str(out_dir / "converted.json")])
    return cmds


def check_cli(path: Path, spec: dict, out_dir: Path, capsys, convert: bool = True) -> None:
    for args in cli_commands(spec, path, out_dir, convert):
        code = main(args)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err, err
        assert "internal error" not in err, err
        assert code == spec["exit"], (args, out, err)
        for part in spec["contains"]:
            assert _flat(str(part)) in _flat(err), f"{args}: {part!r} not in: {err}"
    assert not (out_dir / "converted.json").exists()  # nothing written for a bad input


@pytest.mark.parametrize("case", sorted(CASES), ids=str)
def test_corpus_case_api(case):
    check_api(CORPUS / case, CASES[case])


@pytest.mark.parametrize("case", sorted(CASES), ids=str)
def test_corpus_case_cli(case, tmp_path, capsys):
    check_cli(CORPUS / case, CASES[case], tmp_path, capsys)


def test_corpus_is_complete_and_large_enough():
    """Every file/folder in the corpus has an expected outcome, and every format is covered."""
    on_disk = set()
    for fmt in FORMATS:
        for entry in (CORPUS / fmt).iterdir():
            if fmt == "scenario" and entry.suffix != ".yaml":
                continue  # the networks the scenarios use (scenario/net/ is itself a case)
            on_disk.add(f"{fmt}/{entry.name}")
    listed = {c for c in CASES if (CORPUS / c).exists()}
    assert on_disk - listed == set(), "corpus files without an expected outcome"
    missing_on_purpose = {c for c in CASES if not (CORPUS / c).exists()}
    assert all("does_not_exist" in c for c in missing_on_purpose), missing_on_purpose
    per_format = {fmt: sum(c.startswith(fmt + "/") for c in CASES) for fmt in FORMATS}
    assert all(n >= 3 for n in per_format.values()), per_format
    assert len(CASES) + len(GENERATED) >= 45


# ---------------------------------------------------------------------------------------------
# Generated cases: too large for the repository. Each must fail in bounded time, no crash.


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated_bad_inputs")
    with open(folder / "huge_junk_50mb.json", "wb") as fh:
        fh.write(b'{"format": "p2h-network", "version": 1, "junctions": [')
        chunk = bytes(range(0x20, 0x7f)) * 1024  # printable junk, ~97 kB
        for _ in range(50_000_000 // len(chunk) + 1):
            fh.write(chunk)
    n = 200_000
    with open(folder / "huge_200k_junctions.json", "w", encoding="utf-8") as fh:
        fh.write('{"format": "p2h-network", "version": 1, "junctions": [')
        fh.write(",".join(json.dumps({"id": f"J{i}", "x_m": float(i), "y_m": 0.0})
                          for i in range(n)))
        fh.write("]}")
    line = "# " + "x" * 98 + "\n"
    (folder / "huge_scenario.yaml").write_text("name: huge\n" + line * 60_000, encoding="utf-8")
    if hasattr(os, "mkfifo"):  # special files cannot be stored in git
        os.mkfifo(folder / "fifo_network.json")
        os.mkfifo(folder / "fifo_scenario.yaml")
        scen = (CORPUS / "scenario" / "network_is_a_directory.yaml").read_text(encoding="utf-8")
        (folder / "scenario_with_fifo_network.yaml").write_text(
            scen.replace("network: net\n", f"network: {folder / 'fifo_network.json'}\n"),
            encoding="utf-8")
    return folder


BOUND_S = 60.0  # generous: a few seconds on a loaded 2-core machine; minutes would be a bug


def _skip_without_fifos(case: str) -> None:
    if "fifo" in case and not hasattr(os, "mkfifo"):
        pytest.skip("FIFOs are POSIX")


@pytest.mark.parametrize("case", sorted(GENERATED), ids=str)
def test_generated_case_api(case, generated):
    _skip_without_fifos(case)
    start = time.perf_counter()
    check_api(generated / case, GENERATED[case])
    assert time.perf_counter() - start < BOUND_S


@pytest.mark.parametrize("case", sorted(GENERATED), ids=str)
def test_generated_case_cli(case, generated, tmp_path, capsys):
    _skip_without_fifos(case)
    start = time.perf_counter()
    check_cli(generated / case, GENERATED[case], tmp_path, capsys, convert=False)
    assert time.perf_counter() - start < BOUND_S


def test_check_prints_markup_like_names_verbatim(tmp_path, capsys):
    (tmp_path / "net").mkdir()
    net = (CORPUS / "scenario" / "net" / "tiny.json").read_text(encoding="utf-8")
    (tmp_path / "net" / "tiny.json").write_text(net, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        'name: "[/bold]markup"\nnetwork: net/tiny.json\nunits:\n  - {id: "[red]dc", node: B, '
        "q_kw: 50, cooling: custom, source_temperature_c: 95, max_inlet_c: 60}\n",
        encoding="utf-8")
    code = main(["check", str(tmp_path / "s.yaml")])
    out, err = capsys.readouterr()
    assert "internal error" not in err and code in (0, 1), err
    assert "[/bold]markup" in out
