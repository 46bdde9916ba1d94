"""The examples in the docstrings of the main entry points run and give what they show.

``doctest`` on the modules of ``load_network``, ``solve``, ``check_integration``,
``compare_sites`` and ``run_annual`` (their examples use the shipped ``networks/`` and
``scenarios/`` files, so they run from the repository root); part of ``python -m pytest``.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["p2h_hydraulics.io", "p2h_hydraulics.solver", "p2h_hydraulics.check",
           "p2h_hydraulics.sites.compare", "p2h_hydraulics.annual.run",
           "p2h_hydraulics.pathway.run"]
ENTRY_POINTS = {"p2h_hydraulics.io": "load_network", "p2h_hydraulics.solver": "solve",
                "p2h_hydraulics.check": "check_integration",
                "p2h_hydraulics.sites.compare": "compare_sites",
                "p2h_hydraulics.annual.run": "run_annual",
                "p2h_hydraulics.pathway.run": "temperature_pathway"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    mod = importlib.import_module(name)
    entry = getattr(mod, ENTRY_POINTS[name])
    assert ">>> " in (entry.__doc__ or ""), f"{ENTRY_POINTS[name]} has no example"
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.attempted > 0 and result.failed == 0, result


DOCUMENTED = ["p2h_hydraulics", "p2h_hydraulics.evaluation", "p2h_hydraulics.check",
              "p2h_hydraulics.findings", "p2h_hydraulics.sites", "p2h_hydraulics.sites.candidates",
              "p2h_hydraulics.sites.screen", "p2h_hydraulics.sites.worker",
              "p2h_hydraulics.sites.search", "p2h_hydraulics.sites.result",
              "p2h_hydraulics.sites.compare", "p2h_hydraulics.solver.elements",
              "p2h_hydraulics.solver.workspace", "p2h_hydraulics.physics.water",
              "p2h_hydraulics.physics.heat_loss", "p2h_hydraulics.physics.heat_pump",
              "p2h_hydraulics.physics.pump", "p2h_hydraulics.units", "p2h_hydraulics.unit",
              "p2h_hydraulics.bracket", "p2h_hydraulics.model.graph", "p2h_hydraulics.model.build",
              "p2h_hydraulics.model.catalogue", "p2h_hydraulics.model.schema",
              "p2h_hydraulics.model.trench", "p2h_hydraulics.model.validate",
              "p2h_hydraulics.io", "p2h_hydraulics.io.native_json", "p2h_hydraulics.io.csv_tables",
              "p2h_hydraulics.io.geojson", "p2h_hydraulics.io.pandapipes_io",
              "p2h_hydraulics.io.results_io", "p2h_hydraulics.results", "p2h_hydraulics.scenario"]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_public_functions_document_parameters_and_returns(name):
    """Every function these modules export has numpydoc Parameters and Returns sections."""
    import inspect

    mod = importlib.import_module(name)
    names = getattr(mod, "__all__", None) or [
        n for n, o in vars(mod).items() if inspect.isfunction(o) and not n.startswith("_")
        and o.__module__ == mod.__name__]
    missing = []
    for name in names:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) and inspect.signature(obj).parameters:
            doc = inspect.getdoc(obj) or ""
            for section in ("Parameters\n----------", "Returns\n-------"):
                if section not in doc:
                    missing.append(f"{name}: {section.splitlines()[0]}")
    assert not missing, missing
