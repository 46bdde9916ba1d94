"""Optional background map tiles for the network map — only when the user asks for them
(``p2h view … --tiles URL``): the page then loads these images from that server when opened,
so it is no longer offline.

The tiles are the usual web-map ("slippy map", Web Mercator) tiles addressed by zoom ``z`` and
column/row ``x``/``y``; each one is placed as a plotly layout image under the pipes, its
corners transformed from longitude/latitude into the map's coordinates (the network's
projected CRS via pyproj, or the display projection of a geographic network). At district
scale a tile is a rectangle in those coordinates to well below a pixel.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..errors import P2HError

__all__ = ["tile_images", "check_tile_template", "MAX_TILES"]

MAX_TILES = 64
_TEMPLATE = re.compile(r"^(https?|file)://[^\s\"'<>]+$")


def check_tile_template(template: str) -> str:
    """``template`` if it is an http(s)/file URL with ``{z}``, ``{x}`` and ``{y}``; else a
    ``P2HError`` saying what is expected."""
    if not _TEMPLATE.match(template or "") or not all(k in template for k in
                                                      ("{z}", "{x}", "{y}")):
        raise P2HError(f"--tiles must be a tile URL with {{z}}, {{x}} and {{y}}, e.g. "
                       f"https://tiles.example.org/{{z}}/{{x}}/{{y}}.png; got {template!r}")
    return template


def _to_lonlat_and_back(net, proj):
    """(file coordinates → lon/lat, lon/lat → map coordinates) for ``net``."""
    if proj is not None:  # geographic network: degrees in the file, proj(lon, lat) on the map
        return (lambda x, y: (np.asarray(x), np.asarray(y))), proj
    crs = str(net.settings.get("crs") or "").strip()
    if not crs:
        raise P2HError("background tiles need the network's coordinate reference system "
                       "(settings 'crs', e.g. EPSG:25832); this network has none")
    try:
        from pyproj import CRS, Transformer
    except ImportError:
        raise P2HError("background tiles need pyproj (pip install pyproj)") from None
    try:
        src = CRS.from_user_input(crs)
    except Exception:  # pyproj raises its own CRSError for unknown codes
        raise P2HError(f"unknown coordinate reference system {crs!r} in the network's "
                       "settings") from None
    fwd = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    back = Transformer.from_crs("EPSG:4326", src, always_xy=True)
    return fwd.transform, back.transform


def _tile_of(lon, lat, z):
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    lat_r = math.radians(lat)
    y = (1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n
    return int(math.floor(x)), int(math.floor(y))


def _lonlat_of(x, y, z):
    n = 2 ** z
    return x / n * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tile_images(net, template: str, proj=None, max_tiles: int = MAX_TILES) -> list[dict]:
    """Layout images of the tiles covering ``net``, placed in the map's coordinates.

    Parameters
    ----------
    net : Network
        The network with the coordinates of its file (metres of ``settings['crs']``, or
        degrees of a geographic CRS).
    template : str
        Tile URL with ``{z}``, ``{x}``, ``{y}`` (``check_tile_template``).
    proj : Projection, optional
        The display projection of a geographic network (``netmap.display_projection``).
    max_tiles : int
        The zoom is the largest (≤ 19) whose covering has at most this many tiles.

    Returns
    -------
    list of dict
        plotly layout images (``source``, ``x``/``y`` of the upper-left corner, ``sizex``,
        ``sizey``, below the traces).
    """
    check_tile_template(template)
    to_ll, from_ll = _to_lonlat_and_back(net, proj)
    x = net.junctions["x_m"].to_numpy(float)
    y = net.junctions["y_m"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return []
    lon, lat = to_ll(x[ok], y[ok])
    lon0, lon1 = float(np.min(lon)), float(np.max(lon))
    lat0, lat1 = float(np.min(lat)), float(np.max(lat))
    if not (-180 <= lon0 <= lon1 <= 180 and -85 < lat0 <= lat1 < 85):
        raise P2HError("background tiles: the network's coordinates do not map to longitude/"
                       "latitude inside the web-map range; check settings 'crs'")
    for z in range(19, -1, -1):
        xa, ya = _tile_of(lon0, lat1, z)
        xb, yb = _tile_of(lon1, lat0, z)
        if (xb - xa + 1) * (yb - ya + 1) <= max_tiles:
            break
    images = []
    for tx in range(xa, xb + 1):
        for ty in range(ya, yb + 1):
            lo_w, la_n = _lonlat_of(tx, ty, z)
            lo_e, la_s = _lonlat_of(tx + 1, ty + 1, z)
            (x_w, x_e), (y_n, y_s) = from_ll(np.array([lo_w, lo_e]), np.array([la_n, la_s]))
            images.append(dict(source=template.format(z=z, x=tx, y=ty), xref="x", yref="y",
                               x=float(x_w), y=float(y_n), sizex=float(x_e - x_w),
                               sizey=float(y_n - y_s), sizing="stretch", layer="below",
                               opacity=0.85))
    return images
