"""``p2h solve NETWORK``: solve and print a summary; ``--out`` writes results (CSV folder, JSON
or GeoJSON)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import P2HError
from .output import console, fmt, guarded_outputs, print_json
from .typer_app import app


@app.command("solve")
def solve_command(
    network: Path = typer.Argument(..., help="network file (.json, .geojson, CSV folder)"),
    backend: str = typer.Option("native", help="native (default) or pandapipes"),
    out: Path = typer.Option(None, "--out", "-o",
                             help="write results: a .json or .geojson file or a folder of "
                                  "CSV tables"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable summary on stdout"),
) -> None:
    """Solve the steady state of NETWORK and print the key figures."""
    from ..io import load_network
    from ..io.results_io import result_format, write_result
    from ..results import owned_result_name
    from ..solver import solve

    files, folders = [], []
    if out is not None:
        _check_out(network, out)  # before the solve: fail fast, never touch the input
        if result_format(out) == "csv":
            folders.append((out, owned_result_name))
        else:
            files.append(out)
    with guarded_outputs(files, folders, inputs=[network]):
        net = load_network(network)
        result = solve(net, backend=backend)
        summary = result.summary()
        if out is not None:
            write_result(result, out, inputs=[network], network=net)
            summary["written"] = str(out)
    if as_json:
        print_json(summary)
        return
    title = escape(f"{net.settings.get('name', network.name)} — {backend} solver")
    table = Table(title=title, show_header=False)
    rows = [
        ("converged", f"{summary['converged']} ({summary['iterations']} iterations)"),
        ("plant flow", f"{fmt(summary['plant_mdot_kg_s'], 2)} kg/s"),
        ("plant head", f"{fmt(summary['plant_head_bar'])} bar"),
        ("plant heat", f"{fmt(summary['plant_heat_kw'], 1)} kW"),
        ("consumer heat", f"{fmt(summary['consumer_heat_kw'], 1)} kW"),
        ("feed-in heat", f"{fmt(summary['feedin_heat_kw'], 1)} kW"),
        ("heat losses", f"{fmt(summary['heat_loss_kw'], 1)} kW"),
        ("min pressure", f"{fmt(summary['p_min_bar'])} bar g at {summary['p_min_junction']}"),
        ("max pressure", f"{fmt(summary['p_max_bar'])} bar g at {summary['p_max_junction']}"),
    ]
    if "dp_min_consumer" in summary:
        rows += [
            ("min consumer Δp", f"{fmt(summary['dp_min_consumer_bar'])} bar at "
                                f"{summary['dp_min_consumer']}"),
            ("lowest supply T at a consumer", f"{fmt(summary['t_supply_min_consumer_c'], 2)} °C "
                                              f"at {summary['t_supply_min_consumer']}"),
        ]
    if "booster_pumps" in summary:
        rows.append(("booster pumps", f"{summary['booster_pumps']}: "
                                      f"{fmt(summary['booster_power_kw'], 1)} kW hydraulic, "
                                      f"lowest flow {fmt(summary['booster_min_flow_kg_s'], 2)} "
                                      "kg/s"))
    rows.append(("energy balance", f"{summary['energy_balance_rel']:.1e} relative"))
    for k, v in rows:
        table.add_row(k, escape(v))  # element ids are text, not rich markup
    console.print(table)
    for note in summary["warnings"]:
        console.print(f"warning: {note}", markup=False, style="yellow")
    if out is not None:
        console.print(f"results written to {out}", markup=False)


def _check_out(network: Path, out: Path) -> None:
    """Refuse an output path that is the input or lies directly in an input CSV folder (results
    CSVs would replace its tables); the other checks are ``guarded_outputs``'."""
    src, dst = network.resolve(), out.resolve()
    if dst == src or (src.is_dir() and dst.parent == src):
        raise P2HError(f"{out}: refusing to overwrite the input network {network}; choose an "
                       "output path outside it")
