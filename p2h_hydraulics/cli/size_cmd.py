"""``p2h size NET --out SIZED``: give pipes without a diameter (``--all``: every pipe) the
smallest catalogue DN within the checker's velocity and pressure-gradient limits."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import P2HError
from .output import console, print_json
from .typer_app import app


@app.command("size")
def size_command(
    network: Path = typer.Argument(..., help="network file (.json, .geojson, CSV folder)"),
    out: Path = typer.Option(..., "--out", "-o", help="sized network (.json, .geojson or a "
                                                      "CSV folder)"),
    all_pipes: bool = typer.Option(False, "--all", help="size every pipe, not only those "
                                                        "without a diameter"),
    simultaneity: str = typer.Option("winter", help="winter (Winter et al. 2001), none, or a "
                                                    "constant factor such as 0.8"),
    series: str = typer.Option(None, help="insulation series of sized pipes: S1, S2, S3 "
                                          "(default: the pipe's, else S1)"),
    report: Path = typer.Option(None, "--report", help="write the sizing report (Markdown)"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable summary on stdout"),
) -> None:
    """Size the pipes of NETWORK and write the sized network (the input is never changed)."""
    from ..io import load_network, save_network
    from ..io.atomic import protect
    from ..sizing import size_network

    protect(network)
    for target in (out, report):
        if target is not None and target.resolve() == network.resolve():
            raise P2HError(f"{target}: refusing to overwrite the input network; choose another "
                           "path")
    spec: object = simultaneity
    try:
        spec = float(simultaneity)
    except ValueError:
        pass
    net = load_network(network, validate=False)
    sized, rep = size_network(net, only_missing=not all_pipes, simultaneity=spec,
                              series=series)
    try:
        path = save_network(sized, out, inputs=[network])
        if report is not None:
            rep.to_markdown(report, inputs=[network, out])
    except OSError as exc:
        raise P2HError(f"cannot write the output ({exc.strerror or exc})") from None
    t = rep.table
    v = rep.verification
    summary = {"pipes": len(t), "sized": int(t["sized"].sum()),
               "upsized_on_critical_path": list(rep.upsized),
               "critical_consumer": v.get("critical_consumer"),
               "min_dp_margin_bar": round(v.get("min_margin_pa", float("nan")) / 1e5, 6) + 0.0,
               "plant_head_bar": v.get("head_pa", float("nan")) / 1e5,
               "simultaneity": rep.simultaneity, "written": str(path)}
    if as_json:
        print_json(summary)
        return
    console.print(f"sized {summary['sized']} of {summary['pipes']} pipes "
                  f"(simultaneity: {rep.simultaneity})", markup=False)
    console.print(f"design solve: smallest Δp margin {summary['min_dp_margin_bar']:.3f} bar at "
                  f"{summary['critical_consumer']}, plant head "
                  f"{summary['plant_head_bar']:.3f} bar", markup=False)
    if rep.upsized:
        console.print(f"upsized on the critical path: {', '.join(rep.upsized)}", markup=False)
    console.print(f"wrote {path}" + (f" and {report}" if report is not None else ""),
                  markup=False)
