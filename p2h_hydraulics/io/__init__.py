"""File formats. One module per format, each converting to/from the native model.

``load_network`` picks the reader from the path: a ``.json`` file (native format, or a
pandapipes net saved with ``pandapipes.to_json``), a ``.geojson`` file, or a folder of CSV tables.
``save_network`` picks the writer the same way (``.csv`` directory, ``.geojson``, ``.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputFileError
from .csv_tables import read_csv_network, write_csv_network
from .geojson import network_from_feature_collection, read_geojson_network, write_geojson_network
from .native_json import load_json_network, network_from_document, read_json, write_json_network
from .pandapipes_io import read_pandapipes_json, write_pandapipes_json
from .safe_read import check_regular_file


def load_network(path, validate: bool = True):
    """Load a network from a native JSON file, a GeoJSON file, a CSV folder or a pandapipes JSON.

    The format follows from the path: a folder of CSV tables, a ``.geojson`` file, or a
    ``.json`` file (native format, a GeoJSON FeatureCollection, or a net saved with
    ``pandapipes.to_json``, parsed against an allowlist and never executed). Only regular
    files (or a folder of them) are read, each of at most the network cap of ``io.safe_read``
    (512 MiB unless ``P2H_MAX_NETWORK_MB`` says otherwise).

    Parameters
    ----------
    path : path-like
        The file or folder.
    validate : bool
        Check the network (every problem reported at once as a ``ModelError``).

    Returns
    -------
    Network
        The network, all quantities in SI units.

    Raises
    ------
    InputFileError
        When the file is missing, unreadable or of an unknown format.

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> net = p2h.load_network("networks/small_demo.json")
    >>> len(net.consumers), len(net.pipes)
    (10, 46)
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise InputFileError(f"{path}: file not found")
    if not path.is_dir():
        check_regular_file(path, "network")  # no FIFO, device or socket; caps in io.safe_read
    else:
        if path.suffix.lower() in (".json", ".geojson") and not any(path.glob("*.[cC][sS][vV]")):
            raise InputFileError(f"{path}: is a directory, expected a {path.suffix} file")

        return read_csv_network(path, validate=validate)
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        return read_geojson_network(path, validate=validate)
    if suffix == ".json":
        doc = read_json(path)
        if isinstance(doc, dict) and ("_class" in doc or "_module" in doc):
            return read_pandapipes_json(path, validate=validate, document=doc)
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
            return network_from_feature_collection(doc, file=str(path), validate=validate)
        return network_from_document(doc, file=str(path), validate=validate)
    raise InputFileError(f"{path}: unknown network format '{suffix}'; expected .json (native or "
                         "pandapipes), .geojson, or a folder of CSV tables")


def save_network(net, path, fmt: str | None = None, inputs=()) -> Path:
    """Write ``net`` to ``path``, atomically and never over an input file.

    Parameters
    ----------
    net : Network
        The network.
    path : path-like
        The target file or folder.
    fmt : str, optional
        "json", "csv", "geojson" or "pandapipes"; default: from the path (a folder or ``.csv``
        → CSV tables, ``.geojson``, ``.json``).
    inputs : iterable of path-like
        Input files of the run (refused as the target).

    Returns
    -------
    Path
        The file or folder written.
    """
    path = Path(path)
    fmt = output_format(path, fmt)
    if fmt == "json":
        return write_json_network(net, path, inputs)
    if fmt == "csv":
        return write_csv_network(net, path, inputs)
    if fmt == "geojson":
        return write_geojson_network(net, path, inputs)
    if fmt == "pandapipes":
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
