"""Pipe data as it comes from a layer → model fields; house-connection dimensioning.

Heat loss of a street pipe, first that applies:

1. ``u_w_per_mk`` given: used as it is;
2. ``u_w_per_m2k`` (per m² of outer surface, pandapipes/STANET style): U_L = U · π · d_outer
   with d_outer the mapped ``d_outer`` or else the catalogue steel outer diameter of the DN
   (else the inner diameter);
3. ``insulation_thickness`` (+ ``insulation_lambda``, default 0.027 W/(m·K), aged PUR):
   ``physics.heat_loss.u_from_insulation`` around the steel pipe (mapped ``d_outer`` or the
   catalogue's steel outer diameter of the DN);
4. nothing: the catalogue value of the DN and series (series S1 when none is given), or no heat
   loss for a pipe without DN — counted under "defaults used".

A generated house connection gets the smallest catalogue DN whose design flow keeps the
velocity and the specific pressure loss within the checker's default limits
(``checks.Thresholds``: 1.5 m/s up to DN 50, 2.0 m/s above, 200 Pa/m), the design flow being
ṁ = Q / (c_p (T_supply − T_return)) of its consumer at the plant's supply temperature and the
consumer's return temperature.
"""

from __future__ import annotations

import math

from ..errors import InputFileError

LAMBDA_PUR_W_MK = 0.027
PIPE_FIELDS = ("dn", "d_inner_m", "roughness_m", "zeta", "series", "u_w_per_mk")


def _catalogue_row(dn):
    from ..model.catalogue import catalogue

    cat = catalogue()
    if dn is None or float(dn) not in cat.index:
        return None
    return cat.loc[float(dn)]


def pipe_record(values: dict, where: str, defaults: dict) -> dict:
    """Model fields (SI) of a pipe from its mapped values; counts defaults in ``defaults``."""
    rec = {k: values[k] for k in PIPE_FIELDS if k in values}
    row = _catalogue_row(values.get("dn"))
    d_outer = values.get("d_outer_m")
    if d_outer is None and row is not None:
        d_outer = float(row["d_steel_outer_m"])
    if "u_w_per_mk" in values:
        pass
    elif "u_w_per_m2k" in values:
        from ..physics.heat_loss import linear_u_from_area_u

        d_ref = d_outer if d_outer is not None else values.get("d_inner_m")
        if d_ref is None:
            raise InputFileError(f"{where}: a heat-transfer coefficient per m² needs a diameter "
                                 "(d_outer, dn or d_inner) to be turned into W/(m·K)")
        rec["u_w_per_mk"] = float(linear_u_from_area_u(values["u_w_per_m2k"], d_ref))
        _count(defaults, "pipes", "u_w_per_mk", "from U per m² × π × outer diameter")
    elif "insulation_thickness_m" in values:
        from ..physics.heat_loss import u_from_insulation

        if d_outer is None:
            raise InputFileError(f"{where}: an insulation thickness needs the steel outer "
                                 "diameter (map d_outer_mm, or a dn of the catalogue)")
        lam = values.get("insulation_lambda_w_per_mk")
        if lam is None:
            lam = LAMBDA_PUR_W_MK
            _count(defaults, "pipes", "insulation_lambda_w_per_mk", f"{LAMBDA_PUR_W_MK} W/(m·K)")
        rec["u_w_per_mk"] = float(u_from_insulation(d_outer, values["insulation_thickness_m"],
                                                    lam))
        _count(defaults, "pipes", "u_w_per_mk", "from insulation thickness and conductivity")
    elif row is not None:
        _count(defaults, "pipes", "u_w_per_mk",
               f"catalogue (DN, series {values.get('series') or 'S1'})")
    else:
        _count(defaults, "pipes", "u_w_per_mk", "0 (no heat loss: no DN, no U given)")
    if "dn" in values and "series" not in values:
        _count(defaults, "pipes", "series", "S1")
    if "roughness_m" not in values:
        _count(defaults, "pipes", "roughness_m", "0.1 mm")
    return rec


def _count(defaults: dict, table: str, field: str, value: str, n: int = 1) -> None:
    key = (table, field, value)
    defaults[key] = defaults.get(key, 0) + n


def connection_dn(q_w: float, t_supply_k: float, t_return_k: float,
                  roughness_m: float = 1e-4) -> float:
    """Smallest catalogue DN that carries ``q_w`` within the checker's velocity and
    pressure-gradient limits.

    Parameters
    ----------
    q_w : design heat load of the consumer [W]
    t_supply_k, t_return_k : design supply and return temperatures [K]
    roughness_m : pipe roughness [m]

    Returns
    -------
    float
        The DN (the largest of the catalogue when none suffices).
    """
    import numpy as np

    from ..checks import Thresholds
    from ..model.catalogue import catalogue
    from ..physics.friction import friction_factor
    from ..physics.water import density, heat_capacity, viscosity

    th = Thresholds()
    cat = catalogue()
    dt = t_supply_k - t_return_k
    if not (q_w > 0 and dt > 0):
        return float(cat.index.min())
    t_mean = 0.5 * (t_supply_k + t_return_k)
    mdot = q_w / (float(heat_capacity(t_mean)) * dt)
    rho, mu = float(density(t_supply_k)), float(viscosity(t_supply_k))
    for dn, d in zip(cat.index, cat["d_inner_m"], strict=True):
        v = mdot / (rho * math.pi * d * d / 4)
        v_max = th.v_max_small_m_s if dn <= th.small_dn else th.v_max_m_s
        f = float(np.asarray(friction_factor(rho * v * d / mu, roughness_m / d)))
        if v <= v_max and f / d * rho * v * v / 2 <= th.r_max_pa_per_m:
            return float(dn)
    return float(cat.index.max())
