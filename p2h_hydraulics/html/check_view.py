"""``check_view``: the check report as an interactive page (``p2h check --html``).

The verdict, conditions, decisive findings, key figures per load case and all findings as in
the static report, plus — for one load case (default: the decisive finding's) — the network
map with the elements of violations and warnings marked, and the pressure diagram and
temperature profile as interactive figures.
"""

from __future__ import annotations

from .netmap import MapMark, map_figure
from .network_view import search_box
from .page import esc, figure_block, page
from .profile import pressure_figure, temperature_figure
from .report_parts import assumptions_html, check_header, findings_table, load_case_tables

__all__ = ["check_view", "finding_marks"]


def finding_marks(findings) -> list[MapMark]:
    """A map mark per element named by a violation or warning (one per element; the label
    lists its checks)."""
    by_el: dict[str, list] = {}
    for f in findings:
        if f.severity in ("violation", "warning") and f.element:
            by_el.setdefault(str(f.element), []).append(f)
    marks = []
    for el, fs in by_el.items():
        codes = ", ".join(dict.fromkeys(f"{f.severity} {f.code}" for f in fs))
        text = "; ".join(dict.fromkeys(f"{f.load_case or ''}: {f.message}" for f in fs[:3]))
        marks.append(MapMark(el, codes, text))
    return marks


def _figures(cr, report) -> list[str]:
    out = []
    if cr.base is None and cr.feedin is None:
        return ["<p>No converged solve to draw.</p>"]
    if cr.base is None or cr.feedin is None:
        out.append("<p class='small'>The solve " + ("without" if cr.base is None else "with")
                   + " the feed-in did not converge and is not drawn.</p>")
    res = cr.feedin if cr.feedin is not None else cr.base
    base = cr.base if cr.feedin is not None else None
    units = next((lc.get("units") for lc in report.load_cases if lc["name"] == cr.load_case),
                 None)
    th = report.thresholds or None
    fig, extra = map_figure(cr.network_feedin, res, base,
                            dp_min_bar=(th or {}).get("dp_min_bar"),
                            marks=finding_marks(report.findings), unit_info=units,
                            title=f"load case {cr.load_case}, with the feed-in")
    out += [search_box("checkmap"), figure_block(fig, "checkmap", extra=extra),
            "<p class='small'>Red crosses: elements named by a violation or warning (any load "
            "case; hover for the checks).</p>"]
    try:
        out.append(figure_block(pressure_figure(cr.network_feedin, cr.base, cr.feedin,
                                                thresholds=th), "pressure", "plot short"))
        out.append(figure_block(temperature_figure(cr.network_feedin, cr.base, cr.feedin,
                                                   thresholds=th), "temperature", "plot short"))
    except Exception as exc:  # a path may not exist in odd networks: report, do not fail
        out.append(f"<p class='small'>pressure diagram not drawn: {esc(exc)}</p>")
    return out


def check_view(report, scenario=None, load_case: str | None = None) -> str:
    """The interactive HTML page of a ``Report`` of ``check_integration``.

    Parameters
    ----------
    report : Report
        The checker's answer.
    scenario : Scenario or path, optional
        The scenario checked; with it, ``load_case`` is solved without and with the units and
        drawn (map, pressure diagram, temperature profile).
    load_case : str, optional
        Load case of the figures (default: the decisive finding's, else the first).

    Returns
    -------
    str
        The HTML document.
    """
    title = f"Feed-in check: {report.scenario or report.network}"
    body = check_header(report, title) + load_case_tables(report)
    if scenario is not None:
        from ..html_report import case_results

        if load_case is None:
            dec = report.decisive
            load_case = dec[0].load_case if dec and dec[0].load_case else None
        cr = case_results(scenario, load_case)
        body.append(f"<h2>Figures (load case {esc(cr.load_case)})</h2>")
        body += _figures(cr, report)
    body.append("<h2>All findings</h2><div id='all-findings'>"
                + findings_table(report.findings) + "</div>")
    body.append(assumptions_html(report))
    return page(title, body)
