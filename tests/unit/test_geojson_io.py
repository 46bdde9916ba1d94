"""GeoJSON format: exact round trips, geometry → fields, CRS handling, snapping, errors."""

from __future__ import annotations

import json

import pytest

from p2h_hydraulics.errors import InputFileError, ModelError
from p2h_hydraulics.io import load_network, save_network
from p2h_hydraulics.io.geojson import (
    haversine_m,
    network_from_feature_collection,
    network_to_feature_collection,
    normalize_crs,
    read_geojson_network,
    write_geojson_network,
)
from p2h_hydraulics.model.build import network_from_records

from .test_csv_io import trench_net, trench_records, two_pipe_net

E0, N0 = 565_000.0, 5_933_000.0  # UTM-like coordinates (EPSG:25832)


def point(table, x, y, z=None, **props):
    coords = [x, y] if z is None else [x, y, z]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
            "properties": {"table": table, **props}}


def line(table, coords, **props):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"table": table, **props}}


def nogeom(table, **props):
    return {"type": "Feature", "geometry": None, "properties": {"table": table, **props}}


def fc(features, crs="EPSG:25832", **extra):
    doc = {"type": "FeatureCollection", "features": features, **extra}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return doc


def trench_features(x0=E0, y0=N0, trench_props=None, crs="EPSG:25832", **kw):
    """Three nodes, two trenches drawn as lines without lengths and without node references."""
    tp = trench_props or [{}, {}]
    return fc([
        point("node", x0, y0, 20.0, id="P"),
        point("node", x0 + 300.0, y0, id="A"),
        point("node", x0 + 300.0, y0 + 200.0, id="B", elevation_m=-3.0),
        line("trench", [[x0, y0], [x0 + 300.0, y0]], id="T1", dn=100, **tp[0]),
        line("trench", [[x0 + 300.0, y0], [x0 + 300.0, y0 + 150.0], [x0 + 300.0, y0 + 200.0]],
             id="T2", dn=65, **tp[1]),
        nogeom("plant", id="pl", node="P", t_supply_c=80),
        point("consumer", x0 + 300.0, y0 + 200.0, id="cB", node="B", q_kw=200,
              t_return_c=45),
    ], crs=crs, **kw)


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [two_pipe_net, trench_net])
def test_geojson_round_trip_is_exact(tmp_path, make):
    net = make()
    path = write_geojson_network(net, tmp_path / "net.geojson")
    back = read_geojson_network(path)
    assert back.equals(net)
    assert load_network(path).equals(net)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "p2h_settings" in doc
    as_json = save_network(net, tmp_path / "fc.json", fmt="geojson")
    assert load_network(as_json).equals(net)  # a FeatureCollection in a .json file


def test_writer_geometry_and_crs():
    net = two_pipe_net()
    doc = network_to_feature_collection(net)
    assert doc["crs"] == {"type": "name", "properties": {"name": "EPSG:25832"}}
    by_id = {f["properties"]["id"]: f for f in doc["features"]}
    assert by_id["S1"]["geometry"] == {"type": "Point", "coordinates": [120.0, 0.0]}
    assert by_id["PS2"]["geometry"]["coordinates"] == [[120.0, 0.0], [120.0, 80.0]]
    assert by_id["PS1"]["properties"]["length_m"] == 120.3  # explicit, not from geometry
    assert by_id["C2"]["geometry"]["coordinates"] == [120.0, 80.0]
    assert by_id["M1"]["geometry"]["coordinates"] == [120.0, 0.0]
    assert by_id["V1"]["properties"]["table"] == "valves"
    no_crs = network_to_feature_collection(network_from_records(trench_records()))
    assert "crs" not in no_crs


def test_native_json_round_trip(tmp_path):
    for net in (two_pipe_net(), trench_net()):
        assert load_network(save_network(net, tmp_path / "n.json")).equals(net)


# -- reading: geometry, units, CRS ----------------------------------------------------------


def test_points_lines_lengths_and_snapping():
    net = network_from_feature_collection(trench_features())
    assert net.junctions.at["P_s", "x_m"] == E0 and net.junctions.at["A_r", "y_m"] == N0
    assert net.junctions.at["P_r", "elevation_m"] == 20.0  # third coordinate
    assert net.junctions.at["B_s", "elevation_m"] == -3.0  # explicit wins over geometry
    assert net.pipes.at["T1_s", "length_m"] == 300.0
    assert net.pipes.at["T2_r", "length_m"] == 200.0  # planar length of a 3-point line
    assert (net.pipes.at["T2_s", "from_junction"], net.pipes.at["T2_s", "to_junction"]) == \
        ("A_s", "B_s")
    assert net.settings["crs"] == "EPSG:25832"


def test_two_pipe_snapping_with_tolerance_and_explicit_length():
    feats = [point("junction", 0.0, 0.0, id="S1"), point("junction", 100.0, 0.0, id="S2"),
             nogeom("junction", id="R1"), nogeom("junction", id="R2", x_m=100.0),
             line("pipe", [[0.0004, 0.0], [100.0, 0.0003]], id="PS", d_inner_mm=107.1,
                  length_km=0.1025),
             nogeom("pipe", id="PR", from_junction="R2", to_junction="R1", length_m=100,
                    d_inner_mm=107.1),
             point("plant", 0, 0, id="PL", return_junction="R1", supply_junction="S1",
                   t_supply_c=80),
             nogeom("consumer", id="C", supply_junction="S2", return_junction="R2", q_kw=100,
                    t_return_c=45, p_return_bar=1)]
    with pytest.raises(ModelError) as exc:
        network_from_feature_collection(fc(feats, crs=None))
    [p] = exc.value.problems  # unknown field: names feature index, id and field
    assert (p.table, p.element, p.field) == ("consumers", "C", "p_return_bar")
    assert "(feature 7)" in p.message
    del feats[-1]["properties"]["p_return_bar"]
    net = network_from_feature_collection(fc(feats, crs=None))
    assert net.pipes.at["PS", "from_junction"] == "S1" and net.pipes.at["PS", "to_junction"] \
        == "S2"
    assert net.pipes.at["PS", "length_m"] == pytest.approx(102.5)
    assert net.junctions.at["R2", "x_m"] == 100.0


def test_unit_suffix_properties():
    doc = trench_features(trench_props=[{"d_inner_mm": 107.1, "roughness_mm": 0.05},
                                        {"length_km": 0.21, "u_w_per_mk": 0.3}])
    doc["features"][6]["properties"].update(q_kw=150.0, t_return_c=50.0)
    net = network_from_feature_collection(doc)
    assert net.pipes.at["T1_r", "d_inner_m"] == pytest.approx(0.1071)
    assert net.pipes.at["T1_s", "roughness_m"] == pytest.approx(5e-5)
    assert net.pipes.at["T2_s", "length_m"] == pytest.approx(210.0)  # explicit beats geometry
    assert net.consumers.at["cB", "q_w"] == pytest.approx(150e3)
    assert net.consumers.at["cB", "t_return_k"] == pytest.approx(323.15)


def test_settings_from_foreign_member_and_urn_crs():
    doc = trench_features(crs="urn:ogc:def:crs:EPSG::25832",
                          p2h_settings={"name": "Nord", "t_soil_c": 12})
    net = network_from_feature_collection(doc)
    assert net.settings["crs"] == "EPSG:25832" and net.settings["name"] == "Nord"
    assert net.settings["t_soil_k"] == pytest.approx(285.15)
    assert normalize_crs("urn:ogc:def:crs:OGC:1.3:CRS84") == "OGC:CRS84"
    assert normalize_crs("epsg:4326") == "EPSG:4326"


def test_haversine_length_for_epsg4326():
    # 1 km north on the mean sphere is 0.008993 degrees of latitude
    assert haversine_m(10.0, 50.0, 10.0, 50.008993) == pytest.approx(1000.0, abs=0.5)
    lon, lat = 10.0, 50.0
    feats = trench_features(x0=lon, y0=lat, crs="EPSG:4326")["features"]
    feats[1]["geometry"]["coordinates"] = [lon, lat + 0.008993]
    feats[2]["geometry"]["coordinates"] = [lon, lat + 0.008993 * 1.5]
    feats[3]["geometry"]["coordinates"] = [[lon, lat], [lon, lat + 0.008993]]
    feats[4]["geometry"]["coordinates"] = [[lon, lat + 0.008993], [lon, lat + 0.008993 * 1.5]]
    net = network_from_feature_collection(fc(feats, crs="EPSG:4326"))
    assert net.pipes.at["T1_s", "length_m"] == pytest.approx(1000.0, abs=0.5)
    assert net.pipes.at["T2_s", "length_m"] == pytest.approx(500.0, abs=0.5)
    assert net.pipes.at["T2_s", "from_junction"] == "A_s"  # snapped in degrees


@pytest.mark.parametrize("crs", [None, "EPSG:4258", "EPSG:3857"])
def test_geographic_coordinates_without_lengths_are_an_error(crs):
    lon, lat = 10.0, 50.0
    doc = trench_features(x0=lon, y0=lat, crs=crs)
    for f in doc["features"]:  # shrink to degree-sized coordinates
        g = f["geometry"]
        if g and g["type"] == "Point":
            g["coordinates"] = [lon + (g["coordinates"][0] - lon) * 1e-5,
                                lat + (g["coordinates"][1] - lat) * 1e-5]
        elif g:
            g["coordinates"] = [[lon + (x - lon) * 1e-5, lat + (y - lat) * 1e-5]
                                for x, y in g["coordinates"]]
    with pytest.raises(InputFileError) as exc:
        network_from_feature_collection(doc, file="streets.geojson")
    [p] = exc.value.problems  # one clear problem, no follow-up "length missing" per pipe
    assert p.file == "streets.geojson" and p.field == "length_m"
    assert "reproject" in p.hint and "length_m" in p.hint
    assert "2 line feature(s)" in p.message
    for f, length in zip(doc["features"][3:5], (300.0, 200.0), strict=True):
        f["properties"]["length_m"] = length
    net = network_from_feature_collection(doc)
    assert net.pipes.at["T2_s", "length_m"] == 200.0


def test_unmatched_and_ambiguous_line_ends():
    doc = trench_features()
    doc["features"][4]["geometry"]["coordinates"][-1] = [E0 + 300.0, N0 + 205.0]
    with pytest.raises(InputFileError) as exc:
        network_from_feature_collection(doc, file="f.geojson")
    [p] = exc.value.problems
    assert (p.table, p.element, p.field) == ("trenches", "T2", "to_node")
    assert "(feature 4)" in p.message and "matches no node" in p.message
    two_pipe = fc([point("junction", 0, 0, id="S1"), point("junction", 0, 0, id="R1"),
                   point("junction", 50, 0, id="S2"),
                   line("pipe", [[0, 0], [50, 0]], id="P", d_inner_mm=50)])
    with pytest.raises(InputFileError) as exc:
        network_from_feature_collection(two_pipe)
    [p] = exc.value.problems
    assert p.field == "from_junction" and "several junctions" in p.message
    assert "R1" in p.message and "S1" in p.message


def test_feature_errors_name_index_id_and_field():
    doc = trench_features()
    doc["features"].append({"type": "Feature", "geometry": None,
                            "properties": {"table": "consumr", "id": "c9"}})
    doc["features"].append(point("pipe", 0, 0, id="bad"))
    doc["features"][1]["properties"]["x_m"] = E0  # disagrees with the Point
    doc["features"].append("nonsense")
    with pytest.raises(InputFileError) as exc:
        network_from_feature_collection(doc, file="f.geojson")
    text = str(exc.value)
    assert "feature 7" in text and "did you mean 'consumer'" in text
    assert "feature 8" in text and "must be a LineString" in text
    assert "feature 1" in text and "x_m" in text and "disagrees" in text
    assert "feature 9" in text and "Feature object" in text


def test_missing_id_and_reference_errors():
    doc = trench_features()
    del doc["features"][5]["properties"]["id"]
    doc["features"][6]["properties"]["node"] = "Q"
    with pytest.raises(ModelError) as exc:
        network_from_feature_collection(doc, file="f.geojson")
    got = {(p.table, p.element, p.field): p for p in exc.value.problems}
    assert "(feature 5)" in got[("plants", None, "id")].message
    ref = got[("consumers", "cB", "node")]
    assert ref.value == "Q" and "(feature 6)" in ref.message


def test_not_a_feature_collection_and_malformed_json(tmp_path):
    with pytest.raises(InputFileError, match="FeatureCollection"):
        network_from_feature_collection({"type": "Feature"})
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection",\n "features": [}\n')
    with pytest.raises(InputFileError) as exc:
        read_geojson_network(bad)
    assert exc.value.problems[0].line == 2
    with pytest.raises(InputFileError, match="not found"):
        load_network(tmp_path / "missing.geojson")


def test_results_as_geojson_for_gis(tmp_path):
    """``write_result(..., '.geojson', network=net)``: one feature per result row, at the
    network's coordinates, every result column as a property (values equal the tables)."""
    import json as _json

    import numpy as _np

    import p2h_hydraulics as _p2h
    from p2h_hydraulics.io import load_network as _load
    from p2h_hydraulics.io.results_io import write_result

    net = _load("networks/small_demo.json")
    res = _p2h.solve(net)
    path = write_result(res, tmp_path / "res.geojson", network=net)
    doc = _json.loads(path.read_text())
    feats = {(f["properties"]["table"], f["properties"]["id"]): f for f in doc["features"]}
    assert len(feats) == sum(len(df) for df in res.tables().values())
    for pid, row in res.pipes.iterrows():
        f = feats[("pipes", pid)]
        assert f["properties"]["v_m_s"] == row["v_m_s"]
        a, b = net.junctions.loc[[row["from_junction"], row["to_junction"]], ["x_m", "y_m"]]\
            .to_numpy().tolist()
        assert f["geometry"] == {"type": "LineString", "coordinates": [a, b]}
    jid = res.junctions.index[0]
    assert _np.isclose(feats[("junctions", jid)]["properties"]["p_bar"],
                       res.junctions.at[jid, "p_bar"])
    with pytest.raises(ValueError, match="network"):
        write_result(res, tmp_path / "x.geojson")
