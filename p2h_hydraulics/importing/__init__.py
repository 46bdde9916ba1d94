"""Bring a network in: GIS line layers (and STANET exports) → a native network + a report.

``import_network(source, consumers=None, plant=None, mapping=None, snap_m=0.05, size=False,
crs=None)`` returns ``(Network, ImportReport)``; ``p2h import`` is its command line. See
``docs/import.md`` for the user's view (commands, mapping, recognised names, snapping).
"""

from .gis import DEFAULT_MAX_CONNECTION_M, DEFAULT_SNAP_M, import_network
from .report import Connection, ImportReport

__all__ = ["import_network", "ImportReport", "Connection", "DEFAULT_SNAP_M",
           "DEFAULT_MAX_CONNECTION_M"]
