"""Writing solve results: one JSON document, a GeoJSON FeatureCollection for GIS (needs the
network's coordinates), or a folder with one CSV per result table."""

from __future__ import annotations

from pathlib import Path

from .geojson import write_geojson_result


def result_format(path) -> str:
    """The result format an output path asks for.

    Parameters
    ----------
    path : path-like
        The output path.

    Returns
    -------
    str
        "json", "geojson" or "csv" (a folder of CSV tables).
    """
    suffix = Path(path).suffix.lower()
    return {".json": "json", ".geojson": "geojson"}.get(suffix, "csv")


def write_result(result, path, inputs=(), network=None) -> Path:
    """Write ``result`` to ``path``: ``.json`` → one document; ``.geojson`` → features placed
    at the junctions of ``network`` (required there); otherwise a folder of CSV tables
    (junctions.csv, pipes.csv, …, summary.csv). Files are written atomically.

    Parameters
    ----------
    result : Result
        The solve result.
    path : path-like
        ``.json``, ``.geojson`` or a folder.
    inputs : iterable of path-like
        Input files of the run (never overwritten).
    network : Network, optional
        The network (its coordinates; needed for GeoJSON).

    Returns
    -------
    Path
        The file or folder written.
    """
    path = Path(path)
    fmt = result_format(path)
    if fmt == "json":
        return result.to_json(path, inputs)
    if fmt == "geojson":
        if network is None:
            raise ValueError("GeoJSON results need the network (its junction coordinates)")

        return write_geojson_result(result, network, path, inputs)
    return result.write(path, inputs)
