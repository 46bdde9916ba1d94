"""The integration report: ``Report``, the answer of ``check_integration``, as JSON and Markdown.

``Report`` holds the verdict, the findings sorted decisive-first, the conditions and the key
figures of every load case (without and with the feed-in). Findings, verdicts and their rules
are in ``findings``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .findings import NOT_PERMITTED, Finding, clean_tree
from .io.atomic import write_json_atomic, write_text_atomic

__all__ = ["Report", "render_markdown", "finding_value_text", "md_text", "CASE_ROWS",
           "UNIT_ROWS"]

@dataclass
class Report:
    """The answer of ``check_integration``: verdict, sorted findings, conditions, key figures."""

    verdict: str
    findings: list[Finding]
    conditions: list[str] = field(default_factory=list)
    load_cases: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    scenario: str = ""
    description: str = ""
    network: str = ""
    backend: str = "native"
    thresholds: dict = field(default_factory=dict)

    # -- summary ----------------------------------------------------------------------------
    @property
    def permitted(self) -> bool:
        return self.verdict != NOT_PERMITTED

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def decisive(self) -> list[Finding]:
        """The findings that decide the verdict (violations, else findings with conditions)."""
        if self.verdict == NOT_PERMITTED:
            return self.violations
        return [f for f in self.findings if f.condition]

    @property
    def decisive_code(self) -> str | None:
        """Code of the first decisive finding (None when PERMITTED)."""
        d = self.decisive
        return d[0].code if d else None

    @property
    def not_converged_only(self) -> bool:
        """True when every violation is a non-converged solve."""
        v = self.violations
        return bool(v) and all(f.code == "convergence" for f in v)

    @property
    def exit_code(self) -> int:
        """CLI contract: 0 permitted (with or without conditions), 1 not permitted,
        4 when non-convergence is the only reason."""
        if self.verdict != NOT_PERMITTED:
            return 0
        return 4 if self.not_converged_only else 1

    def finding(self, code: str, load_case: str | None = None) -> list[Finding]:
        """Findings of one check (optionally of one load case)."""
        return [f for f in self.findings
                if f.code == code and (load_case is None or f.load_case == load_case)]

    def load_case(self, name: str) -> dict:
        """Key figures of one load case."""
        for lc in self.load_cases:
            if lc["name"] == name:
                return lc
        raise KeyError(name)

    # -- output -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The report as plain Python (JSON-ready: NaN as None).

        Returns
        -------
        dict
            Verdict, exit code, decisive findings, conditions, all findings, the key figures
            of every load case, the units and the thresholds.
        """
        return clean_tree({
            "scenario": self.scenario, "description": self.description,
            "network": self.network, "backend": self.backend,
            "verdict": self.verdict, "exit_code": self.exit_code,
            "decisive": [f.to_dict() for f in self.decisive],
            "conditions": list(self.conditions),
            "findings": [f.to_dict() for f in self.findings],
            "load_cases": self.load_cases, "units": self.units,
            "thresholds": self.thresholds,
        })

    def to_json(self, path, inputs=()) -> Path:
        """Write ``to_dict`` as JSON, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The JSON file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_json_atomic(path, self.to_dict(), inputs)

    def markdown(self) -> str:
        """The report as Markdown text (``render_markdown``)."""
        return render_markdown(self)

    def to_markdown(self, path, inputs=()) -> Path:
        """Write the Markdown report, atomically and never over an input file.

        Parameters
        ----------
        path : path-like
            The Markdown file.
        inputs : iterable of path-like
            Input files of the run (refused as the target).

        Returns
        -------
        Path
            The file written.
        """
        return write_text_atomic(path, self.markdown(), inputs)

    def write(self, out_dir, inputs=(), stem: str = "report") -> list[Path]:
        """Write ``<stem>.json`` and ``<stem>.md`` into ``out_dir``.

        Parameters
        ----------
        out_dir : path-like
            The folder (created when missing).
        inputs : iterable of path-like
            Input files of the run (never overwritten).
        stem : str
            File name without suffix.

        Returns
        -------
        list of Path
            The files written.
        """
        out = Path(out_dir)
        return [self.to_json(out / f"{stem}.json", inputs),
                self.to_markdown(out / f"{stem}.md", inputs)]


# ------------------------------------------------------------------------------------------
# Markdown

CASE_ROWS = (
    ("consumer heat", "consumer_heat_kw", "kW", 0),
    ("plant flow", "plant_mdot_kg_s", "kg/s", 2),
    ("plant head", "plant_head_bar", "bar", 2),
    ("plant heat", "plant_heat_kw", "kW", 0),
    ("min consumer Δp", "dp_min_consumer_bar", "bar", 2),
    ("critical consumer", "dp_min_consumer", "", None),
    ("coldest consumer supply", "t_supply_min_consumer_c", "°C", 1),
    ("min pressure", "p_min_bar", "bar g", 2),
    ("max pressure", "p_max_bar", "bar g", 2),
    ("max velocity", "v_max_m_s", "m/s", 2),
    ("plant return temperature", "plant_t_return_c", "°C", 1),
)

UNIT_ROWS = (
    ("mode", "mode", "", None),
    ("heat to the network", "q_out_kw", "kW", 0),
    ("outlet temperature", "t_out_c", "°C", 1),
    ("local return temperature", "t_in_c", "°C", 1),
    ("max inlet", "max_inlet_c", "°C", 1),
    ("feed-in flow", "mdot_kg_s", "kg/s", 2),
    ("local Δp supply − return", "head_bar", "bar", 2),
    ("pump head needed", "head_needed_bar", "bar", 2),
    ("heat-pump COP", "cop", "", 2),
    ("heat-pump lift", "lift_k", "K", 1),
    ("heat-pump electricity", "p_el_kw", "kW", 0),
)


def _fmt(v, digits) -> str:
    if v is None:
        return "–"
    if digits is None or isinstance(v, str):
        return str(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return "–"
    return f"{x:.{digits}f}"


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_MD_SYNTAX = "\\`*[]|~"


def md_text(text, newlines: bool = False) -> str:
    """Text from inputs (ids, names, messages that quote them) safe in Markdown: HTML's special
    characters as entities (a viewer then shows ``<script>`` instead of running it), Markdown's
    syntax characters (backslash, backtick, ``* [ ] | ~``) backslash-escaped (no code span,
    emphasis, link, image or table cell can be opened or closed), line breaks as spaces unless
    ``newlines``. Underscores stay (they do not emphasise inside words such as ``T1_s``).

    Parameters
    ----------
    text : anything; converted with ``str``.
    newlines : keep line breaks (free-text paragraphs such as a description).

    Returns
    -------
    str : the Markdown source that renders as ``text``.
    """
    out = []
    for ch in str(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch in _MD_SYNTAX:
            out.append("\\" + ch)
        elif ch in "\r\n" and not newlines:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)




def finding_value_text(f: Finding) -> str:
    """'0.32 bar (limit 0.50, margin −0.18)' for tables."""
    if f.value is None:
        return ""
    unit = f" {f.unit}" if f.unit else ""
    text = f"{_num(f.value)}{unit}"
    if f.limit is not None:
        text += f" (limit {_num(f.limit)}"
        if f.margin is not None:
            text += f", margin {_num(f.margin)}"
        text += ")"
    return text


def _num(x) -> str:
    if x is None:
        return "–"
    x = float(x)
    if not math.isfinite(x):
        return "–"
    if x != 0 and (abs(x) < 0.01 or abs(x) >= 1e5):
        return f"{x:.3g}"
    return f"{x:.2f}"


def render_markdown(r: Report) -> str:
    lines = [f"# Feed-in check: {md_text(r.scenario or r.network)}", ""]
    if r.description:
        lines += [md_text(r.description.strip(), newlines=True), ""]
    lines += [f"**Verdict: {r.verdict}**", "",
              f"- network: {md_text(r.network)}", f"- backend: {md_text(r.backend)}",
              f"- load cases: {md_text(', '.join(lc['name'] for lc in r.load_cases)) or '–'}",
              ""]
    if r.conditions:
        lines += ["## Conditions", ""] + [f"- {md_text(c)}" for c in r.conditions] + [""]
    dec = r.decisive
    lines += ["## Decisive findings", ""]
    if dec:
        lines += _findings_table(dec)
    else:
        lines.append("None: every criterion is met in every load case.")
    lines.append("")
    if r.load_cases:
        lines += ["## Load cases: without (base) and with the feed-in", ""]
        for lc in r.load_cases:
            lines += [f"### {md_text(lc['name'])}", ""]
            lines += ["| quantity | base | with feed-in | unit |", "|---|---|---|---|"]
            b, f = lc.get("base") or {}, lc.get("feedin") or {}
            for label, key, unit, digits in CASE_ROWS:
                lines.append(f"| {label} | {md_text(_fmt(b.get(key), digits))} | "
                             f"{md_text(_fmt(f.get(key), digits))} | {unit} |")
            lines.append("")
            units = lc.get("units") or {}
            if units:
                ids = list(units)
                lines += ["| unit | " + " | ".join(md_text(i) for i in ids) + " | unit |",
                          "|---|" + "---|" * len(ids) + "---|"]
                for label, key, unit, digits in UNIT_ROWS:
                    vals = " | ".join(md_text(_fmt(units[i].get(key), digits)) for i in ids)
                    lines.append(f"| {label} | {vals} | {unit} |")
                lines.append("")
    lines += ["## All findings", ""] + _findings_table(r.findings) + [""]
    if r.thresholds:
        lines += ["## Thresholds", "", "| threshold | value |", "|---|---|"]
        lines += [f"| {md_text(k)} | {md_text(v)} |" for k, v in r.thresholds.items()]
        lines.append("")
    return "\n".join(lines)


def _findings_table(findings) -> list[str]:
    out = ["| severity | check | load case | element | value | message |",
           "|---|---|---|---|---|---|"]
    for f in findings:
        case = f.load_case or ""
        if f.case and f.case != "feedin":
            case += f" ({f.case})"
        out.append(f"| {f.severity} | {md_text(f.code)} | {md_text(case)} | "
                   f"{md_text(f.element or '')} | {md_text(finding_value_text(f))} | "
                   f"{md_text(f.message)} |")
    return out
