"""``import_network`` / ``p2h import`` on the messy GIS layers of ``tests/data/gis``.

Every expected figure is derived here from the construction in ``make_gis_data.py`` (its line
vertices, the gaps it put in, the lines it drew backwards, the building positions) with plain
numpy geometry — never from the importer's own output: nodes from a pairwise union of line ends,
connection lengths as point-to-segment distances, pipe lengths as sums of vertex distances.
Each imported network is solved and must converge with every consumer served (its heat
delivered, Δp ≥ Δp_min) and mass and energy balanced.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError
from p2h_hydraulics.importing import import_network
from p2h_hydraulics.importing.mapping import TARGETS, Source, convert, normalise

DATA = Path(__file__).resolve().parents[1] / "data" / "gis"
_spec = importlib.util.spec_from_file_location("make_gis_data", DATA / "make_gis_data.py")
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

SNAP = 0.05  # the importer's default, stated in its signature and docs/import.md


# ----------------------------------------------------------------------------------------------
# Independent geometry of the construction (relative metres)


def _polyline_length(pts) -> float:
    a = np.asarray(pts, dtype=float)
    return float(np.sum(np.hypot(*np.diff(a, axis=0).T)))


def _nearest_on(pts, p):
    """(distance, nearest point) from p to a polyline."""
    a = np.asarray(pts, dtype=float)
    p = np.asarray(p, dtype=float)
    best = (math.inf, None)
    for s, e in zip(a[:-1], a[1:], strict=True):
        d = e - s
        t = min(1.0, max(0.0, float(np.dot(p - s, d) / np.dot(d, d))))
        q = s + t * d
        dist = float(np.hypot(*(p - q)))
        if dist < best[0]:
            best = (dist, q)
    return best


def _ends(dy=0.0):
    return [np.array(pts[k]) + [0.0, dy] for pts, _ in G.LINES.values() for k in (0, -1)]


def _end_clusters(dy=0.0) -> int:
    ends = _ends(dy)
    parent = list(range(len(ends)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(ends)):
        for j in range(i + 1, len(ends)):
            if np.hypot(*(ends[i] - ends[j])) <= SNAP:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(ends))})


def _building_point(key, polygons_only=False, points_only=False):
    kind, where, *_ = G.BUILDINGS[key]
    if kind == "line":
        return tuple(where[-1]) if (polygons_only or points_only) else None
    return tuple(where)


def _expected_joins(dy=0.0, polygons_only=False, points_only=False):
    """Per building: (line it joins, connection length, joins an existing node?)."""
    out = {}
    ends = _ends(dy)
    for key, (kind, where, *_rest) in G.BUILDINGS.items():
        drawn = kind == "line" and not (polygons_only or points_only)
        p = np.array(where[0] if drawn else _building_point(key, polygons_only, points_only))
        best = min(((*_nearest_on(np.array(pts) + [0.0, dy], p), name)
                    for name, (pts, _a) in G.LINES.items()), key=lambda t: t[0])
        d, q, name = best
        near_end = [e for e in ends if np.hypot(*(e - q)) <= SNAP]
        at_node = bool(near_end)
        length = float(np.hypot(*(near_end[0] - p))) if at_node else d
        if drawn:
            length += _polyline_length(where)
        elif length <= SNAP:
            length = 0.0
        out[key] = (name, length, at_node)
    return out


def _street_length(dy=0.0) -> float:
    return sum(_polyline_length(pts) for pts, _ in G.LINES.values())


# ----------------------------------------------------------------------------------------------
# Imports used by several tests


def _imp(variant: str):
    d = str(DATA) + "/"
    kw = {
        "utm": dict(source=d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                    plant=d + "plant_utm.geojson"),
        "wgs84": dict(source=d + "trench_wgs84.geojson", consumers=d + "buildings_wgs84.geojson",
                      plant=d + "plant_wgs84.geojson"),
        "gpkg": dict(source=d + "network.gpkg:trassen", consumers=d + "network.gpkg:gebaeude",
                     plant=d + "network.gpkg:anlage"),
        "shp": dict(source=d + "shp/trassen.shp", consumers=d + "shp/gebaeude.shp", plant="N1"),
        "side": dict(source=d + "supply_return.geojson", consumers=d + "buildings_utm.geojson",
                     plant=d + "plant_sr.geojson"),
        "two_files": dict(source=d + "supply.geojson", return_lines=d + "return.geojson",
                          consumers=d + "buildings_utm.geojson", plant=d + "plant_sr.geojson"),
    }[variant]
    return import_network(**kw)


_CACHE: dict = {}


def imported(variant: str):
    if variant not in _CACHE:
        _CACHE[variant] = _imp(variant)
    return _CACHE[variant]


VARIANTS = ("utm", "wgs84", "gpkg", "shp", "side", "two_files")


def _design_q_kw(key) -> float:
    q = G.BUILDINGS[key][2]
    return float(str(q).replace(" kW", "").replace(",", "."))


# ----------------------------------------------------------------------------------------------


def test_trench_report_figures_follow_from_the_construction():
    net, rep = imported("utm")
    joins = _expected_joins()
    assert rep.mode == "trench"
    assert rep.nodes_from_ends == _end_clusters() == 9
    assert rep.ends_snapped == len(G.GAPS)
    assert rep.largest_gap_m == pytest.approx(max(G.GAPS.values()), abs=1e-6)
    assert rep.split_points == len(G.INTERIOR_JOINS)
    # a line is cut where another line's end meets its interior or a building joins it
    cuts = {name: 0 for name in G.LINES}
    for target in G.INTERIOR_JOINS.values():
        cuts[target] += 1
    for name, _length, at_node in joins.values():
        cuts[name] += 0 if at_node else 1
    assert rep.lines_split == sum(1 for n in cuts.values() if n)
    assert rep.join_nodes == sum(1 for *_x, at_node in joins.values() if not at_node)
    assert rep.pieces == sum(1 + n for n in cuts.values())
    assert rep.reversed_pieces == sum(1 + cuts[name] for name in G.REVERSED)
    # the only line end without a line, consumer or plant: B3's last vertex
    assert [(round(d["x_m"] - G.ORIGIN[0], 3), round(d["y_m"] - G.ORIGIN[1], 3))
            for d in rep.dangling_ends] == [G.LINES["B3"][0][-1]]
    got = rep.connection_lengths()
    assert set(got) == set(G.BUILDINGS)
    for key, (name, length, _at) in joins.items():
        assert got[key] == pytest.approx(length, abs=1e-6), key
        conn = next(c for c in rep.connections if c.element == key)
        assert conn.line.split(".")[0] == name
    # one supply and one return pipe per piece and per house connection
    n_conn = sum(1 for _n, length, _a in joins.values() if length > 0)
    assert len(net.pipes) == 2 * (rep.pieces + n_conn)
    assert len(net.consumers) == len(G.BUILDINGS) and len(net.plants) == 1


def test_total_pipe_length_is_the_drawn_length_to_the_millimetre():
    net, rep = imported("utm")
    joins = _expected_joins()
    street = _street_length()
    assert rep.drawn_length_m == pytest.approx(street, abs=1e-3)
    is_conn = net.pipes.index.str.startswith("HC_")
    assert net.pipes.loc[~is_conn, "length_m"].sum() == pytest.approx(2 * street, abs=1e-3)
    expected_conn = sum(length for _n, length, _a in joins.values())
    assert net.pipes.loc[is_conn, "length_m"].sum() == pytest.approx(2 * expected_conn, abs=1e-3)
    # each line's pieces add up to its drawn length
    for name, (pts, _attrs) in G.LINES.items():
        ids = [i for i in net.pipes.index if i.split(".")[0].removesuffix("_s") == name
               and i.endswith("_s")]
        assert net.pipes.loc[ids, "length_m"].sum() == pytest.approx(
            _polyline_length(pts), abs=1e-3), name


def test_attributes_are_mapped_parsed_and_kept():
    net, rep = imported("utm")
    pipes, cons = net.pipes, net.consumers
    # "DN 100", 80, "DN50", 50, "DN 40", 32 → DN, inner diameter from the catalogue
    for name, (_pts, attrs) in G.LINES.items():
        dn = float(str(attrs["Nennweite"]).upper().replace("DN", ""))
        ids = [i for i in pipes.index if i.split(".")[0].split("_")[0] == name]
        assert (pipes.loc[ids, "dn"] == dn).all(), name
        assert (pipes.loc[ids, "Baujahr"] == attrs["Baujahr"]).all()
        assert (pipes.loc[ids, "Strasse"] == attrs["Strasse"]).all()
    for key in G.BUILDINGS:
        assert cons.at[key, "q_w"] == pytest.approx(_design_q_kw(key) * 1e3, rel=1e-12)
        assert cons.at[key, "Baujahr"] == G.BUILDINGS[key][5]
        assert cons.at[key, "t_return_k"] == pytest.approx(50 + 273.15)  # default, reported
    assert net.plants["t_supply_k"].iloc[0] == pytest.approx(G.PLANT_T_SUPPLY_C + 273.15)
    lines_layer = str(DATA / "trench_utm.geojson")
    assert rep.fields[lines_layer]["dn"] == "Nennweite (recognised)"
    assert set(rep.kept[lines_layer]) == {"Baujahr", "Strasse", "Material"}
    defaults = {(d["table"], d["field"]): d["count"] for d in rep.defaults}
    assert defaults[("consumers", "t_return")] == len(G.BUILDINGS)
    assert ("plants", "t_supply") not in defaults
    text = rep.markdown()
    assert "| ends snapped | 4 |" in text and "45.0 mm" in text


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_solves_with_every_consumer_served(variant):
    net, _rep = imported(variant)
    res = p2h.solve(net)
    assert res.converged
    c = res.consumers
    for key in G.BUILDINGS:
        assert c.at[key, "q_w"] == pytest.approx(_design_q_kw(key) * 1e3, rel=1e-6)
        assert c.at[key, "mdot_kg_s"] > 0
        assert c.at[key, "dp_pa"] >= c.at[key, "dp_min_pa"] - 1.0  # 1 Pa solver tolerance
    assert res.balance["mass_max_kg_s"] < 1e-9
    assert res.plant["mdot_kg_s"].sum() == pytest.approx(c["mdot_kg_s"].sum(), rel=1e-9)
    assert res.balance["energy_rel"] < 1e-6


def test_geographic_layers_give_the_projected_network():
    net_p, rep_p = imported("utm")
    net_g, rep_g = imported("wgs84")
    assert rep_g.crs_target == "EPSG:32632" and rep_g.crs_source == "EPSG:4326"
    for attr in ("nodes_from_ends", "ends_snapped", "split_points", "lines_split", "pieces",
                 "reversed_pieces", "join_nodes"):
        assert getattr(rep_g, attr) == getattr(rep_p, attr), attr
    assert rep_g.largest_gap_m == pytest.approx(rep_p.largest_gap_m, rel=1e-3)
    assert list(net_g.pipes.index) == list(net_p.pipes.index)
    ratio = net_g.pipes["length_m"] / net_p.pipes["length_m"]
    assert (abs(ratio - 1) < 1e-3).all()  # within 0.1 %
    assert (net_g.pipes["dn"] == net_p.pipes["dn"]).all()


@pytest.mark.parametrize("variant, polygons_only, points_only",
                         [("gpkg", True, False), ("shp", False, True)])
def test_geopackage_and_shapefile(variant, polygons_only, points_only):
    net, rep = imported(variant)
    _net_u, rep_u = imported("utm")
    for attr in ("nodes_from_ends", "ends_snapped", "split_points", "reversed_pieces"):
        assert getattr(rep, attr) == getattr(rep_u, attr), attr
    joins = _expected_joins(polygons_only=polygons_only, points_only=points_only)
    got = rep.connection_lengths()
    for key, (_name, length, _at) in joins.items():
        assert got[key] == pytest.approx(length, abs=1e-6), key
    assert rep.network["consumers"] == len(G.BUILDINGS)


@pytest.mark.parametrize("variant", ["side", "two_files"])
def test_separate_supply_and_return_lines(variant):
    net, rep = imported(variant)
    dy = G.RETURN_OFFSET_Y
    assert rep.mode == "separate"
    assert rep.nodes_from_ends == _end_clusters() + _end_clusters(dy)
    assert rep.ends_snapped == 2 * len(G.GAPS)
    supply, ret = _expected_joins(), _expected_joins(dy)
    got = rep.connection_lengths()
    for key in G.BUILDINGS:
        assert got[f"{key}:supply"] == pytest.approx(supply[key][1], abs=1e-6), key
        assert got[f"{key}:return"] == pytest.approx(ret[key][1], abs=1e-6), key
    # supply pieces are turned to run away from the plant, return pieces toward it
    assert rep.reversed_pieces == rep.pieces // 2  # 4 + 9 of 26 here: the same count per side
    street = net.pipes.index.str.match(r"^[MB]\d")
    assert net.pipes.loc[street, "length_m"].sum() == pytest.approx(2 * _street_length(),
                                                                    abs=1e-3)
    # the plant sits between the two sides' first nodes: two generated plant connections
    plant_conns = [c for c in rep.connections if c.table == "plants"]
    px, py = G.PLANT_XY[0], G.PLANT_XY[1] + dy / 2
    assert [c.length_m for c in plant_conns] == pytest.approx(
        [math.hypot(px, py), math.hypot(px, py - dy)], abs=1e-6)


def test_plant_by_node_id_equals_the_plant_layer():
    d = str(DATA) + "/"
    net_id, _ = import_network(d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                               plant="N1", t_supply_c=G.PLANT_T_SUPPLY_C)
    net_layer, _ = imported("utm")
    assert net_id.plants["supply_junction"].tolist() == \
        net_layer.plants["supply_junction"].tolist() == ["N1_s"]
    assert net_id.pipes.equals(net_layer.pipes)


def test_extra_columns_survive_native_json_and_geojson(tmp_path):
    net, _ = imported("utm")
    for name in ("net.json", "net.geojson"):
        p2h.save_network(net, tmp_path / name)
        back = p2h.load_network(tmp_path / name)
        assert back.equals(net), name
        assert back.pipes.at["M1.1_s", "Strasse"] == "Hauptstraße"
        assert back.consumers.at["G3", "Baujahr"] == 1970


def test_extra_attributes_must_not_shadow_fields():
    recs = {"junctions": [{"id": "A", "extra": {"x_m": 3}}]}
    with pytest.raises(p2h.ModelError, match="x_m"):
        p2h.network_from_records(recs, validate=False)


def test_explicit_mapping_and_mapping_file(tmp_path):
    src = DATA / "trench_utm.geojson"
    renamed = tmp_path / "lines.geojson"
    renamed.write_text(src.read_text(encoding="utf-8").replace('"Nennweite"', '"NW_Rohr"'),
                       encoding="utf-8")
    d = str(DATA) + "/"
    kw = dict(consumers=d + "buildings_utm.geojson", plant=d + "plant_utm.geojson")
    with pytest.raises(InputFileError, match="no diameter"):
        import_network(renamed, **kw)
    net_a, rep = import_network(renamed, mapping=["dn=NW_Rohr"], **kw)
    assert rep.fields[str(renamed)]["dn"] == "NW_Rohr (mapped)"
    yaml_file = tmp_path / "map.yaml"
    yaml_file.write_text("lines:\n  dn: NW_Rohr\nconsumers:\n  q_kw: Heizlast\n",
                         encoding="utf-8")
    net_b, _ = import_network(renamed, mapping=yaml_file, **kw)
    net_u, _ = imported("utm")
    assert net_a.pipes["dn"].equals(net_u.pipes["dn"])
    assert net_b.pipes["dn"].equals(net_u.pipes["dn"])


@pytest.mark.parametrize("text, target, si", [
    ("DN 100", "dn", 100.0), ("DN100", "dn", 100.0), ("100 mm", "d_inner_mm", 0.1),
    ("0,1073 m", "d_inner_mm", 0.1073), ("25 kW", "q_kw", 25e3), ("60,5", "q_kw", 60.5e3),
    ("1.234,5 kWh/a", "annual_heat_kwh", 1234.5 * 3.6e6), ("12 500 kWh", "annual_heat_kwh",
                                                            12500 * 3.6e6),
    ("1,2 MWh/a", "annual_heat_kwh", 1.2 * 3.6e9), ("55 °C", "t_return_c", 328.15),
    (70, "t_supply_c", 343.15), ("0.3 W/(m·K)", "u_w_per_mk", 0.3),
])
def test_values_with_units_are_parsed(text, target, si):
    src = Source("attr", target, "mapped")
    assert convert(src, text, "test feature") == pytest.approx(si, rel=1e-12)


@pytest.mark.parametrize("text, target", [("12.000", "annual_heat_kwh"), ("1,500", "q_kw"),
                                          ("DN 100", "d_inner_mm"), ("25 kWh", "q_kw"),
                                          ("viel", "q_kw")])
def test_ambiguous_or_wrong_values_are_refused(text, target):
    with pytest.raises(InputFileError, match="feature 7"):
        convert(Source("attr", target, "mapped"), text, "layer feature 7")


def test_recognised_names_are_case_and_umlaut_insensitive():
    from p2h_hydraulics.importing.mapping import RECOGNISED

    for name in ("Wärmebedarf", "WAERMEBEDARF", "waerme_bedarf", "Jahreswärmebedarf"):
        assert RECOGNISED["consumers"][normalise(name)] == "annual_heat_kwh", name
    for name in ("Nennweite", "DN", "dn"):
        assert RECOGNISED["lines"][normalise(name)] == "dn"
    assert RECOGNISED["consumers"][normalise("Gebäudetyp")] == "building_type"
    assert RECOGNISED["consumers"][normalise("Heizlast")] == "q_kw"
    assert "baujahr" not in RECOGNISED["consumers"]  # kept, not used
    assert set(TARGETS) >= {"dn", "d_inner_mm", "length_m", "q_kw", "annual_heat_kwh",
                            "building_type", "t_return_c", "t_supply_c", "u_w_per_mk",
                            "insulation_thickness_mm", "roughness_mm", "side", "id"}


def test_larger_snap_distance_gives_the_same_network():
    d = str(DATA) + "/"
    net, rep = import_network(d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                              plant=d + "plant_utm.geojson", snap_m=0.2)
    net_u, rep_u = imported("utm")
    assert rep.nodes_from_ends == rep_u.nodes_from_ends
    assert net.pipes["length_m"].sum() == pytest.approx(net_u.pipes["length_m"].sum(), abs=1e-3)


def test_cli_writes_network_and_report(tmp_path, capsys):
    d = str(DATA) + "/"
    out, report = tmp_path / "net.json", tmp_path / "import.md"
    code = main(["import", d + "trench_utm.geojson", "--consumers", d + "buildings_utm.geojson",
                 "--plant", d + "plant_utm.geojson", "--out", str(out), "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    net = p2h.load_network(out)
    net_u, rep_u = imported("utm")
    assert net.equals(net_u)
    assert report.read_text(encoding="utf-8") == rep_u.markdown()


def test_consumers_from_annual_heat_and_building_type():
    d = str(DATA) + "/"
    net, rep = import_network(d + "trench_utm.geojson", consumers=d + "buildings_annual.geojson",
                              plant=d + "plant_utm.geojson")
    cons = net.consumers
    expected = {k: b for k, b in G.BUILDINGS.items() if b[0] != "line"}
    assert set(cons.index) == set(expected)
    for key, (_kind, _where, _q, btype, annual_kwh, _year) in expected.items():
        assert cons.at[key, "annual_heat_j"] == pytest.approx(annual_kwh * 3.6e6, rel=1e-12)
        assert cons.at[key, "building_type"] == btype
        # a design load well below the annual mean times 8760 h and above the mean load
        mean_w = annual_kwh * 1e3 / 8760
        assert mean_w < cons.at[key, "q_w"] < 8 * mean_w, key
    rows = {(d["table"], d["field"]): d["count"] for d in rep.defaults}
    assert rows[("consumers", "q_w")] == len(expected)
    res = p2h.solve(net)
    assert res.converged
    assert (res.consumers["q_w"] - cons["q_w"]).abs().max() < 1e-3
    assert (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1.0).all()


def test_several_plants_share_the_load():
    d = str(DATA) + "/"
    net, rep = import_network(d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                              plant="N1,N8")  # N8: the dangling end of B3
    assert list(net.plants.index) == ["N1", "N8"]
    assert rep.dangling_ends == []
    res = p2h.solve(net)
    assert res.converged
    assert (res.plant["mdot_kg_s"] > 0).all()
    assert res.plant["mdot_kg_s"].sum() == pytest.approx(res.consumers["mdot_kg_s"].sum(),
                                                         rel=1e-9)


def test_target_crs_override_keeps_lengths():
    d = str(DATA) + "/"
    net, rep = import_network(d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                              plant="N1", crs="EPSG:32632")
    net_u, _ = imported("utm")
    assert rep.crs_target == "EPSG:32632" and net.settings["crs"] == "EPSG:32632"
    # ETRS89 and WGS 84 UTM 32N: the same metres to well within 0.1 %
    ratio = net.pipes["length_m"] / net_u.pipes["length_m"]
    assert (abs(ratio - 1) < 1e-3).all()


def test_multipart_lines_and_z_coordinates(tmp_path):
    import json

    doc = json.loads((DATA / "trench_utm.geojson").read_text(encoding="utf-8"))
    m1 = next(f for f in doc["features"] if f["properties"]["id"] == "M1")
    c = m1["geometry"]["coordinates"]  # M1 as two parts meeting at its interior vertex, 3D
    m1["geometry"] = {"type": "MultiLineString",
                      "coordinates": [[[*c[0], 50.0], [*c[1], 51.0]], [[*c[1], 51.0],
                                                                        [*c[2], 52.0]]]}
    src = tmp_path / "multi.geojson"
    src.write_text(json.dumps(doc), encoding="utf-8")
    d = str(DATA) + "/"
    net, rep = import_network(src, consumers=d + "buildings_utm.geojson", plant="N1")
    assert rep.features == len(G.LINES) and rep.lines == len(G.LINES) + 1
    assert any(i.startswith("M1#2") for i in net.pipes.index)
    street = ~net.pipes.index.str.startswith("HC_")
    assert net.pipes.loc[street, "length_m"].sum() == pytest.approx(2 * _street_length(),
                                                                    abs=1e-3)
    assert p2h.solve(net).converged


@pytest.mark.parametrize("q_kw", [8.0, 30.0, 60.0, 150.0, 400.0])
def test_house_connection_dn_is_the_smallest_within_the_limits(q_kw):
    """Against IAPWS-IF97 water and the Colebrook friction of ``fluids``: the chosen DN keeps
    v ≤ 1.5 m/s (DN ≤ 50; else 2 m/s) and R ≤ 200 Pa/m, the next smaller one does not."""
    from fluids.friction import Colebrook
    from iapws import IAPWS97

    from p2h_hydraulics.importing.pipes import connection_dn

    t_s, t_r = 358.15, 323.15
    dn = connection_dn(q_kw * 1e3, t_s, t_r)
    cat = pd.read_csv(Path(p2h.__file__).parent / "data" / "pipe_catalogue.csv", comment="#")
    d_of = dict(zip(cat["dn"].astype(float), (cat["d_steel_outer_mm"] - 2 * cat["wall_mm"])
                    / 1e3, strict=True))
    hot, mean = IAPWS97(T=t_s, P=0.5), IAPWS97(T=(t_s + t_r) / 2, P=0.5)
    mdot = q_kw * 1e3 / (mean.cp * 1e3 * (t_s - t_r))

    def ok(n):
        d = d_of[n]
        v = mdot / (hot.rho * math.pi * d * d / 4)
        f = Colebrook(hot.rho * v * d / hot.mu, 1e-4 / d)
        return v <= (1.5 if n <= 50 else 2.0) and f / d * hot.rho * v * v / 2 <= 200.0

    dns = sorted(d_of)
    assert ok(dn)
    assert dn == dns[0] or not ok(dns[dns.index(dn) - 1])


def test_size_gives_a_network_without_diameters_its_pipes(tmp_path, capsys):
    import json

    doc = json.loads((DATA / "trench_utm.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        del f["properties"]["Nennweite"]
    src = tmp_path / "planned.geojson"
    src.write_text(json.dumps(doc), encoding="utf-8")
    out, report = tmp_path / "net.json", tmp_path / "import.md"
    code = main(["import", str(src), "--consumers", str(DATA / "buildings_annual.geojson"),
                 "--plant", "N1", "--size", "--out", str(out), "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    net = p2h.load_network(out)
    assert net.pipes["dn"].notna().all() and net.pipes["d_inner_m"].notna().all()
    res = p2h.solve(net)
    assert res.converged
    assert (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1.0).all()
    text = report.read_text(encoding="utf-8")
    assert "# Pipe sizing" in text and "| HC_G3_s |" in text


DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def test_docs_list_every_recognised_name():
    import re

    from p2h_hydraulics.importing.mapping import RECOGNISED_NAMES

    text = DOC.read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| (lines|consumers|plant) \| `([a-z_0-9]+)` \| (.*) \|$", line)
        if m:
            tokens = re.split(r"[,()]", m.group(3))
            rows[(m.group(1), m.group(2))] = {normalise(t) for t in tokens if t.strip()}
    for kind, fields in RECOGNISED_NAMES.items():
        for target, names in fields.items():
            assert (kind, target) in rows, (kind, target)
            for name in names:
                assert normalise(name) in rows[(kind, target)], (kind, target, name)


def test_docs_show_the_report_the_command_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(DATA)
    report = tmp_path / "import.md"
    code = main(["import", "trench_utm.geojson", "--consumers", "buildings_utm.geojson",
                 "--plant", "plant_utm.geojson", "--report", str(report),
                 "--out", str(tmp_path / "net.json")])
    assert code == 0, capsys.readouterr().err
    shown = DOC.read_text(encoding="utf-8").split("```markdown\n", 1)[1].split("```", 1)[0]
    assert shown == report.read_text(encoding="utf-8")


def test_plant_from_a_line_layer(tmp_path):
    """A plant drawn as a line from the plant building to the network: the plant sits at the
    far end, the drawn line becomes its connection with the DN of the line it joins."""
    import json

    doc = json.loads((DATA / "plant_utm.geojson").read_text(encoding="utf-8"))
    x0, y0 = G.ORIGIN
    doc["features"][0]["geometry"] = {"type": "LineString", "coordinates": [
        [x0 + 0.0, y0 + 0.0], [x0 - 12.0, y0 - 5.0], [x0 - 20.0, y0 - 5.0]]}
    src = tmp_path / "plant_line.geojson"
    src.write_text(json.dumps(doc), encoding="utf-8")
    d = str(DATA) + "/"
    net, rep = import_network(d + "trench_utm.geojson", consumers=d + "buildings_utm.geojson",
                              plant=src)
    conn = next(c for c in rep.connections if c.table == "plants")
    assert conn.how == "drawn" and conn.node == "N1"
    assert conn.length_m == pytest.approx(13.0 + 8.0, abs=1e-9)
    assert net.pipes.at["PC_HW1_s", "dn"] == 100.0  # M1's DN
    assert net.pipes.at["PC_HW1_s", "from_junction"] == "P_HW1_s"
    res = p2h.solve(net)
    assert res.converged and res.balance["mass_max_kg_s"] < 1e-9


def test_imported_network_agrees_with_pandapipes():
    """The imported network as pandapipes solves it (the outside reference): plant head within
    0.2 %, every consumer's Δp within 100 Pa and supply temperature within 0.01 K, plant heat
    within 0.5 %."""
    net, _ = imported("utm")
    ours, ref = p2h.solve(net), p2h.solve(net, backend="pandapipes")
    assert ours.converged and ref.converged
    assert ours.plant["head_pa"].iloc[0] == pytest.approx(ref.plant["head_pa"].iloc[0],
                                                          rel=2e-3)
    assert (ours.consumers["dp_pa"] - ref.consumers["dp_pa"]).abs().max() < 100.0
    assert (ours.consumers["t_supply_k"] - ref.consumers["t_supply_k"]).abs().max() < 0.01
    assert ours.plant["q_w"].iloc[0] == pytest.approx(ref.plant["q_w"].iloc[0], rel=5e-3)


def test_dangling_end_near_a_line_is_reported_with_the_distance(tmp_path):
    import json

    doc = json.loads((DATA / "trench_utm.geojson").read_text(encoding="utf-8"))
    x0, y0 = G.ORIGIN
    # a loop closure from B1's end toward B2 that stops 0.1 m short of it
    doc["features"].append({"type": "Feature", "properties": {"id": "Q1", "Nennweite": 40},
                            "geometry": {"type": "LineString", "coordinates": [
                                [x0 + 42.0, y0 + 60.0], [x0 + 174.9, y0 + 60.0]]}})
    src = tmp_path / "near.geojson"
    src.write_text(json.dumps(doc), encoding="utf-8")
    _net, rep = import_network(src, consumers=DATA / "buildings_utm.geojson", plant="N1")
    q1 = [d for d in rep.dangling_ends if d["line"] == "Q1"]
    assert len(q1) == 1 and q1[0]["near"] == "0.100 m from B2"
    assert "| 0.100 m from B2 |" in rep.markdown()


def test_heights_from_z_coordinates(tmp_path):
    """Lines with Z on every vertex on a plane z = 100 m + 0.05 x: every junction sits on the
    plane (ends, joints split between vertices by linear interpolation — exact on a plane —
    and buildings at the height of their joint)."""
    import json

    doc = json.loads((DATA / "trench_utm.geojson").read_text(encoding="utf-8"))
    x0, _y0 = G.ORIGIN

    def height(x):
        return 100.0 + 0.05 * (x - x0)

    for f in doc["features"]:
        f["geometry"]["coordinates"] = [[x, y, height(x)] for x, y in
                                        f["geometry"]["coordinates"]]
    src = tmp_path / "hilly.geojson"
    src.write_text(json.dumps(doc), encoding="utf-8")
    net, rep = import_network(src, consumers=DATA / "buildings_utm.geojson",
                              plant=DATA / "plant_utm.geojson")
    j = net.junctions
    street = ~j.index.str.startswith("B_")
    assert np.allclose(j.loc[street, "elevation_m"], height(j.loc[street, "x_m"]), atol=1e-6)
    for key in G.BUILDINGS:
        joint = next(c for c in rep.connections if c.element == key).node
        if f"B_{key}_s" in j.index:
            assert j.at[f"B_{key}_s", "elevation_m"] == pytest.approx(
                j.at[f"{joint}_s", "elevation_m"], abs=1e-9)
    rows = {(d["table"], d["field"]): d["value"] for d in rep.defaults}
    assert rows[("junctions", "elevation_m")].startswith("Z coordinates")
    res = p2h.solve(net)
    assert res.converged
    assert (res.consumers["dp_pa"] >= res.consumers["dp_min_pa"] - 1.0).all()
    # flat layers: elevation 0 everywhere, said so
    flat, rep_flat = imported("utm")
    assert (flat.junctions["elevation_m"] == 0).all()
    assert dict(((d["table"], d["field"]), d["value"]) for d in rep_flat.defaults)[
        ("junctions", "elevation_m")].startswith("0 m")


def test_cli_mapping_file_and_map_options(tmp_path, capsys):
    import json

    lines = (DATA / "trench_utm.geojson").read_text(encoding="utf-8")
    (tmp_path / "l.geojson").write_text(lines.replace('"Nennweite"', '"NW"'), encoding="utf-8")
    b = json.loads((DATA / "buildings_utm.geojson").read_text(encoding="utf-8"))
    for f, key in zip(b["features"], G.BUILDINGS, strict=True):
        props = f["properties"]
        props["GebNr"] = props.pop("Gebaeude_ID")
        props["Last_MW"] = _design_q_kw(key) / 1e3
        props.pop("Heizlast")
    (tmp_path / "b.geojson").write_text(json.dumps(b), encoding="utf-8")
    (tmp_path / "m.yaml").write_text("lines:\n  dn: NW\nconsumers:\n  q_mw: Last_MW\n",
                                     encoding="utf-8")
    out = tmp_path / "net.json"
    code = main(["import", str(tmp_path / "l.geojson"), "--consumers", str(tmp_path / "b.geojson"),
                 "--plant", "N1", "--mapping", str(tmp_path / "m.yaml"), "--map",
                 "consumers.id=GebNr", "--t-supply", str(G.PLANT_T_SUPPLY_C), "--out", str(out),
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["fields"][str(tmp_path / "b.geojson")] == {"id": "GebNr (mapped)",
                                                           "q_mw": "Last_MW (mapped)"}
    net = p2h.load_network(out)
    net_u, _ = imported("utm")
    assert list(net.consumers.index) == list(net_u.consumers.index)
    assert np.allclose(net.consumers["q_w"], net_u.consumers["q_w"], rtol=1e-12)
    assert net.pipes["dn"].equals(net_u.pipes["dn"])
