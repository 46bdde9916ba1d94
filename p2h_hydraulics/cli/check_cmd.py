"""``p2h check SCENARIO``: can the network take the feed-in? Verdict, findings, key figures.

Exit codes (the CLI contract): 0 PERMITTED or PERMITTED_WITH_CONDITIONS, 1 NOT_PERMITTED,
3 invalid input (scenario, network), 4 not converged (when that is the only reason for
NOT_PERMITTED). ``p2h scenario-schema`` (and ``p2h schema scenario``) print the JSON Schema of
scenario files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape

from .output import console, err_console, fmt, guarded_outputs, print_json
from .typer_app import app
from .workload import confirm_work

_STYLE = {"PERMITTED": "bold green", "PERMITTED_WITH_CONDITIONS": "bold yellow",
          "NOT_PERMITTED": "bold red"}
_SEV_STYLE = {"violation": "red", "warning": "yellow", "ok": "green"}


@app.command("check")
def check_command(
    scenario: Path = typer.Argument(..., help="scenario file (.yaml)"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    report: Path = typer.Option(None, "--report", help="write a Markdown report to this file"),
    report_dir: Path = typer.Option(None, "--report-dir",
                                    help="write <scenario>.md and <scenario>.json here"),
    backend: str = typer.Option(None, "--backend",
                                help="native or pandapipes (default: the scenario's)"),
    strict: bool = typer.Option(False, "--strict",
                                help="exit 1 unless the verdict is PERMITTED"),
    html: Path = typer.Option(None, "--html",
                              help="write a self-contained HTML report (with figures)"),
    yes: bool = typer.Option(False, "--yes",
                             help="run even when the estimated work exceeds the limit"),
) -> None:
    """Check whether the P2H unit(s) of SCENARIO may feed into its network."""
    from ..check import check_integration
    from ..errors import ScenarioError
    from ..io.atomic import protect
    from ..scenario import load_scenario

    if backend is not None and backend not in ("native", "pandapipes"):
        raise ScenarioError(f"--backend must be native or pandapipes, got {backend!r}")
    scen = load_scenario(scenario)
    inputs = [scenario, scen.network_path]
    protect(*inputs)
    n_cases = len(scen.load_cases)
    note = confirm_work("check", 2 * n_cases, f"{n_cases:,} load cases × 2", yes,
                        "split the load cases over several scenarios")
    if note and not as_json:
        err_console.print(note, markup=False)
    stem = _safe_stem(scen.name or scenario.stem)
    md_path = report_dir / f"{stem}.md" if report_dir is not None else None
    json_path = report_dir / f"{stem}.json" if report_dir is not None else None
    written = []
    with guarded_outputs([report, md_path, json_path, html], inputs=inputs):
        rep = check_integration(scen, backend=backend)
        if report is not None:
            written.append(rep.to_markdown(report, inputs=inputs))
        if report_dir is not None:
            written.append(rep.to_markdown(md_path, inputs=inputs))
            written.append(rep.to_json(json_path, inputs=inputs))
        if html is not None:
            from ..html import check_view, write_view

            written.append(write_view(html, check_view(rep, scen), inputs=inputs))
    if as_json:
        data = rep.to_dict()
        if written:
            data["written"] = [str(p) for p in written]
        print_json(data)
    else:
        _print_report(rep)
        for p in written:
            console.print(f"report written to {p}")
    code = rep.exit_code
    if strict and rep.verdict != "PERMITTED" and code == 0:
        code = 1
    if code:
        # SystemExit, not typer.Exit: ``cli.main`` runs click with standalone_mode=False, where
        # click turns typer.Exit into a return value that ``main`` does not pass on.
        sys.exit(code)


def _safe_stem(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return keep or "report"


def _print_report(rep) -> None:
    """Terminal report; user text (names, ids, messages) is escaped, never read as markup."""
    e = escape
    style = _STYLE.get(rep.verdict, "bold")
    console.print(f"[{style}]{rep.verdict}[/]  {e(str(rep.scenario))}", markup=True)
    console.print(f"network {rep.network} · backend {rep.backend}", markup=False)
    for c in rep.conditions:
        console.print(f"  [yellow]condition:[/] {e(str(c))}", markup=True)
    shown = [f for f in rep.findings if f.severity != "ok"]
    if shown:
        console.print("\n[bold]findings (decisive first)[/]", markup=True)
    for f in shown[:12]:
        where = " · ".join(x for x in (f.load_case, "base case" if f.case == "base" else "",
                                       f.element) if x)
        console.print(f"  [{_SEV_STYLE[f.severity]}]{f.severity:9s}[/] {e(f.code)} "
                      f"({e(where)}): {e(f.message)}", markup=True, soft_wrap=False)
    if len(shown) > 12:
        console.print(f"  … and {len(shown) - 12} more (use --json or --report)", markup=False)
    console.print("\n[bold]load cases[/] (without → with the feed-in)", markup=True)
    for lc in rep.load_cases:
        b, f = lc.get("base") or {}, lc.get("feedin") or {}
        console.print(f"  [bold]{e(str(lc['name']))}[/]: plant "
                      f"{_arrow(b, f, 'plant_mdot_kg_s', 1)} kg/s, "
                      f"head {_arrow(b, f, 'plant_head_bar', 2)} bar, min consumer Δp "
                      f"{_arrow(b, f, 'dp_min_consumer_bar', 2)} bar", markup=True)
        for uid, u in (lc.get("units") or {}).items():
            hp = (f"heat pump COP {fmt(u['cop'], 2)}, {fmt(u.get('p_el_kw'), 0)} kW electricity"
                  if u.get("cop") is not None else u.get("mode", ""))
            console.print(f"    {uid}: {fmt(u.get('q_out_kw'), 0)} kW at "
                          f"{fmt(u.get('t_out_c'), 1)} °C, {fmt(u.get('mdot_kg_s'), 2)} kg/s, "
                          f"local return {fmt(u.get('t_in_c'), 1)} °C, pump head "
                          f"{fmt(u.get('head_needed_bar'), 2)} bar, {hp}", markup=False)


def _arrow(b: dict, f: dict, key: str, digits: int) -> str:
    return f"{fmt(b.get(key), digits)} → {fmt(f.get(key), digits)}".replace("None", "–")


def _print_schema() -> None:
    from ..scenario import scenario_json_schema

    sys.stdout.write(json.dumps(scenario_json_schema(), indent=1, ensure_ascii=False) + "\n")


@app.command("scenario-schema")
def scenario_schema_command() -> None:
    """Print the JSON Schema of scenario files."""
    _print_schema()


if not any(getattr(c, "name", None) == "schema" for c in app.registered_commands):
    @app.command("schema")
    def schema_command(what: str = typer.Argument("scenario",
                                                  help="which schema: scenario")) -> None:
        """Print a JSON Schema (``scenario``)."""
        if what != "scenario":
            raise typer.BadParameter(f"unknown schema {what!r}; available: scenario")
        _print_schema()
