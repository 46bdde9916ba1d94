"""``p2h annual SCENARIO``: hour-by-hour feed-in analysis over a year.

Prints the annual summary (MWh offered / absorbed / share of the network heat, heat-pump
electricity and COP, hours limited by each criterion); ``--out DIR`` writes the hourly table
(Parquet when pyarrow is installed, else CSV), ``summary.json`` and the figures; ``--json``
prints the summary as JSON on stdout. A progress bar runs on stderr.

Exit codes: 0 the analysis ran (hours whose solve did not converge are counted as absorbing
nothing and reported), 3 invalid input, 4 the network does not converge even in the design
hour without the feed-in.
"""

from __future__ import annotations

from pathlib import Path

import typer

from .output import console, err_console, fmt, guarded_outputs, print_json
from .typer_app import app
from .workload import SOLVES_PER_ANNUAL_HOUR, confirm_work

# the files ``AnnualResult.write`` puts into ``--out`` (the folder is replaced whole)
OUTPUT_FILES = frozenset({"hourly.parquet", "hourly.csv", "summary.json", "duration_curves.png",
                          "monthly.png"})


@app.command("annual")
def annual_command(
    scenario: Path = typer.Argument(..., help="scenario file (.yaml) with an 'annual:' block"),
    out: Path = typer.Option(None, "--out", "-o", help="write the hourly table, summary.json "
                                                      "and figures into this folder"),
    workers: int = typer.Option(None, "--workers", "-w", min=1,
                                help="parallel worker processes (default: all cores; 1: serial)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    sample: int = typer.Option(None, "--sample", min=1,
                               help="analyse only N evenly spread hours (quick look; the sums "
                                    "are then not annual totals)"),
    executor: str = typer.Option(None, "--executor",
                                 help="process | thread | serial | dask (default: process, "
                                      "serial for --workers 1)"),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="address of a running Dask scheduler (tcp://host:8786)"),
    no_figures: bool = typer.Option(False, "--no-figures", help="with --out: skip the PNGs"),
    yes: bool = typer.Option(False, "--yes",
                             help="run even when the estimated work exceeds the limit"),
    html: Path = typer.Option(None, "--html", help="write a self-contained interactive HTML "
                                                   "page (summary, duration curves, months)"),
) -> None:
    """Hour by hour over a year: how much P2H heat can the network absorb, and what limits it?"""
    from ..annual.run import prepare, total_distinct
    from ..annual.settings import AnnualSettings
    from ..errors import ScenarioError
    from ..io.atomic import protect, staged_folder
    from ..scenario import load_scenario

    scen = load_scenario(scenario)
    if executor is not None and executor not in ("process", "thread", "serial", "dask"):
        raise ScenarioError(f"--executor must be process, thread, serial or dask, got "
                            f"{executor!r}")
    settings = scen.annual if scen.annual is not None else AnnualSettings()
    if sample is not None:
        settings = settings.model_copy(update={"sample_hours": sample})
    inputs = [scenario, scen.network_path, *table_inputs(settings, scenario.parent)]
    protect(*inputs)
    folders = [(out, OUTPUT_FILES.__contains__)] if out is not None else []
    with guarded_outputs([html], folders=folders, inputs=inputs):
        prep = prepare(scen, settings)
        total = total_distinct(prep)
        note = confirm_work("annual", SOLVES_PER_ANNUAL_HOUR * total,
                            f"{total:,} distinct of {len(prep.hours):,} hours × "
                            f"≈ {SOLVES_PER_ANNUAL_HOUR:g} solves", yes,
                            "use --sample N, or a shorter weather file")
        if note and not as_json:
            err_console.print(note, markup=False)
        result = _compute(prep, scen, total, executor, scheduler, workers, as_json)
        if out is not None:
            with staged_folder(out, inputs, OUTPUT_FILES.__contains__) as tmp:
                written = result.write(tmp, inputs=inputs, figures=not no_figures)
            result.summary["written"] = [str(out / p.name) for p in written]
        if html is not None:
            from ..html import annual_view, write_view

            page = write_view(html, annual_view(result), inputs=inputs)
            result.summary.setdefault("written", []).append(str(page))
    if as_json:
        print_json(result.to_dict())
        return
    _print(result)


def table_inputs(settings, base_dir: Path) -> list[Path]:
    """The weather and profile files ``settings`` name, resolved against the scenario's folder
    (inputs too: no output may replace them)."""
    names = [] if settings.weather == "example" else [settings.weather]
    if settings.consumer_profiles is not None:
        names.append(settings.consumer_profiles)
    names += list(settings.unit_profiles.values())
    out = []
    for name in names:
        p = Path(name).expanduser()
        out.append(p if p.is_absolute() else base_dir / p)
    return out


def _compute(prep, scen, total, executor, scheduler, workers, as_json):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..annual.run import run_annual
    from ..executors import make_executor

    ex = None
    if executor is not None or scheduler is not None:
        ex = make_executor(executor or "dask", workers=workers, scheduler=scheduler)
    try:
        with Progress(TextColumn("[bold]annual[/] {task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=err_console, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"{scen.name}: distinct hours", total=total)
            return run_annual(prep, executor=ex, workers=workers,
                              progress=lambda n: bar.advance(task, n))
    finally:
        if ex is not None:
            ex.shutdown(wait=True)


def _print(result) -> None:
    from rich.table import Table

    s = result.summary
    hp = s["heat_pump"]
    comp = s["computation"]
    title = f"{s['scenario']} — {s['hours']} hours" + ("" if s["full_year"] else
                                                      " (not a full year: sums over these hours)")
    t = Table(title=title, show_header=False)
    share = s["feedin_share_of_network_heat"]
    share_txt = fmt(100 * share, 1) if share is not None else "–"
    rows = [
        ("P2H heat offered", f"{fmt(s['offered_mwh'], 1)} MWh"),
        ("absorbed by the network", f"{fmt(s['absorbed_mwh'], 1)} MWh "
                                    f"({fmt(100 * (s['absorbed_share_of_offer'] or 0), 1)} % of "
                                    "the offer)"),
        ("not absorbed", f"{fmt(s['rejected_mwh'], 1)} MWh"),
        ("network heat (plant + feed-in)", f"{fmt(s['network_heat_mwh'], 1)} MWh; P2H share "
                                           f"{share_txt} %"),
        ("heat-pump electricity", f"{fmt(hp['electricity_mwh'], 1)} MWh in {hp['hours']} hours"
                                  + (f", mean COP {fmt(hp['cop_mean_heat_weighted'], 2)} "
                                     "(heat-weighted)" if hp["cop_mean_heat_weighted"] else "")),
        ("hours with the full offer", str(s["hours_full_offer"])),
        ("hours limited", str(s["hours_limited"]) + "".join(
            f"\n  {k}: {v}" for k, v in s["hours_limited_by"].items())),
        ("design flow of the plant(s)", ", ".join(f"{k} {fmt(v, 2)} kg/s"
                                                  for k, v in s["design_flow_kg_s"].items())),
        ("computation", f"{comp['distinct_hours']} distinct hours, {comp['solves']} solves in "
                        f"{fmt(comp['seconds_total'], 1)} s on {comp['workers']} worker(s)"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    if s["hours_not_converged"]:
        console.print(f"[yellow]warning:[/] {s['hours_not_converged']} hour(s) could not be "
                      "solved (the solver did not converge even without the feed-in); they count "
                      "as absorbing nothing (limited_by 'convergence')", markup=True)
    if s.get("hours_multiple_states"):
        console.print(f"[yellow]warning:[/] in {s['hours_multiple_states']} hour(s) the network "
                      "state need not be unique (natural convection in near-stagnant hilly loops, "
                      "column multiple_states): their answers can depend on the state a solve "
                      "starts from", markup=True)
    if s.get("hours_other_state") is not None:
        console.print(f"  solved again from a cold start: {s['hours_other_state']} of them settle "
                      f"in another state, in {s['hours_other_state_limited']} of those the "
                      "feed-in would fail a criterion (columns other_state, "
                      "other_state_limited_by)")
    for p in s.get("written", []):
        console.print(f"written: {p}")
    note = (s.get("hourly_table") or {}).get("note")
    if note:
        console.print(f"note: {note}")
