"""``p2h solve NETWORK``: solve and print a summary; ``--out`` writes results (CSV folder/JSON)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from . import app
from .output import console, fmt, print_json


@app.command("solve")
def solve_command(
    network: Path = typer.Argument(..., help="network file (.json, .geojson, CSV folder)"),
    backend: str = typer.Option("native", help="native (default) or pandapipes"),
    out: Path = typer.Option(None, "--out", "-o",
                             help="write results: a .json file or a folder of CSV tables"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable summary on stdout"),
) -> None:
    """Solve the steady state of NETWORK and print the key figures."""
    from .. import load_network, solve
    from ..io.results_io import write_result

    net = load_network(network)
    result = solve(net, backend=backend)
    summary = result.summary()
    if out is not None:
        write_result(result, out, inputs=[network])
        summary["written"] = str(out)
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"{net.settings.get('name', network.name)} — {backend} solver",
                  show_header=False)
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
    rows.append(("energy balance", f"{summary['energy_balance_rel']:.1e} relative"))
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    if out is not None:
        console.print(f"results written to {out}")
