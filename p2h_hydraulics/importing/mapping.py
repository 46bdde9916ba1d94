"""Attribute mapping: which attribute of a GIS layer holds which of our fields, and its unit.

A field is named as everywhere in the project, with its unit suffix: ``dn``, ``d_inner_mm``,
``q_kw``, ``annual_heat_kwh``, ``t_return_c`` … (any suffix of the same quantity works:
``d_inner_m``, ``q_mw``, ``annual_heat_mwh``). Three sources, strongest first:

1. ``--map FIELD=ATTRIBUTE`` / a mapping dict or YAML file (flat, or in sections ``lines``,
   ``consumers``, ``plant``; ``consumers.id=GebNr`` on the command line names the section),
2. recognised attribute names (``RECOGNISED``; English and German, compared without case,
   umlauts written out, and without spaces, underscores and punctuation: ``Wärmebedarf``,
   ``WAERMEBEDARF`` and ``waerme_bedarf`` are the same name),
3. nothing: the attribute is kept as an extra column of the element table.

Values may carry their unit as text where that is unambiguous (``"DN 100"``, ``"100 mm"``,
``"25 kW"``, ``"12 500 kWh/a"``, ``"12,5"`` with a decimal comma). A number whose separators can
be read two ways (``"12.000"``, ``"1,500"``) is refused with the feature named.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..io.safe_read import read_regular_text
from ..units import SUFFIXES

KINDS = ("lines", "consumers", "plant")

# quantity → its SI unit; the units of each and their factors are ``units.SUFFIXES``'s
DIMENSIONS = {"length": "m", "power": "w", "energy": "j", "temperature": "k", "pressure": "pa",
              "w_per_mk": "w_per_mk", "w_per_m2k": "w_per_m2k"}
UNITS: dict[str, dict[str, tuple[float, float]]] = {dim: SUFFIXES[si]
                                                    for dim, si in DIMENSIONS.items()}
# unit spellings found in attribute values → unit key
_UNIT_TEXT = {"m": "m", "mm": "mm", "cm": "cm", "km": "km", "w": "w", "kw": "kw", "mw": "mw",
              "kwh": "kwh", "mwh": "mwh", "gwh": "gwh", "gj": "gj", "j": "j", "k": "k", "c": "c",
              "°c": "c", "grad": "c", "pa": "pa", "kpa": "kpa", "bar": "bar", "mbar": "mbar",
              "w/mk": "w_per_mk", "w/(mk)": "w_per_mk", "w/(m·k)": "w_per_mk",
              "w/m2k": "w_per_m2k", "w/(m2k)": "w_per_m2k", "w/m²k": "w_per_m2k",
              "w/(m²k)": "w_per_m2k", "w/(m²·k)": "w_per_m2k"}


@dataclass(frozen=True)
class Field:
    """One field an attribute can be mapped to."""

    si: str  # name of the value inside (SI): "d_inner_m", "q_w", "dn", "building_type"
    base: str  # name without unit: "d_inner", "q"
    dim: str | None  # quantity of UNITS, None for numbers without unit and texts
    kinds: tuple[str, ...]  # layers it belongs to
    edge: str = ""  # unit assumed when neither the name nor the value gives one
    text: bool = False  # kept as text (ids, codes)

    def names(self) -> dict[str, str]:
        """Target names accepted in a mapping → their unit ('' without unit)."""
        if self.dim is None:
            return {self.base: ""}
        return {f"{self.base}_{u}": u for u in UNITS[self.dim]}


FIELDS: tuple[Field, ...] = (
    Field("id", "id", None, KINDS, text=True),
    Field("dn", "dn", None, ("lines",)),
    Field("d_inner_m", "d_inner", "length", ("lines",), "mm"),
    Field("d_outer_m", "d_outer", "length", ("lines",), "mm"),
    Field("length_m", "length", "length", ("lines",), "m"),
    Field("u_w_per_mk", "u", "w_per_mk", ("lines",), "w_per_mk"),
    Field("u_w_per_m2k", "u", "w_per_m2k", ("lines",), "w_per_m2k"),
    Field("insulation_thickness_m", "insulation_thickness", "length", ("lines",), "mm"),
    Field("lambda_insulation_w_per_mk", "lambda_insulation", "w_per_mk", ("lines",),
          "w_per_mk"),
    Field("wall_m", "wall", "length", ("lines",), "mm"),
    Field("type_name", "type_name", None, ("lines",), text=True),
    Field("roughness_m", "roughness", "length", ("lines",), "mm"),
    Field("series", "series", None, ("lines",), text=True),
    Field("zeta", "zeta", None, ("lines",)),
    Field("side", "side", None, ("lines",), text=True),
    Field("q_w", "q", "power", ("consumers",), "kw"),
    Field("annual_heat_j", "annual_heat", "energy", ("consumers",), "kwh"),
    Field("building_type", "building_type", None, ("consumers",), text=True),
    Field("t_return_k", "t_return", "temperature", ("consumers",), "c"),
    Field("dp_min_pa", "dp_min", "pressure", ("consumers",), "bar"),
    Field("t_supply_k", "t_supply", "temperature", ("plant",), "c"),
    Field("p_return_pa", "p_return", "pressure", ("plant",), "bar"),
)
TARGETS: dict[str, tuple[Field, str]] = {n: (f, u) for f in FIELDS for n, u in f.names().items()}


def normalise(name: str) -> str:
    """Attribute name compared without case, umlauts, spaces and punctuation."""
    text = str(name).lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


# Recognised attribute names per layer kind: normalised name → (target name). Documented in
# docs/import.md; the target's unit is assumed when the value carries none.
RECOGNISED_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "lines": {
        "id": ("id", "pipe_id", "leitung_id", "trench_id"),
        "dn": ("dn", "nennweite", "nenndurchmesser", "nominal_diameter", "nominal_size"),
        "d_inner_mm": ("diameter", "diameter_mm", "durchmesser", "innendurchmesser",
                       "inner_diameter", "d_inner", "di_mm"),
        "d_outer_mm": ("aussendurchmesser", "outer_diameter", "da_mm"),
        "insulation_thickness_mm": ("daemmdicke", "daemmstaerke", "insulation_thickness",
                                    "isolierdicke"),
        "lambda_insulation_w_per_mk": ("insulation_lambda", "lambda_daemmung",
                                       "waermeleitfaehigkeit_daemmung"),
        "wall_mm": ("wandstaerke", "wanddicke", "wall_thickness"),
        "type_name": ("rohrtyp", "pipe_type", "type_name", "rohrbezeichnung"),
        "roughness_mm": ("roughness", "rauheit", "rauigkeit", "k_mm"),
        "series": ("series", "serie", "daemmserie", "insulation_series"),
        "side": ("side", "seite", "leitungsseite", "vl_rl", "flow_return"),
        "zeta": ("zeta",),
    },
    "consumers": {
        "id": ("id", "building_id", "gebaeude_id", "objekt_id", "consumer_id"),
        "q_kw": ("heizlast", "anschlussleistung", "anschlusswert", "waermeleistung",
                 "heat_load", "design_load", "peak_load", "leistung"),
        "annual_heat_kwh": ("waermebedarf", "jahreswaermebedarf", "waermeverbrauch",
                            "jahresverbrauch", "annual_heat", "annual_demand", "heat_demand"),
        "building_type": ("building_type", "gebaeudetyp", "gebaeudeart", "lastprofil", "slp"),
        "t_return_c": ("ruecklauftemperatur", "return_temperature", "t_return"),
    },
    "plant": {
        "id": ("id", "plant_id", "name"),
        "t_supply_c": ("vorlauftemperatur", "supply_temperature", "t_supply"),
    },
}


def _recognised() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        names: dict[str, str] = {}
        for target, (f, _u) in TARGETS.items():  # the target names themselves: q_kw, dn …
            if kind in f.kinds:
                names[normalise(target)] = target
        for target, spellings in RECOGNISED_NAMES[kind].items():
            for s in spellings:
                names.setdefault(normalise(s), target)
        out[kind] = names
    return out


RECOGNISED = _recognised()


@dataclass(frozen=True)
class Source:
    """Where one field of a layer comes from."""

    attribute: str
    target: str  # target name, e.g. "q_kw" (its unit is assumed for values without one)
    how: str  # "mapped" | "recognised"


@dataclass
class LayerFields:
    """The resolved mapping of one layer: field (SI name) → source; the attributes kept."""

    kind: str
    label: str
    fields: dict[str, Source]
    extras: list[str]
    notes: list[str]


def parse_map_options(items: list[str] | None) -> dict:
    """``["dn=NW", "consumers.id=GebNr"]`` → a mapping dict; bad items raise InputFileError."""
    out: dict = {}
    for item in items or []:
        if "=" not in item:
            raise InputFileError(f"--map {item!r}: expected FIELD=ATTRIBUTE, e.g. dn=Nennweite")
        target, attr = (x.strip() for x in item.split("=", 1))
        if not target or not attr:
            raise InputFileError(f"--map {item!r}: expected FIELD=ATTRIBUTE, e.g. dn=Nennweite")
        if "." in target and target.split(".", 1)[0] in KINDS:
            kind, target = target.split(".", 1)
            out.setdefault(kind, {})[target] = attr
        else:
            out[target] = attr
    return out


def load_mapping_file(path) -> dict:
    """A YAML mapping file (flat ``field: attribute`` or sections ``lines``/``consumers``/
    ``plant``), parsed safely."""
    import yaml

    path = Path(path)
    text = read_regular_text(path, what="mapping")  # regular files, the scenario cap (YAML)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFileError(f"{path}: not a readable YAML mapping ({exc})") from None
    if not isinstance(doc, dict):
        raise InputFileError(f"{path}: expected 'field: attribute' lines (a YAML mapping)")
    return doc


def merge_mappings(*maps: dict | None) -> dict[str, dict[str, str]]:
    """Mappings (flat or in sections) → {kind: {target: attribute}}; later ones win.

    A flat target that belongs to several kinds (``id``) is put under ``"*"``.
    """
    out: dict[str, dict[str, str]] = {}
    for m in maps:
        for key, value in (m or {}).items():
            if key in KINDS:
                if not isinstance(value, dict):
                    raise InputFileError(f"mapping section '{key}' must be field: attribute "
                                         "pairs")
                for target, attr in value.items():
                    _check_target(str(target), kind=key)
                    out.setdefault(key, {})[str(target)] = str(attr)
                continue
            field = _check_target(str(key))
            kinds = field.kinds if len(field.kinds) == 1 else ("*",)
            if isinstance(value, (dict, list)) or value is None:
                raise InputFileError(f"mapping '{key}': expected one attribute name")
            out.setdefault(kinds[0], {})[str(key)] = str(value)
    return out


def _check_target(target: str, kind: str | None = None) -> Field:
    if target not in TARGETS:
        known = ", ".join(sorted(TARGETS))
        raise InputFileError(f"mapping: unknown field {target!r}; fields are: {known}")
    field = TARGETS[target][0]
    if kind is not None and kind not in field.kinds:
        raise InputFileError(f"mapping: field {target!r} does not belong to the {kind} layer")
    return field


def resolve(kind: str, label: str, attributes: list[str],
            mapping: dict[str, dict[str, str]]) -> LayerFields:
    """Which attribute of a layer feeds which field (explicit mapping, then recognised names).

    Parameters
    ----------
    kind : "lines", "consumers" or "plant"
    label : the layer's name for messages and the report
    attributes : the layer's attribute names
    mapping : ``merge_mappings`` output ({kind or "*": {target: attribute}})

    Returns
    -------
    LayerFields
        field (SI name) → source attribute, the attributes kept as they are, notes.
        ``InputFileError`` for a mapped attribute the layer does not have (listing the layer's
        attributes).
    """
    fields: dict[str, Source] = {}
    notes: list[str] = []
    used: set[str] = set()
    explicit = dict(mapping.get(kind, {}))
    for target, attr in mapping.get("*", {}).items():
        if _find(attr, attributes) is not None:
            explicit.setdefault(target, attr)
    for target, attr in explicit.items():
        found = _find(attr, attributes)
        if found is None:
            raise InputFileError(
                f"{label}: mapped attribute {attr!r} (for {target}) is not in the layer; its "
                f"attributes are: {', '.join(attributes) or '(none)'}")
        fields[TARGETS[target][0].si] = Source(found, target, "mapped")
        used.add(found)
    for attr in attributes:
        if attr in used:
            continue
        target = RECOGNISED[kind].get(normalise(attr))
        if target is None:
            continue
        si = TARGETS[target][0].si
        if si in fields:
            notes.append(f"{label}: attribute '{attr}' also looks like {target}; "
                         f"'{fields[si].attribute}' is used, '{attr}' kept as it is")
            continue
        fields[si] = Source(attr, target, "recognised")
        used.add(attr)
    extras = [a for a in attributes if a not in used]
    return LayerFields(kind, label, fields, extras, notes)


def _find(attr: str, attributes: list[str]) -> str | None:
    if attr in attributes:
        return attr
    low = [a for a in attributes if normalise(a) == normalise(attr)]
    return low[0] if len(low) == 1 else None


_NUMBER = re.compile(r"^\s*(?:dn\s*)?([-+]?[0-9][0-9.,' \u00a0\u202f]*)\s*(.*?)\s*$",
                     re.IGNORECASE)
_AMBIGUOUS = re.compile(r"^[0-9]{1,3}([.,])[0-9]{3}$")


def is_missing(value) -> bool:
    """None, NaN or empty text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def convert(source: Source, value, where: str):
    """The SI value of one attribute value.

    Parameters
    ----------
    source : which attribute and target field (its unit is assumed when the value has none)
    value : the raw value (number or text such as ``"DN 100"``, ``"25 kW"``, ``"60,5"``)
    where : the feature, for messages

    Returns
    -------
    float, str or None
        SI value (text for ids, codes and sides), None when missing. ``InputFileError`` naming
        the feature for unreadable or ambiguous numbers and units that do not fit.
    """
    field, unit = TARGETS[source.target]
    if is_missing(value):
        return None
    if field.text:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if isinstance(value, bool):
        raise InputFileError(f"{where}, attribute '{source.attribute}': expected a number, got "
                             f"{value!r}")
    if isinstance(value, (int, float)):
        number, text_unit = float(value), ""
    else:
        number, text_unit = _parse_text(str(value), field, source, where)
    if not math.isfinite(number):
        raise InputFileError(f"{where}, attribute '{source.attribute}': expected a finite "
                             f"number, got {value!r}")
    if field.dim is None:
        return number
    factor, offset = UNITS[field.dim][text_unit or unit or field.edge]
    return number * factor + offset


def _parse_text(text: str, field: Field, source: Source, where: str) -> tuple[float, str]:
    m = _NUMBER.match(text)
    bad = (f"{where}, attribute '{source.attribute}': cannot read {text!r} as "
           f"{source.target}")
    if not m:
        raise InputFileError(bad)
    digits, unit_text = m.group(1).strip(), m.group(2).strip().lower()
    if text.strip().lower().startswith("dn") and field.si != "dn":
        raise InputFileError(bad + " (a DN is a nominal size, map it to 'dn')")
    for space in (" ", "'", "\u00a0", "\u202f"):
        digits = digits.replace(space, "")
    if _AMBIGUOUS.match(digits):
        raise InputFileError(f"{bad}: '{digits}' can be read as {digits.replace(',', '.')} or "
                             f"{digits.replace(',', '').replace('.', '')}; write it without a "
                             "thousands separator")
    if "," in digits and "." in digits:  # the later one is the decimal separator
        dec = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if dec == "," else ",", "").replace(",", ".")
    elif digits.count(",") == 1:
        digits = digits.replace(",", ".")
    try:
        number = float(digits)
    except ValueError:
        raise InputFileError(bad) from None
    unit_text = re.sub(r"\s+", "", unit_text)
    unit_text = re.sub(r"/a$|/jahr$|pera$", "", unit_text)
    if not unit_text:
        return number, ""
    unit = _UNIT_TEXT.get(unit_text)
    if field.dim is None or unit is None or unit not in UNITS[field.dim]:
        raise InputFileError(f"{bad}: unit '{unit_text}' does not fit {source.target}")
    return number, unit


__all__ = ["FIELDS", "TARGETS", "RECOGNISED", "RECOGNISED_NAMES", "LayerFields", "Source",
           "normalise", "parse_map_options", "load_mapping_file", "merge_mappings", "resolve",
           "convert", "is_missing"]
