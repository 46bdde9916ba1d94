"""pandapipes JSON files read as data: nothing in a file is imported, instantiated or run.

pandapipes (``pandapipes.from_json``) decodes its files with pandapower's JSON hook, which imports
the module and class a file names (``_module``/``_class``), hands strings to other decoders (a
``pandapowerNet`` string goes to pandapower's own decoder, without pandapipes' allowlist), imports
any function a file names, and reads a DataFrame from any local ``*.json`` path the file gives.
A network file received from someone else must not be able to do any of that.

This module parses the file with the standard ``json`` module and rebuilds the net from an
explicit allowlist, at every nesting level (also inside the JSON strings a file embeds):

=====================================================  ============================================
``_module`` / ``_class`` in the file                    rebuilt as
=====================================================  ============================================
``pandapipes.pandapipes_net`` ``pandapipesNet``         the net (only as the document itself)
``pandas.core.frame`` ``DataFrame`` (``orient=split``)  a DataFrame: the table inline as JSON text,
                                                        cells plain JSON values, listed dtypes only
``pandas.core.series`` ``Series`` (``orient=split``)    a Series, same rules
``numpy`` ``array`` / ``float64`` / ``int64`` / …        numpy numbers and numeric arrays
``builtins`` ``tuple`` / ``set`` / ``frozenset``        those of plain values
``pandapipes.properties.fluids`` ``Fluid`` and its      the fluid, built with pandapipes' own
constant / linear / interpolated properties              constructors from numbers
``pandapipes.std_types.std_type(_class)``               a pump standard type from its curve
``PumpStdType``                                         coefficients
``pandapipes.component_models.*`` (component list)      pandapipes' own component class by name
=====================================================  ============================================

(the allowlist itself: ``io.pandapipes_allowlist``)

Anything else — ``function``, ``method``, ``pandapowerNet``, a net inside the net, an unknown
module or class, a DataFrame given as a path, extra keys next to ``_class``, nesting deeper than
``pandapipes_allowlist.MAX_DEPTH`` — is refused with an ``InputFileError`` naming the file and
the key path (for example ``net.junction._object``). Rows of a ``controller`` table are kept as
the name of their class (they are never loaded), so that the import can report them as
unsupported.

The file is read only when it is a regular file within the ``pandapipes`` cap of
``io.safe_read`` (128 MiB, ``P2H_MAX_PANDAPIPES_MB``). Old file
formats are brought up to date with pandapipes' ``convert_format`` (column renames on the
rebuilt tables).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem
from .pandapipes_allowlist import Decoder, Refused, parse_json_text
from .safe_read import read_regular_bytes

WHAT = "pandapipes network"  # the file kind in messages; its cap: safe_read's "pandapipes"


# ---------------------------------------------------------------------------------------------
# reading the bytes
# ---------------------------------------------------------------------------------------------

def read_document(path) -> object:
    """Parse a JSON file read as a regular file within the ``pandapipes`` cap
    (``io.safe_read.read_regular_bytes``).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    object
        The parsed JSON (plain dicts, lists, strings, numbers; duplicate keys refused).
    """
    path = Path(path)
    data = read_regular_bytes(path, what=WHAT)
    try:
        bom16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        text = data.decode("utf-16" if bom16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return parse_json_text(text)
    except Refused as exc:
        raise _error(str(path), exc) from None


def _error(file: str | None, exc: Refused) -> InputFileError:
    where = f"key '{exc.path}': " if exc.path else ""
    return InputFileError([Problem(f"not a readable pandapipes net: {where}{exc.why}",
                                   file=file)])


# ---------------------------------------------------------------------------------------------
# the document → a pandapipes net
# ---------------------------------------------------------------------------------------------

def is_pandapipes_document(doc) -> bool:
    """True when a parsed JSON document looks like a pandapipes net (``_class`` + ``_object``)."""
    return isinstance(doc, dict) and "_class" in doc and "_object" in doc


def load_pandapipes_net(path):
    """A pandapipes net from a file written by ``pandapipes.to_json``, read without executing
    anything (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pandapipes.pandapipesNet
        The net (tables, fluid, standard types, options), brought to pandapipes' current format.
    """
    return net_from_document(read_document(path), file=str(path))


def net_from_document(doc, file: str | None = None):
    """A pandapipes net from a parsed pandapipes JSON document (``read_document``).

    Parameters
    ----------
    doc : object
        The parsed document.
    file : str, optional
        The file it came from (named in errors).

    Returns
    -------
    pandapipes.pandapipesNet
        The net. Raises ``InputFileError`` naming the key path of anything not allowed.
    """
    from .pandapipes_lib import pandapipes

    pandapipes()  # imports pandapipes (and undoes its matplotlib patch)
    try:
        entries = Decoder().net(doc)
    except Refused as exc:
        raise _error(file, exc) from None
    return _build_net(entries, file)


def _build_net(entries: dict, file: str | None):
    from pandapipes.io.convert_format import convert_format
    from pandapipes.pandapipes_net import get_basic_net_entries, pandapipesNet

    basic = get_basic_net_entries()
    net = pandapipesNet({k: basic[k] for k in basic if k in entries})
    net.update(entries)
    from packaging.version import InvalidVersion, Version

    for key in ("version", "format_version"):
        if key in net:
            try:
                Version(net[key])
            except (InvalidVersion, TypeError):
                raise _error(file, Refused(f"net.{key}", "expected a version number such "
                                                          "as '0.16.0'")) from None
    if "version" not in net and "format_version" not in net:
        raise _error(file, Refused("net.version", "missing: no pandapipes version given"))
    ctrl = net.get("controller")
    if isinstance(ctrl, pd.DataFrame) and len(ctrl) and "initial_run" not in ctrl.columns:
        ctrl["initial_run"] = False  # else the format update would ask the (unloaded) objects
    try:
        convert_format(net)
    except Exception as exc:  # pandapipes' format update on an unusual old net
        raise _error(file, Refused("net", f"an old pandapipes format that could not be "
                                           f"updated ({type(exc).__name__}: {exc})")) from None
    return net
