"""HTML blocks of the check and sites reports shared by the static pages (``html_report``)
and the interactive views: verdict header, findings tables, load-case key figures, the sites
parameters and the assumptions. Every text is escaped (``page.esc``)."""

from __future__ import annotations

import math

from ..report import CASE_ROWS as _MD_CASE_ROWS
from ..report import UNIT_ROWS as _MD_UNIT_ROWS
from ..report import finding_value_text
from .page import esc, num, table_html

__all__ = ["CASE_ROWS", "UNIT_ROWS", "fmt", "findings_table", "assumptions_html",
           "check_header", "load_case_tables", "sites_intro"]

# the Markdown report's row tables, without the rows the HTML pages leave out
CASE_ROWS = tuple(r for r in _MD_CASE_ROWS if r[1] != "plant_heat_kw")
UNIT_ROWS = tuple(r for r in _MD_UNIT_ROWS if r[1] not in ("head_bar", "lift_k"))


def fmt(v, digits) -> str:
    """A table cell: text escaped, numbers with ``digits`` decimals, None as "–"."""
    if digits is None or isinstance(v, str):
        return esc(v if v is not None else "–")
    return num(v, digits)


def findings_table(findings) -> str:
    """Severity, check, load case, element, value and message of each finding."""
    rows = []
    for f in findings:
        case = (f.load_case or "") + (f" ({f.case})" if f.case and f.case != "feedin" else "")
        rows.append([f"<span class='{esc(f.severity)}'>{esc(f.severity)}</span>", esc(f.code),
                     esc(case), esc(f.element or ""), esc(finding_value_text(f)),
                     esc(f.message) + (f"<br><i>condition: {esc(f.condition)}</i>"
                                       if f.condition else "")])
    return table_html(["severity", "check", "load case", "element", "value", "message"], rows)


def assumptions_html(report) -> str:
    """Physics, solver tolerances and the thresholds of the check."""
    from ..solver.native import SolverOptions

    o = SolverOptions()
    items = [
        "Water properties ρ, c_p, μ, h, p_sat tabulated from <b>IAPWS-IF97</b> (CoolProp IF97 "
        "backend) for 0–200 °C and interpolated.",
        "Friction: <b>Darcy–Weisbach</b> with <b>Colebrook–White</b> (turbulent, Re &gt; 4000), "
        "64/Re (laminar, Re &lt; 2300) and a smooth blend between; minor losses ζ; "
        "hydrostatic ρ g Δz.",
        "Heat loss: exact exponential decay towards the soil temperature with the pipe's linear "
        "heat-loss coefficient; enthalpy-weighted mixing at junctions.",
        "Pressures are gauge (relative to 1.01325 bar); the boiling check compares the absolute "
        "pressure with p_sat(T).",
        f"Native solver ({esc(report.backend)} backend): global gradient algorithm coupled with "
        f"the thermal solve; tolerances: temperatures {o.tol_t_k:g} K, relative mass flow "
        f"{o.tol_m_rel:g}, pressure {o.tol_p_pa:g} Pa, critical-point control "
        f"{o.tol_dp_control_pa:g} Pa; at most {o.max_outer} outer iterations.",
    ]
    out = ["<h2>Assumptions</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"]
    if report.thresholds:
        rows = [[f"<code>{esc(k)}</code>", esc(v)] for k, v in report.thresholds.items()]
        out.append("<h3>Thresholds</h3>" + table_html(["threshold", "value"], rows))
    return "".join(out)


def check_header(report, title: str) -> list[str]:
    """Title, description, verdict, conditions and decisive findings of a check report."""
    body = [f"<h1>{esc(title)}</h1>"]
    if report.description:
        body.append(f"<p>{esc(report.description)}</p>")
    body.append(f"<p><span class='verdict {esc(report.verdict)}'>{esc(report.verdict)}"
                "</span></p>")
    body.append(f"<p class='small'>network <code>{esc(report.network)}</code> · backend "
                f"{esc(report.backend)} · load cases "
                f"{esc(', '.join(lc['name'] for lc in report.load_cases))}</p>")
    if report.conditions:
        body.append("<h2>Conditions</h2><ul>"
                    + "".join(f"<li>{esc(c)}</li>" for c in report.conditions) + "</ul>")
    body.append("<h2>Decisive findings</h2>")
    body.append(findings_table(report.decisive) if report.decisive else
                "<p>None: every criterion is met in every load case.</p>")
    return body


def load_case_tables(report) -> list[str]:
    """Per load case: key figures without → with the feed-in, and the units' figures."""
    body = []
    for lc in report.load_cases:
        body.append(f"<h2>Load case {esc(lc['name'])}</h2>")
        b, f = lc.get("base") or {}, lc.get("feedin") or {}
        rows = [[esc(lbl), fmt(b.get(k), d), fmt(f.get(k), d), esc(u)]
                for lbl, k, u, d in CASE_ROWS]
        body.append(table_html(["quantity", "without feed-in", "with feed-in", "unit"], rows,
                               num_cols=(1, 2)))
        units = lc.get("units") or {}
        if units:
            ids = list(units)
            rows = [[esc(lbl)] + [fmt(units[i].get(k), d) for i in ids] + [esc(u)]
                    for lbl, k, u, d in UNIT_ROWS]
            body.append(table_html(["unit", *ids, "unit"], rows,
                                   num_cols=tuple(range(1, len(ids) + 1))))
    return body


def sites_intro(r) -> list[str]:
    """What a ``SitesResult`` searched (unit, limit, tolerance) and how (solves, executor)."""
    unit = r.unit or {}
    body = [f"<p>Largest heat output of the unit <code>{esc(unit.get('id'))}</code> "
            f"({esc(unit.get('cooling'))} cooling) that is "
            f"{'permitted (with or without conditions)' if r.allow_conditions else 'permitted'}"
            f" in every load case ({esc(', '.join(r.load_cases))}), searched between 0 and "
            f"{num(r.q_max_kw, 0)} kW to {num(r.tol_kw, 1)} kW or "
            f"{num(100 * r.tol_rel, 1)} %.</p>"]
    st = r.stats or {}
    if st:
        body.append(f"<p class='small'>{esc(st.get('candidates'))} candidate nodes, "
                    f"{esc(st.get('refined'))} refined by full solves "
                    f"({esc(st.get('n_solves'))} solves, "
                    f"{num(1e3 * st.get('per_solve_s', math.nan), 0)} ms each), "
                    f"executor {esc(st.get('executor'))} × {esc(st.get('workers'))}, "
                    f"{num(st.get('total_s'), 1)} s in total. Method 'screened': not "
                    "solved, no capacity — only the linear screen's estimate (screen_kw)."
                    "</p>")
        if st.get("refine_mode") == "auto":
            body.append(f"<p class='small'>Refined until no node left unsolved can exceed "
                        f"{num(st.get('best_capacity_kw'), 0)} kW, the lowest of the best "
                        f"{esc(st.get('best'))}, unless its screened "
                        f"estimate is more than {num(st.get('screen_allowance'), 2)}× too low; "
                        f"{esc(st.get('unsolved_possible_ties'))} unsolved nodes could tie with "
                        "it.</p>")
    if r.global_findings:
        bad = [f for f in r.global_findings if f.severity != "ok"]
        if bad:
            body.append("<h2>Findings that hold at every node</h2>" + findings_table(bad))
    return body
