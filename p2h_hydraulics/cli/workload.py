"""Work-size limits: long runs are estimated up front and need ``--yes`` above a limit.

A run's work is counted in steady-state solves, estimated before the first one:

* ``p2h check``: 2 solves (without and with the feed-in) per load case;
* ``p2h sites``: ≈ 8 trial solves per refined node and load case;
* ``p2h annual``: ≈ 2.5 solves per distinct hour (the README's full-year runs took 1–3).
* ``p2h pathway``: 2 solves per load case and level (+ the annual estimate per level with
  ``--annual``).

Above the limit of the command (check 2,000 · sites 50,000 · annual and pathway 50,000 solves; one
override for all: the environment variable ``P2H_MAX_SOLVES``) the command stops with exit 3
and the estimate, unless ``--yes`` confirms it; with ``--yes`` the estimate is printed and the
run goes on.
"""

from __future__ import annotations

import math
import os

from ..errors import WorkTooLarge

LIMITS = {"check": 2_000, "sites": 50_000, "annual": 50_000, "pathway": 50_000}
ENV = "P2H_MAX_SOLVES"
SOLVES_PER_SITE_TRIAL = 8
SOLVES_PER_ANNUAL_HOUR = 2.5


def solve_limit(command: str) -> int:
    """The limit of ``command`` in estimated solves (``P2H_MAX_SOLVES`` overrides)."""
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            v = int(float(text))
        except ValueError:
            raise WorkTooLarge(f"environment variable {ENV}={text!r} is not a number") from None
        if v < 1:
            raise WorkTooLarge(f"environment variable {ENV}={text!r} must be at least 1")
        return v
    return LIMITS[command]


def confirm_work(command: str, solves: float, detail: str, yes: bool, hint: str = "") -> str:
    """Refuse an estimated ``solves`` above the command's limit unless ``yes``.

    Parameters
    ----------
    command : str
        "check", "sites" or "annual".
    solves : float
        The estimated number of solves.
    detail : str
        How the estimate came about ("8,760 distinct hours × 2.5 solves").
    yes : bool
        ``--yes``: run anyway.
    hint : str
        How to make the run smaller.

    Returns
    -------
    str
        A note for the terminal when the limit is exceeded and confirmed, else "".

    Raises
    ------
    WorkTooLarge
        Over the limit and not confirmed (exit 3).
    """
    limit = solve_limit(command)
    n = int(math.ceil(solves))
    if n <= limit:
        return ""
    text = (f"p2h {command}: the estimated work is {detail} ≈ {n:,} solves, more than the "
            f"{limit:,} a run takes without confirmation")
    if yes:
        return text + " (confirmed by --yes)"
    raise WorkTooLarge(text + "; add --yes to run it anyway" + (f", or {hint}" if hint else "")
                       + f" (the limit: environment variable {ENV})")
