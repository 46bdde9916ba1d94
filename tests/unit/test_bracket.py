"""The shared probe rule of the annual and sites capacity searches."""

import pytest

from p2h_hydraulics.bracket import next_probe, zero_crossing


def test_next_probe_aims_below_the_estimate_closes_the_bracket_or_bisects():
    tol = 0.01
    assert next_probe(0.0, 1.0, None, tol) == (0.5, None)  # no estimate: bisect
    x, expect = next_probe(0.0, 1.0, 0.4, tol)  # just below the estimated crossing
    assert x == pytest.approx(0.395) and expect is True
    x, expect = next_probe(0.395, 1.0, 0.4, tol)  # lo within tol: close from above
    assert x == pytest.approx(0.4049) and expect is False
    # an estimate at or above the failing end is contradicted by it: bisect
    assert next_probe(0.2, 0.3, 5.0, tol) == (pytest.approx(0.25), None)
    assert next_probe(0.2, 0.3, 0.3, tol) == (pytest.approx(0.25), None)
    x, expect = next_probe(0.2, 0.3, 0.299, tol)  # just inside: aims below it
    assert x == pytest.approx(0.294) and expect is True


def test_zero_crossing_interpolates_and_extrapolates():
    """Regula falsi between margins of opposite sign, secant beyond two of one sign."""
    assert zero_crossing(0.0, 1.0, 1.0, -3.0) == pytest.approx(0.25)
    assert zero_crossing(500.0, 0.5, 600.0, 0.4) == pytest.approx(1000.0)
