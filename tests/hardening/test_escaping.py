"""Text from inputs is escaped for every output kind.

* matplotlib: a ``$`` in a name or id must not start mathtext — ``$\\frac$`` made every figure
  fail when saved (``check --html`` lost its verdict after ``--report`` was written,
  ``sites --map`` after the CSV) and ``$x^2$`` was typeset. The figures render as PNG and SVG
  and show the text verbatim.
* Markdown: ids carrying ``<script>`` / ``<img onerror>`` / ``|`` / backticks must appear as
  text, never as raw HTML or table structure, in the Markdown report.
* terminal: rich prints such names verbatim.
"""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

import p2h_hydraulics as p2h
from p2h_hydraulics import check_integration
from p2h_hydraulics.cli import main

MATH = ["$x^2$", "$\\frac$"]  # typeset, and a mathtext parse error
HTML = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">']


def tiny(node: str, consumer: str, name: str) -> dict:
    """A three-node network whose middle node and second consumer carry the given ids."""
    return {"format": "p2h-network", "version": 1,
            "settings": {"name": name, "t_soil_c": 10},
            "nodes": [{"id": "A", "x_m": 0, "y_m": 0, "elevation_m": 30},
                      {"id": node, "x_m": 120, "y_m": 0, "elevation_m": 30},
                      {"id": "C", "x_m": 240, "y_m": 0, "elevation_m": 30}],
            "trenches": [{"id": "T1", "from_node": "A", "to_node": node, "length_m": 120,
                          "dn": 100, "series": "S2"},
                         {"id": "T2", "from_node": node, "to_node": "C", "length_m": 120,
                          "dn": 80, "series": "S2"}],
            "consumers": [{"id": "C1", "node": node, "q_kw": 250, "t_return_c": 45},
                          {"id": consumer, "node": "C", "q_kw": 100, "t_return_c": 45}],
            "plants": [{"id": "PL", "node": "A", "t_supply_c": 80, "p_return_bar": 2.5,
                        "control": "critical_point"}]}


def write(folder, node: str, consumer: str, name: str, unit_id: str = "dc",
          description: str = "", q_kw: float = 50.0):
    (folder / "net.json").write_text(json.dumps(tiny(node, consumer, name)), encoding="utf-8")
    scen = {"name": name, "description": description, "network": "net.json",
            "load_cases": [{"name": f"winter {name}"}],
            "units": [{"id": unit_id, "node": node, "q_kw": q_kw, "cooling": "custom",
                       "source_temperature_c": 95, "max_inlet_c": 60}]}
    (folder / "s.yaml").write_text(yaml.safe_dump(scen, allow_unicode=True), encoding="utf-8")
    return folder / "net.json", folder / "s.yaml"


def run_cli(args, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, out, err


def render(fig) -> None:
    """Draw ``fig`` as PNG and SVG (mathtext is parsed only when drawing)."""
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        assert buf.getbuffer().nbytes > 1000


def texts(fig) -> list:
    """Every Text artist of ``fig`` (titles, labels, annotations, legend entries)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text()]


def assert_verbatim(fig, literal: str) -> None:
    """Some text of ``fig`` shows ``literal`` as plain text (not mathtext)."""
    shown = []
    for t in texts(fig):
        s, math = t._preprocess_math(t.get_text())
        assert not math, t.get_text()  # nothing from the inputs is typeset
        shown.append(s)
    assert any(literal in s for s in shown), shown


# ------------------------------------------------------------------------------------------
# matplotlib


@pytest.mark.parametrize("text", MATH, ids=["x_squared", "frac"])
def test_figures_draw_dollar_names_verbatim(text, tmp_path):
    from p2h_hydraulics.plotting import (
        plot_network_map,
        plot_pressure_diagram,
        plot_temperature_profile,
    )

    net_path, scen_path = write(tmp_path, node=f"N{text}", consumer=f"C{text}", name=text)
    net = p2h.load_network(net_path)
    base = p2h.solve(net)
    ax = plot_network_map(net, base, column="t_c")
    render(ax.figure)
    assert_verbatim(ax.figure, text)
    for fn in (plot_pressure_diagram, plot_temperature_profile):
        ax = fn(net, base, path=["A", f"N{text}", "C"])
        render(ax.figure)
        assert_verbatim(ax.figure, f"N{text}")


def test_annual_figures_draw_dollar_names_verbatim():
    from p2h_hydraulics.annual.plots import duration_curves, monthly_plot

    hours = 24 * 30
    rng = np.random.default_rng(1)
    month = np.repeat(np.arange(1, 13), hours // 12)
    network = rng.uniform(500, 900, len(month))
    absorbed = rng.uniform(0, 200, len(month))
    hourly = pd.DataFrame({
        "month": month, "network_heat_kw": network, "offered_kw": np.full(len(month), 250.0),
        "absorbed_kw": absorbed, "rejected_kw": 250.0 - absorbed, "plant_kw": network - absorbed,
        "p_el_kw": np.zeros(len(month)), "converged": np.ones(len(month), dtype=bool),
        "limited_by": np.where(absorbed < 100, "plant_min_flow", ""),
    })
    summary = {"full_year": False, "absorbed_mwh": absorbed.sum() / 1e3,
               "offered_mwh": 250.0 * len(month) / 1e3, "feedin_share_of_network_heat": 0.1}
    result = SimpleNamespace(hourly=hourly, summary=summary, scenario="$\\frac{a}{b}$ grid")
    for fn in (duration_curves, monthly_plot):
        fig = fn(result)
        render(fig)
        assert_verbatim(fig, "$\\frac{a}{b}$ grid")


def test_check_html_keeps_its_verdict_with_dollar_names(tmp_path, capsys):
    _, scen = write(tmp_path, node="N$\\frac$", consumer="C$x^2$", name="$\\frac$ grid",
                    unit_id="dc$x$")
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    code, out, err = run_cli(["check", scen, "--report", md, "--html", html], capsys)
    assert code in (0, 1), err
    page = html.read_text(encoding="utf-8")
    verdict = check_integration(p2h.load_scenario(scen)).verdict
    assert verdict in page and page.count('class="p2h-fig"') >= 3  # map, pressure, temperature
    assert "$\\frac$ grid" in " ".join(out.split())  # terminal: verbatim


def test_plot_and_sites_map_with_dollar_names(tmp_path, capsys):
    _, scen = write(tmp_path, node="N$\\frac$", consumer="C$x^2$", name="$\\frac$ grid")
    for kind, suffix in (("map", ".svg"), ("pressure", ".png"), ("temperature", ".svg")):
        out = tmp_path / f"{kind}{suffix}"
        code, _, err = run_cli(["plot", scen, "--kind", kind, "--out", out], capsys)
        assert code == 0 and out.stat().st_size > 1000, err
    csv, fig = tmp_path / "sites.csv", tmp_path / "sites.png"
    code, _, err = run_cli(["sites", scen, "--workers", "1", "--q-max", "300", "--out", csv,
                            "--map", fig, "--candidates", "N*"], capsys)
    assert code == 0, err
    assert csv.stat().st_size > 0 and fig.stat().st_size > 1000


# ------------------------------------------------------------------------------------------
# Markdown


def _tags(md: str) -> list[str]:
    """Raw HTML tags in Markdown source."""
    return re.findall(r"<\s*/?\s*[a-zA-Z][^>]*>", md)


def _table_rows_consistent(md: str) -> None:
    """Every row of every Markdown table has the header's number of (unescaped) cells."""
    cells = None
    for line in md.splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        n = len(re.findall(r"(?<!\\)\|", line))
        if cells is None:
            cells = n
        assert n == cells, line


def _assert_markdown_safe(md: str) -> None:
    assert _tags(md) == [], _tags(md)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in md
    _table_rows_consistent(md)


def test_markdown_report_escapes_html_and_table_syntax(tmp_path, capsys):
    node, consumer = "N<script>alert(1)</script>", 'C<img src=x onerror="alert(1)">|x`y`'
    _, scen = write(tmp_path, node=node, consumer=consumer, name=HTML[0],
                    unit_id=HTML[1], description=f"{HTML[0]}\n{HTML[1]}", q_kw=5000)
    rep = check_integration(p2h.load_scenario(scen))
    assert rep.verdict == "NOT_PERMITTED"  # 5 MW into a 350 kW network: findings name ids
    md = rep.markdown()
    _assert_markdown_safe(md)
    assert "C&lt;img" in md and "\\|x\\`y\\`" in md  # the consumer id, escaped
    report = tmp_path / "r.md"
    code, out, err = run_cli(["check", scen, "--report", report], capsys)
    assert code == 1, err
    _assert_markdown_safe(report.read_text(encoding="utf-8"))
    assert HTML[0] in " ".join(out.split())  # the terminal prints the name verbatim


def test_md_text_round_trip_by_a_markdown_renderer():
    """CommonMark semantics: the escaped source renders as the original text (entities and
    backslash escapes are undone by the renderer, nothing else is interpreted)."""
    import html as html_mod

    from p2h_hydraulics.report import md_text

    raw = 'a|b `c` *d* [e](javascript:f) <b>g</b> & "h" ~i~ \\j'
    src = md_text(raw)
    assert "<" not in src and "`" not in src.replace("\\`", "")
    unescaped = html_mod.unescape(re.sub(r"\\(.)", r"\1", src))
    assert unescaped == raw
