"""STANET CSV export import (``io.stanet``) on the small export written by
``tests/data/stanet/make_stanet_export.py`` (its stored results come from a native solve of the
same network, built independently of the reader).

Tolerances (what the file's rounding allows): node pressures of the element rows 2e-5 bar
(``p = PABS − P_ATM``, 5 decimals, plus the plant setpoints' offset), of the stored time steps
1.1e-4 bar (``PRECH`` with 4 decimals, ±5 Pa, plus the offset ``PABS − PRECH`` read back, ±5.5 Pa);
pipe and plant flows 3e-5 kg/s (``FLUSS`` has 4 decimals in t/h = 1.4e-5 kg/s); plant lift
1e-4 bar; consumer heat 1e-6 relative.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from p2h_hydraulics import solve
from p2h_hydraulics.errors import InputFileError, ModelError
from p2h_hydraulics.io.stanet import import_stanet, is_stanet_export
from p2h_hydraulics.io.stanet_tables import read_stanet_file

DATA = Path(__file__).parents[1] / "data" / "stanet"
CP1252 = DATA / "small_heat_export.csv"
UTF8 = DATA / "small_heat_export_utf8.csv"


def _generator():
    spec = importlib.util.spec_from_file_location("make_stanet_export",
                                                  DATA / "make_stanet_export.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()


@pytest.fixture(scope="module")
def imported():
    return import_stanet(CP1252)


@pytest.fixture(scope="module")
def solved(imported):
    return solve(imported.network)


def _lines(path=CP1252) -> list[str]:
    return path.read_bytes().decode("cp1252").split("\r\n")


def _write(tmp_path, lines, name="export.csv") -> Path:
    p = tmp_path / name
    p.write_bytes("\r\n".join(lines).encode("cp1252"))
    return p


def _set_field(lines: list[str], table: str, field: str, value: str, row: int = 0):
    """A copy of ``lines`` with ``field`` of the ``row``-th data line of ``table`` replaced;
    returns (lines, 1-based line number)."""
    header = next(x for x in lines if x.startswith(f"REM FLDNAM {table};"))
    k = header[len("REM FLDNAM "):].split(";").index(field)
    idx = [i for i, x in enumerate(lines) if x.startswith(f"{table};")][row]
    parts = lines[idx].split(";")
    parts[k] = value
    out = list(lines)
    out[idx] = ";".join(parts)
    return out, idx + 1


def test_detection_from_the_header(tmp_path):
    assert is_stanet_export(CP1252) and is_stanet_export(UTF8)
    other = tmp_path / "net.csv"
    other.write_text("id,x,y\nK1,0,0\n")
    assert not is_stanet_export(other)
    assert not is_stanet_export(tmp_path)  # a directory
    assert not is_stanet_export(tmp_path / "missing.csv")
    with pytest.raises(InputFileError, match="not a STANET export"):
        import_stanet(other)
    with pytest.raises(InputFileError, match="not a regular file"):
        import_stanet(tmp_path)


def test_structure_counts_per_table():
    sf = read_stanet_file(CP1252)
    n_steps = len(GEN.STEPS)
    expected = {"KNO": 2 * len(GEN.NODES), "LEI": 2 * len(GEN.PIPES),
                "WAE": len(GEN.SUBSTATIONS), "HEA": 1, "HAU": 2, "ZAE": len(GEN.ZAE), "NET": 1,
                "PRO": 1, "NOD": n_steps * 2 * len(GEN.NODES),
                "PIP": n_steps * 2 * len(GEN.PIPES), "HE1": n_steps * len(GEN.SUBSTATIONS),
                "HE2": n_steps, "NE1": n_steps}
    assert {k: len(t) for k, t in sf.tables.items()} == expected
    assert sf.medium == "F" and sf.program.startswith("STANET 10.1")
    assert sf.separator == ";" and sf.decimal == "."
    assert sf.fields[("KNO", "GEOH")][3] == "Höhe"  # cp1252 umlaut decoded


def test_both_encodings_give_the_same_network(imported):
    other = import_stanet(UTF8)
    assert read_stanet_file(UTF8).encoding == "utf-8"
    assert read_stanet_file(CP1252).encoding == "cp1252"
    assert read_stanet_file(UTF8).fields[("KNO", "GEOH")][3] == "H\ufffdhe"
    assert other.network.equals(imported.network)
    for name in ("nodes", "pipes", "consumers", "plants"):
        a, b = getattr(imported.stanet_results, name), getattr(other.stanet_results, name)
        assert a.equals(b), name


def test_ids_are_node_names_and_the_model_is_as_designed(imported):
    net = imported.network
    names = [x.split(";")[1].strip() for x in _lines() if x.startswith("KNO;")]
    assert list(net.junctions.index) == names
    design = GEN.native_network()
    assert set(net.pipes.index) == set(design.pipes.index)
    p = net.pipes.loc[design.pipes.index]
    for col in ("length_m", "d_inner_m", "roughness_m", "u_w_per_mk"):
        np.testing.assert_allclose(p[col], design.pipes[col], rtol=1e-12, err_msg=col)
    assert list(p["from_junction"]) == list(design.pipes["from_junction"])
    c = net.consumers.loc[design.consumers.index]
    np.testing.assert_allclose(c["q_w"], design.consumers["q_w"], rtol=1e-12)
    np.testing.assert_allclose(c["t_return_k"], design.consumers["t_return_k"], rtol=1e-12)
    plant = net.plants.loc["HKW"]
    assert (plant["return_junction"], plant["supply_junction"]) == ("RK0", "K0")
    assert plant["control"] == "p_supply" and plant["t_supply_k"] == pytest.approx(353.15)
    # setpoints converted from the local gauge at the node's height (offset from PABS − PRECH)
    assert plant["p_return_pa"] == pytest.approx(design.plants.at["HKW", "p_return_pa"], abs=20)
    assert net.settings["t_soil_k"] == pytest.approx(283.15)
    assert net.settings["friction_law"] == "colebrook"
    # ZAE joined: two meters on K7 summed, profile kept
    assert c.at["WAE_K7", "annual_heat_j"] == pytest.approx(75000.0 * 3.6e6)
    assert c.at["WAE_K3", "stanet_profile"] == "HMF"


def test_solve_serves_every_consumer(imported, solved):
    r = solved
    assert r.converged
    c = r.consumers
    np.testing.assert_allclose(c["q_w"], imported.network.consumers.loc[c.index, "q_w"],
                               rtol=1e-6)
    assert c["return_setpoint_reached"].all()
    assert (c["dp_pa"] >= c["dp_min_pa"]).all()
    assert (c["t_return_k"] - imported.network.consumers.loc[c.index, "t_return_k"]).abs().max() \
        < 1e-6


def test_comparison_with_stanets_state(imported, solved):
    cmp = imported.comparison(solved)
    assert cmp["nodes_compared"] == 2 * len(GEN.NODES)
    assert cmp["pipes_compared"] == 2 * len(GEN.PIPES)
    assert cmp["max_abs_dp_bar"] < 2e-5
    by_node = cmp["dp_bar_by_node"]
    assert len(by_node) == cmp["nodes_compared"]
    assert max(abs(v) for v in by_node.values()) == cmp["max_abs_dp_bar"]
    assert cmp["max_abs_dmdot_kg_s"] < 3e-5
    ours, theirs = cmp["plants"]["HKW"]["mdot_kg_s"]
    assert ours == pytest.approx(theirs, abs=3e-5)
    ours, theirs = cmp["plants"]["HKW"]["lift_bar"]
    assert ours == pytest.approx(theirs, abs=1e-4)
    report = imported.markdown(solved)
    assert "max \\|Δp\\|" in report and "HKW" in report and "friction law" in report


def test_pandapipes_on_the_imported_network_agrees_with_the_stored_state(imported):
    """An independent solver: pandapipes (IF97 fluid) on the imported network reproduces the
    stored state within the native-vs-pandapipes tolerances of tests/crossval (Δp 1e-3 bar,
    flows 0.2 %; reached 2e-4 bar, 0.04 %)."""
    pytest.importorskip("pandapipes")
    r = solve(imported.network, backend="pandapipes", fluid="if97")
    cmp = imported.comparison(r)
    assert cmp["max_abs_dp_bar"] < 1e-3
    assert cmp["max_abs_dmdot_rel"] < 2e-3
    ours, theirs = cmp["plants"]["HKW"]["mdot_kg_s"]
    assert ours == pytest.approx(theirs, rel=2e-3)


def test_comparison_detects_a_different_state(imported):
    """The comparison is not blind: a 10 % smaller supply pressure shows up in Δp and lift."""
    plants = imported.network.plants.copy()
    plants["p_supply_pa"] *= 0.9
    cmp = imported.comparison(solve(imported.network.replace(plants=plants)))
    assert cmp["max_abs_dp_bar"] > 0.3
    assert abs(cmp["plants"]["HKW"]["lift_bar"][0] - cmp["plants"]["HKW"]["lift_bar"][1]) > 0.5


def test_stored_time_steps_kept_and_match_the_summer_state(imported):
    """The second stored step (30 % load) equals our solve of the network at 30 % load."""
    steps = imported.stanet_results.time_steps
    assert set(steps) == {"NOD", "PIP", "HE1", "HE2", "NE1"}
    time, load = GEN.STEPS[1]
    cons = imported.network.consumers.copy()
    cons["q_w"] *= load
    r = solve(imported.network.replace(consumers=cons))
    nod = steps["NOD"][steps["NOD"]["TIME"] == time].set_index("CLIENTID")
    assert len(nod) == 2 * len(GEN.NODES)
    dp = (r.junctions.loc[nod.index, "p_pa"] - nod["p_pa"]).abs().max()
    assert dp < 1.1e-4 * 1e5
    pip = steps["PIP"][steps["PIP"]["TIME"] == time].set_index("CLIENTID")
    assert (r.pipes.loc[pip.index, "mdot_kg_s"] - pip["mdot_kg_s"]).abs().max() < 3e-5
    he2 = steps["HE2"][steps["HE2"]["TIME"] == time]
    assert float(he2["mdot_kg_s"].iloc[0]) == pytest.approx(
        float(r.plant.at["HKW", "mdot_kg_s"]), abs=3e-5)


def test_nikuradse_export_solves_with_nikuradse(tmp_path, imported, solved):
    lines, _ = _set_field(_lines(), "NET", "LAM", "3")
    imp = import_stanet(_write(tmp_path, lines))
    assert imp.network.settings["friction_law"] == "nikuradse"
    assert any("NET.LAM = 3 → nikuradse" in n for n in imp.notes)
    r = solve(imp.network)
    same = solve(imported.network.replace(settings={"friction_law": "nikuradse"}))
    np.testing.assert_allclose(r.junctions["p_pa"], same.junctions["p_pa"], rtol=0, atol=1e-6)
    # and it is not Colebrook's answer
    assert (r.junctions["p_pa"] - solved.junctions["p_pa"]).abs().max() > 100.0


def test_isothermal_export_is_solved_isothermally(tmp_path, imported):
    lines, _ = _set_field(_lines(), "NET", "TEMPCALC", "N")
    imp = import_stanet(_write(tmp_path, lines))
    net = imp.network
    assert (net.consumers["control"] == "mdot").all() and (net.consumers["q_w"] == 0).all()
    assert (net.pipes["u_w_per_mk"] == 0).all()
    np.testing.assert_allclose(net.consumers["mdot_kg_s"],
                               imported.stanet_results.consumers["mdot_kg_s"], rtol=1e-12)
    assert any("isothermal" in n for n in imp.notes)
    r = solve(net)
    t_medium_k = 70.0 + 273.15  # NET.TEMP of the export
    np.testing.assert_allclose(r.junctions["t_k"], t_medium_k, atol=1e-6)
    np.testing.assert_allclose(r.consumers["mdot_kg_s"], net.consumers["mdot_kg_s"], rtol=1e-9)


@pytest.mark.parametrize("table, field, value, message", [
    ("LEI", "RORL", "abc", "not a number"),
    ("WAE", "TU", "4o.0", "not a number"),
    ("NET", "LAM", "7", "friction law"),
    ("LEI", "PARALLEL", "2", "parallel pipe strands"),
    ("HEA", "TEMPSUPPLY", "", "supply temperature"),
    ("NET", "TEMPCALC", "X", "expected J"),
    ("NOD", "PRECH", "x", "not a number"),
    ("HE2", "FLUSS", "1,5", "not a number"),
    ("LEI", "DM", "0", "positive number"),
])
def test_malformed_values_name_line_table_field(tmp_path, table, field, value, message):
    lines, line_no = _set_field(_lines(), table, field, value)
    path = _write(tmp_path, lines)
    with pytest.raises(InputFileError) as exc:
        import_stanet(path)
    text = str(exc.value)
    assert f"{path}:{line_no}" in text and table in text and f"field '{field}'" in text
    assert message in text


def test_cut_line_and_unannounced_table(tmp_path):
    lines = _lines()
    idx = next(i for i, x in enumerate(lines) if x.startswith("LEI;"))
    cut = list(lines)
    cut[idx] = ";".join(lines[idx].split(";")[:5])  # ANFNAM ENDNAM RORL DM left
    with pytest.raises(InputFileError, match=rf":{idx + 1}, LEI, field 'RAU'.*cut short"):
        import_stanet(_write(tmp_path, cut))
    extra = list(lines)
    extra.insert(idx, "XYZ;1;2")  # a table without field names: not read, noted
    imp = import_stanet(_write(tmp_path, extra, "x.csv"))
    assert any(f"table 'XYZ' without field names (REM FLDNAM) not read, first on line {idx + 1}"
               in n for n in imp.notes)
    early = list(lines)
    first_fel = next(i for i, x in enumerate(lines) if x.startswith("FEL;"))
    early.insert(first_fel, "REM")
    early.insert(first_fel + 1, lines[idx])  # a LEI line before LEI's REM FLDNAM line
    with pytest.raises(InputFileError,
                       match=rf":{first_fel + 2}, LEI: data line before its table's"):
        import_stanet(_write(tmp_path, early, "w.csv"))
    longer = list(lines)
    longer[idx] += ";surplus"
    with pytest.raises(InputFileError, match=rf":{idx + 1}, LEI.*19 values for 18 fields"):
        import_stanet(_write(tmp_path, longer, "y.csv"))


def test_without_net_table_defaults_are_noted(tmp_path, imported):
    lines = [x for x in _lines() if not x.startswith("NET;")]
    imp = import_stanet(_write(tmp_path, lines))
    assert imp.network.settings["friction_law"] == "colebrook"
    assert imp.network.settings["t_soil_k"] == pytest.approx(283.15)
    assert any("no NET table" in n for n in imp.notes)
    assert any("NET.TU empty → 10 °C" in n for n in imp.notes)
    assert any("NET.LAM empty or absent → colebrook" in n for n in imp.notes)


def test_missing_table_and_unknown_node(tmp_path):
    lines = [x for x in _lines() if not x.startswith("WAE;")]
    with pytest.raises(InputFileError, match="no 'WAE' table"):
        import_stanet(_write(tmp_path, lines))
    lines = [x for x in _lines() if not x.startswith("REM FLDNAM LEI;")]
    first = next(i for i, x in enumerate(lines) if x.startswith("LEI;")) + 1
    with pytest.raises(InputFileError,
                       match=rf":{first}, LEI: data lines of 'LEI' without its 'REM FLDNAM'"):
        import_stanet(_write(tmp_path, lines, "v.csv"))
    lines, _ = _set_field(_lines(), "LEI", "ENDNAM", "K99")
    with pytest.raises(ModelError, match=r"pipes 'LEI_K0_K1', field 'to_junction'.*unknown"):
        import_stanet(_write(tmp_path, lines, "z.csv"))


def test_unconnected_node_left_out_and_noted(tmp_path):
    lines = _lines()
    idx = next(i for i, x in enumerate(lines) if x.startswith("KNO;"))
    parts = lines[idx].split(";")
    parts[1] = "HA17    "
    lines.insert(idx, ";".join(parts))
    imp = import_stanet(_write(tmp_path, lines))
    assert "HA17" not in imp.network.junctions.index
    assert len(imp.network.junctions) == 2 * len(GEN.NODES)
    assert any("1 node(s) not connected" in n and "HA17" in n for n in imp.notes)


def test_size_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("P2H_MAX_STANET_MB", str(1000 / 2**20))
    with pytest.raises(InputFileError, match="the limit is 1,000 bytes"):
        import_stanet(CP1252)
