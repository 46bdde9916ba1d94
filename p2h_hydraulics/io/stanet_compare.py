"""STANET's own computed state of an imported export, and the comparison of a solve with it.

``StanetResults`` holds what the export says STANET computed (SI, our ids); ``StanetImport`` is
what ``io.stanet.import_stanet`` returns: the native network, the notes, those results, and
``comparison`` / ``markdown`` to set a solve of the network (made by the caller: this
layer does not solve) beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model.network import Network
from .atomic import write_text_atomic

__all__ = ["StanetImport", "StanetResults", "comparison_markdown"]


@dataclass
class StanetResults:
    """STANET's computed state (SI, gauge pressures relative to the standard atmosphere).

    ``nodes`` (``p_pa``, ``t_k``), ``pipes`` (``mdot_kg_s`` from → to, ``v_m_s``),
    ``consumers`` (``mdot_kg_s``, ``q_w``, ``dp_pa``, ``t_return_k``), ``plants``
    (``mdot_kg_s``, ``lift_pa``, ``q_w``) indexed by our ids; ``time_steps``: the stored result
    tables ``NOD``/``PIP``/``HE1``/``HE2``/``NE1`` as read (STANET's columns and units, one row
    per element and ``TIME``), with SI copies ``p_pa`` (NOD), ``t_k`` (NOD), ``mdot_kg_s``
    (``FLUSS``) and ``q_w`` (``WAERMECALC``) added.
    """

    nodes: pd.DataFrame
    pipes: pd.DataFrame
    consumers: pd.DataFrame
    plants: pd.DataFrame
    time_steps: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class StanetImport:
    """An imported export: the native ``network``, the ``notes`` (assumptions, defaults, counts)
    and STANET's own results."""

    network: Network
    notes: list[str]
    stanet_results: StanetResults
    source: str = ""

    def comparison(self, result) -> dict:
        """Compare a solve of ``network`` with STANET's computed state.

        Parameters
        ----------
        result : Result
            ``solve(self.network)``.

        Returns
        -------
        dict
            ``nodes_compared``, ``max_abs_dp_bar`` and ``max_abs_dp_node`` (largest
            |p_ours − p_STANET| over the nodes), ``mean_abs_dp_bar``, ``dp_bar_by_node``
            (p_ours − p_STANET per node [bar]); ``pipes_compared``,
            ``max_abs_dmdot_kg_s`` / ``max_abs_dmdot_pipe`` / ``max_abs_dmdot_rel`` (relative
            to the largest STANET pipe flow); ``plants``: per plant id ``mdot_kg_s`` and
            ``lift_bar`` as ``(ours, STANET)``.
        """
        sr = self.stanet_results
        out: dict = {}
        p_st = sr.nodes["p_pa"].dropna()
        common = p_st.index.intersection(result.junctions.index)
        d = (result.junctions.loc[common, "p_pa"] - p_st[common]) / 1e5
        out["nodes_compared"] = len(common)
        if len(common):
            worst = d.abs().idxmax()
            out.update(max_abs_dp_bar=float(abs(d[worst])), max_abs_dp_node=str(worst),
                       mean_abs_dp_bar=float(d.abs().mean()),
                       dp_bar_by_node={str(k): float(v) for k, v in d.items()})
        m_st = sr.pipes["mdot_kg_s"].dropna()
        common = m_st.index.intersection(result.pipes.index)
        dm = result.pipes.loc[common, "mdot_kg_s"] - m_st[common]
        out["pipes_compared"] = len(common)
        if len(common):
            worst = dm.abs().idxmax()
            scale = float(m_st.abs().max()) or 1.0
            out.update(max_abs_dmdot_kg_s=float(abs(dm[worst])), max_abs_dmdot_pipe=str(worst),
                       max_abs_dmdot_rel=float(abs(dm[worst]) / scale))
        plants = {}
        for pid in sr.plants.index.intersection(result.plant.index):
            ours = result.plant.loc[pid]
            plants[str(pid)] = {
                "mdot_kg_s": (float(ours["mdot_kg_s"]), float(sr.plants.at[pid, "mdot_kg_s"])),
                "lift_bar": (float(ours["head_pa"]) / 1e5,
                             float(sr.plants.at[pid, "lift_pa"]) / 1e5)}
        out["plants"] = plants
        return out

    def markdown(self, result=None) -> str:
        """The import as Markdown text: the notes, and with ``result`` the comparison.

        Parameters
        ----------
        result : Result, optional
            ``solve(self.network)``; its comparison with STANET's state is added.

        Returns
        -------
        str
            Markdown (``comparison_markdown`` for the comparison table).
        """
        lines = [f"# STANET import: {self.source}", "", "## Read and assumed", ""]
        lines += [f"- {n}" for n in self.notes]
        if result is not None:
            lines += ["", "## Our solve vs STANET's computed state", "",
                      *comparison_markdown(self.comparison(result))]
        return "\n".join(lines) + "\n"

    def to_markdown(self, path, result=None, inputs=()) -> Path:
        """Write ``markdown(result)``, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The Markdown file.
        result : Result, optional
            As for ``markdown``.
        inputs : iterable of path-like
            Input files of the run (refused as the target); the export itself always is.

        Returns
        -------
        Path
            The file written.
        """
        guarded = [*inputs, *([self.source] if self.source else [])]
        return write_text_atomic(path, self.markdown(result), guarded)


def comparison_markdown(c: dict) -> list[str]:
    """A ``StanetImport.comparison`` as the lines of a Markdown table (edge units: bar, kg/s).

    Parameters
    ----------
    c : dict
        The comparison.

    Returns
    -------
    list of str
        Header and rows: nodes compared, max and mean |Δp| (and where), pipes compared, max
        |Δṁ| of the pipe flows (and where), every plant's flow and lift (ours / STANET).
    """
    lines = ["| figure | value |", "|---|---|", f"| nodes compared | {c['nodes_compared']} |"]
    if "max_abs_dp_bar" in c:
        lines += [f"| max \\|Δp\\| | {c['max_abs_dp_bar']:.3g} bar "
                  f"({c['max_abs_dp_bar'] * 1e5:.1f} Pa) at {c['max_abs_dp_node']} |",
                  f"| mean \\|Δp\\| | {c['mean_abs_dp_bar']:.3g} bar "
                  f"({c['mean_abs_dp_bar'] * 1e5:.1f} Pa) |"]
    lines.append(f"| pipes compared | {c['pipes_compared']} |")
    if "max_abs_dmdot_kg_s" in c:
        lines += [f"| max \\|Δṁ\\| pipes | {c['max_abs_dmdot_kg_s']:.2e} kg/s "
                  f"({100 * c['max_abs_dmdot_rel']:.3g} % of the largest flow) at "
                  f"{c['max_abs_dmdot_pipe']} |"]
    for pid, v in c["plants"].items():
        lines += [f"| plant {pid} flow (ours / STANET) | {v['mdot_kg_s'][0]:.4f} / "
                  f"{v['mdot_kg_s'][1]:.4f} kg/s |",
                  f"| plant {pid} lift (ours / STANET) | {v['lift_bar'][0]:.4f} / "
                  f"{v['lift_bar'][1]:.4f} bar |"]
    return lines
