"""Page assembly of the self-contained HTML views: one file, every script and style inline.

plotly.js (the copy shipped with the installed ``plotly`` package) is inlined once per page in
``<script id="plotlyjs">``; each figure is a ``<div>`` plus its JSON in a
``<script type="application/json">`` block that the page's own small script hands to
``Plotly.newPlot``. Nothing is fetched when the file is opened: no CDN, no MathJax, no web
fonts, no map tiles, and the plotly mode bar's link to the web is switched off.

Text from the user (ids, names, descriptions) reaches the page only through ``esc`` (HTML
text and attributes; plotly's hover labels, titles and table cells) or ``json_for_script``
(JSON inside ``<script>``, with ``<``, ``>``, ``&`` and the JS line separators written as
``\\uXXXX`` escapes, so no ``</script>`` or ``<!--`` can end or bend the script).
"""

from __future__ import annotations

import html
import json
import math
from functools import lru_cache

from .scripts import VIEW_JS

__all__ = ["esc", "num", "json_for_script", "plotly_js", "figure_block", "page", "PLOTLY_CONFIG",
           "table_html"]

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "showLink": False,
                 "showSendToCloud": False, "showEditInChartStudio": False,
                 "toImageButtonOptions": {"format": "png", "scale": 2},
                 "modeBarButtonsToRemove": ["sendDataToCloud"]}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.2em auto;
max-width:1500px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em;margin:.3em 0}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:1.4em;font-size:1.25em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.2em .45em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:.3em .8em;border-radius:.3em;font-weight:bold;color:#fff}
.PERMITTED{background:#27ae60}.PERMITTED_WITH_CONDITIONS{background:#e67e22}
.NOT_PERMITTED{background:#c0392b}.violation{color:#c0392b;font-weight:bold}
.warning{color:#d35400}.ok{color:#27ae60}.small{font-size:.85em;color:#555}
.plot{width:100%;height:640px}.plot.short{height:460px}
.search{margin:.4em 0;font-size:.9em}.search input{width:16em;padding:.15em .3em}
.search .msg{margin-left:.6em;color:#555}
.split{display:flex;gap:1em;align-items:flex-start;flex-wrap:wrap}
.split>.map{flex:3 1 560px;min-width:0}.split>.side{flex:2 1 420px;min-width:0;max-height:680px;
overflow:auto}
table.sortable th{cursor:pointer;user-select:none;position:sticky;top:0}
table.sortable th.asc:after{content:" \\25B2"}table.sortable th.desc:after{content:" \\25BC"}
table.rows tbody tr{cursor:pointer}table.rows tbody tr:hover{background:#eef5ff}
table.rows tbody tr.picked{background:#ffe9a8}
"""


def esc(x) -> str:
    """``x`` as HTML text (also safe inside a quoted attribute and a plotly label)."""
    return html.escape("" if x is None else str(x), quote=True)


def num(x, digits: int = 2, unit: str = "") -> str:
    """A number with ``digits`` decimals (and `` unit``), or "–" for None/NaN/text."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return esc(x) if x not in (None, "") else "–"
    if not math.isfinite(v):
        return "–"
    return f"{v:.{digits}f}" + (f" {unit}" if unit else "")


def json_for_script(obj) -> str:
    """JSON text of ``obj`` that can stand inside ``<script>``: ``<``, ``>``, ``&``, U+2028 and
    U+2029 as ``\\u`` escapes (still valid JSON, parsed to the same strings)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      default=_default)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, np.ndarray):
        return [_default(v) if isinstance(v, (np.floating, np.integer)) else v
                for v in o.tolist()]
    if isinstance(o, np.bool_):
        return bool(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The minified plotly.js bundled with the installed ``plotly`` package (≈ 4.8 MB)."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    if "</script" in js.lower():  # never the case for plotly's bundle; guard the page anyway
        js = js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return js


def _clean_figure(fig_dict: dict) -> dict:
    """The figure dict as plain JSON values: arrays as lists, NaN/inf as null (plotly draws
    gaps there)."""
    import numpy as np

    def walk(v):
        if isinstance(v, np.ndarray):
            return walk(v.tolist())
        if isinstance(v, np.generic):
            return walk(v.item())
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, dict):
            if set(v) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
                return walk(_typed_array(v))
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v

    return walk(fig_dict)


def _typed_array(v: dict):
    """plotly's base64 typed array (``{"dtype", "bdata", "shape"}``) as a numpy array."""
    import base64

    import numpy as np

    arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    if "shape" in v:
        arr = arr.reshape([int(n) for n in str(v["shape"]).split(",")])
    return arr


def figure_block(fig, div_id: str, css_class: str = "plot", extra: dict | None = None) -> str:
    """A plotly figure as its ``<div>`` and its JSON for the page script.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure (numpy and base64 arrays become plain JSON lists, NaN becomes null).
    div_id : str
        Id of the ``<div>``; chosen by the code, never by the user.
    css_class : str
        CSS class of the ``<div>`` ("plot", "plot short").
    extra : dict, optional
        More data for the page script (search index, highlight trace, trace names).

    Returns
    -------
    str
        The ``<div>`` and its ``<script type="application/json" class="p2h-fig">``.
    """
    fig_dict = fig.to_plotly_json()
    data = {"data": fig_dict.get("data", []), "layout": fig_dict.get("layout", {}),
            "extra": extra or {}}
    return (f'<div id="{div_id}" class="{css_class}"></div>\n'
            f'<script type="application/json" class="p2h-fig" data-div="{div_id}">'
            f"{json_for_script(_clean_figure(data))}</script>")


def table_html(header: list[str], rows: list[list[str]], num_cols=(), css: str = "",
               table_id: str | None = None, row_attrs: list[str] | None = None) -> str:
    """A table; ``header`` is plain text (escaped here), ``rows`` hold ready HTML cells."""
    tid = f' id="{table_id}"' if table_id else ""
    cls = f' class="{css}"' if css else ""
    out = [f"<table{tid}{cls}><thead><tr>"
           + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        cells = "".join(f"<td class='num'>{c}</td>" if j in num_cols else f"<td>{c}</td>"
                        for j, c in enumerate(r))
        attrs = f" {row_attrs[i]}" if row_attrs else ""
        out.append(f"<tr{attrs}>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def page(title: str, body: list[str], with_plotly: bool = True) -> str:
    """The whole HTML document: inline CSS, plotly.js, the body, then the view script.

    Parameters
    ----------
    title : str
        Plain-text title (escaped here).
    body : list of str
        Ready HTML blocks (user text in them already escaped).
    with_plotly : bool
        Inline plotly.js (False for a page without figures).

    Returns
    -------
    str
        The HTML document.
    """
    head = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style>"
            "<script>window.PlotlyConfig={MathJaxConfig:'local'};</script>")
    if with_plotly:
        head += f'<script id="plotlyjs">{plotly_js()}</script>'
    cfg = json_for_script(PLOTLY_CONFIG)
    tail = (f'<script id="p2h-view">window.P2H_PLOTLY_CONFIG={cfg};\n{VIEW_JS}</script>')
    return head + "</head><body>\n" + "\n".join(body) + "\n" + tail + "\n</body></html>\n"
