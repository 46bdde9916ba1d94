"""Self-contained HTML reports for ``p2h check`` and ``p2h sites``.

One file, no external resources: figures are embedded as base64 PNG (``<img src="data:…">``),
styles inline, every text HTML-escaped. Written atomically (``io.atomic.write_text_atomic``),
never over an input file.

* ``check_html(report, scenario)``: verdict, conditions, decisive and all findings, key figures
  per load case (without → with the feed-in), the unit's figures, the pressure diagram, the
  temperature profile and the network map of one load case (default: the load case of the
  decisive finding, else the first), and the assumptions (water properties IAPWS-IF97, friction
  Darcy–Weisbach with Colebrook–White, heat loss, solver tolerances, thresholds).
* ``sites_html(sites_result, network)``: the ranking table and the map of capacities.

The figures of a check are drawn from fresh solves of that load case (``case_results``): the
checker's report carries key figures, not the full results.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

from .checks import Thresholds
from .errors import ScenarioError
from .evaluation import apply_load_case, evaluate_case
from .html.page import table_html as _table
from .html.report_parts import assumptions_html as _assumptions
from .html.report_parts import check_header, findings_table, load_case_tables, sites_intro
from .html.report_parts import fmt as _fmt
from .scenario import Scenario, load_scenario

__all__ = ["check_html", "sites_html", "write_check_html", "write_sites_html",
           "case_results", "CaseResults", "figure_png_base64"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:.3em .8em;border-radius:.3em;font-weight:bold;color:#fff}
.PERMITTED{background:#27ae60}.PERMITTED_WITH_CONDITIONS{background:#e67e22}
.NOT_PERMITTED{background:#c0392b}.violation{color:#c0392b;font-weight:bold}
.warning{color:#d35400}.ok{color:#27ae60}figure{margin:1em 0}img{max-width:100%}
.small{font-size:.85em;color:#555}
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _num(x, digits: int = 2) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return _e(x)
    if not math.isfinite(v):
        return "–"
    return f"{v:.{digits}f}"


def figure_png_base64(fig, dpi: int = 110) -> str:
    """A matplotlib figure as base64-encoded PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(ax_or_fig, alt: str) -> str:
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    data = figure_png_base64(fig)
    return (f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption class='small'>{_e(alt)}</figcaption></figure>")


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


# ------------------------------------------------------------------------------------------
# results of one load case for the figures


@dataclass
class CaseResults:
    """Networks and results of one load case: without (base) and with the feed-in."""

    load_case: str
    network_base: object
    base: object
    network_feedin: object
    feedin: object
    units: list


def case_results(scenario, load_case: str | None = None) -> CaseResults:
    """Solve one load case of ``scenario`` without and with its units, as the checker does.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario.
    load_case : str, optional
        Name of the load case (default: the first).

    Returns
    -------
    CaseResults
        Networks and results (native backend, ``evaluation.evaluate_case``); a solve that did
        not converge gives ``None``.
    """

    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    net = scen.load_network()
    cases = {lc.name: lc for lc in scen.load_cases}
    if load_case is None:
        lc = scen.load_cases[0]
    elif load_case in cases:
        lc = cases[load_case]
    else:
        raise ScenarioError(f"unknown load case {load_case!r}; the scenario has "
                            f"{', '.join(cases)}")
    units = list(scen.units)
    ctx = evaluate_case(apply_load_case(net, lc, scen.plant), units,
                        scen.thresholds or Thresholds(), lc.name, backend="native")
    return CaseResults(lc.name, ctx.network_base, ctx.base, ctx.network_feedin, ctx.feedin,
                       units)


def _figures(cr: CaseResults, thresholds) -> list[str]:
    from .plotting import plot_network_map, plot_pressure_diagram, plot_temperature_profile

    out = []
    if cr.base is None and cr.feedin is None:
        return ["<p>No converged solve to draw.</p>"]
    if cr.base is None or cr.feedin is None:
        out.append("<p class='small'>The solve " + ("without" if cr.base is None else "with")
                   + " the feed-in did not converge and is not drawn.</p>")
    try:
        ax = plot_pressure_diagram(cr.network_feedin, cr.base, cr.feedin, thresholds=thresholds)
        out.append(_img(ax, f"pressure diagram, load case {cr.load_case}: base case dashed, "
                            "with the feed-in solid"))
        ax = plot_temperature_profile(cr.network_feedin, cr.base, cr.feedin,
                                      thresholds=thresholds)
        out.append(_img(ax, f"temperature profile, load case {cr.load_case}"))
    except Exception as exc:  # a path may not exist in odd networks: report, do not fail
        out.append(f"<p class='small'>pressure diagram not drawn: {_e(exc)}</p>")
    res = cr.feedin if cr.feedin is not None else cr.base
    ax = plot_network_map(cr.network_feedin, res, column="p_bar", side="supply")
    out.append(_img(ax, f"supply pressure with the feed-in, load case {cr.load_case}"))
    return out


# ------------------------------------------------------------------------------------------
# check report


def check_html(report, scenario=None, load_case: str | None = None,
               figures: bool = True) -> str:
    """The HTML page of a ``Report`` of ``check_integration``; with ``scenario`` (a
    ``Scenario`` or path) the figures of ``load_case`` (default: the decisive one) are
    drawn."""
    title = f"Feed-in check: {report.scenario or report.network}"
    body = check_header(report, title) + load_case_tables(report)
    if figures and scenario is not None:
        if load_case is None:
            dec = report.decisive
            load_case = dec[0].load_case if dec and dec[0].load_case else None
        cr = case_results(scenario, load_case)
        body.append(f"<h2>Figures (load case {_e(cr.load_case)})</h2>")
        body += _figures(cr, report.thresholds or None)
    body.append("<h2>All findings</h2>" + findings_table(report.findings))
    body.append(_assumptions(report))
    return _page(title, body)


def write_check_html(path, report, scenario=None, inputs=(), **kw):
    """Write ``check_html`` atomically to ``path`` (never over an input file)."""
    from .io.atomic import write_text_atomic

    return write_text_atomic(path, check_html(report, scenario, **kw), inputs)


# ------------------------------------------------------------------------------------------
# sites report


_SITE_COLS = (("rank", "rank", None), ("node", None, None), ("capacity [kW]", "capacity_kw", 0),
              ("limited by", "limited_by", None), ("load case", "load_case", None),
              ("element", "element", None), ("pump head [bar]", "pump_head_bar", 2),
              ("heat pump", "heat_pump", None), ("COP", "cop", 2),
              ("local return [°C]", "t_return_c", 1), ("verdict", "verdict", None),
              ("method", "method", None))


def sites_html(sites_result, network=None, max_rows: int = 500, top: int = 10) -> str:
    """The HTML page of a ``SitesResult``: parameters, ranking table, capacity map."""
    r = sites_result
    title = f"Site comparison: {r.scenario}"
    body = [f"<h1>{_e(title)}</h1>", *sites_intro(r)]
    if network is not None and len(r.table):
        from .plotting import plot_site_ranking

        ax = plot_site_ranking(network, r, top=top)
        body.append(_img(ax, "largest permitted feed-in per node (numbers: rank)"))
    tab = r.table.head(max_rows)
    rows = []
    for node, row in tab.iterrows():
        cells = []
        for _lbl, col, digits in _SITE_COLS:
            v = node if col is None else row.get(col)
            cells.append(_fmt(v, digits) if digits is not None else _e("–" if v is None or (
                isinstance(v, float) and math.isnan(v)) else v))
        rows.append(cells)
    body.append("<h2>Ranking</h2>")
    body.append(_table([c[0] for c in _SITE_COLS], rows, num_cols=(0, 2, 6, 8, 9)))
    if len(r.table) > max_rows:
        body.append(f"<p class='small'>… {len(r.table) - max_rows} more nodes in the CSV/JSON "
                    "output.</p>")
    return _page(title, body)


def write_sites_html(path, sites_result, network=None, inputs=(), **kw):
    """Write ``sites_html`` atomically to ``path`` (never over an input file)."""
    from .io.atomic import write_text_atomic

    return write_text_atomic(path, sites_html(sites_result, network, **kw), inputs)
