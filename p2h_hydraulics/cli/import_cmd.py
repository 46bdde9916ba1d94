"""``p2h import SOURCE --out NET``: GIS layers (or a STANET export) → a native network, with an
import report (``--report``) that says what was snapped, split, connected and assumed."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import P2HError
from .output import console, print_json
from .typer_app import app


@app.command("import")
def import_command(
    source: str = typer.Argument(..., help="line layer (.geojson, .gpkg[:LAYER], .shp) or a "
                                           "STANET CSV export"),
    out: Path = typer.Option(..., "--out", "-o", help="network to write: .json, .geojson or a "
                                                      "folder of CSV tables"),
    consumers: str = typer.Option(None, "--consumers", help="consumer layer: points, polygons "
                                                            "or house-connection lines"),
    plant: str = typer.Option(None, "--plant", help="plant point layer, or node id(s) of the "
                                                    "imported network (N3 or N3,N9)"),
    return_lines: str = typer.Option(None, "--return-lines",
                                     help="a second line layer holding the return lines "
                                          "(SOURCE then holds the supply lines)"),
    map_items: list[str] = typer.Option(None, "--map", help="FIELD=ATTRIBUTE, e.g. "
                                                            "dn=Nennweite (repeatable)"),
    mapping: Path = typer.Option(None, "--mapping", help="YAML file of field: attribute"),
    snap: float = typer.Option(0.05, "--snap", help="join line ends closer than this, in metres"),
    size: bool = typer.Option(False, "--size", help="size pipes without a diameter"),
    crs: str = typer.Option(None, "--crs", help="target CRS in metres, e.g. EPSG:25832"),
    max_connection: float = typer.Option(50.0, "--max-connection",
                                         help="largest distance of a consumer or plant from "
                                              "the network, in metres"),
    t_supply: float = typer.Option(80.0, "--t-supply", help="plant supply temperature where "
                                                            "the plant layer gives none [°C]"),
    t_return: float = typer.Option(50.0, "--t-return", help="consumer return temperature "
                                                            "where the layer gives none [°C]"),
    report: Path = typer.Option(None, "--report", help="write the import report (Markdown)"),
    as_json: bool = typer.Option(False, "--json", help="the report as JSON on stdout"),
) -> None:
    """Import a network from GIS layers or a STANET export; nothing is written on an error."""
    from ..importing import import_network
    from ..importing.mapping import load_mapping_file, parse_map_options
    from ..io import save_network

    inputs = [Path(p.rsplit(":", 1)[0]) if not Path(p).exists() and ":" in p else Path(p)
              for p in (source, consumers, return_lines) if p]
    if plant and (Path(plant).exists() or ":" in plant):
        inputs.append(Path(plant.rsplit(":", 1)[0]) if not Path(plant).exists() else
                      Path(plant))
    if mapping is not None:
        inputs.append(mapping)
    _check_outputs(out, report, inputs)
    combined: dict = {}
    if mapping is not None:
        combined.update(load_mapping_file(mapping))
    for k, v in parse_map_options(map_items).items():
        if isinstance(v, dict):
            combined.setdefault(k, {}).update(v)
        else:
            combined[k] = v
    net, rep = import_network(source, consumers=consumers, plant=plant, mapping=combined or None,
                              snap_m=snap, size=size, crs=crs, return_lines=return_lines,
                              max_connection_m=max_connection, t_supply_c=t_supply,
                              t_return_c=t_return)
    try:
        path = save_network(net, out, inputs=inputs)
        if report is not None:
            rep.to_markdown(report, inputs=[*inputs, out])
    except OSError as exc:
        raise P2HError(f"cannot write the output ({exc.strerror or exc})") from None
    if as_json:
        print_json({**rep.to_dict(), "written": str(path)})
        return
    table = Table(title=escape(f"import of {source}"), show_header=False)
    rows = _stanet_rows(rep, net) if rep.mode == "stanet" else _gis_rows(rep, net)
    for k, v in rows:
        table.add_row(k, escape(v))
    console.print(table)
    for note in rep.notes:
        console.print(f"note: {note}", markup=False, style="yellow")
    console.print(f"wrote {path}" + (f" and {report}" if report is not None else ""),
                  markup=False)


def _stanet_rows(rep, net) -> list[tuple[str, str]]:
    rows = [("layout", "STANET export"), ("network", repr(net))]
    c = rep.comparison
    if not c:
        return [*rows, ("compared with STANET", "no (see the notes)")]
    if "max_abs_dp_bar" in c:
        rows.append((f"max |Δp| vs STANET ({c['nodes_compared']} nodes)",
                     f"{c['max_abs_dp_bar'] * 1e5:.1f} Pa at {c['max_abs_dp_node']}"))
    if "max_abs_dmdot_kg_s" in c:
        rows.append((f"max |Δṁ| vs STANET ({c['pipes_compared']} pipes)",
                     f"{c['max_abs_dmdot_kg_s']:.2e} kg/s at {c['max_abs_dmdot_pipe']}"))
    for pid, v in c["plants"].items():
        rows.append((f"plant {pid} flow, ours / STANET",
                     f"{v['mdot_kg_s'][0]:.4f} / {v['mdot_kg_s'][1]:.4f} kg/s"))
        rows.append((f"plant {pid} lift, ours / STANET",
                     f"{v['lift_bar'][0]:.4f} / {v['lift_bar'][1]:.4f} bar"))
    return rows


def _gis_rows(rep, net) -> list[tuple[str, str]]:
    return [("layout", rep.mode), ("CRS", rep.crs_how or "none"),
            ("nodes from line ends", str(rep.nodes_from_ends)),
            ("ends snapped",
             f"{rep.ends_snapped} (largest gap {rep.largest_gap_m * 1000:.1f} mm)"),
            ("lines split", str(rep.lines_split)),
            ("pieces turned toward the flow", str(rep.reversed_pieces)),
            ("consumers connected", str(sum(1 for c in rep.connections
                                            if c.table == "consumers"))),
            ("dangling ends", str(len(rep.dangling_ends))),
            ("network", repr(net))]


def _check_outputs(out: Path, report: Path | None, inputs: list[Path]) -> None:
    """Refuse outputs that are inputs (or the same file twice) before any work is done."""
    guarded = {p.resolve() for p in inputs}
    for target in (out, report):
        if target is not None and target.resolve() in guarded:
            raise P2HError(f"{target}: refusing to overwrite an input; choose another path")
    if report is not None and report.resolve() == out.resolve():
        raise P2HError(f"{report}: the report and the network need different paths")
