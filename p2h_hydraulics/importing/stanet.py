"""A STANET CSV export through ``import_network``: read it (``io.stanet``), solve the imported
state and set the solve beside the state STANET stored in the export.

The reader (io layer) builds the network and keeps STANET's computed pressures, flows and lift;
solving belongs here, with the applications. The comparison goes into the ``ImportReport``
(``comparison``; ``markdown()`` shows it with STANET's notes).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConvergenceError
from ..io.stanet import import_stanet
from ..model.network import Network
from ..solver import solve
from .report import ImportReport

__all__ = ["import_stanet_network"]


def import_stanet_network(path) -> tuple[Network, ImportReport]:
    """Import a STANET export, solve it and compare the solve with STANET's stored state.

    Parameters
    ----------
    path : str or Path
        The export (``io.stanet.is_stanet_export``).

    Returns
    -------
    (Network, ImportReport)
        The network (our ids = STANET node names) and the report: ``mode == "stanet"``,
        element counts, STANET's notes, and ``comparison`` (``StanetImport.comparison`` of
        ``solve(network)``: max |Δp| over the nodes and where, pipe flows, plant flow and lift).
        A solve that does not converge leaves ``comparison`` empty and says so in the notes.

    Raises
    ------
    InputFileError, ModelError
        As ``io.stanet.import_stanet``.
    """
    imp = import_stanet(path)
    net = imp.network
    report = ImportReport(sources=[str(Path(path))], mode="stanet", notes=list(imp.notes),
                          network={t: len(net.table(t)) for t in net.TABLE_NAMES})
    try:
        report.comparison = imp.comparison(solve(net))
    except ConvergenceError as exc:
        report.notes.append(f"our solve of the imported network did not converge ({exc}); "
                            "no comparison with STANET's results")
    return net, report
