"""Every format reader goes through ``io.safe_read``: the same refusal of special files and the
same byte caps, each format with its own cap and environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from p2h_hydraulics.errors import InputFileError
from p2h_hydraulics.importing import import_network
from p2h_hydraulics.importing.mapping import load_mapping_file
from p2h_hydraulics.io.pandapipes_json import read_document
from p2h_hydraulics.io.safe_read import LIMITS_MB, max_input_bytes
from p2h_hydraulics.io.stanet import import_stanet, is_stanet_export

DATA = Path(__file__).parents[1] / "data"
STANET = DATA / "stanet" / "small_heat_export.csv"
GIS = DATA / "gis" / "trench_utm.geojson"

READERS = {  # reader, a genuine file of its format, its environment variable
    "stanet": (import_stanet, STANET, "P2H_MAX_STANET_MB"),
    "pandapipes": (read_document, None, "P2H_MAX_PANDAPIPES_MB"),
    "gis": (lambda p: import_network(p, plant="N1"), GIS, "P2H_MAX_GIS_MB"),
    "mapping": (load_mapping_file, None, "P2H_MAX_SCENARIO_MB"),
}


def _sample(kind: str, tmp_path: Path) -> Path:
    _, path, _ = READERS[kind]
    if path is not None:
        return path
    p = tmp_path / ("net.json" if kind == "pandapipes" else "map.yaml")
    p.write_text('{"a": "' + "x" * 3000 + '"}' if kind == "pandapipes" else
                 "dn: Nennweite\n# " + "x" * 3000 + "\n", encoding="utf-8")
    return p


def test_each_format_has_its_cap():
    assert LIMITS_MB["stanet"] == 256 and LIMITS_MB["pandapipes"] == 128
    assert LIMITS_MB["gis"] == 2048
    assert max_input_bytes("STANET export") == 256 * 2**20
    assert max_input_bytes("mapping") == max_input_bytes("scenario")


@pytest.mark.parametrize("kind", list(READERS))
def test_special_files_refused_alike(kind, tmp_path):
    reader, _, _ = READERS[kind]
    fifo = tmp_path / ("x.geojson" if kind == "gis" else "x.csv")
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as exc:
        reader(fifo)  # returns at once: a FIFO is never opened for reading
    assert str(fifo) in str(exc.value) and "FIFO" in str(exc.value)
    assert "not a regular file" in str(exc.value)


@pytest.mark.parametrize("kind", list(READERS))
def test_caps_alike(kind, tmp_path, monkeypatch):
    reader, _, var = READERS[kind]
    path = _sample(kind, tmp_path)
    monkeypatch.setenv(var, str(1000 / 2**20))
    with pytest.raises(InputFileError) as exc:
        reader(path)
    text = str(exc.value)
    assert str(path) in text and "too large" in text and "the limit is 1,000 bytes" in text
    assert var in text


def test_stanet_detection_reads_only_the_head_of_a_large_file(monkeypatch):
    """Detection is a header probe: it answers for an export larger than the cap."""
    monkeypatch.setenv("P2H_MAX_STANET_MB", str(1000 / 2**20))
    assert is_stanet_export(STANET)
