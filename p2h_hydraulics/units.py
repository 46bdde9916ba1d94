"""The only place where bar, °C, kW, mm and DN live.

Inside the package every quantity is SI (m, kg/s, Pa, K, W) and named with its unit suffix
(``length_m``, ``p_pa``, ``t_k``, ``q_w``). Pressures are *gauge* (relative to ``P_ATM_PA``), as in
pandapipes and in operators' pressure ratings (PN16 = 16 bar g); only the boiling check adds
``P_ATM_PA`` to compare with the absolute saturation pressure.

Files users write may use other units, named by the suffix of the field (``d_inner_mm``,
``t_supply_c``, ``q_kw``, ``p_return_bar``, ``annual_heat_kwh``). ``SUFFIXES`` maps each SI unit
to the edge suffixes accepted for it and their conversion to SI (energy: J, kWh, MWh, GWh, GJ).
"""

from __future__ import annotations

P_ATM_PA = 101_325.0
ZERO_CELSIUS_K = 273.15
G = 9.80665
BAR = 1e5

# SI suffix -> {edge suffix: (factor, offset)} with si = value * factor + offset
SUFFIXES: dict[str, dict[str, tuple[float, float]]] = {
    "m": {"m": (1.0, 0.0), "mm": (1e-3, 0.0), "cm": (1e-2, 0.0), "km": (1e3, 0.0)},
    "k": {"k": (1.0, 0.0), "c": (1.0, ZERO_CELSIUS_K)},
    "pa": {"pa": (1.0, 0.0), "kpa": (1e3, 0.0), "bar": (BAR, 0.0), "mbar": (100.0, 0.0)},
    "w": {"w": (1.0, 0.0), "kw": (1e3, 0.0), "mw": (1e6, 0.0)},
    "kg_s": {"kg_s": (1.0, 0.0), "t_h": (1000.0 / 3600.0, 0.0)},
    "w_per_mk": {"w_per_mk": (1.0, 0.0)},
    "w_per_m2k": {"w_per_m2k": (1.0, 0.0)},
    "j": {"j": (1.0, 0.0), "kwh": (3.6e6, 0.0), "mwh": (3.6e9, 0.0), "gwh": (3.6e12, 0.0),
          "gj": (1e9, 0.0)},
    "1": {"": (1.0, 0.0)},
}


def c_to_k(t_c):
    """°C → K.

    Parameters
    ----------
    t_c : float or array_like
        The temperature [°C].

    Returns
    -------
    float or ndarray
        The temperature [K].
    """
    return t_c + ZERO_CELSIUS_K


def k_to_c(t_k):
    """K → °C.

    Parameters
    ----------
    t_k : float or array_like
        The temperature [K].

    Returns
    -------
    float or ndarray
        The temperature [°C].
    """
    return t_k - ZERO_CELSIUS_K


def bar_to_pa(p_bar):
    """bar → Pa.

    Parameters
    ----------
    p_bar : float or array_like
        The pressure [bar].

    Returns
    -------
    float or ndarray
        The pressure [Pa].
    """
    return p_bar * BAR


def pa_to_bar(p_pa):
    """Pa → bar.

    Parameters
    ----------
    p_pa : float or array_like
        The pressure [Pa].

    Returns
    -------
    float or ndarray
        The pressure [bar].
    """
    return p_pa / BAR


def kw_to_w(q_kw):
    """kW → W.

    Parameters
    ----------
    q_kw : float or array_like
        The heat flow [kW].

    Returns
    -------
    float or ndarray
        The heat flow [W].
    """
    return q_kw * 1e3


def w_to_kw(q_w):
    """W → kW.

    Parameters
    ----------
    q_w : float or array_like
        The heat flow [W].

    Returns
    -------
    float or ndarray
        The heat flow [kW].
    """
    return q_w / 1e3


def to_si(value, si_unit: str, edge_suffix: str):
    """Convert ``value`` given with ``edge_suffix`` (e.g. 'mm') to the SI unit ``si_unit``.

    Parameters
    ----------
    value : float or array_like
        The value in the edge unit.
    si_unit : str
        The SI unit of the quantity (e.g. "m").
    edge_suffix : str
        The unit suffix it is given in (e.g. "mm").

    Returns
    -------
    float or ndarray
        The value in ``si_unit``.
    """
    factor, offset = SUFFIXES[si_unit][edge_suffix]
    return value * factor + offset


def from_si(value, si_unit: str, edge_suffix: str):
    """Convert an SI ``value`` to the edge unit ``edge_suffix``.

    Parameters
    ----------
    value : float or array_like
        The value in SI.
    si_unit : str
        The SI unit of the quantity.
    edge_suffix : str
        The unit suffix wanted.

    Returns
    -------
    float or ndarray
        The value in ``edge_suffix``.
    """
    factor, offset = SUFFIXES[si_unit][edge_suffix]
    return (value - offset) / factor


def edge_field_names(base: str, si_unit: str) -> dict[str, str]:
    """All accepted file field names for a quantity: {'d_inner_mm': 'mm', 'd_inner_m': 'm', …}.

    Parameters
    ----------
    base : str
        The field name without unit suffix (``d_inner``).
    si_unit : str
        The quantity's SI unit (``m``).

    Returns
    -------
    dict of str to str
        Field name → its unit suffix.
    """
    out = {}
    for suffix in SUFFIXES[si_unit]:
        out[f"{base}_{suffix}" if suffix else base] = suffix
    return out
