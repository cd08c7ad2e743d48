"""Mesa agents of the model. Their hot state lives in numpy arrays the kernels read;
each agent object is a named view onto one row of those arrays."""

from sim.agents.border_unit import BorderUnit, UnitArrays
from sim.agents.community import Community, CommunityArrays
from sim.agents.courier import Courier, CourierArrays, CourierState
from sim.agents.organisation import Organisation

__all__ = ["BorderUnit", "Community", "CommunityArrays", "Courier", "CourierArrays",
           "CourierState", "Organisation", "UnitArrays"]
