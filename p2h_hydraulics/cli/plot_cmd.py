"""``p2h plot SCENARIO|NETWORK --kind map|pressure|temperature|sites --out fig.png|.svg``.

A scenario (``.yaml``/``.yml``) is solved for one load case (``--load-case``, default the
first) without and with its P2H units; a network file is solved as it is. ``map`` colours the
pipes of one side by a result column (``--column p_bar|t_c|v_m_s|…``, ``--side``);
``pressure`` / ``temperature`` draw the values along a path (default plant → feed-in →
critical consumer, or ``--path N1,N2,…``); ``sites`` runs the site comparison (scenario only)
and maps the capacities. The figure format follows the suffix of ``--out`` (png, svg, pdf).
Exit codes: 0 success, 2 usage error, 3 invalid input, 4 not converged.
"""

from __future__ import annotations

from pathlib import Path

import typer

from .output import console, guarded_outputs
from .shared import FORMATS, figure_bytes, parse_refine
from .typer_app import app

KINDS = ("map", "pressure", "temperature", "sites")


@app.command("plot")
def plot_command(
    source: Path = typer.Argument(..., help="scenario (.yaml) or network file"),
    kind: str = typer.Option("map", "--kind", "-k", help="map | pressure | temperature | sites"),
    out: Path = typer.Option(..., "--out", "-o", help="figure file: .png, .svg or .pdf"),
    column: str = typer.Option("p_bar", "--column", help="result column of the map "
                               "(p_bar, t_c, v_m_s, mdot_kg_s, r_pa_per_m, …)"),
    side: str = typer.Option("supply", "--side", help="supply | return | both (map)"),
    load_case: str = typer.Option(None, "--load-case", help="scenario load case to draw"),
    path: str = typer.Option(None, "--path", help="diagram waypoints: node ids, comma-separated"),
    workers: int = typer.Option(None, "--workers", "-w", min=1, help="workers for --kind sites"),
    refine: str = typer.Option("all", "--refine", help="sites: 'all', 'auto' or a number of nodes"),
) -> None:
    """Draw a network map, a pressure diagram, a temperature profile or a site ranking."""
    from ..io.atomic import protect, write_bytes_atomic

    if kind not in KINDS:
        raise typer.BadParameter(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if out.suffix.lower() not in FORMATS:
        raise typer.BadParameter(f"--out must end in {', '.join(FORMATS)}, got {out.name}")
    if side not in ("supply", "return", "both"):
        raise typer.BadParameter(f"--side must be supply, return or both, got {side!r}")
    waypoints = [p.strip() for p in path.split(",") if p.strip()] if path else None
    is_scenario = source.suffix.lower() in (".yaml", ".yml")
    inputs = [source]
    if is_scenario:
        from ..scenario import load_scenario

        scen = load_scenario(source)
        inputs.append(scen.network_path)
        protect(*inputs)
        with guarded_outputs([out], inputs=inputs):
            ax = _scenario_figure(scen, kind, column, side, load_case, waypoints, workers,
                                  refine)
            written = write_bytes_atomic(out, figure_bytes(ax.figure, out.suffix), inputs)
    else:
        protect(*inputs)
        if kind == "sites":
            raise typer.BadParameter("--kind sites needs a scenario (.yaml): the unit to place")
        if load_case is not None:
            raise typer.BadParameter("--load-case needs a scenario (.yaml)")
        with guarded_outputs([out], inputs=inputs):
            ax = _network_figure(source, kind, column, side, waypoints)
            written = write_bytes_atomic(out, figure_bytes(ax.figure, out.suffix), inputs)
    console.print(f"written: {written}")


def _scenario_figure(scen, kind, column, side, load_case, waypoints, workers, refine):
    from ..plotting import (
        plot_network_map,
        plot_pressure_diagram,
        plot_site_ranking,
        plot_temperature_profile,
    )

    if kind == "sites":
        from ..sites import compare_sites

        res = compare_sites(scen, workers=workers, refine=parse_refine(refine))
        return plot_site_ranking(scen.load_network(), res)
    from ..errors import ConvergenceError
    from ..html_report import case_results

    cr = case_results(scen, load_case)
    if cr.base is None and cr.feedin is None:
        raise ConvergenceError(f"load case {cr.load_case}: no solve converged, nothing to draw")
    th = scen.thresholds
    if kind == "map":
        res = cr.feedin if cr.feedin is not None else cr.base
        return plot_network_map(cr.network_feedin, res, column=column, side=side,
                                title=f"{scen.name}, {cr.load_case}: {side} side, {column}")
    fn = plot_pressure_diagram if kind == "pressure" else plot_temperature_profile
    return fn(cr.network_feedin, cr.base, cr.feedin, path=waypoints, thresholds=th)


def _network_figure(source: Path, kind, column, side, waypoints):
    from ..io import load_network
    from ..plotting import plot_network_map, plot_pressure_diagram, plot_temperature_profile
    from ..solver import solve

    net = load_network(source)
    res = solve(net)
    if kind == "map":
        return plot_network_map(net, res, column=column, side=side)
    fn = plot_pressure_diagram if kind == "pressure" else plot_temperature_profile
    return fn(net, res, None, path=waypoints)
