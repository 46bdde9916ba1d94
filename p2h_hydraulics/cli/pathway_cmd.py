"""``p2h pathway SCENARIO``: lower the network's supply temperature step by step — from which
level does the data-centre heat feed in directly, and can the hydraulics carry it?

Prints the plain-words answer and one row per level (verdict, unit mode, COP, heat-pump
electricity, plant head and flow against their limits, smallest consumer Δp margin, bottleneck
pipes); ``--out DIR`` writes ``levels.csv``, ``pathway.json`` and ``pathway.png``; ``--html``
an interactive page; ``--json`` prints the result as JSON.

Exit codes: 0 the pathway ran, 3 invalid input (scenario, levels, options).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from .output import console, err_console, fmt, guarded_outputs, print_json
from .typer_app import app
from .workload import SOLVES_PER_ANNUAL_HOUR, confirm_work

# the files ``PathwayResult.write`` puts into ``--out`` (the folder is replaced whole)
OUTPUT_FILES = frozenset({"levels.csv", "pathway.json", "pathway.png"})


def parse_supply(text: str | None):
    """``START:STOP:STEP`` → (start, stop, step); ``A,B,C`` → [A, B, C]; None → None."""
    from ..errors import ScenarioError

    if text is None:
        return None
    try:
        if ":" in text:
            parts = [float(x) for x in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            return tuple(parts)
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ScenarioError(f"--supply must be START:STOP:STEP (e.g. 81:65:2) or a list "
                            f"of levels (81,75,70), got {text!r}") from None


@app.command("pathway")
def pathway_command(
    scenario: Path = typer.Argument(..., help="scenario file (.yaml)"),
    supply: str = typer.Option(None, "--supply",
                               help="levels: START:STOP:STEP in °C/K (e.g. 81:65:2) or a list "
                                    "81,75,70 (default: today's level down to 65 °C by 2 K)"),
    return_model: str = typer.Option("substation", "--return-model",
                                     help="how the consumers' returns follow the supply: "
                                          "substation | constant_dt | fixed"),
    annual: bool = typer.Option(False, "--annual",
                                help="also run the annual analysis at every level"),
    sample: int = typer.Option(None, "--sample", min=1,
                               help="with --annual: analyse N evenly spread hours per level"),
    plant_head_max: float = typer.Option(None, "--plant-head-max",
                                         help="plant pump head limit [bar] (default: the "
                                              "warmest level's head + 25 %)"),
    plant_flow_max: float = typer.Option(None, "--plant-flow-max",
                                         help="plant flow limit [kg/s] (default: design flow "
                                              "+ 25 %)"),
    out: Path = typer.Option(None, "--out", "-o",
                             help="write levels.csv, pathway.json and pathway.png here"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    html: Path = typer.Option(None, "--html", help="write an interactive HTML page"),
    yes: bool = typer.Option(False, "--yes",
                             help="run even when the estimated work exceeds the limit"),
) -> None:
    """From which supply temperature does the P2H heat go direct, and can the hydraulics
    carry the lower temperatures?"""
    from ..errors import ScenarioError
    from ..io.atomic import protect, staged_folder
    from ..pathway import PathwaySettings, pathway_levels, temperature_pathway
    from ..pathway.run import today_level_c
    from ..scenario import load_scenario
    from .annual_cmd import table_inputs

    scen = load_scenario(scenario)
    levels = pathway_levels(parse_supply(supply), today_level_c(scen))
    try:
        settings = PathwaySettings(return_model=return_model,
                                   plant_head_max_bar=plant_head_max,
                                   plant_flow_max_kg_s=plant_flow_max)
    except ValueError as exc:
        raise ScenarioError(f"invalid pathway option: {exc.errors()[0]['msg']}") from None
    inputs = [scenario, scen.network_path]
    if annual and scen.annual is not None:
        inputs += table_inputs(scen.annual, scenario.parent)
    protect(*inputs)
    n_cases = len(scen.load_cases)
    solves = 2 * n_cases * len(levels)
    detail = f"{len(levels)} levels × {n_cases} load cases × 2"
    if annual:
        hours = sample or (scen.annual.sample_hours if scen.annual else None) or 8760
        solves += len(levels) * hours * SOLVES_PER_ANNUAL_HOUR
        detail += f" + {len(levels)} levels × {hours:,} hours × {SOLVES_PER_ANNUAL_HOUR:g}"
    note = confirm_work("pathway", solves, detail, yes,
                        "use fewer levels or --sample N with --annual")
    if note and not as_json:
        err_console.print(note, markup=False)
    folders = [(out, OUTPUT_FILES.__contains__)] if out is not None else []
    written = []
    with guarded_outputs([html], folders=folders, inputs=inputs):
        result = temperature_pathway(scen, supply=levels, return_model=return_model,
                                     annual=annual, settings=settings, sample_hours=sample)
        if out is not None:
            with staged_folder(out, inputs, OUTPUT_FILES.__contains__) as tmp:
                files = result.write(tmp, inputs=inputs)
            written += [out / p.name for p in files]
        if html is not None:
            from ..html import write_view
            from ..html.pathway_view import pathway_view

            written.append(write_view(html, pathway_view(result), inputs=inputs))
    if as_json:
        data = result.to_dict()
        data["written"] = [str(p) for p in written]
        print_json(data)
        return
    _print(result)
    for p in written:
        console.print(f"written: {p}", markup=False)


_SHORT = {"PERMITTED": "yes", "PERMITTED_WITH_CONDITIONS": "cond.", "NOT_PERMITTED": "no"}
_MODE = {"direct": "direct", "heat_pump": "HP", "too_cold": "cold"}


def _print(result) -> None:
    from rich import box
    from rich.table import Table

    console.print(f"[bold]{escape(result.answer())}[/]", markup=True)
    t = Table(title=escape(f"{result.scenario}: temperature pathway "
                           f"({result.settings['return_model']} returns)"),
              box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    annual = result.annual
    for c, w in (("°C", 2), ("ok?", 5), ("mode", 6), ("COP", 4),
                 ("HP " + ("MWh" if annual else "kW"), 5), ("head bar", 9),
                 ("flow kg/s", 7), ("Δp bar", 5)):
        t.add_column(c, no_wrap=True, min_width=w)
    t.add_column("new bottleneck", no_wrap=True, overflow="ellipsis", max_width=20)
    for r in result.levels:
        tr = r["bottleneck_trenches"]
        el = (fmt(r["annual_heat_pump_electricity_mwh"], 1) if annual
              else fmt(r["p_el_kw_max"], 0))
        t.add_row(f"{r['level_c']:g}", _SHORT[r["verdict"]], _MODE.get(r["mode"], "–"),
                  fmt(r["cop_min"], 2) if r["cop_min"] else "–", el,
                  f"{fmt(r['plant_head_bar'], 2)}/{fmt(r['plant_head_max_bar'], 2)}",
                  f"{fmt(r['plant_mdot_kg_s'], 0)}/{fmt(r['plant_flow_max_kg_s'], 0)}",
                  fmt(None if r["dp_margin_min_bar"] is None
                      else round(r["dp_margin_min_bar"], 2) + 0.0, 2),
                  escape(" ".join(tr[:1]) + (f" +{len(tr) - 1}" if len(tr) > 1 else "")))
    console.print(t)
    console.print("ok?: the feed-in check over all load cases; head and flow: the plant "
                  "without the feed-in / its limit; Δp: smallest consumer margin over Δp_min",
                  markup=False)
