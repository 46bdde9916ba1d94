"""One output convention for every result type: ``to_dict()``, ``to_json(path)``,
``to_csv(path)`` where tabular, ``write(folder)`` where several files — each file written
atomically, never over an input, and holding what the object holds."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.errors import P2HError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "networks" / "small_demo.json"

CONVENTION = {  # result type → its file methods
    p2h.Result: ("to_dict", "to_json", "write"),
    p2h.Report: ("to_dict", "to_json", "to_markdown", "write"),
    p2h.SitesResult: ("to_dict", "to_json", "to_csv"),
    p2h.AnnualResult: ("to_dict", "to_json", "to_csv", "write"),
    p2h.ImportReport: ("to_dict", "to_json", "markdown", "to_markdown"),
    p2h.SizingReport: ("to_dict", "to_json", "to_csv", "markdown", "to_markdown"),
}


@pytest.mark.parametrize("cls", list(CONVENTION))
def test_every_result_type_follows_the_convention(cls):
    for name in CONVENTION[cls]:
        assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name} missing"
    for name in ("to_json", "to_csv", "to_markdown"):
        if hasattr(cls, name):  # a file method needs its path: no text-or-file switch
            assert inspect.signature(getattr(cls, name)).parameters["path"].default is \
                inspect.Parameter.empty
    assert not hasattr(cls, "write_json") and not hasattr(cls, "write_markdown")


@pytest.fixture(scope="module")
def result():
    return p2h.solve(p2h.load_network(DEMO))


def test_result_json_and_csv_folder_hold_the_tables(result, tmp_path):
    doc = json.loads(result.to_json(tmp_path / "r.json").read_text())
    assert set(doc["junctions"]) == set(map(str, result.junctions.index))
    np.testing.assert_allclose(
        [doc["junctions"][j]["p_pa"] for j in map(str, result.junctions.index)],
        result.junctions["p_pa"], rtol=1e-12)
    folder = result.write(tmp_path / "tables")
    pipes = pd.read_csv(folder / "pipes.csv", index_col=0)
    np.testing.assert_allclose(pipes["mdot_kg_s"], result.pipes["mdot_kg_s"], rtol=1e-9)
    assert (folder / "summary.csv").read_text().startswith("key,value\n")
    with pytest.raises(P2HError, match="input"):
        result.to_json(DEMO, inputs=[DEMO])


def test_report_write_gives_json_and_markdown(tmp_path):
    rep = p2h.check_integration(ROOT / "scenarios" / "old_hot_network.yaml")
    js, md = rep.write(tmp_path / "out", stem="hot")
    assert (js.name, md.name) == ("hot.json", "hot.md")
    assert json.loads(js.read_text()) == rep.to_dict()
    assert md.read_text() == rep.markdown()
    assert md.read_text().startswith("# Feed-in check")


def test_annual_result_table_and_summary_files(tmp_path):
    hourly = pd.DataFrame({"hour": [0, 1], "timestamp": pd.to_datetime(
        ["2023-01-01 00:00", "2023-01-01 01:00"]), "absorbed_kw": [12.5, np.nan]})
    res = p2h.AnnualResult(hourly=hourly, summary={"hours": 2, "absorbed_mwh": 0.0125})
    back = pd.read_csv(res.to_csv(tmp_path / "h.csv"))
    assert list(back["timestamp"]) == ["2023-01-01T00:00", "2023-01-01T01:00"]
    assert back["absorbed_kw"].iloc[0] == 12.5 and np.isnan(back["absorbed_kw"].iloc[1])
    assert json.loads(res.to_json(tmp_path / "s.json").read_text()) == res.to_dict()
