"""How the bad-input corpus in this folder was made (run it to regenerate the files).

The files are stored in the repository; the tests read them and ``expected.yaml`` (which this
script does not touch). Regenerating rewrites the five format folders; with a folder argument
they are written there instead (``tests/hardening/test_corpus_generator.py`` does that and
compares the result with the stored files byte for byte).

    python tests/bad_inputs/make_corpus.py [FOLDER]
"""

import copy
import json
import random
import shutil
import sys
from pathlib import Path

import pandapipes as pp
import pandas as pd

import p2h_hydraulics as p
from p2h_hydraulics.io.geojson import network_to_feature_collection
from p2h_hydraulics.io.native_json import network_to_document
from p2h_hydraulics.io.pandapipes_io import to_pandapipes

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent
for d in ("native", "csv", "geojson", "scenario", "pandapipes"):
    shutil.rmtree(ROOT / d, ignore_errors=True)
for d in ("native", "csv", "geojson", "scenario/net", "pandapipes"):
    (ROOT / d).mkdir(parents=True)

TINY = {"format": "p2h-network", "version": 1, "settings": {"name": "tiny", "t_soil_c": 10},
        "nodes": [{"id": "A", "x_m": 0, "y_m": 0, "elevation_m": 30},
                  {"id": "B", "x_m": 120, "y_m": 0, "elevation_m": 30},
                  {"id": "C", "x_m": 240, "y_m": 0, "elevation_m": 30}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 120, "dn": 100,
                      "series": "S2"},
                     {"id": "T2", "from_node": "B", "to_node": "C", "length_m": 120, "dn": 80,
                      "series": "S2"}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 250, "t_return_c": 45},
                      {"id": "C2", "node": "C", "q_kw": 100, "t_return_c": 45}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                    "control": "critical_point"}]}


def tiny():
    return copy.deepcopy(TINY)


def dump(doc, indent=1):
    return json.dumps(doc, indent=indent, allow_nan=True) + "\n"


def native(name, doc_or_text):
    path = ROOT / "native" / name
    if isinstance(doc_or_text, bytes):
        path.write_bytes(doc_or_text)
    elif isinstance(doc_or_text, str):
        path.write_text(doc_or_text, encoding="utf-8")
    else:
        path.write_text(dump(doc_or_text), encoding="utf-8")


TINY_NET = p.network_from_records({k: v for k, v in TINY.items()
                                   if k not in ("format", "version", "settings")},
                                  TINY["settings"])
TWO_PIPE = network_to_document(TINY_NET)


def two_pipe():
    return copy.deepcopy(TWO_PIPE)


# ---------------------------------------------------------------- native JSON
native("malformed.json", dump(tiny())[:300])
native("empty.json", b"")
native("binary_garbage.json", random.Random(7).randbytes(1500))
native("utf16_without_bom.json", dump(tiny(), None).encode("utf-16-le"))
native("top_level_list.json", "[1, 2, 3]\n")
d = tiny()
d["version"] = 2
native("wrong_version.json", d)
d = tiny()
d["trenches"][0]["length_m"] = "long"
native("wrong_type_length.json", d)
d = tiny()
d["trenches"][1]["length_m"] = -120
native("negative_length.json", d)
d = tiny()
d["trenches"][1]["length_m"] = 0
native("zero_length.json", d)
native("nan_demand.json", dump(tiny()).replace('"q_kw": 100', '"q_kw": NaN'))
native("infinite_demand.json", dump(tiny()).replace('"q_kw": 100', '"q_kw": Infinity'))
native("huge_integer.json", dump(tiny()).replace('"q_kw": 100', '"q_kw": 1' + "0" * 400))
d = tiny()
t = d["trenches"][0]
del t["dn"], t["series"]
t["d_inner_m"] = 100
native("diameter_100_m.json", d)
d = tiny()
d["plants"][0].pop("t_supply_c")
d["plants"][0]["t_supply_k"] = 80
native("temperature_80_k.json", d)
d = tiny()
d["plants"][0]["p_return_bar"] = 300
native("pressure_300_bar.json", d)
d = tiny()
d["consumers"][1]["node"] = "ZZ"
native("unknown_node_reference.json", d)
d = tiny()
d["consumers"][1]["id"] = "C1"
native("duplicate_consumer_id.json", d)
d = tiny()
d["nodes"][2]["id"] = "B"
native("duplicate_node_id.json", d)
d = tiny()
del d["consumers"][1]["q_kw"]
native("missing_required_field.json", d)
d = tiny()
d["trenches"][1]["lenght_m"] = d["trenches"][1].pop("length_m")
native("unknown_field.json", d)
d = tiny()
d["nodes"] += [{"id": "D", "x_m": 500, "y_m": 0}, {"id": "E", "x_m": 600, "y_m": 0}]
d["trenches"].append({"id": "T9", "from_node": "D", "to_node": "E", "length_m": 100, "dn": 50,
                      "series": "S2"})
d["consumers"].append({"id": "C9", "node": "E", "q_kw": 20, "t_return_c": 40})
native("disconnected_island.json", d)
d = tiny()
d["trenches"][1]["in_service"] = False
native("consumer_without_path_to_plant.json", d)
d = tiny()
d["nodes"] += [{"id": "R1", "x_m": 0, "y_m": 300}, {"id": "R2", "x_m": 100, "y_m": 300},
               {"id": "R3", "x_m": 50, "y_m": 380}]
d["trenches"] += [{"id": f"L{i}", "from_node": a, "to_node": b, "length_m": 100, "dn": 50,
                   "series": "S2"} for i, (a, b) in enumerate((("R1", "R2"), ("R2", "R3"),
                                                                ("R3", "R1")))]
d["consumers"].append({"id": "C_ring", "node": "R2", "q_kw": 30, "t_return_c": 40})
native("loop_without_pressure_reference.json", d)
d = tiny()
d["plants"][0]["in_service"] = False
native("plant_out_of_service.json", d)
d = tiny()
d["consumers"][0]["id"] = ["C1"]
native("id_is_a_list.json", d)
d = tiny()
d["consumers"] = {"C1": d["consumers"][0]}
native("table_not_a_list.json", d)
d = tiny()
d["nodes"].append(42)
native("entry_not_an_object.json", d)
text = dump(tiny())
text = text.replace('"plants": [', '"consumers": [{"id": "C3", "node": "C", "q_kw": 5, '
                    '"t_return_c": 40}],\n "plants": [')
native("duplicate_key.json", text)
d = tiny()
d["consumer"] = d.pop("consumers")
native("unknown_table.json", d)
d = tiny()
d["consumers"][0]["control"] = "t_retrun"
native("bad_control_mode.json", d)
d = tiny()
d["consumers"][1]["t_return_c"] = 90
native("return_above_supply.json", d)
d = tiny()
d["trenches"][1]["dn"] = 90
native("dn_not_in_catalogue.json", d)
d = two_pipe()
d["pipes"][2]["to_junction"] = d["pipes"][2]["from_junction"]
native("pipe_self_loop.json", d)
d = tiny()
d["settings"] = ["tiny"]
native("settings_not_an_object.json", d)
d = tiny()
d["consumers"][0]["id"] = "[/bold]C1"
d["consumers"][0]["q_kw"] = -250
native("markup_in_id.json", d)
d = tiny()
d["pressure_refs"] = [{"id": "R_extra", "node": "A", "side": "return", "p_bar": 1.0}]
native("pressure_held_twice.json", d)
# absurd physics: consumers whose control law holds in no steady state
d = tiny()
d["consumers"][1].pop("t_return_c")
d["consumers"][1].update(control="delta_t", delta_t_k=100)  # 100 K of cooling from 80 °C
native("cooling_below_0c.json", d)
d = tiny()
d["consumers"][1].pop("t_return_c")
d["consumers"][1].update(control="mdot", mdot_kg_s=0.0, q_kw=500)
native("fixed_zero_flow_with_demand.json", d)
d = tiny()
d["consumers"][1].pop("t_return_c")
d["consumers"][1].update(control="mdot", mdot_kg_s=0.5, q_kw=500)  # 239 K of cooling
native("fixed_flow_return_below_0c.json", d)
native("deeply_nested.json", "[" * 5000 + "]" * 5000 + "\n")
(ROOT / "native" / "is_a_directory.json").mkdir()
(ROOT / "native" / "is_a_directory.json" / "README.txt").write_text(
    "A folder named like a JSON file: load_network must say it is a directory.\n")
native("wrong_extension.txt", dump(tiny()))
(ROOT / "native" / "link_to_dev_zero.json").symlink_to("/dev/zero")  # endless: never read

# ---------------------------------------------------------------- CSV folders
GOOD_CSV = ROOT / "_good_csv_tmp"
p.save_network(TINY_NET, GOOD_CSV)


def csv_case(name, fn):
    d = ROOT / "csv" / name
    shutil.copytree(GOOD_CSV, d)
    fn(d)


def replace_in(f, old, new):
    def fn(d):
        s = (d / f).read_text()
        assert old in s, (f, old)
        (d / f).write_text(s.replace(old, new, 1))
    return fn


def drop_column(f, col):
    def fn(d):
        rows = [r.split(",") for r in (d / f).read_text().splitlines()]
        i = rows[0].index(col)
        (d / f).write_text("\n".join(",".join(c for k, c in enumerate(r) if k != i)
                                     for r in rows) + "\n")
    return fn


csv_case("missing_column", drop_column("pipes.csv", "length_m"))
csv_case("extra_cells", lambda d: (d / "junctions.csv").write_text(
    (d / "junctions.csv").read_text() + "D_s,1,2,3,4,5\n"))
csv_case("empty_table", lambda d: (d / "pipes.csv").write_text(""))
csv_case("binary_garbage", lambda d: (d / "pipes.csv").write_bytes(
    bytes(b for b in random.Random(3).randbytes(3000) if b) + b"\x81\x8d"))
csv_case("utf16_without_bom", lambda d: (d / "consumers.csv").write_bytes(
    (d / "consumers.csv").read_text().encode("utf-16-le")))
csv_case("unknown_table", lambda d: (d / "pipez.csv").write_text("id\nX\n"))
csv_case("no_tables", lambda d: [f.unlink() for f in d.iterdir()] and None or
         (d / "network.csv").write_text("a,b\n1,2\n"))
csv_case("duplicate_id", lambda d: (d / "consumers.csv").write_text(
    (d / "consumers.csv").read_text().replace("C2,", "C1,")))
csv_case("unknown_junction", replace_in("pipes.csv", "T2_s,B_s,C_s", "T2_s,B_s,ZZ_s"))
csv_case("negative_demand", replace_in("consumers.csv", "C2,C_s,C_r,100000.0",
                                       "C2,C_s,C_r,-100000.0"))
csv_case("nan_elevation", replace_in("junctions.csv", "B_s,120.0,0.0,30.0", "B_s,120.0,0.0,nan"))
csv_case("settings_bad_value", lambda d: (d / "settings.csv").write_text(
    "key,value\nname,tiny\nt_soil_k,warm\n"))
csv_case("decimal_comma_in_comma_file", replace_in("pipes.csv", "120.0,0.0825", "120,5,0.0825"))


def table_is_dir(d):
    (d / "pipes.csv").unlink()
    (d / "pipes.csv").mkdir()
    (d / "pipes.csv" / "README.txt").write_text("a folder named like a CSV table\n")


csv_case("table_is_a_directory", table_is_dir)


def table_is_dev_zero(d):
    (d / "pipes.csv").unlink()
    (d / "pipes.csv").symlink_to("/dev/zero")  # endless: must be refused, never read


csv_case("table_is_dev_zero", table_is_dev_zero)


def trench_csv(d):
    for f in d.iterdir():
        f.unlink()
    (d / "nodes.csv").write_text("id,x_m,y_m\nA,0,0\nB,120,0\n")
    (d / "trenches.csv").write_text("id,from_node,to_node,length_m,dn,series\n"
                                    "T1,A,B,120,100,S2\nT2,B,Q,80,80,S2\n")
    (d / "consumers.csv").write_text("id,node,q_kw,t_return_c\nC1,B,250,45\n")
    (d / "plants.csv").write_text("id,node,t_supply_c,p_return_bar\nPL,A,80,2.5\n")


csv_case("trench_unknown_node", trench_csv)
shutil.rmtree(GOOD_CSV)
(ROOT / "csv" / "a_file_not_a_folder.csv").write_text("id,x_m\nA,0\n")

# ---------------------------------------------------------------- GeoJSON
GEO = json.loads(json.dumps(network_to_feature_collection(TINY_NET)))


def geo(name, fn=None, text=None):
    path = ROOT / "geojson" / name
    if text is not None:
        path.write_text(text)
        return
    d = copy.deepcopy(GEO)
    fn(d)
    path.write_text(json.dumps(d, indent=None, allow_nan=True) + "\n")


def feat(d, fid):
    return next(f for f in d["features"] if f["properties"].get("id") == fid)


geo("malformed.geojson", text=json.dumps(GEO)[:400])
geo("empty.geojson", text="")
geo("not_a_feature_collection.geojson", text=json.dumps(
    {"type": "Feature", "geometry": None, "properties": {"table": "junction", "id": "A"}}))
geo("features_not_a_list.geojson", lambda d: d.__setitem__("features", {"A": 1}))
geo("missing_table_property.geojson", lambda d: feat(d, "B_s")["properties"].pop("table"))
geo("unknown_table.geojson", lambda d: feat(d, "C1")["properties"].__setitem__("table",
                                                                              "consumr"))
geo("bad_point_coordinates.geojson", lambda d: feat(d, "B_s")["geometry"].__setitem__(
    "coordinates", ["east", "north"]))
geo("huge_coordinate.geojson", lambda d: None)
(ROOT / "geojson" / "huge_coordinate.geojson").write_text(
    json.dumps(GEO).replace('"coordinates": [120.0, 0.0]}, "properties": {"table": "junctions", '
                            '"id": "B_s"',
                            '"coordinates": [1' + "0" * 400 + ', 0.0]}, "properties": '
                            '{"table": "junctions", "id": "B_s"', 1))
geo("pipe_as_point.geojson", lambda d: feat(d, "T2_s").__setitem__(
    "geometry", {"type": "Point", "coordinates": [120.0, 0.0]}))
geo("negative_length.geojson", lambda d: feat(d, "T2_r")["properties"].__setitem__(
    "length_m", -120))


def lonlat(d):
    for f in d["features"]:
        f["properties"].pop("length_m", None)
        g = f["geometry"]
        if g and g["type"] == "LineString":
            g["coordinates"] = [[10 + x / 1e5, 53 + y / 1e5] for x, y in g["coordinates"]]
        elif g:
            x, y = g["coordinates"][:2]
            g["coordinates"] = [10 + x / 1e5, 53 + y / 1e5]


geo("lonlat_without_length.geojson", lonlat)


def no_refs(d):
    for f in d["features"]:
        f["properties"].pop("from_junction", None)
        f["properties"].pop("to_junction", None)


geo("ambiguous_line_ends.geojson", no_refs)
geo("consumer_unknown_junction.geojson", lambda d: feat(d, "C2")["properties"].__setitem__(
    "supply_junction", "ZZ_s"))

# ---------------------------------------------------------------- pandapipes

def pp_write(name, net):
    doc = json.loads(pp.to_json(net))
    obj = doc["_object"]
    for key in ("std_types", "fluid"):  # keep the corpus small; not needed for the import
        obj.pop(key, None)
    (ROOT / "pandapipes" / name).write_text(json.dumps(doc) + "\n")


n = to_pandapipes(TINY_NET)
pp.create_compressor(n, 0, 2, pressure_ratio=1.2, name="COMP1")
pp_write("compressor.json", n)
n = to_pandapipes(TINY_NET)
pp.create_pump(n, 0, 2, std_type="P1", name="PUMP1")
n.pump["std_type"] = "KSB_custom"  # a curve the file does not carry (std types are dropped)
pp_write("pump_unknown_curve.json", n)
n = to_pandapipes(TINY_NET)
pp.create_heat_exchanger(n, 0, 2, inner_diameter_mm=100, qext_w=1000, name="HX_unsolved")
pp_write("heat_exchanger_unsolved.json", n)
n = to_pandapipes(TINY_NET)
pp.create_heat_exchanger(n, 0, 2, inner_diameter_mm=100, qext_w=1000, name="HX_supply")
n["res_heat_exchanger"] = pd.DataFrame({"mdot_from_kg_per_s": [0.5]}, index=[0])
pp_write("heat_exchanger_supply_to_supply.json", n)
(ROOT / "pandapipes" / "corrupt_object.json").write_text(json.dumps(
    {"_module": "pandapipes.pandapipes_net", "_class": "pandapipesNet",
     "_object": "{\"junction\": [truncated"}) + "\n")
(ROOT / "pandapipes" / "forbidden_class.json").write_text(json.dumps(
    {"_module": "os", "_class": "system", "_object": "echo not executed"}) + "\n")



# payloads: each ran code, imported a module or read another file under pandapipes.from_json;
# the reader refuses them naming the key (a scenario naming one is refused the same way)
def pp_doc(key=None, value=None):
    doc = json.loads(pp.to_json(to_pandapipes(TINY_NET)))
    for k in ("std_types", "fluid"):
        doc["_object"].pop(k, None)
    if key is not None:
        doc["_object"][key] = value
    return doc


def pp_payload(name, doc, folder="pandapipes"):
    (ROOT / folder / name).write_text(json.dumps(doc) + "\n")


ECHO = {"_module": "os", "_class": "system", "_object": "echo not executed"}
WRAPPER = {"_module": "pandapower.auxiliary", "_class": "pandapowerNet",
           "_object": json.dumps(ECHO)}
DEEP = {"level": 0}
for _ in range(60):
    DEEP = {"a": DEEP}
pp_payload("pandapower_wrapper.json", WRAPPER)
pp_payload("nested_pandapower_wrapper.json", pp_doc("extra", WRAPPER))
pp_payload("function_handler.json",
           pp_doc("extra", {"_module": "os", "_class": "function", "_object": "system"}))
pp_payload("method_handler.json",
           pp_doc("extra", {"_module": "os", "_class": "method", "_object": "system"}))
pp_payload("dataframe_from_path.json", pp_doc("junction", {
    "_module": "pandas.core.frame", "_class": "DataFrame", "orient": "split",
    "_object": "/etc/p2h_secret_table.json"}))
pp_payload("unknown_class.json",
           pp_doc("fluid", {"_module": "p2h_nowhere", "_class": "Thing", "_object": "{}"}))
pp_payload("deeply_nested.json", pp_doc("extra", DEEP))
pp_payload("nested_pandapower_wrapper.json", pp_doc("extra", WRAPPER), folder="scenario/net")

# ---------------------------------------------------------------- scenarios
(ROOT / "scenario" / "net" / "tiny.json").write_text(dump(tiny()))
d = tiny()
d["trenches"][0]["length_m"] = -1
(ROOT / "scenario" / "net" / "broken.json").write_text(dump(d))
GOOD_SCEN = """\
name: tiny_feedin
network: net/tiny.json
load_cases:
  - {name: winter, demand_scale: 1.0}
units:
  - {id: dc, node: B, q_kw: 50, cooling: liquid}
"""


def scen(name, text):
    (ROOT / "scenario" / name).write_text(text, encoding="utf-8")


def sub(old, new, base=GOOD_SCEN):
    assert old in base, old
    return base.replace(old, new, 1)


scen("python_object_tag.yaml", "!!python/object/apply:os.system ['echo not executed']\n")
scen("python_tag_nested.yaml", sub("name: tiny_feedin",
                                   "name: !!python/object/new:os.system [echo not executed]"))
scen("unknown_key.yaml", GOOD_SCEN + "colour: blue\n")
scen("feedin_on_missing_node.yaml", sub("node: B", "node: Q7"))
scen("unknown_consumer_in_load_case.yaml", sub("demand_scale: 1.0", "q_kw: {C99: 5}"))
scen("missing_network_file.yaml", sub("net/tiny.json", "net/nowhere.json"))
scen("network_is_a_directory.yaml", sub("net/tiny.json", "net"))
scen("network_is_dev_zero.yaml", sub("net/tiny.json", "/dev/zero"))
scen("broken_network.yaml", sub("net/tiny.json", "net/broken.json"))
scen("malformed.yaml", "name: [tiny\nnetwork: net/tiny.json\n")
scen("empty.yaml", "")
scen("not_a_mapping.yaml", "- tiny\n- net/tiny.json\n")
scen("negative_heat.yaml", sub("q_kw: 50", "q_kw: -50"))
scen("nan_value.yaml", sub("demand_scale: 1.0", "demand_scale: .nan"))
scen("infinite_value.yaml", sub("q_kw: 50", "q_kw: .inf"))
scen("wrong_type.yaml", sub("demand_scale: 1.0", "demand_scale: lots"))
scen("duplicate_key.yaml", GOOD_SCEN + "name: again\n")
scen("alias_bomb.yaml", "".join(
    f"{k}: &{k} [" + ", ".join([f"*{prev}" if prev else "lol"] * 9) + "]\n"
    for k, prev in zip("abcdefgh", [None, *"abcdefg"], strict=True)))
scen("node_and_junctions.yaml", sub("node: B", "node: B, supply_junction: B_s, "
                                                "return_junction: B_r"))
scen("unknown_cooling.yaml", sub("cooling: liquid", "cooling: liquid_nitrogen"))
scen("utf16.yaml", "")
(ROOT / "scenario" / "utf16.yaml").write_bytes(GOOD_SCEN.encode("utf-16"))
scen("huge_integer.yaml", sub("q_kw: 50", "q_kw: 5" + "0" * 5000))
scen("pandapipes_payload_network.yaml",
     sub("net/tiny.json", "net/nested_pandapower_wrapper.json"))
scen("duplicate_load_case.yaml", sub("load_cases:\n", "load_cases:\n  - {name: winter}\n"))
# absurd physics: no consumers, load cases that make a consumer impossible
d = tiny()
d["consumers"] = []
(ROOT / "scenario" / "net" / "no_consumers.json").write_text(dump(d))
d = tiny()
d["consumers"][1].pop("t_return_c")
d["consumers"][1].update(control="mdot", mdot_kg_s=0.0, q_kw=0)
(ROOT / "scenario" / "net" / "idle_fixed_flow.json").write_text(dump(d))
scen("no_consumers.yaml", sub("net/tiny.json", "net/no_consumers.json"))
scen("offset_freezes_returns.yaml", sub("demand_scale: 1.0", "t_return_offset_k: -50"))
scen("supply_below_return_setpoint.yaml", sub("demand_scale: 1.0", "t_supply_c: 44"))
scen("demand_on_zero_fixed_flow.yaml",
     sub("demand_scale: 1.0", "q_kw: {C2: 500}", sub("net/tiny.json", "net/idle_fixed_flow.json")))
print("written")
