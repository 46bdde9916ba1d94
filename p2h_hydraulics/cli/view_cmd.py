"""``p2h view NETWORK|SCENARIO|RESULT [--out view.html]``: one self-contained interactive HTML
map of a network and its solved state.

* a network file (any format ``load_network`` reads) is solved as it is; when it does not
  converge the map shows the geometry only and the exit code is 4;
* a scenario (``.yaml``/``.yml``) is solved for one load case (``--load-case``, default the
  first) without and with its P2H units: the map can also show where the feed-in reverses the
  flow;
* a result file (``p2h solve --out result.json``) is drawn on its network (``--network``).

The page has every script inline (plotly.js), makes no request when opened — unless
``--tiles URL`` asks for background map tiles (the network needs its CRS) — and is written
atomically, never over an input. Exit codes: 0 written, 2 usage error, 3 invalid input,
4 not converged (geometry-only view written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from .output import console
from .typer_app import app


@app.command("view")
def view_command(
    source: Path = typer.Argument(..., help="network file, scenario (.yaml) or result file "
                                            "(.json of 'p2h solve --out')"),
    out: Path = typer.Option(Path("view.html"), "--out", "-o", help="HTML file to write"),
    network: Path = typer.Option(None, "--network",
                                 help="the network of a result file"),
    load_case: str = typer.Option(None, "--load-case", help="scenario load case to draw"),
    tiles: str = typer.Option(None, "--tiles",
                              help="background map tiles from this URL template "
                                   "(https://…/{z}/{x}/{y}.png; needs the network's CRS); the "
                                   "page then loads them when opened"),
) -> None:
    """Write an interactive, offline HTML map of a network, scenario or result."""
    from ..errors import ConvergenceError
    from ..html import network_view, write_view
    from ..io.atomic import protect

    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter(f"--out must end in .html, got {out.name}")
    if tiles is not None:
        from ..html.tiles import check_tile_template

        check_tile_template(tiles)
    inputs = [source] + ([network] if network is not None else [])
    protect(*inputs)
    code = 0
    if source.suffix.lower() in (".yaml", ".yml"):
        if network is not None:
            raise typer.BadParameter("--network is for result files; a scenario names its "
                                     "network")
        page = _scenario_page(source, load_case, inputs, tiles)
    else:
        if load_case is not None:
            raise typer.BadParameter("--load-case needs a scenario (.yaml)")
        result_doc = _result_document(source)
        if result_doc:
            page = _result_page(source, network, tiles)
        else:
            if network is not None:
                raise typer.BadParameter("--network is only for result files")
            from ..io import load_network
            from ..solver import solve

            net = load_network(source)
            try:
                page = network_view(net, solve(net), tiles=tiles)
            except ConvergenceError as exc:
                page = network_view(net, None, tiles=tiles,
                                    notes=[f"not converged: {exc}; the map shows the "
                                           "geometry only"])
                code = 4
    written = write_view(out, page, inputs)
    console.print(f"written: {escape(str(written))} ({written.stat().st_size / 1e6:.1f} MB)")
    if code:
        console.print("the network did not converge: the view shows its geometry only",
                      markup=False, style="yellow")
        sys.exit(code)


def _result_document(source: Path) -> bool:
    if source.suffix.lower() != ".json" or not source.is_file():
        return False
    from ..html.result_file import is_result_document
    from ..io.native_json import read_json

    return is_result_document(read_json(source))


def _result_page(source: Path, network: Path | None, tiles: str | None) -> str:
    from ..html import network_view
    from ..html.result_file import read_result_json
    from ..io import load_network

    if network is None:
        raise typer.BadParameter(f"{source.name} is a result file: give its network with "
                                 "--network NETWORK")
    net = load_network(network)
    res = read_result_json(source, net)
    return network_view(net, res, tiles=tiles, title=f"Result {source.name} on "
                                                      f"{net.settings.get('name') or network.name}")


def _scenario_page(source: Path, load_case: str | None, inputs: list, tiles: str | None) -> str:
    from ..errors import ConvergenceError
    from ..html import network_view
    from ..html_report import case_results
    from ..io.atomic import protect
    from ..scenario import load_scenario

    scen = load_scenario(source)
    inputs.append(scen.network_path)
    protect(scen.network_path)
    cr = case_results(scen, load_case)
    if cr.base is None and cr.feedin is None:
        raise ConvergenceError(f"load case {cr.load_case}: no solve converged, nothing to draw")
    res = cr.feedin if cr.feedin is not None else cr.base
    base = cr.base if cr.feedin is not None else None
    notes = [] if cr.feedin is not None else ["the solve with the feed-in did not converge: "
                                              "the map shows the base case"]
    return network_view(cr.network_feedin, res, base, notes=notes, tiles=tiles,
                        title=f"Scenario {scen.name}, load case {cr.load_case}")
