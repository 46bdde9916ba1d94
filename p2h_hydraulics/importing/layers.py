"""Reading GIS layers (GeoJSON, GeoPackage, Shapefile) with geopandas/pyogrio, and choosing
the metric CRS every layer is reprojected to.

A layer is named by a path, optionally with the layer of a multi-layer file after a colon
(``net.gpkg:trassen``); a GeoPackage with one layer needs no name. CRS rules:

- every layer must carry a CRS, except that a layer without one is taken to be in the CRS of
  the others (or in ``crs`` when given) — and refused when its coordinates look like
  longitude/latitude;
- layers in different CRSs are refused (reproject them to one CRS in the GIS first);
- the target CRS is ``crs`` when given, else the layers' CRS when it is projected in metres and
  not a Web-Mercator-like CRS (whose metres are not true lengths), else the UTM zone of the
  data's centroid (``GeoDataFrame.estimate_utm_crs``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..io.safe_read import check_regular_file, check_regular_folder, max_input_bytes

WHAT = "GIS layer"  # the file kind in messages; its cap: safe_read's "gis" (P2H_MAX_GIS_MB)
_MERCATOR_NAMES = ("mercator", "pseudo-mercator")


@dataclass
class Layer:
    """One layer read from a file (a GeoDataFrame in its own CRS) and how to name it."""

    frame: object  # geopandas.GeoDataFrame
    label: str  # "lines.gpkg:trassen" for messages and the report
    path: Path


def split_source(source) -> tuple[Path, str | None]:
    """``"file.gpkg:layer"`` → (path, layer); a plain existing path → (path, None)."""
    text = str(source)
    path = Path(text)
    if path.exists() or ":" not in Path(text).name:
        return path, None
    head, layer = text.rsplit(":", 1)
    return Path(head), layer or None


def read_layer(source, layer: str | None = None, what: str = "layer") -> Layer:
    """Read one layer of a GIS file.

    Parameters
    ----------
    source : path, optionally ``path:layer`` for a multi-layer file (GeoPackage)
    layer : layer name (instead of the ``:layer`` suffix)
    what : what the layer is, for messages ("line", "consumer", "plant")

    Returns
    -------
    Layer
        the GeoDataFrame (its own CRS) and its label. ``InputFileError`` naming the file when
        it is missing, not a regular file, unreadable, ambiguous (several layers, none named)
        or has no features with a geometry.
    """
    import pyogrio

    path, named = split_source(source)
    layer = layer or named
    label = f"{path}:{layer}" if layer else str(path)
    if path.suffix.lower() == ".gdb":  # a file geodatabase is a folder
        check_regular_folder(path, f"{what} {WHAT}")
    else:
        check_regular_file(path, WHAT, max_input_bytes(WHAT),
                           hint=f"the {what} layer{f' {layer}' if layer else ''}")
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise InputFileError(f"{label}: not a GIS file that can be read ({exc})") from None
    names = [str(n) for n in layers[:, 0]]
    if layer is None and len(names) > 1:
        raise InputFileError(f"{label}: the file has several layers ({', '.join(names)}); "
                             f"name one as {path}:LAYER")
    if layer is not None and layer not in names:
        raise InputFileError(f"{label}: no layer '{layer}' in the file; its layers are: "
                             f"{', '.join(names)}")
    try:
        with warnings.catch_warnings():  # mixed-type GeoJSON columns stay text, as intended
            warnings.simplefilter("ignore", UserWarning)
            frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise InputFileError(f"{label}: cannot read the layer ({exc})") from None
    if len(frame) == 0 or frame.geometry.isna().all() or frame.geometry.is_empty.all():
        raise InputFileError(f"{label}: the {what} layer has no features with a geometry; "
                             "check the file or the layer name")
    return Layer(frame, label, path)


def _looks_geographic(frame) -> bool:
    x0, y0, x1, y1 = frame.total_bounds
    return -180.0 <= x0 and x1 <= 180.0 and -90.0 <= y0 and y1 <= 90.0


def _is_metric(crs) -> bool:
    if crs.is_geographic:
        return False
    units = {a.unit_name.lower() for a in crs.axis_info}
    if not units <= {"metre", "meter", "m"}:
        return False
    name = (crs.name or "").lower()
    return not any(m in name for m in _MERCATOR_NAMES)


def choose_crs(layers: list[Layer], crs: str | None):
    """The common source CRS of ``layers`` and the metric target CRS.

    Parameters
    ----------
    layers : the layers of one import
    crs : target CRS given by the user (``"EPSG:25832"``) or None

    Returns
    -------
    (pyproj.CRS or None, pyproj.CRS or None, str)
        source CRS, target CRS (None: no CRS anywhere, coordinates taken as metres) and why
        in words. ``InputFileError`` for layers in different CRSs, a geographic ``crs``, or a
        layer without CRS whose coordinates look like longitude/latitude.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    target = None
    if crs:
        try:
            target = CRS.from_user_input(crs)
        except CRSError as exc:
            raise InputFileError(f"--crs {crs!r}: not a known CRS ({exc})") from None
        if not _is_metric(target):
            raise InputFileError(f"--crs {crs!r}: expected a projected CRS in metres (e.g. a "
                                 "UTM zone such as EPSG:25832)")
    with_crs = [(lay, CRS.from_user_input(lay.frame.crs)) for lay in layers
                if lay.frame.crs is not None]
    source = with_crs[0][1] if with_crs else None
    for lay, c in with_crs[1:]:
        if c != source:
            first = with_crs[0][0]
            raise InputFileError(
                f"{lay.label} is in {_crs_name(c)} but {first.label} is in "
                f"{_crs_name(source)}: the layers must share one CRS; reproject one of them in "
                "the GIS (or export both in the same CRS)")
    for lay in layers:
        if lay.frame.crs is None and _looks_geographic(lay.frame) and (
                source is None or source.is_geographic) and target is None:
            raise InputFileError(
                f"{lay.label}: the layer has no CRS and its coordinates look like longitude/"
                "latitude; save it with its CRS (e.g. EPSG:4326) or give --crs")
    if target is not None:
        return source or target, target, f"{_crs_name(target)} (given)"
    if source is None:
        return None, None, "none given; coordinates taken as metres"
    if _is_metric(source):
        return source, source, f"{_crs_name(source)} (the layers' own)"
    frames = [lay.frame.set_crs(source, allow_override=True) for lay, _ in with_crs]
    import pandas as pd

    joined = pd.concat([f.geometry for f in frames])
    utm = joined.__class__(joined, crs=source).estimate_utm_crs()
    return source, utm, f"{_crs_name(utm)} (UTM zone of the data; the layers are in " \
                        f"{_crs_name(source)})"


def _crs_name(crs) -> str:
    if crs is None:
        return "no CRS"
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else (crs.name or crs.to_string())


def crs_text(crs) -> str:
    """A short text for a CRS (``EPSG:25832`` or its name); '' for None."""
    return "" if crs is None else _crs_name(crs)


def to_target(layer: Layer, source, target):
    """The layer's frame in the target CRS (unchanged when no reprojection is needed)."""
    frame = layer.frame
    if target is None:
        return frame
    if frame.crs is None:
        frame = frame.set_crs(source if source is not None else target)
    if frame.crs == target:
        return frame
    return frame.to_crs(target)
