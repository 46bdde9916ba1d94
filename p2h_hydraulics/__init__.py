"""p2h_hydraulics — can this district-heating network take data-centre waste heat at this node?

Public API (everything else is internal)::

    import p2h_hydraulics as p2h
    net = p2h.load_network("networks/small_demo.json")
    res = p2h.solve(net)                                   # → Result
    rep = p2h.check_integration("scenarios/3g_liquid_small_hp.yaml")   # → Report
    sites = p2h.compare_sites("scenarios/3g_liquid_small_hp.yaml", candidates="T*", refine=4)
    year = p2h.run_annual("scenarios/annual_3g.yaml")      # → AnnualResult

- ``load_network(path)`` / ``save_network(net, path)``: native JSON, CSV folder, GeoJSON,
  pandapipes JSON; ``from_pandapipes(net)`` / ``to_pandapipes(network)`` convert in memory
- ``solve(network, backend="native", options=SolverOptions(...))``: steady-state
  thermo-hydraulics → ``Result``
- ``check_integration(scenario)``: base vs feed-in case per load case → ``Report`` with verdict
- ``compare_sites(scenario)``: largest permitted feed-in at every candidate node → ``SitesResult``
- ``run_annual(scenario)``: hour by hour over a year → ``AnnualResult``
- ``temperature_pathway(scenario, supply=(81, 65, 2))``: lower the supply step by step →
  ``PathwayResult`` (direct feed-in from which level, hydraulic limits)
- ``load_scenario(path)``, ``P2HUnit``, ``design_feedin``, ``Thresholds``: scenarios, the
  data-centre unit and the limits of the checks
- ``Network``: the model (element tables in SI units)
- ``import_network(source, consumers=…, plant=…)``: GIS layers or a STANET export → network +
  ``ImportReport``; ``import_stanet(path)`` for the STANET reader alone
- ``fill_design_loads(net)``: design loads of consumers given by annual heat (BDEW profiles)
- ``size_network(net)``: catalogue DN for pipes without a diameter → (network, ``SizingReport``)

Every result type writes itself the same way: ``to_dict()``, ``to_json(path)``,
``to_csv(path)`` where it is one table, ``write(folder)`` where it is several files.
"""

from .annual.result import AnnualResult
from .annual.run import run_annual
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
from .importing import ImportReport, import_network
from .io import load_network, save_network
from .io.pandapipes_io import from_pandapipes, to_pandapipes
from .io.stanet import StanetImport, import_stanet, is_stanet_export
from .loads import fill_design_loads
from .model import Network, network_from_records, validate_network
from .pathway import PathwayResult, temperature_pathway
from .report import Report
from .results import Result
from .scenario import load_scenario
from .sites import SitesResult, compare_sites
from .sizing import SizingReport, size_network
from .solver import SolverOptions, solve
from .unit import P2HUnit, design_feedin

__version__ = "0.1.0"

__all__ = [
    "load_network", "save_network", "from_pandapipes", "to_pandapipes", "solve",
    "SolverOptions", "Network", "network_from_records", "validate_network", "Result",
    "P2HError", "ModelError", "InputFileError", "ConvergenceError", "ScenarioError",
    "BackendError", "check_integration", "Thresholds", "P2HUnit", "design_feedin", "Report",
    "load_scenario", "compare_sites", "SitesResult", "run_annual", "AnnualResult",
    "temperature_pathway", "PathwayResult",
    "fill_design_loads", "size_network", "SizingReport", "import_network", "ImportReport",
    "import_stanet", "is_stanet_export", "StanetImport", "__version__",
]
