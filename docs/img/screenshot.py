"""Screenshot of a p2h HTML view in headless chromium (offline: every request but the file is
sent to a closed proxy port), written as a palette PNG.

    python docs/img/screenshot.py sites.html docs/img/sites_view.png --selector .split --click-row 1

Needs selenium, pillow, chromium and chromedriver (Debian: apt-get install chromium
chromium-driver).
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--hide-scrollbars")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--selector", default="body", help="CSS selector of the element to shoot")
    ap.add_argument("--click-row", type=int, default=0,
                    help="click this row of the ranking table first (1 = best)")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--colors", type=int, default=128, help="palette size of the PNG")
    a = ap.parse_args()
    profile = tempfile.mkdtemp(prefix="p2h-shot-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("google-chrome")
    for f in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={a.width},{a.height}"):
        opts.add_argument(f)
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        d.get(a.html.resolve().as_uri())
        WebDriverWait(d, 60).until(lambda x: x.execute_script(
            "return document.body.getAttribute('data-ready')") == "1")
        if a.click_row:
            d.find_element("css selector",
                           f"#ranking tbody tr:nth-child({a.click_row})").click()
        d.execute_script("document.querySelectorAll('.side').forEach(s => s.scrollLeft = 0)")
        el = d.find_element("css selector", a.selector)
        d.execute_script("arguments[0].scrollIntoView()", el)
        png = el.screenshot_as_png
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=a.colors)
    img.save(a.png, optimize=True)
    print(f"{a.png}: {img.size[0]}×{img.size[1]} px, {a.png.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
