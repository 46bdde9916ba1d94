"""Opening a pandapipes network file never executes anything (``io/pandapipes_json.py``).

Each payload kind below ran code, imported a module or read another file under
``pandapipes.from_json`` (checked by hand against pandapipes 0.16 / pandapower: the
pandapowerNet wrapper ran ``subprocess.getoutput``, the nested one ``builtins.open``, the
function/method/unknown-class payloads imported a module named in the file, the DataFrame
payload read a local ``*.json`` into the junction table). Each is refused here through the API
(``load_network``) and the CLI (``solve``, ``convert``, ``check`` of a scenario naming it):
InputFileError / exit 3, the message names the file and the key, the payload's marker file does
not exist, the payload's module is not imported, the secret file's content is nowhere.

Genuine nets (written by ``pandapipes.to_json`` in the test itself) still load: the network
equals the one pandapipes' own reader gives for the same trusted file, and solves identically;
every net file shipped with pandapipes (formats 0.1 to 0.16) gives the same tables.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError
from tests.hardening.test_fuzz_loaders import COMMON, load_or_documented_error, mutate_doc

pp = pytest.importorskip("pandapipes")

from p2h_hydraulics.io.pandapipes_allowlist import MAX_DEPTH  # noqa: E402
from p2h_hydraulics.io.pandapipes_io import from_pandapipes, to_pandapipes  # noqa: E402
from p2h_hydraulics.io.pandapipes_json import load_pandapipes_net, read_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "bad_inputs" / "scenario" / "net" / "tiny.json"
SECRET = "SECRET-MARKER-7f3a"
MODULE = "p2h_untrusted_payload_module"


def _quiet_from_json(path):
    """pandapipes' own reader — used here only on files the test itself wrote."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pp.from_json(str(path))


@pytest.fixture(scope="module")
def genuine_doc() -> dict:
    """A genuine pandapipes document (the corpus' tiny network written by pandapipes)."""
    return json.loads(pp.to_json(to_pandapipes(p2h.load_network(TINY))))


class Payloads:
    """Payload files in a folder, each trying to leave a marker file there."""

    def __init__(self, folder: Path, genuine: dict):
        self.folder = folder
        self.genuine = genuine
        (folder / f"{MODULE}.py").write_text(
            f"open({str(self.marker('import'))!r}, 'w').write('ran')\n\ndef run():\n    pass\n",
            encoding="utf-8")
        secret = {"columns": ["name", "pn_bar", "tfluid_k", "height_m", "in_service", "type"],
                  "index": [0], "data": [[SECRET, 1.0, 300.0, 0.0, True, "junction"]]}
        (folder / "secret.json").write_text(json.dumps(secret), encoding="utf-8")

    def marker(self, kind: str) -> Path:
        return self.folder / f"marker_{kind}"

    def nested(self, key: str, value) -> dict:
        doc = json.loads(json.dumps(self.genuine))
        doc["_object"][key] = value
        return doc

    def make(self, kind: str) -> tuple[dict, str]:
        """The document of a payload kind and the key path the refusal must name."""
        m = str(self.marker(kind))
        wrapper = "pandapower.auxiliary", "pandapowerNet"
        if kind == "os_system_class":
            return {"_module": "os", "_class": "system", "_object": f"touch {m}"}, "net._class"
        if kind == "pandapower_wrapper":
            inner = {"_module": "subprocess", "_class": "getoutput", "_object": f"touch {m}"}
            return ({"_module": wrapper[0], "_class": wrapper[1], "_object": json.dumps(inner)},
                    "net._class")
        if kind == "nested_wrapper":
            inner = {"_module": "builtins", "_class": "open", "_object": m, "mode": "w"}
            return (self.nested("extra", {"_module": wrapper[0], "_class": wrapper[1],
                                          "_object": json.dumps(inner)}), "net.extra._class")
        if kind in ("function", "method"):
            return (self.nested("extra", {"_module": MODULE, "_class": kind, "_object": "run"}),
                    "net.extra._class")
        if kind == "unknown_class":
            return (self.nested("fluid", {"_module": MODULE, "_class": "Thing", "_object": "{}"}),
                    "net.fluid._class")
        if kind == "dataframe_from_path":
            return (self.nested("junction", {
                "_module": "pandas.core.frame", "_class": "DataFrame", "orient": "split",
                "_object": str(self.folder / "secret.json")}), "net.junction._object")
        if kind == "deep_nesting":
            deep: dict = {"level": 0.0}
            for _ in range(MAX_DEPTH + 10):
                deep = {"a": deep}
            return self.nested("settings_tree", deep), "net.settings_tree.a.a.a"
        if kind == "wrapper_in_table_cell":
            doc = self.nested("extra", None)
            del doc["_object"]["extra"]
            table = json.loads(doc["_object"]["junction"]["_object"])
            table["columns"].append("note")
            for row in table["data"]:
                row.append({"_module": "subprocess", "_class": "getoutput",
                            "_object": f"touch {m}"})
            doc["_object"]["junction"]["_object"] = json.dumps(table)
            return doc, "net.junction._object"
        raise AssertionError(kind)

    def write(self, kind: str) -> tuple[Path, str]:
        doc, key = self.make(kind)
        path = self.folder / f"{kind}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path, key

    def nothing_ran(self) -> None:
        ran = sorted(p.name for p in self.folder.glob("marker_*"))
        assert ran == [], f"payload ran: {ran}"
        assert MODULE not in sys.modules


KINDS = ("os_system_class", "pandapower_wrapper", "nested_wrapper", "function", "method",
         "unknown_class", "dataframe_from_path", "deep_nesting", "wrapper_in_table_cell")


@pytest.fixture
def payloads(tmp_path, genuine_doc, monkeypatch) -> Payloads:
    monkeypatch.syspath_prepend(str(tmp_path))  # the payload module would be importable
    monkeypatch.chdir(tmp_path)
    sys.modules.pop(MODULE, None)
    return Payloads(tmp_path, genuine_doc)


def _assert_refusal(text: str, path: Path, key: str) -> None:
    flat = " ".join(text.split())
    assert path.name in flat, text
    assert f"key '{key}" in flat, text
    assert "not a readable pandapipes net" in flat, text
    assert SECRET not in flat


@pytest.mark.parametrize("kind", KINDS)
def test_payload_refused_through_the_api(kind, payloads):
    path, key = payloads.write(kind)
    with pytest.raises(InputFileError) as info:
        p2h.load_network(path)
    assert info.value.exit_code == 3
    _assert_refusal(str(info.value), path, key)
    payloads.nothing_ran()
    # the reader on its own (without load_network's dispatch) refuses the same way
    with pytest.raises(InputFileError) as again:
        load_pandapipes_net(path)
    assert str(again.value) == str(info.value)
    payloads.nothing_ran()


@pytest.mark.parametrize("kind", KINDS)
def test_payload_refused_through_the_cli(kind, payloads, capsys):
    path, key = payloads.write(kind)
    folder = payloads.folder
    (folder / "s.yaml").write_text(
        f"name: s\nnetwork: {path.name}\nunits:\n  - {{id: dc, node: B, q_kw: 50, "
        "cooling: liquid}\n", encoding="utf-8")
    out_file = folder / "converted.json"
    for args in (["solve", str(path)], ["convert", str(path), str(out_file)],
                 ["check", str(folder / "s.yaml")]):
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 3, (args, out, err)
        assert "Traceback" not in out + err and "internal error" not in err, err
        _assert_refusal(err, path, key)
        assert SECRET not in out
        payloads.nothing_ran()
    assert not out_file.exists()


def test_refusals_name_what_was_found(payloads):
    """The message says what the file named, so that its sender can be told."""
    cases = {"pandapower_wrapper": "pandapower.auxiliary.pandapowerNet is not allowed",
             "function": f"{MODULE}.function is not allowed",
             "method": f"{MODULE}.method is not allowed",
             "dataframe_from_path": "paths and other sources are not read",
             "deep_nesting": f"nested more than {MAX_DEPTH} levels deep",
             "wrapper_in_table_cell": "row 0, column 'note'"}
    for kind, text in cases.items():
        path, _ = payloads.write(kind)
        with pytest.raises(InputFileError) as info:
            p2h.load_network(path)
        assert text in " ".join(str(info.value).split()), (kind, str(info.value))
    payloads.nothing_ran()


def test_plain_data_of_moderate_depth_is_kept(payloads):
    """Nested plain data (as in real files' settings) is data, not a payload."""
    doc = payloads.nested("tool_settings", {"a": {"b": {"c": [1, 2, {"d": "x"}]}}})
    path = payloads.folder / "ok.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    net = load_pandapipes_net(path)
    assert net["tool_settings"] == {"a": {"b": {"c": [1, 2, {"d": "x"}]}}}
    plain = payloads.folder / "genuine.json"
    plain.write_text(json.dumps(payloads.genuine), encoding="utf-8")
    assert p2h.load_network(path).equals(p2h.load_network(plain))


def test_special_and_oversized_files_are_not_read(tmp_path, monkeypatch):
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="not a regular file"):
        read_document(fifo)  # returns at once: a FIFO without a writer is never waited on
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"_module": "x", "_class": "y", "_object": "z" * 2000}))
    monkeypatch.setenv("P2H_MAX_PANDAPIPES_MB", str(1000 / 2**20))
    with pytest.raises(InputFileError, match="too large"):
        read_document(big)


def test_pump_std_type_name_is_never_a_path(tmp_path, genuine_doc):
    """A pump's std_type is looked up among pandapipes' library files by name, never joined
    into a path (``../`` would read any CSV)."""
    doc = json.loads(json.dumps(genuine_doc))
    doc["_object"].pop("std_types", None)
    outside = tmp_path / "outside.csv"
    outside.write_text("Vdot_m3ph;p_bar;degree\n0;10;2\n40;8.4;\n60;7;\n", encoding="utf-8")
    pumps = json.loads(doc["_object"]["pump"]["_object"])
    pumps["columns"] = ["name", "from_junction", "to_junction", "std_type", "in_service", "type"]
    pumps["index"] = [0]
    rel = os.path.relpath(outside.with_suffix(""), Path(pp.__file__).parent / "std_types"
                          / "library" / "Pump")
    pumps["data"] = [["PUMP1", 0, 1, rel, True, "pump"]]
    doc["_object"]["pump"]["_object"] = json.dumps(pumps)
    path = tmp_path / "pump.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(p2h.ModelError, match="neither in the net nor in pandapipes' library"):
        p2h.load_network(path)


# ---------------------------------------------------------------------------------------------
# genuine nets: identical to pandapipes' own reader on trusted files


def _heat_net():
    """A pandapipes heat net: std-type pipes with heat loss, consumers, a circulation pump."""
    net = pp.create_empty_network(fluid="water")
    j = pp.create_junctions(net, 6, pn_bar=5.0, tfluid_k=353.15, height_m=[0, 0, 2, 2, 1, 0],
                            name=["s0", "s1", "s2", "r2", "r1", "r0"],
                            geodata=[(0, 0), (100, 0), (200, 0), (200, 5), (100, 5), (0, 5)])
    for a, b, std, length in ((0, 1, "ISOPLUS_DRE80_STD", 0.1), (1, 2, "ISOPLUS_DRE50_STD", 0.12),
                              (3, 4, "ISOPLUS_DRE50_STD", 0.12), (4, 5, "ISOPLUS_DRE80_STD", 0.1)):
        pp.create_pipe(net, j[a], j[b], std_type=std, length_km=length, k_mm=0.05,
                       u_w_per_m2k=2.0, text_k=283.15, name=f"p{a}{b}")
    pp.create_heat_consumer(net, j[1], j[4], qext_w=60e3, treturn_k=318.15, name="hc1")
    pp.create_heat_consumer(net, j[2], j[3], qext_w=40e3, deltat_k=30.0, name="hc2")
    pp.create_circ_pump_const_pressure(net, j[5], j[0], p_flow_bar=5.0, plift_bar=1.5,
                                       t_flow_k=353.15, type="pt", name="plant")
    pp.set_user_pf_options(net, ambient_temperature=283.15)
    return net


GENUINE = {"tiny": lambda: to_pandapipes(p2h.load_network(TINY)),
           "small_demo": lambda: to_pandapipes(p2h.load_network(ROOT / "networks"
                                                                / "small_demo.json")),
           "heat_net": _heat_net,
           "heat_net_solved": lambda: _solved(_heat_net())}


def _solved(net):
    pp.pipeflow(net, mode="sequential")
    assert net.converged
    return net


@pytest.mark.parametrize("name", sorted(GENUINE))
def test_genuine_net_loads_and_solves_as_before(name, tmp_path):
    path = tmp_path / f"{name}.json"
    pp.to_json(GENUINE[name](), str(path))
    before = from_pandapipes(_quiet_from_json(path), file=str(path))  # trusted: written here
    after = p2h.load_network(path)
    assert after.equals(before)
    r1, r2 = p2h.solve(before), p2h.solve(after)
    for table in ("junctions", "pipes"):
        a, b = getattr(r1, table), getattr(r2, table)
        pd.testing.assert_frame_equal(a, b, check_exact=True)  # same network, same numbers
    assert r1.summary() == r2.summary()


SHIPPED_ROOT = Path(pp.__file__).parent
SHIPPED = sorted(os.path.relpath(f, SHIPPED_ROOT) for pattern in (
    "networks/network_files/stanet_test_networks/water_cases/**/*.json",
    "networks/network_files/openmodelica_test_networks/heat_transfer_cases/*.json",
    "networks/network_files/*.json", "test/api/old_versions/*.json")
    for f in glob.glob(str(SHIPPED_ROOT / pattern), recursive=True))


def test_shipped_files_found():
    assert len(SHIPPED) >= 40


@pytest.mark.parametrize("rel", SHIPPED)
def test_shipped_pandapipes_files_read_identically(rel):
    """Every table, the fluid's properties and the pump curves equal pandapipes' own reading
    (exactly; GeoJSON geometry to the 8 digits pandapower's reader rounds it to)."""
    path = SHIPPED_ROOT / rel
    ref, net = _quiet_from_json(path), load_pandapipes_net(path)
    assert set(net.keys()) == set(ref.keys())
    for key, a in ref.items():
        b = net[key]
        if isinstance(a, pd.DataFrame):
            if key == "controller" and len(a):  # never loaded: named by class
                assert [str(x).rsplit(".", 1)[-1] for x in b["object"]] == \
                    [type(x).__name__ for x in a["object"]]
                continue
            for col in [c for c in a.columns if str(c).endswith("geo")]:
                a, b = a.copy(), b.copy()
                a[col], b[col] = _rounded(a[col]), _rounded(b[col])
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        elif key == "fluid":
            assert (b.name, b.fluid_type, b.is_gas) == (a.name, a.fluid_type, a.is_gas)
            t = np.linspace(263.15, 373.15, 12)
            for prop, fa in a.all_properties.items():
                np.testing.assert_array_equal(b.all_properties[prop].get_at_value(t),
                                              fa.get_at_value(t))
        elif key in ("std_types", "std_type"):
            assert a.keys() == b.keys()
            for comp, types in a.items():
                for tname, st in types.items():
                    if hasattr(st, "reg_par"):
                        np.testing.assert_array_equal(np.asarray(b[comp][tname].reg_par, float),
                                                      np.asarray(st.reg_par, float))
                    else:
                        assert b[comp][tname] == st or _same_nan(b[comp][tname], st)
        elif key == "converged":
            continue  # pandapower reads numpy.bool_("False") as True; here it is False
        else:
            assert b == a, key


def _rounded(col: pd.Series) -> list:
    def r(x):
        if isinstance(x, dict):
            return {k: r(v) for k, v in x.items()}
        if isinstance(x, list):
            return [r(v) for v in x]
        return round(x, 8) if isinstance(x, float) else x
    return [r(dict(x)) if isinstance(x, dict) else x for x in col]


def _same_nan(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y))
        for x, y in ((a[k], b[k]) for k in a))


# ---------------------------------------------------------------------------------------------
# a scenario names its network by path: only a regular file or a folder is opened


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_scenario_network_must_be_a_regular_file(special, tmp_path, capsys):
    net = tmp_path / "net.json"
    if special == "fifo":
        os.mkfifo(net)  # opening it would wait for a writer forever
    else:
        net.symlink_to(os.devnull)  # a character device behind a .json name
    scen = tmp_path / "s.yaml"
    scen.write_text("name: s\nnetwork: net.json\nunits:\n  - {id: dc, node: B, q_kw: 50, "
                    "cooling: liquid}\n", encoding="utf-8")
    with pytest.raises(p2h.ScenarioError) as info:
        p2h.load_scenario(scen)
    text = " ".join(str(info.value).split())
    assert "s.yaml:2" in text and "'network'" in text and "not a regular file" in text, text
    assert main(["check", str(scen)]) == 3
    err = capsys.readouterr().err
    assert "not a regular file" in err and "internal error" not in err
    lazy = p2h.load_scenario(scen, load_network=False)
    with pytest.raises(p2h.ScenarioError, match="not a regular file"):
        lazy.load_network()


# ---------------------------------------------------------------------------------------------
# mutated genuine files: a net, or a documented error (never a crash)


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("pandapipes_fuzz")
    net = _solved(_heat_net())
    pp.create_valve(net, 0, 1, "ju", inner_diameter_mm=100.0, name="v")  # one more table
    return folder, json.loads(pp.to_json(net))


@settings(max_examples=100, **COMMON)
@given(data=st.data(), where=st.sampled_from(["net", "table", "fluid"]))
def test_mutated_pandapipes_files_load_or_are_refused(fuzz_base, data, where):
    folder, base = fuzz_base
    doc = json.loads(json.dumps(base))
    if where == "net":
        doc = mutate_doc(data, doc)
    else:
        keys = [k for k, v in doc["_object"].items() if isinstance(v, dict)
                and v.get("_class") == "DataFrame"] if where == "table" else ["fluid"]
        key = data.draw(st.sampled_from(sorted(keys)), label="entry")
        inner = json.loads(doc["_object"][key]["_object"])
        doc["_object"][key]["_object"] = json.dumps(mutate_doc(data, inner), allow_nan=True)
    path = folder / "mutated.json"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    load_or_documented_error(lambda: p2h.load_network(path))


def _edit_table(doc: dict, table: str, fn) -> None:
    t = json.loads(doc["_object"][table]["_object"])
    fn(t)
    doc["_object"][table]["_object"] = json.dumps(t)


def _set_cell(table: str, col: str, value):
    def fn(t):
        t["data"][0][t["columns"].index(col)] = value
    return lambda d: _edit_table(d, table, fn)


TAMPERED = {
    "repeated_index": (lambda d: _edit_table(d, "pipe", lambda t: t["index"].__setitem__(1, 0)),
                       "net.pipe._object", "the index repeats entries"),
    "junction_as_text": (_set_cell("pipe", "from_junction", "0"),
                         "net.pipe._object (row 0, column 'from_junction')", "expected a number"),
    "list_in_read_column": (_set_cell("heat_consumer", "qext_w", [1, 2]),
                            "net.heat_consumer._object (row 0, column 'qext_w')",
                            "expected a number"),
    "ambient_as_text": (lambda d: d["_object"]["user_pf_options"].__setitem__(
        "ambient_temperature", "hot"), "net.user_pf_options.ambient_temperature",
        "expected a number"),
    "version_not_a_version": (lambda d: d["_object"].__setitem__("format_version", "abc"),
                              "net.format_version", "expected a version number"),
    "setting_not_a_value": (lambda d: d["_object"]["p2h_settings"].__setitem__("name", {"a": 1}),
                            "net.p2h_settings.name", "expected a single value"),
    "dtype_not_allowed": (lambda d: d["_object"]["pipe"]["dtype"].__setitem__(
        "length_km", "datetime64[ns]"), "net.pipe.dtype.length_km", "is not allowed"),
    "component_not_pandapipes": (lambda d: d["_object"]["component_list"].append(
        {"_module": "pandapipes.component_models.evil", "_class": "Popen", "_object": "{}"}),
        "net.component_list[", "is not a pandapipes component"),
    "table_with_extra_key": (lambda d: d["_object"]["pipe"].__setitem__("path_or_buf", "/x"),
                             "net.pipe.path_or_buf", "unexpected key"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_tampered_genuine_file_is_refused_naming_the_key(case, tmp_path, genuine_doc):
    edit, key, text = TAMPERED[case]
    doc = json.loads(json.dumps(genuine_doc))
    edit(doc)
    path = tmp_path / f"{case}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        p2h.load_network(path)
    msg = " ".join(str(info.value).split())
    assert f"key '{key}" in msg and text in msg and path.name in msg, msg
