"""CSV folder format: exact round trips, unit suffixes, German Excel files, located errors."""

from __future__ import annotations

import math

import pytest

from p2h_hydraulics.errors import InputFileError, ModelError, P2HError
from p2h_hydraulics.io import load_network, save_network
from p2h_hydraulics.io.csv_tables import read_csv_network, write_csv_network
from p2h_hydraulics.model.build import network_from_records


def two_pipe_records() -> dict:
    """Plant, three consumers (one per control mode), a valve, a feed-in, a mass flow."""
    j = [{"id": "S0", "x_m": 0.0, "y_m": 0.0, "elevation_m": 12.5},
         {"id": "S1", "x_m": 120.0, "y_m": 0.0}, {"id": "S2", "x_m": 120.0, "y_m": 80.0},
         {"id": "S3", "x_m": 121.5, "y_m": 80.0},
         {"id": "R0", "x_m": 0.0, "y_m": 0.0, "elevation_m": 12.5},
         {"id": "R1", "x_m": 120.0, "y_m": 0.0}, {"id": "R2", "x_m": 120.0, "y_m": 80.0},
         {"id": "R3", "x_m": 121.5, "y_m": 80.0}]
    pipes = [
        {"id": "PS1", "from_junction": "S0", "to_junction": "S1", "length_m": 120.3,
         "dn": 100, "series": "S2"},
        {"id": "PS2", "from_junction": "S1", "to_junction": "S2", "length_m": 80.0, "dn": 65},
        {"id": "PR2", "from_junction": "R2", "to_junction": "R1", "length_m": 80.0, "dn": 65,
         "zeta": 1.5},
        {"id": "PR1", "from_junction": "R1", "to_junction": "R0", "length_m": 120.3,
         "dn": 100, "series": "S2", "t_soil_c": 8.0},
        {"id": "PR3", "from_junction": "R3", "to_junction": "R2", "length_m": 1.5,
         "d_inner_mm": 54.5, "roughness_mm": 0.05, "u_w_per_mk": 0.21},
    ]
    return {
        "junctions": j,
        "pipes": pipes,
        "valves": [{"id": "V1", "from_junction": "S2", "to_junction": "S3",
                    "d_inner_mm": 54.5, "zeta": 0.3}],
        "plants": [{"id": "PL", "return_junction": "R0", "supply_junction": "S0",
                    "t_supply_c": 80.0, "p_return_bar": 2.0, "control": "lift",
                    "lift_bar": 3.0}],
        "consumers": [
            {"id": "C1", "supply_junction": "S1", "return_junction": "R1", "q_kw": 120.0,
             "control": "t_return", "t_return_c": 45.0},
            {"id": "C2", "supply_junction": "S2", "return_junction": "R2", "q_kw": 80.5,
             "control": "delta_t", "delta_t_k": 30.0, "dp_min_bar": 0.7},
            {"id": "C3", "supply_junction": "S3", "return_junction": "R3", "q_kw": 33.3,
             "control": "mdot", "mdot_t_h": 1.1, "in_service": False},
        ],
        "feedins": [{"id": "F1", "return_junction": "R2", "supply_junction": "S2",
                     "q_kw": 50.0, "t_out_c": 75.0}],
        "mass_flows": [{"id": "M1", "junction": "R1", "mdot_kg_s": 0.0}],
    }


def two_pipe_net():
    return network_from_records(two_pipe_records(), {"name": "Ring Süd", "t_soil_c": 9.0,
                                                     "crs": "EPSG:25832"})


def trench_records() -> dict:
    return {
        "nodes": [{"id": "P", "x_m": 0.0, "y_m": 0.0}, {"id": "A", "x_m": 300.0, "y_m": 0.0},
                  {"id": "B", "x_m": 300.0, "y_m": 200.0, "elevation_m": -3.0}],
        "trenches": [{"id": "T1", "from_node": "P", "to_node": "A", "length_m": 300.0,
                      "dn": 100},
                     {"id": "T2", "from_node": "A", "to_node": "B", "length_m": 200.0,
                      "dn": 65, "series": "S3"}],
        "valves": [{"id": "V", "from_node": "A", "to_node": "B", "d_inner_mm": 70.3,
                    "opened": False}],
        "plants": [{"id": "pl", "node": "P", "t_supply_c": 80}],
        "consumers": [{"id": "cB", "node": "B", "q_kw": 200, "t_return_c": 45}],
    }


def trench_net():
    return network_from_records(trench_records(), {"name": "trench"})


def write_files(folder, files: dict[str, str], encoding="utf-8"):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding=encoding)
    return folder


MINIMAL = {
    "junctions.csv": "id,x_m,y_m\nS1,0,0\nS2,100,0\nR1,0,0\nR2,100,0\n",
    "pipes.csv": ("id,from_junction,to_junction,length_m,d_inner_mm\n"
                  "PS,S1,S2,100,107.1\nPR,R2,R1,100,107.1\n"),
    "plants.csv": "id,return_junction,supply_junction,t_supply_c\nPL,R1,S1,80\n",
    "consumers.csv": "id,supply_junction,return_junction,q_kw,t_return_c\nC1,S2,R2,100,45\n",
}


def messages(exc) -> list[str]:
    return [str(p) for p in exc.value.problems]


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [two_pipe_net, trench_net])
def test_csv_round_trip_is_exact(tmp_path, make):
    net = make()
    out = write_csv_network(net, tmp_path / "net")
    back = read_csv_network(out)
    assert back.equals(net)
    names = {p.name for p in out.iterdir()}
    assert "settings.csv" in names and "junctions.csv" in names
    assert "pressure_refs.csv" not in names  # empty tables are not written


def test_csv_writer_format(tmp_path):
    net = two_pipe_net()
    out = write_csv_network(net, tmp_path / "net")
    lines = (out / "pipes.csv").read_text().splitlines()
    assert lines[0].startswith("id,from_junction,to_junction,length_m,d_inner_m")
    assert lines[1].split(",")[:4] == ["PS1", "S0", "S1", "120.3"]
    consumers = (out / "consumers.csv").read_text()
    assert ",,," in consumers  # NaN as empty cells
    assert "false" in consumers


@pytest.mark.parametrize("make", [two_pipe_net, trench_net])
@pytest.mark.parametrize("suffix", ["net.json", "net.geojson", "folder"])
def test_dispatch_round_trips(tmp_path, make, suffix):
    net = make()
    path = save_network(net, tmp_path / suffix)
    assert load_network(path).equals(net)


def test_stale_tables_are_removed_and_inputs_protected(tmp_path):
    out = write_csv_network(two_pipe_net(), tmp_path / "net")
    assert (out / "valves.csv").exists()
    net = trench_net()
    write_csv_network(net, out)
    assert not (out / "feedins.csv").exists()
    assert read_csv_network(out).equals(net)
    with pytest.raises(P2HError, match="input"):
        write_csv_network(net, out, inputs=[out])
    with pytest.raises(P2HError, match="input"):
        write_csv_network(net, out, inputs=[out / "pipes.csv"])


# -- reading variants ----------------------------------------------------------------------


def test_unit_suffixes(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "plants.csv": "id,return_junction,supply_junction,t_supply_c,p_return_bar\n"
                      "PL,R1,S1,80,2.5\n",
        "settings.csv": "key,value\nt_soil_c,8\nname,test\n",
    })
    net = read_csv_network(folder)
    assert net.pipes.at["PS", "d_inner_m"] == pytest.approx(0.1071)
    assert net.consumers.at["C1", "t_return_k"] == pytest.approx(318.15)
    assert net.consumers.at["C1", "q_w"] == pytest.approx(100e3)
    assert net.plants.at["PL", "p_return_pa"] == pytest.approx(2.5e5)
    assert net.settings["t_soil_k"] == pytest.approx(281.15)
    assert net.settings["name"] == "test"


def test_semicolon_decimal_comma_and_bom(tmp_path):
    ref = read_csv_network(write_files(tmp_path / "comma", {
        **MINIMAL,
        "pipes.csv": ("id,from_junction,to_junction,length_m,d_inner_mm\n"
                      "PS,S1,S2,1234.5,107.1\nPR,R2,R1,99.75,107.1\n"),
        "settings.csv": "key,value\nt_soil_c,8.5\n",
    }))
    german = {name: text.replace(",", ";") for name, text in MINIMAL.items()}
    german["pipes.csv"] = ("id;from_junction;to_junction;length_m;d_inner_mm\r\n"
                           "PS;S1;S2;1.234,5;107,1\r\nPR;R2;R1;99,75;107,1\r\n")
    german["settings.csv"] = "key;value\nt_soil_c;8,5\n"
    net = read_csv_network(write_files(tmp_path / "de", german, encoding="utf-8-sig"))
    assert (tmp_path / "de" / "pipes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert net.pipes.at["PS", "length_m"] == 1234.5
    assert net.equals(ref)


def test_windows_1252_and_missing_id_column(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL, "consumers.csv": "id,supply_junction,return_junction,q_kw,t_return_c\n"
                                    "Straße 1,S2,R2,100,45\n"}, encoding="cp1252")
    assert list(read_csv_network(folder).consumers.index) == ["Straße 1"]
    write_files(folder, {"junctions.csv": "name,x_m\nS1,0\nS2,1\nR1,0\nR2,1\n"})
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    missing = [p for p in exc.value.problems if p.message.startswith("missing id")]
    assert len(missing) == 1 and "3 more rows" in missing[0].message
    assert missing[0].line == 2


def test_comments_blank_lines_and_short_rows(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "junctions.csv": "# network of test street\nid,x_m,y_m,elevation_m\n\nS1,0,0\n"
                         "S2,100,0,\nR1,0,0,,\nR2,100,0\n",
    })
    net = read_csv_network(folder)
    assert list(net.junctions.index) == ["S1", "S2", "R1", "R2"]
    assert net.junctions.at["S2", "elevation_m"] == 0.0


def test_trench_form_folder(tmp_path):
    folder = write_files(tmp_path / "t", {
        "nodes.csv": "id,x_m,y_m\nP,0,0\nA,300,0\n",
        "trenches.csv": "id,from_node,to_node,length_m,dn,series\nT1,P,A,300,100,\n",
        "plants.csv": "id,node,t_supply_c\npl,P,80\n",
        "consumers.csv": "id,node,q_kw,t_return_c\ncA,A,100,45\n",
    })
    net = read_csv_network(folder)
    assert set(net.pipes.index) == {"T1_s", "T1_r"}
    assert net.consumers.at["cA", "supply_junction"] == "A_s"


# -- errors ----------------------------------------------------------------------------------


def test_unknown_column_names_file_line_element_field(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "pipes.csv": ("id,from_junction,to_junction,length_m,d_inner_mm,lenght_m\n"
                      "PS,S1,S2,100,107.1,3\nPR,R2,R1,100,107.1,4\n"),
    })
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    probs = exc.value.problems
    assert len(probs) == 1  # one problem per column, not per row
    p = probs[0]
    assert p.file == str(folder / "pipes.csv") and p.line == 2
    assert (p.element, p.field) == ("PS", "lenght_m")
    text = str(exc.value)
    assert "pipes.csv:2" in text and "'PS'" in text and "lenght_m" in text
    assert "did you mean 'length_m'" in text and "1 more rows" in text


def test_unknown_junction_reference(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "pipes.csv": ("id,from_junction,to_junction,length_m,d_inner_mm\n"
                      "PS,S1,S2,100,107.1\nPR,R2,R9,100,107.1\n"),
    })
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    p = next(p for p in exc.value.problems if "unknown junction" in p.message)
    assert (p.file, p.line, p.element, p.field, p.value) == (
        str(folder / "pipes.csv"), 3, "PR", "to_junction", "R9")


def test_missing_required_column(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "pipes.csv": "id,from_junction,to_junction,d_inner_mm\nPS,S1,S2,107.1\nPR,R2,R1,107\n",
    })
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    [p] = exc.value.problems
    assert p.message.startswith("required field is missing")
    assert (p.file, p.field) == (str(folder / "pipes.csv"), "length_m")


def test_empty_required_cell_and_bad_number(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "consumers.csv": "id,supply_junction,return_junction,q_kw,t_return_c\n"
                         "C1,S2,R2,,45\nC2,S2,R2,lots,45\n",
    })
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    got = {(p.element, p.line, p.message) for p in exc.value.problems}
    assert ("C1", 2, "required field is empty") in got
    assert ("C2", 3, "expected a number") in got


def test_ragged_row_has_line_number(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL,
        "junctions.csv": "id,x_m,y_m\nS1,0,0\nS2,100,0\nR1,0,0,5,7\nR2,100,0\n",
    })
    with pytest.raises(InputFileError) as exc:
        read_csv_network(folder)
    p = exc.value.problems[0]
    assert (p.file, p.line) == (str(folder / "junctions.csv"), 4)
    assert "5 cells" in p.message and "3 columns" in p.message
    assert "junctions.csv:4" in str(exc.value)


def test_duplicate_id_points_at_second_row(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL, "junctions.csv": "id,x_m,y_m\nS1,0,0\nS2,100,0\nR1,0,0\nR2,100,0\nS1,5,5\n"})
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    [p] = exc.value.problems
    assert (p.message, p.line) == ("duplicate id", 6)


def test_unknown_table_and_setting(tmp_path):
    folder = write_files(tmp_path / "n", {
        **MINIMAL, "pipe.csv": "id\nX\n", "notes.txt": "ignored",
        "settings.csv": "key,value\nname,x\nt_soil,10\n"})
    with pytest.raises(InputFileError) as exc:
        read_csv_network(folder)
    text = str(exc.value)
    assert "pipe.csv" in text and "unknown table" in text and "did you mean 'pipes.csv'" in text
    setting = next(p for p in exc.value.problems if p.table == "settings")
    assert (setting.file, setting.line, setting.field) == (str(folder / "settings.csv"), 3,
                                                           "t_soil")


def test_trench_errors_name_what_the_user_wrote(tmp_path):
    folder = write_files(tmp_path / "t", {
        "nodes.csv": "id,x_m,y_m\nP,0,0\nA,300,0\n",
        "trenches.csv": "id,from_node,to_node,length_m,dn\nT1,P,A,300,100\nT2,A,Z,50,100\n",
        "plants.csv": "id,node,t_supply_c\npl,P,80\n",
        "consumers.csv": "id,node,q_kw,t_return_c\ncA,A,100,45\n",
    })
    with pytest.raises(ModelError) as exc:
        read_csv_network(folder)
    probs = exc.value.problems
    assert len(probs) == 1  # supply and return pipe give one problem
    p = probs[0]
    assert (p.file, p.line, p.table, p.element, p.field, p.value) == (
        str(folder / "trenches.csv"), 3, "trenches", "T2", "to_node", "Z")


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        read_csv_network(tmp_path / "nope")
    folder = write_files(tmp_path / "n", {"data.csv": "a,b\n1,2\n"})
    with pytest.raises(InputFileError, match="no network tables") as exc:
        read_csv_network(folder)
    assert "junctions.csv" in str(exc.value)
    with pytest.raises(InputFileError, match="not a file"):
        read_csv_network(folder / "data.csv")


def test_validate_false_skips_structure_checks(tmp_path):
    folder = write_files(tmp_path / "n", {"junctions.csv": "id\nJ1\n"})
    net = read_csv_network(folder, validate=False)
    assert list(net.junctions.index) == ["J1"]
    with pytest.raises(ModelError, match="pressure reference"):
        read_csv_network(folder)


def test_float_repr_round_trip(tmp_path):
    recs = two_pipe_records()
    recs["pipes"][0]["length_m"] = 0.1 + 0.2
    recs["junctions"][1]["x_m"] = 5_545_123.123456789
    net = network_from_records(recs)
    back = read_csv_network(write_csv_network(net, tmp_path / "n"))
    assert back.pipes.at["PS1", "length_m"] == 0.1 + 0.2
    assert back.equals(net)
    assert math.isnan(back.settings["t_initial_k"])
