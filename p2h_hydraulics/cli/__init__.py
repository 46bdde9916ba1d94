"""The ``p2h`` command line. Exit codes are a contract (README):

0 success / permitted · 1 not permitted · 2 usage error · 3 invalid input · 4 not converged.

Each command lives in its own module and registers itself on ``app`` (``typer_app``); errors
of the project's tree are printed as one readable message (never a traceback) and mapped to
their exit code.
"""

from __future__ import annotations

import sys

import typer

from .typer_app import app

__all__ = ["app", "main", "run"]


def _register() -> None:
    from . import convert_cmd, solve_cmd  # noqa: F401

    for optional in ("check_cmd", "sites_cmd", "annual_cmd", "plot_cmd", "size_cmd",
                     "import_cmd", "view_cmd", "pathway_cmd"):
        try:
            __import__(f"{__name__}.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{optional}":
                raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``p2h`` console script; returns the exit code."""
    from rich.markup import escape

    from ..errors import P2HError
    from .output import error

    _register()
    try:
        rv = app(args=argv, standalone_mode=False)
    except P2HError as exc:
        error(escape(str(exc)))  # ids and values from the input are text, not rich markup
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except Exception as exc:  # click usage errors and anything unexpected
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click/typer usage error
            exc.show()
            return 2
        if type(exc).__name__ == "Abort":
            return 130
        error(escape(f"internal error ({type(exc).__name__}: {exc}); please report it with "
                     "the input"))
        return 70
    return rv if isinstance(rv, int) else 0


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())
