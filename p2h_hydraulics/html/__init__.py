"""Self-contained interactive HTML views (plotly with plotly.js inlined; no request to any
server when a file is opened).

* ``network_view(net, result, base)`` — ``p2h view``: map coloured by a chosen result.
* ``check_view(report, scenario)`` — ``p2h check --html``: verdict, findings, marked map,
  pressure diagram and temperature profile.
* ``sites_view(sites_result, net)`` — ``p2h sites --html``: ranking table beside the
  capacity map.
* ``annual_view(annual_result)`` — ``p2h annual --html``: duration curves and months.

``write_view(path, html, inputs)`` writes any of them atomically, never over an input.
"""

from __future__ import annotations

from .annual_view import annual_view
from .check_view import check_view
from .network_view import network_view
from .sites_view import sites_view

__all__ = ["network_view", "check_view", "sites_view", "annual_view", "write_view"]


def write_view(path, html: str, inputs=()):
    """Write the page ``html`` to ``path`` atomically (``io.atomic``); returns the path."""
    from ..io.atomic import write_text_atomic

    return write_text_atomic(path, html, inputs)
