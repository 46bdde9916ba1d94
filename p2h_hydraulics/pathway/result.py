"""``PathwayResult``: one row per supply level, the plain-words answer, files and the figure.

``levels``: one dict per level (edge units °C, K, kW, bar, kg/s, MWh) — the worst over the
load cases: verdict and its decisive check, the unit's mode (``direct`` when every unit feeds
directly in every load case, ``too_cold`` when any cannot reach the supply, else
``heat_pump``), lowest COP, largest heat-pump electricity, the network without the feed-in
(largest plant flow and head against the plant limits, smallest consumer Δp margin, fastest
pipe, the pipe closest to or furthest over its v_max, steepest pressure gradient, pipes over
v_max or R_max; the bottleneck: those not over it already at the warmest level), the
consumers at their exchanger limit and, with ``annual``, the year's figures. ``cases``: the
same per (level, load case).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..findings import NOT_PERMITTED, PERMITTED, PERMITTED_WITH_CONDITIONS, clean_tree
from ..io.atomic import DocumentFiles
from ..report import md_text

__all__ = ["PathwayResult"]

_RANK = {PERMITTED: 0, PERMITTED_WITH_CONDITIONS: 1, NOT_PERMITTED: 2}
_MODE_RANK = {"direct": 0, "heat_pump": 1, "too_cold": 2}


def _trenches(pipes) -> list[str]:
    """Pipe ids → trench ids (``T3_s``/``T3_r`` → ``T3``), in order, distinct."""
    out = []
    for p in pipes:
        t = p[:-2] if p.endswith(("_s", "_r")) else p
        if t not in out:
            out.append(t)
    return out


def _list(items, n: int = 6) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def _fnum(x, digits=1) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) \
        else f"{x:.{digits}f}"


_DP_TOL_BAR = 1e-3  # critical-point control holds the worst consumer at Δp_min (± solver)


def _level_row(row: dict, head_max: float, flow_max: float, ref: set) -> dict:
    cases = row["cases"]
    worst = max(cases, key=lambda c: _RANK[c["verdict"]])
    units = [u for c in cases for u in c["units"].values()]
    modes = [u["mode"] for u in units]
    mode = max(modes, key=_MODE_RANK.__getitem__) if modes else None
    cops = [u["cop"] for u in units if u["cop"] is not None]
    p_el = [sum(u["p_el_kw"] for u in c["units"].values()) for c in cases if c["units"]]
    nets = [c["network"] for c in cases if c["network"].get("converged")]

    def ext(key, fn):
        vals = [n[key] for n in nets if n.get(key) is not None and math.isfinite(n[key])]
        return fn(vals) if vals else None

    over_v = sorted({p for n in nets for p in n["pipes_over_v_max"]})
    over_r = sorted({p for n in nets for p in n["pipes_over_r_max"]})
    vrow = max(nets, key=lambda n: n["v_max_m_s"]) if nets else {}
    rrow = max(nets, key=lambda n: n["r_max_pa_per_m"]) if nets else {}
    wrow = max(nets, key=lambda n: n["v_worst_m_s"] / n["v_worst_limit_m_s"]) if nets else {}
    drow = min(nets, key=lambda n: n["dp_margin_min_bar"]
               if n.get("dp_margin_min_bar") is not None else math.inf) if nets else {}
    head, flow = ext("plant_head_bar", max), ext("plant_mdot_kg_s", max)
    limits = []
    if len(nets) < len(cases):
        limits.append("no solution without the feed-in")
    if head is not None and math.isfinite(head_max) and head > head_max:
        limits.append("plant head")
    if flow is not None and math.isfinite(flow_max) and flow > flow_max:
        limits.append("plant flow")
    if drow and drow.get("dp_margin_min_bar") is not None and \
            drow["dp_margin_min_bar"] < -_DP_TOL_BAR:
        limits.append("consumer Δp")
    new_v = [p for p in over_v if ("v", p) not in ref]
    new_r = [p for p in over_r if ("r", p) not in ref]
    if new_v:
        limits.append("pipe velocity")
    if new_r:
        limits.append("pipe pressure gradient")
    out = {
        "level_c": row["level_c"], "step_k": row["step_k"],
        "verdict": worst["verdict"], "decisive": worst["decisive"],
        "decisive_load_case": worst["load_case"] if worst["decisive"] else None,
        "decisive_message": worst["decisive_message"],
        "mode": mode, "cop_min": min(cops) if cops else None,
        "p_el_kw_max": max(p_el) if p_el else 0.0,
        "plant_mdot_kg_s": flow, "plant_flow_max_kg_s": flow_max,
        "plant_head_bar": head, "plant_head_max_bar": head_max,
        "dp_margin_min_bar": drow.get("dp_margin_min_bar"),
        "dp_min_consumer": drow.get("dp_min_consumer"),
        "v_max_m_s": vrow.get("v_max_m_s"), "v_max_pipe": vrow.get("v_max_pipe"),
        "v_worst_pipe": wrow.get("v_worst_pipe"), "v_worst_m_s": wrow.get("v_worst_m_s"),
        "v_worst_limit_m_s": wrow.get("v_worst_limit_m_s"),
        "r_max_pa_per_m": rrow.get("r_max_pa_per_m"), "r_max_pipe": rrow.get("r_max_pipe"),
        "pipes_over_v_max": over_v, "pipes_over_r_max": over_r,
        "bottleneck_pipes": sorted(set(new_v) | set(new_r)),
        "bottleneck_trenches": _trenches(sorted(set(new_v) | set(new_r))),
        "consumers_at_limit": max(c["consumers_at_limit"] for c in cases),
        "hydraulic_limits": limits, "hydraulics_ok": not limits,
    }
    if "annual" in row:
        out.update({f"annual_{k}": v for k, v in row["annual"].items()})
    return out


def plant_limits(settings, rows: list[dict]) -> tuple[float, float]:
    """(head limit [bar], flow limit [kg/s]) of the plant: the ``PathwaySettings`` values,
    else the highest level's largest base-case head and the plant design flow × (1 +
    reserve)."""
    head, flow = settings.plant_head_max_bar, settings.plant_flow_max_kg_s
    if head is None or flow is None:
        ref = max(rows, key=lambda r: r["level_c"])
        heads = [c["network"].get("plant_head_bar") for c in ref["cases"]]
        flows = [sum(v for v in c["design_flow_kg_s"].values() if math.isfinite(v))
                 for c in ref["cases"] if c["design_flow_kg_s"]]
        heads = [h for h in heads if h is not None and math.isfinite(h)]
        if head is None:
            head = max(heads) * (1 + settings.plant_reserve) if heads else math.nan
        if flow is None:
            flow = max(flows) * (1 + settings.plant_reserve) if flows else math.nan
    return float(head), float(flow)


@dataclass
class PathwayResult(DocumentFiles):
    """The temperature pathway: one row per level, per load case details, the answer."""

    levels: list[dict]
    cases: list[dict]
    scenario: str = ""
    today_c: float = math.nan
    settings: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    annual: bool = False

    @classmethod
    def build(cls, scenario, settings, thresholds, today_c: float, rows: list[dict]):
        """From the rows of ``temperature_pathway`` (levels in sweep order)."""
        head_max, flow_max = plant_limits(settings, rows)
        top = max(rows, key=lambda r: r["level_c"])
        ref = {(k, p) for c in top["cases"] if c["network"].get("converged")
               for k, key in (("v", "pipes_over_v_max"), ("r", "pipes_over_r_max"))
               for p in c["network"][key]}
        levels = [_level_row(r, head_max, flow_max, ref) for r in rows]
        cases = [{"level_c": r["level_c"], **c} for r in rows for c in r["cases"]]
        return cls(levels, cases, scenario.name, float(today_c),
                   settings.model_dump(), thresholds.model_dump(),
                   annual=any("annual" in r for r in rows))

    # -- the answer -------------------------------------------------------------------------
    def direct_from_c(self) -> float | None:
        """The warmest level at which every unit feeds directly in every load case."""
        ok = [r["level_c"] for r in self.levels if r["mode"] == "direct"]
        return max(ok) if ok else None

    def hydraulic_limit_c(self) -> float | None:
        """The warmest level at which the network's own hydraulics hit a limit (plant head or
        flow, consumer Δp, pipe velocity, no solution; not the R_max guide value)."""
        bad = [r["level_c"] for r in self.levels
               if set(r["hydraulic_limits"]) - {"pipe pressure gradient"}]
        return max(bad) if bad else None

    def gradient_limit_c(self) -> float | None:
        """The warmest level at which pipes newly exceed the pressure-gradient guide value."""
        bad = [r["level_c"] for r in self.levels
               if "pipe pressure gradient" in r["hydraulic_limits"]]
        return max(bad) if bad else None

    def answer(self) -> str:
        """The answer in plain words (levels, electricity, hydraulic limit)."""
        lv = sorted(self.levels, key=lambda r: -r["level_c"])
        hi, lo = lv[0], lv[-1]
        parts = []
        d = self.direct_from_c()
        if d is None:
            parts.append(f"no direct feed-in between {hi['level_c']:g} and {lo['level_c']:g} °C "
                         f"supply: the unit needs a heat-pump stage at every level (mode at "
                         f"{lo['level_c']:g} °C: {lo['mode']})")
        elif d >= hi["level_c"]:
            parts.append(f"direct feed-in already at {d:g} °C supply (the warmest level)")
        else:
            parts.append(f"direct feed-in from {d:g} °C supply")
        if self.annual:
            a, b = hi.get("annual_heat_pump_electricity_mwh"), lo.get(
                "annual_heat_pump_electricity_mwh")
            per = "MWh/a" if hi.get("annual_full_year") else \
                f"MWh (in {hi.get('annual_hours')} analysed hours)"
            parts.append(f"the heat-pump electricity falls from {_fnum(a)} {per} at "
                         f"{hi['level_c']:g} °C to {_fnum(b)} at {lo['level_c']:g} °C"
                         if (a or 0) > (b or 0) else
                         f"the heat-pump electricity is {_fnum(a)} {per} at {hi['level_c']:g} °C "
                         f"and {_fnum(b)} at {lo['level_c']:g} °C")
        else:
            a, b = hi["p_el_kw_max"], lo["p_el_kw_max"]
            parts.append(f"the heat-pump electricity (largest load case) goes from "
                         f"{_fnum(a, 0)} kW at {hi['level_c']:g} °C to {_fnum(b, 0)} kW at "
                         f"{lo['level_c']:g} °C")
        h, g = self.hydraulic_limit_c(), self.gradient_limit_c()
        if g is not None and (h is None or g > h):
            r = next(x for x in self.levels if x["level_c"] == g)
            tr = _trenches(r["pipes_over_r_max"] if h is None else
                           [p for p in r["bottleneck_pipes"] if p in r["pipes_over_r_max"]])
            parts.append(f"from {g:g} °C more pipes exceed the pressure-gradient guide value "
                         f"R_max ({_list(tr)})")
        if h is None:
            parts.append(f"the network's hydraulics carry every level down to "
                         f"{lo['level_c']:g} °C (plant head {_fnum(lo['plant_head_bar'], 2)} of "
                         f"{_fnum(lo['plant_head_max_bar'], 2)} bar, flow "
                         f"{_fnum(lo['plant_mdot_kg_s'])} of {_fnum(lo['plant_flow_max_kg_s'])} "
                         "kg/s)")
        else:
            r = next(x for x in self.levels if x["level_c"] == h)
            what = []
            for lim in r["hydraulic_limits"]:
                if lim == "plant head":
                    what.append(f"the plant pump head exceeds its limit "
                                f"({_fnum(r['plant_head_bar'], 2)} > "
                                f"{_fnum(r['plant_head_max_bar'], 2)} bar)")
                elif lim == "plant flow":
                    what.append(f"the plant flow exceeds its limit "
                                f"({_fnum(r['plant_mdot_kg_s'])} > "
                                f"{_fnum(r['plant_flow_max_kg_s'])} kg/s)")
                elif lim == "consumer Δp":
                    what.append(f"consumer {r['dp_min_consumer']} gets "
                                f"{_fnum(-r['dp_margin_min_bar'], 2)} bar less than its Δp_min")
                elif lim == "pipe velocity":
                    what.append(f"pipes exceed v_max ({r['v_worst_pipe']}: "
                                f"{_fnum(r['v_worst_m_s'], 2)} m/s of "
                                f"{_fnum(r['v_worst_limit_m_s'], 1)})")
                elif lim != "pipe pressure gradient":
                    what.append(lim)
            tr = r["bottleneck_trenches"]
            bott = f" (bottleneck: pipes {_list(tr)})" if tr else ""
            parts.append(f"at {h:g} °C and below {', '.join(what)}{bott}")
            if r["consumers_at_limit"]:
                parts.append(f"{r['consumers_at_limit']} consumers are at their exchanger "
                             f"limit there ({self.settings.get('return_model')} returns)")
        permitted = [r["level_c"] for r in self.levels if r["verdict"] != NOT_PERMITTED]
        if permitted:
            parts.append(f"the feed-in check passes at {self._ranges(permitted)} °C")
        else:
            parts.append("the feed-in check fails at every level (decisive at "
                         f"{lo['level_c']:g} °C: {lo['decisive']})")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]

    def _ranges(self, vals) -> str:
        all_lv = sorted({r["level_c"] for r in self.levels}, reverse=True)
        runs, cur = [], []
        for x in all_lv:
            if x in vals:
                cur.append(x)
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        return ", ".join(f"{r[0]:g}" if len(r) == 1 else f"{r[0]:g}–{r[-1]:g}" for r in runs)

    # -- output -----------------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """The levels as a DataFrame (lists joined with spaces)."""
        rows = []
        for r in self.levels:
            rows.append({k: (" ".join(map(str, v)) if isinstance(v, list) else
                             (json.dumps(v) if isinstance(v, dict) else v))
                         for k, v in r.items()})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready: scenario, today's level, settings, the answer, levels and cases."""
        return clean_tree({"scenario": self.scenario, "today_c": self.today_c,
                           "settings": self.settings, "thresholds": self.thresholds,
                           "answer": self.answer(), "direct_from_c": self.direct_from_c(),
                           "hydraulic_limit_c": self.hydraulic_limit_c(),
                           "levels": self.levels, "cases": self.cases})

    def to_csv(self, path, inputs=()) -> Path:
        """Write the levels table as CSV, atomically.

        Parameters
        ----------
        path : path-like
            The CSV file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        from ..io.atomic import write_text_atomic

        return write_text_atomic(path, self.table().to_csv(index=False, float_format="%.6g"),
                                 inputs)

    def figure(self):
        """The planner's figure (matplotlib ``Figure``; ``pathway.plots.pathway_figure``)."""
        from .plots import pathway_figure

        return pathway_figure(self)

    def write(self, out_dir, inputs=(), figures: bool = True) -> list[Path]:
        """Write ``levels.csv``, ``pathway.json`` and ``pathway.png`` into ``out_dir``.

        Parameters
        ----------
        out_dir : path-like
            The folder (created when missing).
        inputs : iterable of path-like
            Input files of the run (never overwritten).
        figures : bool
            Also write the PNG figure.

        Returns
        -------
        list of Path
            The files written.
        """
        import io

        from ..io.atomic import write_bytes_atomic

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [self.to_csv(out / "levels.csv", inputs),
                   self.to_json(out / "pathway.json", inputs)]
        if figures:
            buf = io.BytesIO()
            self.figure().savefig(buf, format="png", dpi=110)
            written.append(write_bytes_atomic(out / "pathway.png", buf.getvalue(), inputs))
        return written

    def markdown(self) -> str:
        """The answer and the levels table as Markdown (text from inputs escaped)."""
        head = ("| level °C | verdict | decisive | mode | COP | HP el. kW | plant head bar "
                "(limit) | plant flow kg/s (limit) | Δp margin bar | v max m/s | bottleneck |")
        lines = [f"**{md_text(self.answer())}**", "", head, "|" + "---|" * 11]
        for r in self.levels:
            tr = r["bottleneck_trenches"]
            lines.append(
                f"| {r['level_c']:g} | {r['verdict']} | {md_text(r['decisive'] or '')} | "
                f"{r['mode']} | "
                f"{_fnum(r['cop_min'], 2)} | {_fnum(r['p_el_kw_max'], 0)} | "
                f"{_fnum(r['plant_head_bar'], 2)} ({_fnum(r['plant_head_max_bar'], 2)}) | "
                f"{_fnum(r['plant_mdot_kg_s'])} ({_fnum(r['plant_flow_max_kg_s'])}) | "
                f"{_fnum(r['dp_margin_min_bar'], 2)} | {_fnum(r['v_max_m_s'], 2)} | "
                f"{md_text(' '.join(tr[:4])) + (' …' if len(tr) > 4 else '')} |")
        return "\n".join(lines) + "\n"
