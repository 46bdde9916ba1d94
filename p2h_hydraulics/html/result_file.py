"""Reading a result file written by ``p2h solve --out result.json`` back for ``p2h view``.

The file is parsed as plain JSON (``io.native_json.read_json``: no code runs) and checked
against the network it belongs to: every result table must be a mapping of element id → row,
and its pipes and junctions must be those of the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem

__all__ = ["ResultTables", "is_result_document", "read_result_json"]

_TABLES = ("junctions", "pipes", "consumers", "plant", "feedins")
_REQUIRED = {"junctions": ("p_bar", "t_c"), "pipes": ("mdot_kg_s", "v_m_s")}


@dataclass(frozen=True)
class ResultTables:
    """The result tables of a saved solve (DataFrames indexed by element id, edge-unit
    columns as written) and its stored summary."""

    junctions: pd.DataFrame
    pipes: pd.DataFrame
    consumers: pd.DataFrame
    plant: pd.DataFrame
    feedins: pd.DataFrame
    stored_summary: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The key figures stored in the file."""
        return dict(self.stored_summary)


def is_result_document(doc) -> bool:
    """True for the JSON document of ``Result.to_json`` (tables plus summary/convergence)."""
    return isinstance(doc, dict) and {"summary", "convergence", "junctions",
                                      "pipes"} <= set(doc)


def read_result_json(path, network) -> ResultTables:
    """The result file ``path`` as ``ResultTables``, checked against ``network``.

    Parameters
    ----------
    path : str or Path
        JSON written by ``p2h solve --out result.json``.
    network : Network
        The network that was solved.

    Returns
    -------
    ResultTables

    Raises
    ------
    InputFileError
        Not a result file, a table of the wrong shape, a missing column, or pipes/junctions
        that are not the network's.
    """
    from ..io.native_json import read_json

    path = Path(path)
    doc = read_json(path)
    if not is_result_document(doc):
        raise InputFileError(f"{path}: not a result file of 'p2h solve --out …json' (expected "
                             "the keys summary, convergence, junctions, pipes)")
    problems = []
    frames = {}
    for name in _TABLES:
        t = doc.get(name, {})
        if not isinstance(t, dict) or not all(isinstance(r, dict) for r in t.values()):
            problems.append(Problem("expected an object of element id → row object",
                                    file=str(path), table=name))
            continue
        df = pd.DataFrame.from_dict(t, orient="index") if t else pd.DataFrame()
        df.index = df.index.astype(str)
        for col in _REQUIRED.get(name, ()):
            if col not in df.columns:
                problems.append(Problem("missing result column", file=str(path), table=name,
                                        field=col))
        frames[name] = df
    from ..model.graph import active

    for name, ours in (("pipes", active(network.pipes).index),
                       ("junctions", network.junctions.index)):
        if name not in frames:
            continue
        theirs = set(frames[name].index)
        extra = [i for i in frames[name].index if i not in set(network.table(name).index)]
        missing = [i for i in ours if i not in theirs]
        for ids, what in ((extra, "not in the network"), (missing, "of the network missing")):
            if ids:
                problems.append(Problem(f"{len(ids)} {name} {what} (first: '{ids[0]}'); is "
                                        "this the result of that network?", file=str(path),
                                        table=name))
    if problems:
        raise InputFileError(problems)
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    return ResultTables(**frames, stored_summary=summary)
