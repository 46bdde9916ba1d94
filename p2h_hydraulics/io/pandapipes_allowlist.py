"""The allowlist behind ``io.pandapipes_json``: plain JSON values → the values of a pandapipes
net, without importing or instantiating anything a file names.

``Decoder.net`` takes a parsed pandapipes document and returns the net's entries (DataFrames,
numpy values, the fluid, pump standard types, component classes, plain data) or raises
``Refused`` with the key path of the first value the allowlist does not admit. The table of what
is admitted is in the docstring of ``io.pandapipes_json``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

MAX_DEPTH = 40  # levels of nested values under the net (plain data, tables, embedded JSON)

NET = ("pandapipes.pandapipes_net", "pandapipesNet")
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_NUMPY_SCALARS = {"float64", "float32", "int64", "int32", "int16", "int8", "uint64", "uint32",
                  "uint16", "uint8", "bool", "bool_"}
_DTYPES = _NUMPY_SCALARS - {"bool_"} | {"object"}
_FLUID_MODULE = "pandapipes.properties.fluids"
_STD_TYPE_MODULES = ("pandapipes.std_types.std_type_class", "pandapipes.std_types.std_type")
_COMPONENT_MODULE = "pandapipes.component_models."
# tables and columns the import reads: their cells must be single values (numbers where numbers
# are read); other columns (geometry, extra data) may hold plain JSON lists and objects
IMPORTED_TABLES = {"junction", "junction_geodata", "pipe", "valve", "pump", "heat_consumer",
                   "heat_exchanger", "res_heat_exchanger", "flow_control", "circ_pump_pressure",
                   "circ_pump_mass", "ext_grid", "sink", "source"}
TEXT_COLUMNS = {"name", "std_type", "type", "et", "control", "series"}
NUMBER_COLUMNS = {
    "from_junction", "to_junction", "junction", "return_junction", "flow_junction", "element",
    "in_service", "opened", "control_active", "height_m", "tfluid_k", "x", "y", "length_km",
    "inner_diameter_mm", "outer_diameter_mm", "k_mm", "loss_coefficient", "u_w_per_m2k",
    "text_k", "qext_w", "controlled_mdot_kg_per_s", "deltat_k", "treturn_k", "t_flow_k",
    "p_flow_bar", "plift_bar", "p_bar", "t_k", "mdot_flow_kg_per_s", "mdot_kg_per_s", "scaling",
    "mdot_from_kg_per_s", "dn", "t_soil_k", "length_m", "d_inner_m", "roughness_m",
    "u_w_per_mk", "lift0_pa", "curve_b1", "curve_b2", "curve_b3", "t_return_k", "delta_t_k",
    "mdot_kg_s", "dp_min_pa", "lift_pa", "p_supply_pa", "p_return_pa", "mdot_design_kg_s",
    "q_w", "p_pa"}
# entries of the net the import reads, with the plain values they may hold
SETTINGS_ENTRIES = ("user_pf_options", "p2h_settings")
_REFUSED = ("a network file may hold only pandapipes tables, the fluid, standard types and plain "
            "values; nothing named in it is imported or run")


class Refused(Exception):
    """A value the allowlist does not admit, at a key path."""

    def __init__(self, path: str, why: str):
        super().__init__(path, why)
        self.path, self.why = path, why


def parse_json_text(text: str) -> object:
    """``json.loads`` with duplicate keys, deep nesting and oversized numbers refused.

    Parameters
    ----------
    text : str
        JSON text (a file's content, or a table a file embeds as text).

    Returns
    -------
    object
        Plain dicts, lists, strings, numbers, booleans and None. Raises ``Refused``.
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise Refused("", f"malformed JSON: {exc.msg} (line {exc.lineno}, column "
                           f"{exc.colno})") from None
    except RecursionError:
        raise Refused("", "JSON nested too deeply") from None
    except ValueError as exc:  # an integer with more digits than Python converts, a duplicate
        raise Refused("", f"malformed JSON ({str(exc).split(';')[0]})") from None


def _unique_keys(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set = set()
        for k, _ in pairs:
            if k in seen:
                raise ValueError(f"key {k!r} appears twice in one object")
            seen.add(k)
    return out


class Decoder:
    """Rebuilds values from the allowlist; ``path`` names the key in errors."""

    def net(self, doc) -> dict:
        if not isinstance(doc, dict):
            raise Refused("net", "expected a JSON object")
        self._signature(doc, "net", allowed_extra=())
        if (doc.get("_module"), doc.get("_class")) != NET:
            raise Refused("net._class", f"{_name(doc)} is not allowed here (expected "
                                         f"{'.'.join(NET)}); {_REFUSED}")
        obj = doc["_object"]
        if isinstance(obj, str):  # an old format: the net as JSON text (a document in itself)
            inner = self._embedded(obj, "net._object")
            if not isinstance(inner, dict) or "_class" in inner:
                raise Refused("net._object", "expected the net's entries as a JSON object")
            obj = inner
        if not isinstance(obj, dict):
            raise Refused("net._object", "expected the net's entries as a JSON object")
        out = {}
        for key, value in obj.items():
            path = f"net.{key}"
            if not KEY.match(key):
                raise Refused(path, "not a valid name for an entry of a pandapipes net")
            out[key] = self.value(value, path, 1, table=key)
        _check_entries(out)
        return out

    # -- generic values -----------------------------------------------------------------------

    def value(self, v, path: str, depth: int, table: str | None = None):
        """Plain JSON values as they are; tagged objects through the allowlist."""
        if depth > MAX_DEPTH:
            raise Refused(path, f"nested more than {MAX_DEPTH} levels deep")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]
        if not isinstance(v, dict):  # pragma: no cover - json gives no other types
            raise Refused(path, f"unexpected value of type {type(v).__name__}")
        if "_module" in v or "_class" in v:
            return self.tagged(v, path, depth, table)
        return {k: self.value(x, f"{path}.{k}", depth + 1) for k, x in v.items()}

    def tagged(self, v: dict, path: str, depth: int, table: str | None = None):
        module, cls = v.get("_module"), v.get("_class")
        if not isinstance(module, str) or not isinstance(cls, str):
            raise Refused(f"{path}._class", "'_module' and '_class' must both be given as text")
        if (module, cls) == ("pandas.core.frame", "DataFrame"):
            return self.dataframe(v, path, depth, table)
        if (module, cls) == ("pandas.core.series", "Series"):
            return self.series(v, path, depth)
        if module == "numpy" and cls == "array":
            return self.array(v, path, depth)
        if module == "numpy" and cls in _NUMPY_SCALARS:
            return self.numpy_scalar(v, path, cls)
        if module == "builtins" and cls in ("tuple", "set", "frozenset"):
            self._signature(v, path, allowed_extra=())
            items = self._list(v["_object"], f"{path}._object", depth)
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[cls](items)
        if module == _FLUID_MODULE and cls == "Fluid":
            return self.fluid(v, path, depth)
        if module in _STD_TYPE_MODULES and cls == "PumpStdType":
            return self.pump_std_type(v, path, depth)
        if module.startswith(_COMPONENT_MODULE):
            return self.component(v, path, cls)
        raise Refused(f"{path}._class", f"{module}.{cls!s} is not allowed; {_REFUSED}")

    def _signature(self, v: dict, path: str, allowed_extra=()) -> None:
        if "_object" not in v:
            raise Refused(f"{path}._object", "missing")
        extra = set(v) - {"_module", "_class", "_object", *allowed_extra}
        if extra:
            raise Refused(f"{path}.{sorted(extra)[0]}", f"unexpected key next to {_name(v)!r}")

    def _embedded(self, text, path: str):
        if not isinstance(text, str):
            raise Refused(path, "expected JSON text")
        try:
            return parse_json_text(text)
        except Refused as exc:
            raise Refused(path, exc.why) from None

    def _object_dict(self, v: dict, path: str) -> dict:
        """The ``_object`` of a pandapipes class: JSON text of an object (or the object)."""
        obj = v["_object"]
        if isinstance(obj, str):
            obj = self._embedded(obj, f"{path}._object")
        if not isinstance(obj, dict):
            raise Refused(f"{path}._object", "expected a JSON object")
        return obj

    def _list(self, v, path: str, depth: int) -> list:
        if not isinstance(v, list):
            raise Refused(path, "expected a list")
        return [self.value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]

    # -- numpy --------------------------------------------------------------------------------

    def numpy_scalar(self, v: dict, path: str, cls: str):
        self._signature(v, path)
        x = v["_object"]
        if cls in ("bool", "bool_"):
            if isinstance(x, str) and x in ("True", "False", "true", "false"):
                x = x in ("True", "true")
            if not isinstance(x, bool):
                raise Refused(f"{path}._object", "expected True or False")
            return np.bool_(x)
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise Refused(f"{path}._object", f"expected a number for numpy.{cls}")
        try:
            return getattr(np, cls)(x)
        except (OverflowError, ValueError):
            raise Refused(f"{path}._object", f"{x!r} does not fit numpy.{cls}") from None

    def array(self, v: dict, path: str, depth: int) -> np.ndarray:
        self._signature(v, path, allowed_extra=("dtype",))
        dtype = v.get("dtype", "float64")
        if dtype not in _DTYPES:
            raise Refused(f"{path}.dtype", f"dtype {dtype!r} is not allowed "
                                            f"(allowed: {', '.join(sorted(_DTYPES))})")
        items = self._list(v["_object"], f"{path}._object", depth)
        plain = all(x is None or isinstance(x, (str, int, float)) for x in items)
        if not (all(_is_number_tree(x) for x in items) or dtype == "object" and plain):
            raise Refused(f"{path}._object", "a numpy array holds numbers (or, with dtype "
                                              "'object', single values) only")
        try:
            return np.array(items, dtype=dtype)
        except (ValueError, OverflowError, TypeError) as exc:
            raise Refused(f"{path}._object", f"not a {dtype} array ({exc})") from None

    # -- pandas -------------------------------------------------------------------------------

    def _split(self, v: dict, path: str, keys: set) -> dict:
        if v.get("orient") != "split":
            raise Refused(f"{path}.orient", "only orient 'split' is read (the table inline)")
        obj = v["_object"]
        if not isinstance(obj, str) or not obj.lstrip().startswith("{"):
            raise Refused(f"{path}._object", "expected the table itself as inline JSON text "
                                              "(orient 'split'); paths and other sources are "
                                              "not read")
        doc = self._embedded(obj, f"{path}._object")
        if not isinstance(doc, dict) or set(doc) != keys:
            raise Refused(f"{path}._object", f"expected a JSON object with exactly the keys "
                                              f"{', '.join(sorted(keys))}")
        index = doc["index"]
        kinds = {type(i) for i in index} if isinstance(index, list) else {None}
        if not (kinds <= {int} or kinds <= {str}):
            raise Refused(f"{path}._object", "the index must be a list of integers (or of "
                                              "names)")
        if len(set(index)) != len(index):
            repeated = sorted({i for i in index if index.count(i) > 1}, key=str)[:5]
            raise Refused(f"{path}._object", f"the index repeats entries ({repeated})")
        return doc

    def _dtypes(self, v: dict, path: str, columns: list) -> dict:
        dtype = v.get("dtype", {})
        if not isinstance(dtype, dict):
            raise Refused(f"{path}.dtype", "expected an object of column dtypes")
        for col, dt in dtype.items():
            if dt not in _DTYPES:
                raise Refused(f"{path}.dtype.{col}", f"dtype {dt!r} is not allowed "
                                                      f"(allowed: {', '.join(sorted(_DTYPES))})")
        return dtype

    def dataframe(self, v: dict, path: str, depth: int, table: str | None) -> pd.DataFrame:
        self._signature(v, path, allowed_extra=("orient", "dtype", "is_multiindex",
                                                "is_multicolumn", "index_name", "column_name"))
        for flag in ("is_multiindex", "is_multicolumn"):
            if v.get(flag, False) is not False:
                raise Refused(f"{path}.{flag}", "multi-level indexes are not read")
        names = {k: v.get(k) for k in ("index_name", "column_name")}
        for k, name in names.items():
            if name is not None and not isinstance(name, str):
                raise Refused(f"{path}.{k}", "expected a name")
        doc = self._split(v, path, {"columns", "index", "data"})
        columns, index, data = doc["columns"], doc["index"], doc["data"]
        if not isinstance(columns, list) or not all(
                isinstance(c, str) or (isinstance(c, int) and not isinstance(c, bool))
                for c in columns) or len(set(columns)) != len(columns):
            raise Refused(f"{path}._object", "the columns must be a list of distinct names")
        if not isinstance(data, list) or len(data) != len(index) or not all(
                isinstance(row, list) and len(row) == len(columns) for row in data):
            raise Refused(f"{path}._object", "the data must be one list per index entry, one "
                                              "value per column")
        dtype = self._dtypes(v, path, columns)
        if table in IMPORTED_TABLES:
            _check_read_columns(path, columns, index, data)
        placeholder = {columns.index("object")} if table == "controller" and \
            "object" in columns else set()
        rows = [[self._cell(x, f"{path}._object", i, columns[j], depth, j in placeholder)
                 for j, x in enumerate(row)] for i, row in zip(index, data, strict=True)]
        df = pd.DataFrame(rows, index=index, columns=columns, dtype=object)
        if not len(df):
            df.index = df.index.astype(np.int64)
        for col in columns:
            df[col] = _typed(df[col], dtype.get(col))
        if names["index_name"] is not None:
            df.index.name = names["index_name"]
        if names["column_name"] is not None:
            df.columns.name = names["column_name"]
        return df

    def series(self, v: dict, path: str, depth: int) -> pd.Series:
        self._signature(v, path, allowed_extra=("orient", "dtype", "typ", "index_name"))
        if v.get("typ", "series") != "series":
            raise Refused(f"{path}.typ", "expected 'series'")
        doc = self._split(v, path, {"name", "index", "data"})
        name, index, data = doc["name"], doc["index"], doc["data"]
        if name is not None and not isinstance(name, (str, int)):
            raise Refused(f"{path}._object", "the name must be text or an integer")
        if not isinstance(data, list) or len(data) != len(index):
            raise Refused(f"{path}._object", "the data must hold one value per index entry")
        dt = v.get("dtype")
        if dt is not None and dt not in _DTYPES:
            raise Refused(f"{path}.dtype", f"dtype {dt!r} is not allowed")
        cells = [self._cell(x, f"{path}._object", i, name, depth, False)
                 for i, x in zip(index, data, strict=True)]
        return _typed(pd.Series(cells, index=index, name=name, dtype=object), dt)

    def _cell(self, x, path: str, row, column, depth: int, placeholder: bool):
        if isinstance(x, (bool, int, float, str)) or x is None:
            return x
        where = f"{path} (row {row!r}, column {column!r})"
        if placeholder and isinstance(x, dict):  # a controller: named, never loaded
            return f"{x.get('_module')}.{x.get('_class')}"
        try:
            return self.value(x, path, depth + 1)
        except Refused as exc:
            raise Refused(where if exc.path.startswith(path) else exc.path, exc.why) from None

    # -- pandapipes classes -------------------------------------------------------------------

    def fluid(self, v: dict, path: str, depth: int):
        from pandapipes.properties.fluids import Fluid

        self._signature(v, path)
        obj = self._object_dict(v, path)
        unknown = set(obj) - {"name", "fluid_type", "is_gas", "all_properties"}
        if unknown:
            raise Refused(f"{path}._object.{sorted(unknown)[0]}", "not a field of a fluid")
        name, fluid_type = obj.get("name"), obj.get("fluid_type")
        if not isinstance(name, str) or fluid_type not in ("liquid", "gas"):
            raise Refused(f"{path}._object", "a fluid needs a name and the fluid_type "
                                              "'liquid' or 'gas'")
        props = obj.get("all_properties", {})
        if not isinstance(props, dict):
            raise Refused(f"{path}._object.all_properties", "expected an object")
        built = {}
        for key, prop in props.items():
            p = f"{path}._object.all_properties.{key}"
            if not KEY.match(key) or not isinstance(prop, dict):
                raise Refused(p, "expected a named fluid property")
            built[key] = self.fluid_property(prop, p, depth + 2)
        fluid = Fluid(name, fluid_type)
        fluid.all_properties = built  # (not as keyword arguments: any name is a property name)
        return fluid

    def fluid_property(self, v: dict, path: str, depth: int):
        from pandapipes.properties import fluids

        self._signature(v, path)
        cls = v.get("_class")
        fields = {"FluidPropertyConstant": {"value", "warn_dependent_variables"},
                  "FluidPropertyLinear": {"slope", "offset"},
                  "FluidPropertyInterExtra": {"x", "y", "_fill_value_orig"}}.get(cls)
        if v.get("_module") != _FLUID_MODULE or fields is None:
            raise Refused(f"{path}._class", f"{_name(v)} is not allowed as a fluid property; "
                                             f"{_REFUSED}")
        obj = self._object_dict(v, path)
        unknown = set(obj) - fields
        if unknown:
            raise Refused(f"{path}._object.{sorted(unknown)[0]}", f"not a field of {cls}")
        val = {k: self.value(x, f"{path}._object.{k}", depth + 1) for k, x in obj.items()}
        try:
            if cls == "FluidPropertyConstant":
                return fluids.FluidPropertyConstant(
                    _number(val.get("value"), f"{path}._object.value"),
                    warn_dependent_variables=bool(val.get("warn_dependent_variables", False)))
            if cls == "FluidPropertyLinear":
                return fluids.FluidPropertyLinear(_number(val.get("slope"), f"{path}._object"),
                                                  _number(val.get("offset"), f"{path}._object"))
            x, y = (_numbers(val.get(k), f"{path}._object.{k}") for k in ("x", "y"))
            fill = val.get("_fill_value_orig", "extrapolate")
            method = "interpolate_extrapolate" if fill == "extrapolate" else "interpolate"
            return fluids.FluidPropertyInterExtra(x, y, method=method)
        except (ValueError, TypeError) as exc:
            raise Refused(f"{path}._object", f"not a valid {cls} ({exc})") from None

    def pump_std_type(self, v: dict, path: str, depth: int):
        from pandapipes.std_types.std_type_class import PumpStdType

        self._signature(v, path)
        obj = self._object_dict(v, path)
        fields = {"name", "reg_par", "component", "type", "sector", "_x_values", "_y_values",
                  "_reg_polynomial_degree", "_flowrate_list", "_pressure_list"}
        unknown = set(obj) - fields
        if unknown:
            raise Refused(f"{path}._object.{sorted(unknown)[0]}", "not a field of a pump "
                                                                  "standard type")
        val = {k: self.value(x, f"{path}._object.{k}", depth + 1) for k, x in obj.items()}
        name = val.get("name")
        if not isinstance(name, str):
            raise Refused(f"{path}._object.name", "expected the standard type's name")
        reg = _numbers(val.get("reg_par"), f"{path}._object.reg_par")
        return PumpStdType(name, reg)

    def component(self, v: dict, path: str, cls: str):
        from pandapipes.pandapipes_net import get_basic_all_components

        components = {c.__name__: c for c in get_basic_all_components()}
        self._signature(v, path)
        if cls not in components or not v["_module"].startswith(_COMPONENT_MODULE):
            raise Refused(f"{path}._class", f"{_name(v)} is not a pandapipes component; "
                                             f"{_REFUSED}")
        if v["_object"] not in ("{}", {}):
            raise Refused(f"{path}._object", "a component class carries no data ('{}')")
        return components[cls]


def _check_read_columns(path: str, columns: list, index: list, data: list) -> None:
    """Cells the import reads are single values, numbers where it computes with them."""
    for j, col in enumerate(columns):
        if col not in TEXT_COLUMNS and col not in NUMBER_COLUMNS:
            continue
        for i, row in zip(index, data, strict=True):
            x = row[j]
            if x is None or isinstance(x, (bool, int, float)):
                continue
            if isinstance(x, str) and col in TEXT_COLUMNS:
                continue
            raise Refused(f"{path}._object (row {i!r}, column {col!r})",
                           "expected " + ("a number" if col in NUMBER_COLUMNS else
                                          "a single value (text or number)"))


def _check_entries(entries: dict) -> None:
    """The plain entries the import reads hold what it expects."""
    name = entries.get("name")
    if name is not None and not isinstance(name, str):
        raise Refused("net.name", "expected text")
    for key in SETTINGS_ENTRIES:
        opts = entries.get(key)
        if opts is None:
            continue
        if not isinstance(opts, dict):
            raise Refused(f"net.{key}", "expected an object of options")
        for k, x in opts.items():
            if not (x is None or isinstance(x, (bool, int, float, str))):
                raise Refused(f"net.{key}.{k}", "expected a single value (text or number)")
        t_amb = opts.get("ambient_temperature")
        if isinstance(t_amb, (bool, str)):
            raise Refused(f"net.{key}.ambient_temperature", "expected a number (K)")
    for key in ("std_types", "std_type"):
        types = entries.get(key)
        if types is not None and not (isinstance(types, dict) and all(
                isinstance(t, dict) for t in types.values())):
            raise Refused(f"net.{key}", "expected standard types by component and name")
    for key in ("fluid", "component_list", "converged"):
        if key in entries:
            _check_kind(entries[key], key)


def _check_kind(x, key: str) -> None:
    from pandapipes.properties.fluids import Fluid

    ok = {"fluid": lambda: x is None or isinstance(x, Fluid),
          "component_list": lambda: isinstance(x, list) and all(isinstance(c, type) for c in x),
          "converged": lambda: isinstance(x, (bool, np.bool_))}[key]()
    if not ok:
        raise Refused(f"net.{key}", {"fluid": "expected a pandapipes fluid",
                                      "component_list": "expected pandapipes component classes",
                                      "converged": "expected true or false"}[key])


def _name(v: dict) -> str:
    return f"{v.get('_module')}.{v.get('_class')}"


def _is_number_tree(x) -> bool:
    if isinstance(x, list):
        return all(_is_number_tree(y) for y in x)
    return isinstance(x, (int, float, np.number, np.bool_)) and not isinstance(x, bool)


def _number(x, path: str) -> float:
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return float(x)
    raise Refused(path, "expected a number")


def _numbers(x, path: str) -> np.ndarray:
    if isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype.kind in "fiu":
        return x.astype(float)
    if isinstance(x, list) and x and all(_is_number_tree(y) and not isinstance(y, list)
                                         for y in x):
        return np.asarray(x, dtype=float)
    raise Refused(path, "expected a list of numbers")


def _typed(col: pd.Series, dtype: str | None) -> pd.Series:
    """A column in its stored dtype (numbers in a number column, None → NaN), as pandapower's
    reader gives it; columns whose values do not fit the dtype stay as they are."""
    if dtype == "object":
        col = col.astype(object)
        return col.where(~pd.isnull(col), None)
    kinds = {type(x) for x in col if x is not None}
    if dtype is None:
        if kinds and kinds <= {int, float} or (not kinds and len(col)):
            return pd.to_numeric(col.map(lambda x: np.nan if x is None else x))
        if kinds == {bool}:
            return col.astype(bool)
        return col.where(~pd.isnull(col), None) if len(col) else col.astype(object)
    if dtype == "bool":
        if kinds <= {bool} and not col.isnull().any():
            return col.astype(bool)
        return col
    if not kinds <= {int, float, bool}:
        return col
    num = col.map(lambda x: np.nan if x is None else x).astype(float)
    if dtype.startswith(("int", "uint")):
        if np.isfinite(num).all() and (num == np.round(num)).all():
            try:
                return col.astype(dtype)
            except (OverflowError, ValueError, TypeError):
                return num
        return num
    return num.astype(dtype)
