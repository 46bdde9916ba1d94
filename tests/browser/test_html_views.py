"""The HTML views in a real headless browser (Debian's chromium + chromedriver via selenium),
with networking blocked: every page loads without console errors and without any request but
the file itself, draws as many elements as the network has, shows ids in hover labels, finds
and highlights elements, ranks and sorts the site table, keeps markup in ids inert, and
renders non-blank pixels. Skipped only where no browser or driver is installed."""

from __future__ import annotations

import io
import json
import shutil
import tempfile

import numpy as np
import pytest

from p2h_hydraulics.cli import main
from p2h_hydraulics.html import network_view, sites_view, write_view
from p2h_hydraulics.solver import solve

from .html_data import (
    EVIL_CONSUMER,
    EVIL_NAME,
    EVIL_PIPE,
    OLD_HOT,
    ROOT,
    markup_network,
    sites_result,
)

selenium = pytest.importorskip("selenium", reason="selenium is not installed")

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--window-size=1400,1000",
          # every request that would leave the machine goes to a closed port
          "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = next((shutil.which(b) for b in _BROWSERS if shutil.which(b)), None)
    chromedriver = shutil.which("chromedriver")
    if binary is None or chromedriver is None:
        pytest.skip("no headless browser: chromium and chromedriver not found on PATH "
                    "(Debian: apt-get install chromium chromium-driver)")
    profile = tempfile.mkdtemp(prefix="p2h-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for f in (*_FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    d.set_page_load_timeout(60)
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _load(d, path, allowed: str | None = None) -> list:
    """Open ``path``; assert no console error and no request but the file itself (and, with
    ``allowed``, requests whose URL starts with it, which are returned)."""
    from selenium.webdriver.support.ui import WebDriverWait

    d.get("about:blank")
    d.get_log("performance")  # drop what happened before this page
    d.get_log("browser")
    url = path.as_uri()
    d.get(url)
    WebDriverWait(d, 40).until(lambda x: x.execute_script(
        "return document.body && document.body.getAttribute('data-ready')") == "1")
    d.execute_script("return new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    events = [json.loads(e["message"])["message"] for e in d.get_log("performance")]
    urls = [m["params"]["request"]["url"] for m in events
            if m["method"] == "Network.requestWillBeSent"]
    failed = [m for m in events if m["method"] == "Network.loadingFailed"]
    assert url in urls
    others = [u for u in urls if u != url and not u.startswith(("data:", "blob:"))]
    if allowed is None:
        assert severe == [] and failed == [] and others == []
        return []
    # the blocked tile requests fail (and chromium logs them); nothing else may appear
    assert [u for u in others if not u.startswith(allowed)] == []
    assert all(allowed in e["message"] for e in severe)
    return others


def _inert(d, scripts: int) -> None:
    """No markup from an id ran or became an element."""
    from selenium.common.exceptions import NoAlertPresentException

    assert d.execute_script("return window.__xss") is None
    assert d.execute_script("return document.querySelectorAll('img').length") == 0
    # the page's own scripts only: PlotlyConfig, plotly.js, the view script, figure JSON
    assert d.execute_script("return document.scripts.length") == scripts
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018


def _not_blank(d) -> None:
    from PIL import Image

    png = d.get_screenshot_as_png()
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    assert img.shape[0] > 500 and img.shape[1] > 1000
    assert img.std() > 20.0  # a white page: 0
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 200  # colours of lines and labels


def _traces(d, div: str) -> dict:
    return d.execute_script(
        "var gd = document.getElementById(arguments[0]); var out = {};"
        "gd.data.forEach(function (t, i) { out[t.name + '#' + i] = {i: i, n: (t.x || []).length,"
        " ids: t.customdata || null}; }); return out;", div)


def _hover(d, div: str, trace: int, point: int) -> str:
    return d.execute_script(
        "var gd = document.getElementById(arguments[0]);"
        "Plotly.Fx.hover(gd, [{curveNumber: arguments[1], pointNumber: arguments[2]}]);"
        "var h = gd.querySelector('.hovertext'); return h ? h.textContent : null;",
        div, trace, point)


def _extra(d, div: str) -> dict:
    return d.execute_script(
        "var s = document.querySelector('script.p2h-fig[data-div=\"' + arguments[0] + '\"]');"
        "return JSON.parse(s.textContent).extra;", div)


def test_network_view(driver, tmp_path):
    net = markup_network()
    res = solve(net)
    path = write_view(tmp_path / "net.html", network_view(net, res))
    _load(driver, path)
    d = driver
    supply = res.pipes.index[res.pipes["side"] == "supply"]
    extra = _extra(d, "netmap")
    names = extra["traces"]
    tr = _traces(d, "netmap")
    by_index = {v["i"]: v for v in tr.values()}
    assert by_index[names["pipes"]]["n"] == len(supply)
    assert sorted(by_index[names["pipes"]]["ids"]) == sorted(supply)
    assert sorted(by_index[names["consumers"]]["ids"]) == sorted(net.consumers.index)
    assert by_index[names["plants"]]["ids"] == list(net.plants.index)
    # what is drawn: one line path per supply pipe, one marker per pipe midpoint, consumer and
    # plant
    n_lines = d.execute_script(
        "return document.getElementById('netmap').querySelectorAll('.scatterlayer path.js-line')"
        ".length")
    assert n_lines == len(supply)
    n_points = d.execute_script(
        "return document.getElementById('netmap').querySelectorAll('.scatterlayer path.point')"
        ".length")
    assert n_points == len(supply) + len(net.consumers) + len(net.plants)
    # hover: the markup id is shown as text
    k = by_index[names["consumers"]]["ids"].index(EVIL_CONSUMER)
    text = _hover(d, "netmap", names["consumers"], k)
    assert EVIL_CONSUMER in text and "kW" in text and "bar" in text
    # search: the pipe with markup in its id is found and highlighted at its midpoint
    box = d.find_element("css selector", "form.search input")
    box.send_keys(EVIL_PIPE)
    d.find_element("css selector", "form.search button").click()
    hl = d.execute_script("var gd = document.getElementById('netmap');"
                          "var t = gd.data[arguments[0]]; return [t.x, t.y];",
                          extra["highlight"])
    a, b = net.pipes.at[EVIL_PIPE, "from_junction"], net.pipes.at[EVIL_PIPE, "to_junction"]
    j = net.junctions
    assert hl[0] == [pytest.approx(0.5 * (j.at[a, "x_m"] + j.at[b, "x_m"]), abs=1e-9)]
    assert hl[1] == [pytest.approx(0.5 * (j.at[a, "y_m"] + j.at[b, "y_m"]), abs=1e-9)]
    msg = d.find_element("css selector", "form.search .msg").text
    assert msg == f"found: pipe {EVIL_PIPE}"
    # the switch: temperature colours the midpoints by the mean junction temperature
    button = next(e for e in d.find_elements("css selector", "g.updatemenu-button")
                  if e.text == "temperature")
    button.click()
    state = d.execute_script("var t = document.getElementById('netmap').data[arguments[0]];"
                             "return [t.customdata, t.marker.color,"
                             " t.marker.colorbar.title.text];", names["pipes"])
    t = res.junctions["t_c"]
    want = {p: 0.5 * (t[net.pipes.at[p, "from_junction"]] + t[net.pipes.at[p, "to_junction"]])
            for p in supply}
    assert state[2].startswith("temperature")
    assert state[1] == [pytest.approx(want[p], abs=1e-9) for p in state[0]]
    assert d.title == f"Network {EVIL_NAME}"
    _inert(d, 4)
    _not_blank(d)


def test_sites_view(driver, tmp_path):
    net = markup_network()
    sr = sites_result(net)
    path = write_view(tmp_path / "sites.html", sites_view(sr, net))
    _load(driver, path)
    d = driver
    extra = _extra(d, "sitesmap")
    tr = {v["i"]: v for v in _traces(d, "sitesmap").values()}
    solved = sr.table[sr.table["method"] == "solved"]
    assert tr[extra["traces"]["sites"]]["ids"] == list(solved.index)
    assert tr[extra["traces"]["screened"]]["ids"] == list(
        sr.table.index[sr.table["method"] == "screened"])
    rows = d.execute_script("return Array.from(document.querySelectorAll('#ranking tbody tr'))"
                            ".map(r => [r.getAttribute('data-id'), r.cells[0].textContent,"
                            " r.cells[2].textContent])")
    best = sr.table["capacity_kw"].idxmax()
    assert rows[0] == [best, "1", f"{sr.table['capacity_kw'].max():.0f}"]
    # clicking a row highlights its node on the map and opens its hover label
    row = d.find_element("css selector", f"#ranking tbody tr:nth-child({rows.index(next(r for r in rows if r[0] == EVIL_CONSUMER)) + 1})")  # noqa: E501
    row.click()
    hl = d.execute_script("var t = document.getElementById('sitesmap').data[arguments[0]];"
                          "return [t.x, t.y];", extra["highlight"])
    assert hl == [[pytest.approx(sr.table.at[EVIL_CONSUMER, "x_m"])],
                  [pytest.approx(sr.table.at[EVIL_CONSUMER, "y_m"])]]
    assert "picked" in row.get_attribute("class")
    label = d.execute_script("var h = document.querySelector('#sitesmap .hovertext');"
                             "return h ? h.textContent : null;")
    assert EVIL_CONSUMER in label and "capacity 90 kW" in label and "feedin_pump_head" in label
    # sorting by capacity: ascending (no value last), then descending
    head = d.find_elements("css selector", "#ranking th")[2]
    head.click()
    caps = d.execute_script("return Array.from(document.querySelectorAll('#ranking tbody tr'))"
                            ".map(r => r.cells[2].textContent)")
    assert caps == ["0", "90", "250", "410", "–"]
    head.click()
    caps = d.execute_script("return Array.from(document.querySelectorAll('#ranking tbody tr'))"
                            ".map(r => r.cells[2].textContent)")
    assert caps == ["410", "250", "90", "0", "–"]
    _inert(d, 4)
    _not_blank(d)


def test_check_view_from_the_cli(driver, tmp_path):
    out = tmp_path / "check.html"
    assert main(["check", str(OLD_HOT), "--html", str(out)]) == 1  # NOT_PERMITTED
    _load(driver, out)
    d = driver
    assert d.find_element("css selector", ".verdict").text == "NOT_PERMITTED"
    # every element a violation or warning names (in the findings table) is marked on the map
    named = d.execute_script(
        "var t = document.querySelector('#all-findings table');"
        "return Array.from(t.tBodies[0].rows).filter(r => r.cells[0].textContent !== 'ok')"
        ".map(r => r.cells[3].textContent).filter(e => e);")
    extra = _extra(d, "checkmap")
    tr = {v["i"]: v for v in _traces(d, "checkmap").values()}
    marked = set(tr[extra["traces"]["marks"]]["ids"]) if "marks" in extra["traces"] else set()
    from p2h_hydraulics.scenario import load_scenario

    scen = load_scenario(OLD_HOT)
    net = scen.load_network()
    drawable = {e for e in named if e in net.pipes.index or e in net.consumers.index
                or e in net.junctions.index or f"{e}_s" in net.junctions.index
                or e in net.plants.index or e in {u.id for u in scen.units}}
    assert drawable and marked == drawable
    # the pressure diagram is a plotly figure: hover a supply point shows its junction
    ptr = {v["i"]: (k, v) for k, v in _traces(d, "pressure").items()}
    i = next(i for i, (k, _v) in ptr.items() if k.startswith("supply (feed-in)"))
    text = _hover(d, "pressure", i, 0)
    assert "plant_s" in text and "bar g" in text
    _inert(d, 6)
    _not_blank(d)


def test_annual_view_from_the_cli(driver, tmp_path):
    out = tmp_path / "annual.html"
    rc = main(["annual", str(ROOT / "scenarios" / "annual_3g.yaml"), "--sample", "6",
               "--workers", "1", "--html", str(out), "--json"])
    assert rc == 0
    _load(driver, out)
    d = driver
    names = d.execute_script("return document.getElementById('duration').data.map(t => "
                             "[t.name, t.y.length])")
    assert [n for n, _ in names] == ["network heat (consumers + losses)", "P2H offer",
                                     "P2H absorbed", "plant heat"]
    assert all(k == 6 for _, k in names[1:3])  # offer and absorbed in every hour
    bars = d.execute_script("return document.getElementById('monthly')"
                            ".querySelectorAll('.barlayer .point').length")
    assert bars > 0
    _inert(d, 5)
    _not_blank(d)


def test_tiles_are_requested_only_when_asked(driver, tmp_path):
    from p2h_hydraulics.io import load_network

    net = load_network(ROOT / "networks" / "small_demo.json")
    j = net.junctions.copy()
    j["x_m"] += 566_000.0  # UTM 32N
    j["y_m"] += 5_950_000.0
    net = net.replace(junctions=j, settings={"crs": "EPSG:25832"})
    res = solve(net)
    host = "https://tiles.example.org/"
    page = network_view(net, res, tiles=host + "{z}/{x}/{y}.png")
    path = write_view(tmp_path / "tiles.html", page)
    asked = _load(driver, path, allowed=host)
    n = driver.execute_script("return document.getElementById('netmap').layout.images.length")
    assert n >= 1 and len(set(asked)) == n
