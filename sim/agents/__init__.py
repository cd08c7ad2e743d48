"""Mesa agents of the model. Their state lives in numpy arrays owned by the mechanisms
(:mod:`sim.mechanisms`); each agent object is a named view onto one row of those arrays."""

from sim.agents.armed_group import ArmedGroup
from sim.agents.border_unit import BorderUnit, UnitArrays
from sim.agents.community import Community
from sim.agents.courier import Courier, CourierArrays, CourierState
from sim.agents.organisation import Organisation

__all__ = ["ArmedGroup", "BorderUnit", "Community", "Courier", "CourierArrays", "CourierState",
           "Organisation", "UnitArrays"]
