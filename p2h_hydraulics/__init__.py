"""p2h_hydraulics — can this district-heating network take data-centre waste heat at this node?

Public API (everything else is internal):

- ``load_network(path)`` / ``save_network(net, path)``: native JSON, CSV folder, GeoJSON, pandapipes
- ``solve(network, backend="native")``: steady-state thermo-hydraulics → ``Result``
- ``Network``: the model (element tables in SI units)
"""

from .errors import (
    BackendError,
    ConvergenceError,
    InputFileError,
    ModelError,
    P2HError,
    ScenarioError,
)
from .io import load_network, save_network
from .model import Network, network_from_records, validate_network
from .results import Result
from .solver import solve

__version__ = "0.1.0"

__all__ = [
    "load_network", "save_network", "solve", "Network", "network_from_records",
    "validate_network", "Result", "P2HError", "ModelError", "InputFileError", "ConvergenceError",
    "ScenarioError", "BackendError", "__version__",
]
