"""``p2h import`` refuses bad GIS inputs with one clear message, exit code 3, nothing written.

Each case changes one thing in the good layers of ``tests/data/gis`` (a 30 cm gap, a line far
away, a building 300 m off the network, a mapped attribute the layer lacks …) and checks that the
message names the feature and says what to do, that the API raises an ``InputFileError``, and
that neither the network nor the report file appears.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError
from p2h_hydraulics.importing import import_network

DATA = Path(__file__).resolve().parents[1] / "data" / "gis"
ORIGIN = (500_000.0, 5_650_000.0)  # as in make_gis_data.py


def _doc(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _write(tmp: Path, name: str, doc: dict) -> str:
    path = tmp / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _feature(doc: dict, key: str, field: str) -> dict:
    return next(f for f in doc["features"] if f["properties"].get(field) == key)


def _good(tmp: Path) -> dict:
    return {"source": str(DATA / "trench_utm.geojson"),
            "consumers": str(DATA / "buildings_utm.geojson"),
            "plant": str(DATA / "plant_utm.geojson")}


def case_gap(tmp):
    doc = _doc("trench_utm.geojson")
    _feature(doc, "M2", "id")["geometry"]["coordinates"][-1] = [ORIGIN[0] + 100.30, ORIGIN[1]]
    return {**_good(tmp), "source": _write(tmp, "gap.geojson", doc)}, \
        ["unsnappable gap", "M2", "0.300 m from line", "raise --snap above 0.300"]


def case_island(tmp):
    doc = _doc("trench_utm.geojson")
    doc["features"].append({"type": "Feature", "properties": {"id": "X9", "Nennweite": 50},
                            "geometry": {"type": "LineString", "coordinates": [
                                [ORIGIN[0] + 1000, ORIGIN[1] + 1000],
                                [ORIGIN[0] + 1100, ORIGIN[1] + 1000]]}})
    return {**_good(tmp), "source": _write(tmp, "island.geojson", doc)}, \
        ["part without a plant", "X9", "--plant"]


def case_far_consumer(tmp):
    doc = _doc("buildings_utm.geojson")
    doc["features"].append({"type": "Feature", "properties": {"Gebaeude_ID": "G99",
                                                               "Heizlast": 10},
                            "geometry": {"type": "Point",
                                         "coordinates": [ORIGIN[0] + 50, ORIGIN[1] + 300]}})
    return {**_good(tmp), "consumers": _write(tmp, "far.geojson", doc)}, \
        ["G99", "maximum connection distance 50 m", "--max-connection"]


def case_unknown_attribute(tmp):
    return {**_good(tmp), "map": ["dn=Rohrweite"]}, \
        ["'Rohrweite'", "Nennweite", "Baujahr"]


def case_empty_layer(tmp):
    doc = _doc("buildings_utm.geojson")
    doc["features"] = []
    return {**_good(tmp), "consumers": _write(tmp, "empty.geojson", doc)}, \
        ["empty.geojson", "no features"]


def case_mixed_crs(tmp):
    return {**_good(tmp), "consumers": str(DATA / "buildings_wgs84.geojson")}, \
        ["EPSG:4326", "EPSG:25832", "must share one CRS"]


def case_no_lines(tmp):
    return {**_good(tmp), "source": str(DATA / "plant_utm.geojson")}, \
        ["plant_utm.geojson feature 0", "Point", "lines"]


def case_no_plant(tmp):
    good = _good(tmp)
    del good["plant"]
    return good, ["no plant", "--plant", "N8"]


def case_no_diameter(tmp):
    doc = _doc("trench_utm.geojson")
    for f in doc["features"]:
        del f["properties"]["Nennweite"]
    return {**_good(tmp), "source": _write(tmp, "nodn.geojson", doc)}, \
        ["no diameter", "M1", "--size", "--map dn="]


def case_ambiguous_number(tmp):
    doc = _doc("buildings_utm.geojson")
    _feature(doc, "G1", "Gebaeude_ID")["properties"]["Heizlast"] = "12.000"
    return {**_good(tmp), "consumers": _write(tmp, "amb.geojson", doc)}, \
        ["G1", "'12.000'", "thousands separator"]


def case_no_demand(tmp):
    doc = _doc("buildings_utm.geojson")
    _feature(doc, "G4", "Gebaeude_ID")["properties"]["Heizlast"] = None
    return {**_good(tmp), "consumers": _write(tmp, "nodemand.geojson", doc)}, \
        ["G4", "no heat demand", "annual_heat_kwh"]


def case_missing_file(tmp):
    return {**_good(tmp), "source": str(tmp / "does_not_exist.geojson")}, \
        ["does_not_exist.geojson", "not found"]


def case_geographic_target_crs(tmp):
    return {**_good(tmp), "crs": "EPSG:4326"}, ["--crs", "metres"]


def case_unknown_field(tmp):
    return {**_good(tmp), "map": ["diameter_inch=Nennweite"]}, \
        ["unknown field 'diameter_inch'", "d_inner_mm"]


def case_bad_plant_node(tmp):
    return {**_good(tmp), "plant": "N77"}, ["N77", "no such node"]


CASES = {name[5:]: fn for name, fn in globals().copy().items() if name.startswith("case_")}


def _args(spec: dict, out: Path, report: Path) -> list[str]:
    args = ["import", spec["source"], "--out", str(out), "--report", str(report)]
    for key in ("consumers", "plant", "crs"):
        if key in spec:
            args += [f"--{key}", spec[key]]
    for item in spec.get("map", []):
        args += ["--map", item]
    return args


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_3_named_nothing_written(case, tmp_path, capsys):
    spec, expected = CASES[case](tmp_path)
    out, report = tmp_path / "out" / "net.json", tmp_path / "out" / "import.md"
    code = main(_args(spec, out, report))
    stdout, err = capsys.readouterr()
    assert code == 3, (stdout, err)
    assert "Traceback" not in stdout + err and "internal error" not in err, err
    for part in expected:
        assert _flat(part) in _flat(err), f"{part!r} not in: {err}"
    assert not out.exists() and not report.exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["gap", "island", "far_consumer", "unknown_attribute",
                                  "mixed_crs", "no_lines"])
def test_bad_input_api_raises_input_file_error(case, tmp_path):
    spec, expected = CASES[case](tmp_path)
    kw = {k: v for k, v in spec.items() if k in ("consumers", "plant", "crs")}
    if "map" in spec:
        kw["mapping"] = spec["map"]
    with pytest.raises(InputFileError) as info:
        import_network(spec["source"], **kw)
    assert _flat(expected[0]) in _flat(str(info.value))


def test_refuses_to_write_over_an_input(tmp_path, capsys):
    src = tmp_path / "lines.geojson"
    src.write_bytes((DATA / "trench_utm.geojson").read_bytes())
    before = src.read_bytes()
    code = main(["import", str(src), "--consumers", str(DATA / "buildings_utm.geojson"),
                 "--plant", str(DATA / "plant_utm.geojson"), "--out", str(src)])
    assert code == 3
    assert "refusing to overwrite" in capsys.readouterr().err
    assert src.read_bytes() == before
