"""Temperature pathway (``p2h pathway``): lower the network's supply temperature step by step —
from which level does the data-centre heat feed in directly, how much heat-pump electricity
does each step save, and at which level does the network run out of hydraulic capacity?

Modules (data flows one way):

* ``returns`` — the return-temperature models (``fixed``, ``constant_dt``, ``substation``),
  pure functions and their application to a network,
* ``run``     — ``temperature_pathway``: each level evaluated as ``p2h check`` does
  (``evaluation``) and, with ``annual``, ``annual.run_annual`` on the shifted scenario,
* ``result`` / ``plots`` — ``PathwayResult``: the levels table, the plain-words answer, files
  and the figure.
"""

from __future__ import annotations

from .result import PathwayResult
from .returns import RETURN_MODELS, counterflow_cold_end_k, level_returns, substation_return_c
from .run import PathwaySettings, pathway_levels, temperature_pathway

__all__ = ["temperature_pathway", "PathwayResult", "PathwaySettings", "pathway_levels",
           "RETURN_MODELS", "level_returns", "substation_return_c", "counterflow_cold_end_k"]
