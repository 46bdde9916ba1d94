"""The next probe of a capacity search on a bracket [pass, fail] (annual hours, sites).

Both searches narrow a bracket whose lower end passes the checker and whose upper end fails,
on full solves, and interpolate where the failing criterion's margin allows it
(``zero_crossing``).
"""

from __future__ import annotations

__all__ = ["next_probe", "zero_crossing"]


def zero_crossing(x1: float, m1: float, x2: float, m2: float) -> float:
    """Where the straight line through (x1, m1) and (x2, m2) reaches zero: regula falsi when
    the margins straddle zero, secant extrapolation when both are on one side (m1 ≠ m2).

    Parameters
    ----------
    x1, m1 : float
        A parameter and the margin there.
    x2, m2 : float
        Another parameter and the margin there.

    Returns
    -------
    float
        The parameter where the line reaches a margin of zero.
    """
    return x2 + m2 * (x2 - x1) / (m1 - m2)


def next_probe(lo: float, hi: float, root: float | None, tol: float) -> tuple[float, bool | None]:
    """(where to solve next, whether it is expected to pass) inside [lo, hi].

    ``root``: the estimated crossing of the failing criterion's margin (None: bisect). The probe
    aims just below it (expected to pass); when ``lo`` is already within ``tol`` of it, just
    above ``lo`` (expected to fail, closing the bracket). Kept 1 % of ``tol`` inside the ends.
    An estimate at or beyond ``hi`` (which failed) is contradicted by the solves: bisect.

    Parameters
    ----------
    lo : float
        The largest parameter known to pass.
    hi : float
        The smallest parameter known to fail.
    root : float or None
        Estimated crossing of the failing criterion's margin.
    tol : float
        Resolution of the search (same unit as ``lo``).

    Returns
    -------
    tuple
        (next parameter, True/False when expected to pass/fail, None when bisecting).
    """
    if root is None or root >= hi:
        x, expect = 0.5 * (lo + hi), None
    elif root - lo > tol:
        x, expect = root - 0.5 * tol, True
    else:
        x, expect = lo + 0.99 * tol, False
    return min(max(x, lo + 0.01 * tol), hi - 0.01 * tol), expect
