"""Writing solve results: one JSON document, a GeoJSON FeatureCollection for GIS (needs the
network's coordinates), or a folder with one CSV per result table."""

from __future__ import annotations

from pathlib import Path

from .atomic import write_folder_atomic, write_text_atomic

RESULT_TABLES = ("junctions", "pipes", "valves", "consumers", "plant", "feedins", "pumps")


def owned_result_name(name: str) -> bool:
    """True for the file names of a results CSV folder (``<table>.csv``, ``summary.csv``): the
    entries ``write_result`` may replace."""
    stem, _, ext = name.rpartition(".")
    return ext.lower() == "csv" and stem.lower() in (*RESULT_TABLES, "summary")


def result_format(path) -> str:
    """"json", "geojson" or "csv" (a folder) for an output path."""
    suffix = Path(path).suffix.lower()
    return {".json": "json", ".geojson": "geojson"}.get(suffix, "csv")


def write_result(result, path, inputs=(), network=None) -> Path:
    """Write ``result`` to ``path``: ``.json`` → one document; ``.geojson`` → features placed
    at the junctions of ``network`` (required there); otherwise a folder of CSV tables
    (junctions.csv, pipes.csv, …, summary.csv), built next to the target and moved into place
    whole (``io.atomic.staged_folder``). Files are written atomically."""
    path = Path(path)
    fmt = result_format(path)
    if fmt == "json":
        return write_text_atomic(path, result.to_json() + "\n", inputs)
    if fmt == "geojson":
        if network is None:
            raise ValueError("GeoJSON results need the network (its junction coordinates)")
        from .geojson import write_geojson_result

        return write_geojson_result(result, network, path, inputs)
    files = {f"{name}.csv": df.to_csv(float_format="%.10g")
             for name, df in result.tables().items()}
    summary = result.summary()
    lines = ["key,value"] + [f"{k},{v}" for k, v in summary.items()]
    files["summary.csv"] = "\n".join(lines) + "\n"
    return write_folder_atomic(path, files, inputs, owned_result_name)
