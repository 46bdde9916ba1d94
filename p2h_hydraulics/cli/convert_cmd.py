"""``p2h convert IN OUT``: convert between network formats (JSON, CSV, GeoJSON, pandapipes)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import P2HError
from .output import console, guarded_outputs
from .typer_app import app


@app.command("convert")
def convert_command(
    source: Path = typer.Argument(..., help="input network (.json, .geojson, CSV folder, "
                                            "pandapipes .json)"),
    target: Path = typer.Argument(..., help="output path"),
    to: str = typer.Option(None, "--to", help="json | csv | geojson | pandapipes "
                                              "(default: from the extension)"),
) -> None:
    """Convert a network file; the input is never overwritten."""
    from ..io import load_network, output_format, save_network
    from ..io.csv_tables import owned_csv_name

    fmt = output_format(target, to)
    if fmt == "csv":
        files, folders = [], [(target, owned_csv_name)]
    else:
        files, folders = [target], []
    with guarded_outputs(files, folders, inputs=[source]):
        net = load_network(source)
        try:
            path = save_network(net, target, fmt=fmt, inputs=[source])
        except OSError as exc:
            raise P2HError(f"{target}: cannot write ({exc.strerror or exc})") from None
    console.print(f"wrote {path} ({net!r})", markup=False)
