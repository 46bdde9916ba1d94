"""p2h_hydraulics — can this district-heating network take data-centre waste heat at this node?

Public API (everything else is internal):

- ``load_network(path)`` / ``save_network(net, path)``: native JSON, CSV folder, GeoJSON, pandapipes
- ``solve(network, backend="native")``: steady-state thermo-hydraulics → ``Result``
- ``check_integration(scenario)``: base vs feed-in case per load case → ``Report`` with verdict
- ``load_scenario(path)``, ``P2HUnit``, ``design_feedin``: scenarios and the data-centre unit
- ``Network``: the model (element tables in SI units)
"""

from .check import check_integration
from .checks import Thresholds
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
from .report import Report
from .results import Result
from .scenario import load_scenario
from .sites import SitesResult, compare_sites
from .solver import solve
from .unit import P2HUnit, design_feedin

__version__ = "0.1.0"

__all__ = [
    "load_network", "save_network", "solve", "Network", "network_from_records",
    "validate_network", "Result", "P2HError", "ModelError", "InputFileError", "ConvergenceError",
    "ScenarioError", "BackendError", "check_integration", "Thresholds", "P2HUnit",
    "design_feedin", "Report", "load_scenario", "compare_sites", "SitesResult", "__version__",
]
