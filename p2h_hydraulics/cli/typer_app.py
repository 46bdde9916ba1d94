"""The ``typer`` application every ``p2h`` command registers on (``@app.command``)."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="p2h — can this district-heating network take data-centre waste heat?")
