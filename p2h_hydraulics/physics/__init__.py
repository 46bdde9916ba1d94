"""Physics layer: water properties, pipe friction, heat loss and heat-pump models (SI units)."""

from .friction import (
    RE_FLOOR,
    RE_LAMINAR,
    RE_TURBULENT,
    friction_factor,
    friction_factor_and_derivative,
    friction_times_re,
    pressure_drop_pipe,
)
from .heat_loss import decay_factor, heat_loss_w, linear_u_from_area_u, outlet_temperature
from .heat_pump import HeatPumpStage, carnot_cop, heat_pump_stage
from .water import (
    TEMPERATURE_RANGE_K,
    density,
    enthalpy,
    heat_capacity,
    saturation_pressure,
    temperature_from_enthalpy,
    viscosity,
)

__all__ = [
    "RE_FLOOR",
    "RE_LAMINAR",
    "RE_TURBULENT",
    "TEMPERATURE_RANGE_K",
    "HeatPumpStage",
    "carnot_cop",
    "decay_factor",
    "density",
    "enthalpy",
    "friction_factor",
    "friction_factor_and_derivative",
    "friction_times_re",
    "heat_capacity",
    "heat_loss_w",
    "heat_pump_stage",
    "linear_u_from_area_u",
    "outlet_temperature",
    "pressure_drop_pipe",
    "saturation_pressure",
    "temperature_from_enthalpy",
    "viscosity",
]
