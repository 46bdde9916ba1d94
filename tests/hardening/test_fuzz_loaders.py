"""Property-based fuzzing of every reader (and of ``solve``) with hypothesis.

Valid inputs — ``networks/small_demo.json``, a small trench-form network, the same network as a
CSV folder and as GeoJSON (written with ``p2h_hydraulics.save_network``) and a valid scenario —
are mutated: keys deleted, duplicated, renamed; values replaced by random JSON values (text,
huge and negative numbers, null, NaN, nested lists); text truncated, bytes flipped, lines
dropped or repeated. Whatever comes out, reading it must either give a network / scenario or
raise one of the project's documented errors (``P2HError`` subclasses) — never a KeyError,
TypeError, ValueError, IndexError … ``solve`` on mutated-but-loadable networks returns a
``Result`` or raises ``ConvergenceError`` / ``ModelError``.

Runs derandomized (same examples on every run) with bounded example counts so that the module
stays well under a minute.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import p2h_hydraulics as p2h
from p2h_hydraulics.errors import ConvergenceError, ModelError, P2HError
from p2h_hydraulics.io.native_json import network_from_document, network_to_document
from p2h_hydraulics.model.schema import TABLES
from p2h_hydraulics.results import Result
from p2h_hydraulics.solver import SolverOptions

ROOT = Path(__file__).resolve().parents[2]
SMALL_DEMO = json.loads((ROOT / "networks" / "small_demo.json").read_text(encoding="utf-8"))

TINY = {"format": "p2h-network", "version": 1, "settings": {"name": "tiny", "t_soil_c": 10},
        "nodes": [{"id": "A", "x_m": 0, "y_m": 0, "elevation_m": 30},
                  {"id": "B", "x_m": 120, "y_m": 0, "elevation_m": 31},
                  {"id": "C", "x_m": 240, "y_m": 0, "elevation_m": 29},
                  {"id": "D", "x_m": 240, "y_m": 90, "elevation_m": 30}],
        "trenches": [{"id": "T1", "from_node": "A", "to_node": "B", "length_m": 120, "dn": 100,
                      "series": "S2"},
                     {"id": "T2", "from_node": "B", "to_node": "C", "length_m": 120, "dn": 80,
                      "series": "S2"},
                     {"id": "T3", "from_node": "C", "to_node": "D", "length_m": 90,
                      "d_inner_mm": 54.5, "u_w_per_mk": 0.2},
                     {"id": "T4", "from_node": "D", "to_node": "B", "length_m": 150, "dn": 50,
                      "series": "S1"}],
        "valves": [{"id": "V1", "from_node": "C", "to_node": "D", "d_inner_mm": 50, "zeta": 2,
                    "side": "supply"}],
        "consumers": [{"id": "C1", "node": "B", "q_kw": 250, "t_return_c": 45},
                      {"id": "C2", "node": "C", "q_kw": 100, "control": "delta_t",
                       "delta_t_k": 30},
                      {"id": "C3", "node": "D", "q_kw": 40, "t_return_c": 40,
                       "dp_min_bar": 0.3}],
        "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                    "control": "critical_point", "mdot_design_t_h": 20}]}

SCENARIO = {"name": "fuzz", "description": "fuzzing base", "network": "net/tiny.json",
            "plant": {"t_supply_c": 80, "control": "critical_point"},
            "load_cases": [{"name": "winter", "demand_scale": 1.0, "t_soil_c": 8},
                           {"name": "summer", "demand_scale": 0.3, "q_kw": {"C1": 20},
                            "t_return_offset_k": 3}],
            "units": [{"id": "dc", "node": "C", "q_kw": 100, "cooling": "liquid",
                       "source_temperature_c": 70, "hx_approach_k": 3}],
            "thresholds": {"t_supply_min_c": 60}}

COMMON = dict(derandomize=True, database=None, deadline=None, print_blob=True,
              phases=(Phase.explicit, Phase.generate, Phase.shrink),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])

# ---------------------------------------------------------------------------------------------
# strategies


NASTY_TEXT = ["", " ", "nan", "NaN", "inf", "-inf", "1e400", "-1", "0", "true", "null", "[/]",
              "[bold]", "A", "A_s", "B_r", "C1", "T1", "S2", "t_return", "mdot", "lift",
              "critical_point", "supply", "return", "both", "1,5", "é", "\u0000", "ZZ"]
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from([0, -1, 10**20, -10**20, 10**400, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e4, max_value=1e4),
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=8),
)
json_values = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(NASTY_TEXT) | st.text(max_size=6),
                                                kids, max_size=3)), max_leaves=6)


def _new_key(data, old: str) -> str:
    """A plausible wrong key: a typo, another unit suffix, another field, or random text."""
    known = sorted({a for attrs in TABLES.values() for x in attrs for a in x.accepted_names()}
                   | set(TABLES) | {"nodes", "trenches", "node", "from_node", "to_node", "side"})
    return data.draw(st.one_of(
        st.sampled_from(known), st.text(min_size=1, max_size=8),
        st.just(old[:-1] if len(old) > 1 else old + "x"), st.just(old.upper()),
        st.just(old.rsplit("_", 1)[0])), label="new key")


def mutate_doc(data, doc, n_max: int = 3):
    """Structural mutations of a JSON-like document (a fresh copy is returned)."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, n_max), label="n mutations")):
        # walk down to a container
        parent, key, node = None, None, doc
        while True:
            kids = (list(node) if isinstance(node, dict) else
                    list(range(len(node))) if isinstance(node, list) else [])
            kids = [k for k in kids if isinstance(node[k], (dict, list))]
            if not kids or not data.draw(st.booleans(), label="descend"):
                break
            k = data.draw(st.sampled_from(kids), label="into")
            parent, key, node = node, k, node[k]
        op = data.draw(st.sampled_from(["delete", "duplicate", "rename", "replace", "add",
                                        "replace_container"]), label="op")
        if op == "replace_container" or not isinstance(node, (dict, list)) or not node:
            value = data.draw(json_values, label="container value")
            if parent is None:
                doc = value
                continue
            parent[key] = value
            continue
        if isinstance(node, dict):
            k = data.draw(st.sampled_from(list(node)), label="key")
            if op == "delete":
                del node[k]
            elif op == "duplicate":
                node[_new_key(data, str(k))] = copy.deepcopy(node[k])
            elif op == "rename":
                node[_new_key(data, str(k))] = node.pop(k)
            elif op == "replace":
                node[k] = data.draw(json_values, label="value")
            else:
                node[_new_key(data, str(k))] = data.draw(json_values, label="value")
        else:
            i = data.draw(st.integers(0, len(node) - 1), label="index")
            if op == "delete":
                del node[i]
            elif op == "duplicate":
                node.insert(i, copy.deepcopy(node[i]))
            elif op == "rename" and isinstance(node[i], dict) and node[i]:
                k = data.draw(st.sampled_from(list(node[i])), label="item key")
                node[i][_new_key(data, str(k))] = node[i].pop(k)
            elif op == "add":
                node.append(data.draw(json_values, label="value"))
            else:
                node[i] = data.draw(json_values, label="value")
    return doc


def mutate_bytes(data, raw: bytes) -> bytes:
    """Text-level damage: truncate, flip bytes, drop or repeat a line, insert junk."""
    buf = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 3), label="n byte mutations")):
        op = data.draw(st.sampled_from(["truncate", "flip", "drop_line", "repeat_line",
                                        "insert", "delete_span"]), label="byte op")
        if not buf:
            buf += data.draw(st.binary(max_size=20), label="junk")
            continue
        i = data.draw(st.integers(0, len(buf) - 1), label="pos")
        if op == "truncate":
            del buf[i:]
        elif op == "flip":
            buf[i] ^= data.draw(st.integers(1, 255), label="xor")
        elif op in ("drop_line", "repeat_line"):
            lines = bytes(buf).split(b"\n")
            j = data.draw(st.integers(0, len(lines) - 1), label="line")
            if op == "drop_line":
                del lines[j]
            else:
                lines.insert(j, lines[j])
            buf = bytearray(b"\n".join(lines))
        elif op == "insert":
            buf[i:i] = data.draw(st.binary(min_size=1, max_size=12) |
                                 st.sampled_from([b",", b";", b'"', b"\x00", b"\xff\xfe",
                                                  b"NaN", b"\n", b"[", b"{", b"}", b"- ",
                                                  b": ", b"!!python/object "]), label="ins")
        else:
            del buf[i:i + data.draw(st.integers(1, 40), label="span")]
    return bytes(buf)


def load_or_documented_error(fn):
    """``fn()`` or None when it raised a documented error; anything else fails the test."""
    try:
        out = fn()
    except P2HError as exc:
        assert str(exc), "a P2HError must carry a message"
        event(f"refused: {type(exc).__name__}")
        return None
    event("loaded")
    return out


# ---------------------------------------------------------------------------------------------
# fixtures: valid files written once per module


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    tiny = p2h.network_from_records({k: v for k, v in TINY.items()
                                     if k not in ("format", "version", "settings")},
                                    TINY["settings"])
    p2h.save_network(tiny, folder / "good_csv")
    p2h.save_network(tiny, folder / "good.geojson")
    (folder / "net").mkdir()
    (folder / "net" / "tiny.json").write_text(json.dumps(TINY), encoding="utf-8")
    (folder / "good.yaml").write_text(yaml.safe_dump(SCENARIO, sort_keys=False),
                                      encoding="utf-8")
    return folder


def _fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    return path


# ---------------------------------------------------------------------------------------------
# native JSON


@settings(max_examples=80, **COMMON)
@given(data=st.data(), base=st.sampled_from(["small_demo", "tiny_trench"]))
def test_native_json_structure_mutations(work, data, base):
    doc = mutate_doc(data, SMALL_DEMO if base == "small_demo" else TINY)
    path = work / "native_mut.json"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    net = load_or_documented_error(lambda: p2h.load_network(path))
    if net is not None:
        assert len(net.junctions) > 0


@settings(max_examples=80, **COMMON)
@given(data=st.data())
def test_native_json_byte_mutations(work, data):
    raw = json.dumps(TINY, indent=1).encode("utf-8")
    path = work / "native_bytes.json"
    path.write_bytes(mutate_bytes(data, raw))
    load_or_documented_error(lambda: p2h.load_network(path))


# ---------------------------------------------------------------------------------------------
# CSV folder


@settings(max_examples=90, **COMMON)
@given(data=st.data())
def test_csv_folder_mutations(work, data):
    good = work / "good_csv"
    target = _fresh(work / "csv_mut")
    shutil.copytree(good, target)
    files = sorted(f.name for f in good.iterdir())
    for _ in range(data.draw(st.integers(1, 2), label="n files")):
        name = data.draw(st.sampled_from(files), label="file")
        how = data.draw(st.sampled_from(["bytes", "cells", "delete", "rename"]), label="how")
        f = target / name
        if not f.exists():
            continue
        if how == "bytes":
            f.write_bytes(mutate_bytes(data, f.read_bytes()))
        elif how == "delete":
            f.unlink()
        elif how == "rename":
            f.rename(target / data.draw(st.sampled_from(
                ["Pipes.csv", "pipe.csv", "nodes.csv", "trenches.csv", "x.csv", "~$j.csv",
                 ".hidden.csv", "settings.csv", "junctions.CSV", "feedins.csv"]), label="to"))
        else:  # replace one cell (or a header name) by random text
            rows = [r.split(",") for r in f.read_bytes().decode("utf-8", "replace").splitlines()]
            if not rows:
                continue
            i = data.draw(st.integers(0, len(rows) - 1), label="row")
            j = data.draw(st.integers(0, len(rows[i]) - 1), label="col")
            value = data.draw(scalars, label="cell")
            rows[i][j] = "" if value is None else str(value)
            f.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    load_or_documented_error(lambda: p2h.load_network(target))


# ---------------------------------------------------------------------------------------------
# GeoJSON


@settings(max_examples=90, **COMMON)
@given(data=st.data(), how=st.sampled_from(["structure", "bytes"]))
def test_geojson_mutations(work, data, how):
    good = (work / "good.geojson").read_bytes()
    path = work / "mut.geojson"
    if how == "bytes":
        path.write_bytes(mutate_bytes(data, good))
    else:
        doc = mutate_doc(data, json.loads(good), n_max=4)
        path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    load_or_documented_error(lambda: p2h.load_network(path))


# ---------------------------------------------------------------------------------------------
# scenarios


@settings(max_examples=80, **COMMON)
@given(data=st.data(), how=st.sampled_from(["structure", "bytes"]))
def test_scenario_mutations(work, data, how):
    path = work / "mut.yaml"
    if how == "bytes":
        path.write_bytes(mutate_bytes(data, (work / "good.yaml").read_bytes()))
    else:
        doc = mutate_doc(data, SCENARIO)
        try:
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        except yaml.YAMLError:
            return
        path.write_text(text, encoding="utf-8")
    load_or_documented_error(lambda: p2h.load_scenario(path))


# ---------------------------------------------------------------------------------------------
# solve on mutated but loadable networks

TWO_PIPE = network_to_document(
    p2h.network_from_records({k: v for k, v in TINY.items()
                              if k not in ("format", "version", "settings")}, TINY["settings"]))
_FLOAT_ATTRS = {t: [a for a in TABLES[t] if a.kind == "float" and a.lo is not None
                    and a.hi is not None] for t in ("junctions", "pipes", "valves", "consumers",
                                                     "plants")}
FUZZ_SOLVER = SolverOptions(max_outer=60)  # bounded: a diverging case ends quickly


@settings(max_examples=30, **COMMON)
@given(data=st.data())
def test_solve_on_mutated_networks(data):
    doc = copy.deepcopy(TWO_PIPE)
    for _ in range(data.draw(st.integers(1, 3), label="n changes")):
        table = data.draw(st.sampled_from(sorted(_FLOAT_ATTRS)), label="table")
        rec = data.draw(st.sampled_from(doc[table]), label="element")
        what = data.draw(st.sampled_from(["value", "value", "value", "in_service", "control"]),
                         label="what")
        if what == "in_service" and "in_service" in rec:
            rec["in_service"] = not rec["in_service"]
        elif what == "control" and table in ("consumers", "plants"):
            attr = {a.name: a for a in TABLES[table]}["control"]
            rec["control"] = data.draw(st.sampled_from(attr.choices), label="mode")
        else:
            a = data.draw(st.sampled_from(_FLOAT_ATTRS[table]), label="field")
            lo = a.lo if not a.lo_open else a.lo + max(abs(a.lo), 1.0) * 1e-9
            rec[a.name] = data.draw(st.floats(min_value=lo, max_value=a.hi, allow_nan=False)
                                    | st.sampled_from([lo, a.hi]), label="value")
    net = load_or_documented_error(
        lambda: network_from_document(doc, file="mutated.json"))
    if net is None:
        return
    before = net.consumers.copy()
    try:
        res = p2h.solve(net, options=FUZZ_SOLVER)
    except ConvergenceError as exc:
        assert exc.info is not None and not exc.info.converged
        assert "did not converge" in str(exc)
        event("solve: ConvergenceError")
        return
    except ModelError as exc:
        assert str(exc)
        event("solve: ModelError")
        return
    event("solve: converged")
    assert isinstance(res, Result) and res.converged
    assert before.equals(net.consumers)  # the input is never modified
    t = res.junctions["t_k"].to_numpy(dtype=float)
    p = res.junctions["p_pa"].to_numpy(dtype=float)
    assert np.isfinite(t).all() and np.isfinite(p).all()
    assert math.isfinite(res.balance.get("energy_rel", 0.0))
