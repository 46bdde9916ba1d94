"""Terminal output helpers: one readable message on errors, rich tables for humans."""

from __future__ import annotations

import json
import sys

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """Print an error message (no traceback) to stderr."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)


def print_json(data) -> None:
    """Machine output on stdout."""
    sys.stdout.write(json.dumps(data, indent=1, default=str, allow_nan=False) + "\n")


def fmt(x, digits: int = 3) -> str:
    """A number for tables."""
    try:
        return f"{float(x):.{digits}f}"
    except (TypeError, ValueError):
        return str(x)
