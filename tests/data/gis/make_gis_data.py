"""Write the GIS test layers of ``tests/data/gis`` (``python tests/data/gis/make_gis_data.py``).

A small district-heating network drawn the way people digitise one: a street main in two
lines that do not quite meet (3 cm), one of them drawn toward the plant, branches that start on
an interior vertex of the main or end 2 cm beside one of its segments (drawn from the far end
toward the main), a branch whose first vertex misses the main's end by 4.5 cm, one by 1 cm,
multi-vertex lines, German attribute names with units in the values (``"DN 100"``, ``"25 kW"``,
``"60,5"``) and attributes the model does not use (``Baujahr``, ``Strasse``, ``Material``).
Buildings come as points, polygons and a drawn house-connection line.

The construction (``LINES``, ``BUILDINGS``, ``PLANT_XY``) is importable so that tests can derive
the expected figures from it. Coordinates are metres east/north of ``ORIGIN`` in EPSG:25832.
Files written:

- ``trench_utm.geojson``, ``buildings_utm.geojson``, ``plant_utm.geojson`` (EPSG:25832),
- ``trench_wgs84.geojson``, ``buildings_wgs84.geojson``, ``plant_wgs84.geojson`` (EPSG:4326),
- ``network.gpkg`` with layers ``trassen``, ``gebaeude`` (polygons), ``anlage`` (point),
- ``shp/trassen.shp`` and ``shp/gebaeude.shp`` (points; plant given by node id),
- ``supply_return.geojson`` (one layer, ``Seite`` VL/RL; return lines 0.5 m south of the supply
  lines) with ``plant_sr.geojson``, and the same split into ``supply.geojson`` /
  ``return.geojson``,
- ``buildings_annual.geojson``: the point/polygon buildings with ``Jahreswärmebedarf`` [kWh/a]
  and ``Gebäudetyp`` instead of a design load.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORIGIN = (500_000.0, 5_650_000.0)
CRS = "EPSG:25832"

# id → (vertices, attributes); vertices in drawing order (relative metres)
LINES: dict[str, tuple[list[tuple[float, float]], dict]] = {
    "M1": ([(0.0, 0.0), (40.0, 0.5), (100.0, 0.0)],
           {"Nennweite": "DN 100", "Baujahr": 1978, "Strasse": "Hauptstraße",
            "Material": "KMR"}),
    # drawn toward the plant; its last vertex misses M1's end by 3 cm
    "M2": ([(200.0, 10.0), (150.0, 5.0), (100.03, 0.0)],
           {"Nennweite": 80, "Baujahr": 1978, "Strasse": "Hauptstraße", "Material": "KMR"}),
    # starts exactly on M1's interior vertex (40, 0.5)
    "B1": ([(40.0, 0.5), (40.0, 30.0), (42.0, 60.0)],
           {"Nennweite": "DN50", "Baujahr": 1985, "Strasse": "Birkenweg", "Material": "KMR"}),
    # drawn toward the main; ends 2 cm north of M2's segment (150, 5)–(200, 10) at x = 175
    "B2": ([(175.0, 90.0), (175.0, 7.52)],
           {"Nennweite": 50, "Baujahr": 1991, "Strasse": "Eichenweg", "Material": "KMR"}),
    # first vertex 4.5 cm east of M2's start
    "B3": ([(200.045, 10.0), (230.0, 12.0), (260.0, 10.0)],
           {"Nennweite": "DN 40", "Baujahr": 2004, "Strasse": "Lindenweg", "Material": "PMR"}),
    # first vertex 1 cm north of M1's end
    "B4": ([(100.0, 0.01), (100.0, -50.0)],
           {"Nennweite": 32, "Baujahr": 2011, "Strasse": "Ulmenweg", "Material": "PMR"}),
}
REVERSED = ("M2", "B2")  # drawn toward the plant
GAPS = {"M2": 0.03, "B2": 0.02 / (1.01 ** 0.5), "B3": 0.045, "B4": 0.01}  # gaps closed [m]
INTERIOR_JOINS = {"B1": "M1", "B2": "M2"}  # line end → line whose interior it meets

# id → (geometry kind, position or vertices, design load as written, type, annual kWh, Baujahr)
BUILDINGS = {
    "G1": ("point", (70.0, 12.0), 30, "EFH", 52_000, 1975),
    "G2": ("point", (30.0, 45.0), "25 kW", "EFH", 41_000, 1962),
    "G3": ("polygon", (190.0, 30.0), "60,5", "MFH", 118_000, 1970),
    "G4": ("polygon", (250.0, 25.0), 40, "GHD", 70_000, 1999),
    "G5": ("line", [(20.0, 0.25), (20.0, -20.0), (25.0, -25.0)], 15, "EFH", 26_000, 2015),
    "G6": ("point", (42.0, 60.0), 20, "EFH", 35_000, 1955),
    "G7": ("point", (103.0, -54.0), 35, "MFH", 64_000, 1968),
    "G8": ("point", (178.0, 94.0), 18, "EFH", 30_000, 1990),
}
PLANT_XY = (-0.02, 0.01)
PLANT_T_SUPPLY_C = 85.0
RETURN_OFFSET_Y = -0.5  # return lines of the separate variant, relative to the supply lines
SQUARE_M = 10.0


def _abs(pts, dy: float = 0.0):
    return [[ORIGIN[0] + x, ORIGIN[1] + y + dy] for x, y in pts]


def _square(c):
    h = SQUARE_M / 2
    x, y = c
    return [[(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h), (x - h, y - h)]]


def building_geometry(kind, where, polygons_only=False, points_only=False):
    """GeoJSON geometry (absolute coordinates) of a building of the construction."""
    if kind == "line" and not (polygons_only or points_only):
        return {"type": "LineString", "coordinates": _abs(where)}
    centre = where[-1] if kind == "line" else where
    if points_only or (kind == "point" and not polygons_only):
        return {"type": "Point", "coordinates": _abs([centre])[0]}
    return {"type": "Polygon", "coordinates": [_abs(ring) for ring in _square(centre)]}


def line_features(dy=0.0, side=None):
    out = []
    for key, (pts, attrs) in LINES.items():
        props = {"id": key if side is None else f"{key}-{side}", **attrs}
        if side is not None:
            props["Seite"] = side
        out.append({"type": "Feature", "properties": props,
                    "geometry": {"type": "LineString", "coordinates": _abs(pts, dy)}})
    return out


def building_features(annual=False, **kw):
    out = []
    for key, (kind, where, q, btype, annual_kwh, year) in BUILDINGS.items():
        if annual and kind == "line":
            continue
        props = {"Gebaeude_ID": key, "Baujahr": year}
        if annual:
            props.update({"Jahreswärmebedarf": annual_kwh, "Gebäudetyp": btype})
        else:
            props.update({"Heizlast": q, "Nutzung": btype})
        out.append({"type": "Feature", "properties": props,
                    "geometry": building_geometry(kind, where, **kw)})
    return out


def plant_features(dy=0.0):
    return [{"type": "Feature", "properties": {"name": "HW1",
                                                "Vorlauftemperatur": PLANT_T_SUPPLY_C},
             "geometry": {"type": "Point", "coordinates": _abs([PLANT_XY], dy)[0]}}]


def _collection(features, crs=CRS):
    urn = f"urn:ogc:def:crs:{crs.replace(':', '::')}"
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": urn}}, "features": features}


def _write(name, doc):
    (HERE / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


def _to_wgs84(doc):
    from pyproj import Transformer

    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)

    def conv(c):
        if isinstance(c[0], (int, float)):
            x, y = tr.transform(c[0], c[1])
            return [round(x, 10), round(y, 10)]
        return [conv(x) for x in c]

    out = json.loads(json.dumps(doc))
    out["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    for f in out["features"]:
        f["geometry"]["coordinates"] = conv(f["geometry"]["coordinates"])
    return out


def main() -> None:
    import geopandas as gpd

    trench = _collection(line_features())
    buildings = _collection(building_features())
    plant = _collection(plant_features())
    _write("trench_utm.geojson", trench)
    _write("buildings_utm.geojson", buildings)
    _write("plant_utm.geojson", plant)
    _write("trench_wgs84.geojson", _to_wgs84(trench))
    _write("buildings_wgs84.geojson", _to_wgs84(buildings))
    _write("plant_wgs84.geojson", _to_wgs84(plant))
    _write("buildings_annual.geojson", _collection(building_features(annual=True)))

    gpkg = HERE / "network.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    for layer, doc in (("trassen", trench),
                       ("gebaeude", _collection(building_features(polygons_only=True))),
                       ("anlage", plant)):
        frame = gpd.GeoDataFrame.from_features(doc["features"], crs=CRS)
        frame.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")

    shp = HERE / "shp"
    shp.mkdir(exist_ok=True)
    lines = gpd.GeoDataFrame.from_features(trench["features"], crs=CRS)
    lines["Strasse"] = lines["Strasse"].str.replace("ß", "ss")
    lines.to_file(shp / "trassen.shp", engine="pyogrio", encoding="utf-8")
    points = gpd.GeoDataFrame.from_features(building_features(points_only=True), crs=CRS)
    points = points.rename(columns={"Gebaeude_ID": "objekt_id"})  # names ≤ 10 characters
    points.to_file(shp / "gebaeude.shp", engine="pyogrio", encoding="utf-8")

    dy = RETURN_OFFSET_Y
    supply, ret = line_features(side="VL"), line_features(dy=dy, side="RL")
    _write("supply_return.geojson", _collection(supply + ret))
    _write("supply.geojson", _collection([{**f, "properties": {
        k: v for k, v in f["properties"].items() if k != "Seite"}} for f in supply]))
    _write("return.geojson", _collection([{**f, "properties": {
        k: v for k, v in f["properties"].items() if k != "Seite"}} for f in ret]))
    _write("plant_sr.geojson", _collection(plant_features(dy=dy / 2)))


if __name__ == "__main__":
    main()
