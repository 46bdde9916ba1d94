"""File formats. One module per format, each converting to/from the native model.

``load_network`` picks the reader from the path: a ``.json`` file (native format, or a
pandapipes net saved with ``pandapipes.to_json``), a ``.geojson`` file, or a folder of CSV tables.
``save_network`` picks the writer the same way (``.csv`` directory, ``.geojson``, ``.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputFileError
from .native_json import load_json_network, network_from_document, read_json, write_json_network
from .safe_read import check_regular_file


def load_network(path, validate: bool = True):
    """Load a network from a native JSON file, a GeoJSON file, a CSV folder or a pandapipes JSON.

    Only regular files (or a folder of them) are read, each of at most the network cap of
    ``io.safe_read`` (512 MiB unless ``P2H_MAX_NETWORK_MB`` says otherwise)."""
    path = Path(path)
    if not os.path.lexists(path):
        raise InputFileError(f"{path}: file not found")
    if not path.is_dir():
        check_regular_file(path, "network")  # no FIFO, device or socket; caps in io.safe_read
    else:
        from .csv_tables import read_csv_network

        if path.suffix.lower() in (".json", ".geojson") and not any(path.glob("*.[cC][sS][vV]")):
            raise InputFileError(f"{path}: is a directory, expected a {path.suffix} file")

        return read_csv_network(path, validate=validate)
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        from .geojson import read_geojson_network

        return read_geojson_network(path, validate=validate)
    if suffix == ".json":
        doc = read_json(path)
        if isinstance(doc, dict) and ("_class" in doc or "_module" in doc):
            from .pandapipes_io import read_pandapipes_json  # parsed as data, never executed

            return read_pandapipes_json(path, validate=validate, document=doc)
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
            from .geojson import network_from_feature_collection

            return network_from_feature_collection(doc, file=str(path), validate=validate)
        return network_from_document(doc, file=str(path), validate=validate)
    raise InputFileError(f"{path}: unknown network format '{suffix}'; expected .json (native or "
                         "pandapipes), .geojson, or a folder of CSV tables")


def save_network(net, path, fmt: str | None = None, inputs=()) -> Path:
    """Write ``net`` to ``path``; format from ``fmt`` ('json', 'csv', 'geojson', 'pandapipes')
    or from the path (folder or ``.csv`` → CSV tables)."""
    path = Path(path)
    fmt = output_format(path, fmt)
    if fmt == "json":
        return write_json_network(net, path, inputs)
    if fmt == "csv":
        from .csv_tables import write_csv_network

        return write_csv_network(net, path, inputs)
    if fmt == "geojson":
        from .geojson import write_geojson_network

        return write_geojson_network(net, path, inputs)
    if fmt == "pandapipes":
        from .pandapipes_io import write_pandapipes_json

        return write_pandapipes_json(net, path, inputs)
    raise InputFileError(f"unknown output format {fmt!r}; use json, csv, geojson or pandapipes")


def output_format(path, fmt: str | None = None) -> str:
    """The format ``save_network`` writes to ``path``: ``fmt`` when given, else from the path
    ('geojson', 'json', or 'csv' for a folder name or ``.csv``)."""
    if fmt is not None:
        if fmt not in ("json", "csv", "geojson", "pandapipes"):
            raise InputFileError(f"unknown output format {fmt!r}; use json, csv, geojson or "
                                 "pandapipes")
        return fmt
    return _format_from_path(Path(path))


def _format_from_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        return "geojson"
    if suffix == ".json":
        return "json"
    if suffix in ("", ".csv") or path.is_dir():
        return "csv"
    raise InputFileError(f"{path}: cannot tell the output format from the extension "
                         f"'{suffix}'; use .json, .geojson or a folder name")


__all__ = ["load_network", "save_network", "load_json_network", "write_json_network"]
