"""``p2h sites SCENARIO``: rank the nodes of the network by the P2H heat they can take.

Runs ``sites.compare_sites`` on a local process pool (``--workers``), a Dask scheduler
(``--scheduler tcp://host:8786``) or a local Dask cluster (``--dask-local``); a progress bar on
stderr while it runs. Writes the ranking as CSV or JSON (``--out``, by suffix), a map
(``--map``, PNG/SVG/PDF by suffix) and a self-contained HTML report (``--html``); ``--json``
prints the result on stdout. Exit codes: 0 success, 2 usage error, 3 invalid input.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .output import console, err_console, fmt, guarded_outputs, print_json
from .shared import figure_bytes, parse_refine
from .typer_app import app
from .workload import SOLVES_PER_SITE_TRIAL, confirm_work

_OUT_SUFFIXES = (".csv", ".json")
_FIG_SUFFIXES = (".png", ".svg", ".pdf")


@app.command("sites")
def sites_command(
    scenario: Path = typer.Argument(..., help="scenario file (.yaml); its first unit is the "
                                              "template moved to every candidate node"),
    candidates: str = typer.Option(None, "--candidates", help="node ids or glob patterns, "
                                   "comma-separated (default: every trench node)"),
    out: Path = typer.Option(None, "--out", "-o", help="write the ranking: .csv or .json"),
    map_path: Path = typer.Option(None, "--map", help="write a capacity map (.png/.svg/.pdf)"),
    html_path: Path = typer.Option(None, "--html", help="write a self-contained HTML report"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    workers: int = typer.Option(None, "--workers", "-w", min=1,
                                help="parallel workers (default: the number of cores)"),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address, e.g. tcp://host:8786"),
    dask_local: bool = typer.Option(False, "--dask-local",
                                    help="run on a local Dask cluster of --workers workers"),
    q_max: float = typer.Option(None, "--q-max", min=0.0,
                                help="search limit [kW] (default: the unit's heat output)"),
    tol: float = typer.Option(None, "--tol", min=0.0,
                              help="capacity tolerance [kW] (default: 0.5 % of the smaller of "
                                   "the search limit and the network's total design load, at "
                                   "least 0.1 kW)"),
    tol_rel: float = typer.Option(None, "--tol-rel", min=0.0, max=0.5,
                                  help="relative capacity tolerance (default 0.01); the search "
                                       "stops within max(--tol, --tol-rel × capacity)"),
    refine: str = typer.Option("all", "--refine",
                               help="nodes refined by full solves: 'all', 'auto' (every node "
                                    "that can still be among the --best) or the number of "
                                    "best-screened nodes (the rest: screened estimate only, "
                                    "no capacity)"),
    best: int = typer.Option(10, "--best", min=1,
                             help="--refine auto: solve until these best nodes are settled"),
    no_conditions: bool = typer.Option(False, "--no-conditions",
                                       help="count PERMITTED WITH CONDITIONS as not permitted"),
    confirm: bool = typer.Option(False, "--confirm",
                                 help="re-check every capacity with the full checker (where the "
                                      "state may not be unique, also from a cold start: "
                                      "column other_state)"),
    top: int = typer.Option(20, "--top", min=1, help="rows shown in the terminal"),
    yes: bool = typer.Option(False, "--yes",
                             help="run even when the estimated work exceeds the limit"),
) -> None:
    """Largest permitted P2H heat output at every candidate node of SCENARIO's network."""
    from ..errors import P2HError
    from ..io.atomic import protect
    from ..scenario import load_scenario
    from ..sites import compare_sites

    if scheduler and dask_local:
        raise typer.BadParameter("give either --scheduler or --dask-local, not both")
    for path, ok, what in ((out, _OUT_SUFFIXES, "--out"), (map_path, _FIG_SUFFIXES, "--map")):
        if path is not None and path.suffix.lower() not in ok:
            raise typer.BadParameter(f"{what} must end in {' or '.join(ok)}, got {path.name}")
    refine_n = parse_refine(refine)
    scen = load_scenario(scenario)
    inputs = [scenario, scen.network_path]
    protect(*inputs)
    net = scen.load_network()
    note = confirm_work("sites", *estimate_work(net, scen, candidates, refine_n, best, confirm),
                        yes, "narrow --candidates, or use --refine auto")
    if note and not as_json:
        err_console.print(note, markup=False)
    kind = "dask" if (scheduler or dask_local) else None
    written = []
    with guarded_outputs([out, map_path, html_path], inputs=inputs):
        try:
            result = _run(compare_sites, scen, candidates, q_max, tol, tol_rel, kind, workers,
                          scheduler, refine_n, not no_conditions, confirm, best, quiet=as_json)
        except ValueError as exc:  # e.g. bad numbers that slipped past the option checks
            raise P2HError(str(exc)) from None
        if out is not None:
            written.append(result.to_json(out, inputs) if out.suffix.lower() == ".json"
                           else result.to_csv(out, inputs))
        if map_path is not None:
            written.append(_write_map(map_path, net, result, inputs))
        if html_path is not None:
            from ..html import sites_view, write_view

            written.append(write_view(html_path, sites_view(result, net), inputs))
    if as_json:
        data = result.to_dict()
        if written:
            data["written"] = [str(p) for p in written]
        print_json(data)
        return
    _print(result, top)
    for p in written:
        console.print(f"written: {escape(str(p))}")


def estimate_work(net, scen, candidates, refine, best: int, confirm: bool) -> tuple[int, str]:
    """(estimated solves, how) of a site comparison: refined nodes × load cases × ≈ 8 trial
    solves (``workload.SOLVES_PER_SITE_TRIAL``), plus one check per node with ``--confirm``."""
    from ..sites import select_candidates

    n = len(select_candidates(net, candidates))
    refined = n if refine == "all" else (min(n, 5 * best) if refine == "auto"
                                         else min(n, int(refine)))
    cases = max(1, len(scen.load_cases))
    solves = refined * cases * SOLVES_PER_SITE_TRIAL + (refined * 2 * cases if confirm else 0)
    how = (f"{refined:,} refined of {n:,} candidate nodes × {cases:,} load case(s) × "
           f"≈ {SOLVES_PER_SITE_TRIAL} trial solves")
    return solves, how


def _run(compare_sites, scen, candidates, q_max, tol, tol_rel, kind, workers, scheduler,
         refine, allow_conditions, confirm, best, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..executors import executor_scope

    kw = dict(candidates=candidates, q_max_kw=q_max, tol_kw=tol, tol_rel=tol_rel,
              allow_conditions=allow_conditions, refine=refine, confirm=confirm, best=best)
    with executor_scope(kind, workers=workers, scheduler=scheduler) as ex:
        if quiet:
            return compare_sites(scen, executor=ex, workers=workers, **kw)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:
            tasks: dict = {}

            def progress(done, total, stage):
                label = {"setup": "base cases", "screen": "screening nodes",
                         "refine": "full solves"}.get(stage, stage)
                if stage not in tasks:
                    tasks[stage] = bar.add_task(label, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            return compare_sites(scen, executor=ex, workers=workers, progress=progress, **kw)


def _write_map(path: Path, net, result, inputs):
    from ..io.atomic import write_bytes_atomic
    from ..plotting import plot_site_ranking

    ax = plot_site_ranking(net, result)
    return write_bytes_atomic(path, figure_bytes(ax.figure, path.suffix), inputs)


def _f(x, digits: int) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return fmt(v, digits) if v == v else "–"


def _print(result, top: int) -> None:
    st = result.stats
    console.print(f"[bold]{escape(result.scenario)}[/]: {st.get('candidates')} candidate nodes, "
                  f"unit '{escape(str(result.unit.get('id')))}' up to {result.q_max_kw:.0f} kW; "
                  f"{st.get('refined')} refined by {st.get('n_solves')} solves "
                  f"({1e3 * st.get('per_solve_s', float('nan')):.0f} ms each), "
                  f"{st.get('total_s', float('nan')):.1f} s", markup=True)
    if st.get("refine_mode") == "auto":
        console.print(f"  refined until no unsolved node can exceed "
                      f"{st.get('best_capacity_kw', float('nan')):.0f} kW, the lowest of the "
                      f"best {st.get('best')}, unless its screened estimate is more than "
                      f"{st.get('screen_allowance', 0):.2f}× too low; "
                      f"{st.get('unsolved_possible_ties', 0)} unsolved nodes could tie with it "
                      "(--refine all solves every node)")
    for f in result.global_findings:
        if f.severity == "violation":
            console.print(f"  [red]every node:[/] {escape(f.code)}: {escape(f.message)}",
                          markup=True)
    table = Table(show_lines=False)
    for col in ("rank", "node", "capacity kW", "limited by", "load case", "pump head bar",
                "COP", "return °C", "method"):
        table.add_column(col, justify="right" if col in ("rank", "capacity kW",
                                                         "pump head bar", "COP",
                                                         "return °C") else "left")
    for node, r in result.table.head(top).iterrows():
        table.add_row(str(r["rank"]), escape(str(node)), _f(r["capacity_kw"], 0),
                      escape(str(r["limited_by"] or "")), escape(str(r["load_case"] or "")),
                      _f(r["pump_head_bar"], 2), _f(r["cop"], 2), _f(r["t_return_c"], 1),
                      str(r["method"]))
    console.print(table)
    if len(result.table) > top:
        console.print(f"… {len(result.table) - top} more nodes (use --out or --json)")
    multi = result.table["multiple_states"].eq(True)  # screened rows: None
    if multi.any():
        console.print(f"[yellow]warning:[/] at {int(multi.sum())} node(s) a trial's network "
                      "state need not be unique (natural convection in near-stagnant hilly "
                      "loops, column multiple_states): their capacities can depend on the state "
                      "the search started from", markup=True)
    other = result.table["other_state"].fillna("").astype(str).str.len() > 0
    if other.any():
        console.print(f"[yellow]warning:[/] at {int(other.sum())} node(s) the feed-in at the "
                      "capacity fails a criterion in another steady state the checker found "
                      "from a cold start (column other_state)", markup=True)
