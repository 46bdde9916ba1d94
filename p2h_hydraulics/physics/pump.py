"""Booster pumps with a head curve (fixed speed), SI units.

The lift of a pump (discharge minus suction pressure) follows its head curve in the volume
flow V [m³/s]:

    lift(V) = max(0, lift0 + b1·V + b2·V² + b3·V³)   for V ≥ 0,
    lift(V) = lift0                                    for V < 0 (a running pump held against
                                                       back-pressure keeps its shut-off lift),

continuous at V = 0. ``curve_from_points`` fits the coefficients to points of a data sheet (as
pandapipes' pump standard types do, in bar over m³/h).
"""

from __future__ import annotations

import numpy as np

# Newton slope floor [Pa s/kg] of a pump branch where its curve is flat or rising: keeps the
# hydraulic Jacobian regular; the converged state does not depend on it
SLOPE_FLOOR_PA_S_PER_KG = 10.0


def lift(vdot_m3_s, coeffs) -> tuple[np.ndarray, np.ndarray]:
    """(lift [Pa], d lift / d V [Pa s/m³]) per pump; ``coeffs`` is (n, 4): lift0, b1, b2, b3.

    Parameters
    ----------
    vdot_m3_s : array_like
        Volume flow per pump [m³/s].
    coeffs : array_like
        (n, 4) curve coefficients: lift0 [Pa], b1, b2, b3.

    Returns
    -------
    tuple of ndarray
        Lift [Pa] and its derivative by the volume flow [Pa s/m³] per pump.
    """
    v = np.asarray(vdot_m3_s, dtype=float)
    c = np.asarray(coeffs, dtype=float).reshape(-1, 4)
    vp = np.maximum(v, 0.0)
    poly = c[:, 0] + vp * (c[:, 1] + vp * (c[:, 2] + vp * c[:, 3]))
    slope = c[:, 1] + vp * (2 * c[:, 2] + vp * 3 * c[:, 3])
    on_curve = (v >= 0) & (poly > 0)
    out = np.where(v >= 0, np.maximum(poly, 0.0), c[:, 0])
    return out, np.where(on_curve, slope, 0.0)


def curve_from_points(flows_m3_h, lifts_bar, degree: int = 2) -> dict:
    """Head-curve coefficients (our SI fields ``lift0_pa``, ``curve_b1`` …) least-squares
    fitted to data-sheet points: volume flows [m³/h] and lifts [bar]; degree 1–3.

    Parameters
    ----------
    flows_m3_h : array_like
        Volume flows of the data-sheet points [m³/h].
    lifts_bar : array_like
        Lifts at those flows [bar].
    degree : int
        Polynomial degree, 1–3.

    Returns
    -------
    dict
        ``lift0_pa`` and ``curve_b1`` … ``curve_b3`` (SI), ready for a ``pumps`` row.
    """
    if degree not in (1, 2, 3):
        raise ValueError("degree must be 1, 2 or 3")
    q = np.asarray(flows_m3_h, dtype=float) / 3600.0
    p = np.asarray(lifts_bar, dtype=float) * 1e5
    if q.shape != p.shape or len(q) <= degree:
        raise ValueError(f"need more than {degree} points of equal count for degree {degree}")
    c = np.polynomial.polynomial.polyfit(q, p, degree)
    c = np.concatenate([c, np.zeros(4 - len(c))])
    return {"lift0_pa": float(c[0]), "curve_b1": float(c[1]), "curve_b2": float(c[2]),
            "curve_b3": float(c[3])}
