"""The package's import structure: layers import only downward, no cycles, no private names.

The import graph is read with the stdlib ``ast`` from the source files — module-level and
function-level imports alike (``if TYPE_CHECKING:`` blocks are not imports at run time and are
left out). Each test names every offending import, so a failure says what to move.

Layers, lowest first (``LAYERS``; a module belongs to the longest prefix listed):

0. foundation — ``errors``, ``units``, ``bracket``, ``executors``, ``io.atomic``,
   ``io.safe_read`` (regular files with byte caps), ``io.locks``
1. model and physics — ``model``, ``physics``, ``loads`` (design loads and hourly profiles
   of consumers given by annual heat)
2. formats — ``io`` (one module per file format), ``synthetic`` (generated networks)
3. solver — ``solver`` (compile, hydraulic, thermal, both backends) and ``results``
4. criteria — ``findings`` (findings, verdicts, the check registry), ``checks`` (the checks and
   ``Thresholds``), ``unit`` (the P2H unit)
5. scenario — ``scenario`` and ``annual.settings`` (the scenario file's model)
6. evaluation — ``evaluation`` (load-case networks, design flows, one case solved without and
   with the units → the criteria's ``CaseContext``); figures — ``plotting`` (draws networks
   and results as matplotlib Axes; below the applications because their result types write
   their own figure files, e.g. ``AnnualResult.write``)
7. applications — ``check`` (``check_integration``), ``report`` (its result type ``Report``
   with JSON and Markdown output: a result type lives with its serialisation, as
   ``SitesResult`` and ``AnnualResult`` do), ``sites``, ``annual``, ``importing`` (GIS layers
   and STANET exports → network), ``sizing`` (pipe diameters from design flows), ``pathway``
   (the temperature pathway: each level judged through ``evaluation`` and ``annual``)
8. presentation — ``html_report`` and ``html`` (pages built from the applications' results)
9. command line — ``cli``; the package's ``__init__`` (the public API) sits on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PKG = "p2h_hydraulics"
ROOT = Path(__file__).resolve().parents[2] / PKG
MAX_LINES = 600

LAYERS = {
    "errors": 0, "units": 0, "bracket": 0, "executors": 0, "io.atomic": 0,
    "io.safe_read": 0, "io.locks": 0,
    "model": 1, "physics": 1, "loads": 1,
    "io": 2, "synthetic": 2,
    "solver": 3, "results": 3,
    "findings": 4, "checks": 4, "unit": 4,
    "scenario": 5, "annual.settings": 5,
    "evaluation": 6, "plotting": 6,
    "check": 7, "report": 7, "sites": 7, "annual": 7, "importing": 7, "sizing": 7,
    "pathway": 7,
    "html_report": 8, "html": 8,
    "cli": 9,
    "": 10,
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([PKG, *parts])] = p
    return out


MODULES = _modules()


def _type_checking_nodes(tree) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def _imports(mod: str, path: Path):
    """(target module, imported name or None, line) of every import of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    pkg_parts = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    aliases: dict[str, str] = {}  # local name → module it is bound to
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[:len(pkg_parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == PKG or target.startswith(PKG + ".")):
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in MODULES:  # ``from . import module``
                    out.append((sub, None, node.lineno))
                    aliases[a.asname or a.name] = sub
                else:
                    out.append((target, a.name, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == PKG or a.name.startswith(PKG + "."):
                    out.append((a.name, None, node.lineno))
                    if a.asname:
                        aliases[a.asname] = a.name
    for node in ast.walk(tree):  # ``module._private`` through an imported module
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            out.append((aliases[node.value.id], node.attr, node.lineno))
    return out


def _owner(target: str) -> str:
    """The module a dotted import target names (a package resolves to its ``__init__``)."""
    while target not in MODULES and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


GRAPH = nx.DiGraph()
EDGES: list[tuple[str, str, str | None, int]] = []
for _mod, _path in MODULES.items():
    GRAPH.add_node(_mod)
    for _target, _name, _line in _imports(_mod, _path):
        _t = _owner(_target)
        EDGES.append((_mod, _t, _name, _line))
        if _t != _mod:
            GRAPH.add_edge(_mod, _t)


def _layer(mod: str) -> int:
    rel = mod[len(PKG) + 1:] if mod != PKG else ""
    best = max((k for k in LAYERS if k == "" or rel == k or rel.startswith(k + ".")), key=len)
    return LAYERS[best]


def test_graph_is_read():
    """The graph sees both kinds of import (guards the tests below against reading nothing)."""
    assert len(MODULES) > 50
    assert (f"{PKG}.solver.native", f"{PKG}.solver.compile") in GRAPH.edges
    assert GRAPH.number_of_edges() > 150


def test_no_import_cycles():
    """No cycle among the package's modules (a submodule importing its own package's
    ``__init__`` counts, since the package imports its submodules)."""
    cycles = list(nx.simple_cycles(GRAPH))
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join([*c, c[0]]) for c in cycles)


def test_no_private_names_across_modules():
    """No module imports a private name (``from .x import _y`` or ``x._y``) of another."""
    bad = [f"{m}:{line} imports {name} from {t}" for m, t, name, line in EDGES
           if name and name.startswith("_") and not name.startswith("__") and t != m]
    assert not bad, "\n".join(bad)


def test_layers_import_downward():
    """Every import goes to the same layer or one below (see the module docstring)."""
    bad = [f"{m}:{line} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
           for m, t, _name, line in EDGES if _layer(t) > _layer(m)]
    assert not bad, "\n".join(sorted(set(bad)))


def test_layer_map_covers_every_module():
    """Every module falls under an explicit entry of the layer map (not just the package)."""
    loose = [m for m in MODULES if m != PKG and _layer(m) == LAYERS[""]]
    assert not loose, f"modules missing from LAYERS: {loose}"


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_module_size(mod):
    """A module over 600 lines states why at its top (``# size: <reason>`` in the first 5
    lines after the docstring)."""
    text = MODULES[mod].read_text(encoding="utf-8")
    n = text.count("\n")
    if n <= MAX_LINES:
        return
    tree = ast.parse(text)
    body = tree.body
    start = body[1].lineno if body and isinstance(body[0], ast.Expr) and len(body) > 1 else 1
    head = text.splitlines()[:start + 5]
    assert any(line.startswith("# size: ") and len(line) > 12 for line in head), (
        f"{mod} has {n} lines (> {MAX_LINES}) and no '# size: <reason>' note at its top")
