"""Levers: every quantity that policies, shocks, injects and decisions may change.

One :class:`Levers` record holds the current values of a running model. Mechanisms read
their fields from it (they keep no copies); the timeline (:mod:`sim.policies.timeline`)
computes a new record whenever something on it starts, ends or ramps, and the model swaps
it in and tells the mechanisms which fields changed. The model's record is frozen (its
arrays are read-only), so a lever can only change through the timeline.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np


def _lever(index: str, doc: str):
    """Field of :class:`Levers` indexed by ``index`` (see :data:`INDEX_KINDS`)."""
    return field(metadata={"index": index, "doc": doc})


INDEX_KINDS = {
    "country": "country index (C,)",
    "country_pair": "pair of country indices (C, C)",
    "cell": "flat cell index (n_cells,)",
    "unit": "border unit index (n_units,)",
    "community": "community index (K,)",
    "country_commodity": "country index x commodity index (C, n_commodities)",
    "group": "armed-group index (G,)",
    "commodity": "commodity index (n_commodities,)",
}
"""How the arrays of :class:`Levers` are indexed."""


@dataclass
class Levers:
    """Current values of every lever, as arrays over countries, cells, units, communities.

    Country arrays are indexed by the region's country index (context countries included).
    """

    pursuit_bits: np.ndarray = _lever(
        "country", "int64: bit b of pursuit_bits[a] set when country a's units may pursue into "
                   "country b")
    patrol_bits: np.ndarray = _lever(
        "country", "int64: bit b of patrol_bits[a] set when country a's patrols may operate in "
                   "country b")
    joint_border: np.ndarray = _lever(
        "cell", "bool: cells on a border shared by partners of a joint operation (pooled zone)")
    joint_focus: np.ndarray = _lever(
        "country", "float64: extra patrol attraction of joint_border cells for country a's "
                   "patrols")
    unit_effectiveness: np.ndarray = _lever(
        "unit", "float64: detection multiplier per border unit (1 = scenario value)")
    intel_share: np.ndarray = _lever(
        "country_pair", "bool: intel_share[k, j] when country k's patrols see country j's "
                        "seizures")
    intel_delay_days: np.ndarray = _lever(
        "country_pair", "int64: reporting delay (days) of country j's seizures to country k")
    penalty_years: np.ndarray = _lever(
        "country", "float64: maximum prison sentence for trafficking (years)")
    conviction_rate: np.ndarray = _lever("country", "float64: P(conviction | charged)")
    bribe_acceptance: np.ndarray = _lever("country", "float64: P(a detecting unit accepts a bribe)")
    court_cases_per_day: np.ndarray = _lever("country", "float64: court throughput (cases/day)")
    court_feedback: np.ndarray = _lever(
        "country", "float64: evidence-quality gain per decided case")
    mla_delay_days: np.ndarray = _lever(
        "country_pair", "int64: extra days when arresting country a needs assistance from "
                        "country b")
    livelihood: np.ndarray = _lever("community", "float64: legal income index (0-1)")
    trust_target: np.ndarray = _lever(
        "community", "float64: level each community's trust recovers towards (0-1)")
    leader_hit_prob: np.ndarray = _lever(
        "country_commodity", "float64: P(an arrest in country a of a courier of commodity c "
                             "leads a vetted unit to a leader of the courier's organisation)")
    detection_focus: np.ndarray = _lever(
        "country_commodity", "float64: multiplier of the detection hazard for couriers of "
                             "commodity c in country a (1 = none; e.g. drug-detection units)")
    supply: np.ndarray = _lever(
        "commodity", "float64: multiplier of the loads available to organisations per "
                     "commodity (1 = as configured; e.g. 0.05 after a harvest ban)")
    source_supply: np.ndarray = _lever(
        "cell", "float64: multiplier of the loads available at a source cell (1 = as "
                "configured; e.g. 0 where fuel stations may no longer be supplied)")
    value_at_source: np.ndarray = _lever(
        "commodity", "float64: price paid where loads are picked up (USD/unit)")
    value_at_destination: np.ndarray = _lever(
        "commodity", "float64: price received at destinations (USD/unit)")
    armed_presence: np.ndarray = _lever(
        "group", "float64: multiplier of an armed group's presence in its zones (1 = as "
                 "configured; e.g. 0.5 after a military operation)")

    def copy(self) -> Levers:
        """A writable deep copy (arrays copied)."""
        return Levers(**{f.name: np.array(getattr(self, f.name), copy=True)
                         for f in dataclasses.fields(self)})

    def frozen(self) -> Levers:
        """This record with every array made read-only (returns ``self``)."""
        for f in dataclasses.fields(self):
            getattr(self, f.name).flags.writeable = False
        return self

    def changed(self, other: Levers) -> set[str]:
        """Names of the levers whose values differ from ``other``'s."""
        return {f.name for f in dataclasses.fields(self)
                if not np.array_equal(getattr(self, f.name), getattr(other, f.name))}


LEVER_NAMES = tuple(f.name for f in dataclasses.fields(Levers))
"""Every lever, in declaration order."""


def lever_dtype(name: str) -> np.dtype:
    """The dtype of lever ``name``'s array (the first word of its doc); KeyError if unknown."""
    for f in dataclasses.fields(Levers):
        if f.name == name:
            return np.dtype(f.metadata["doc"].split(":", 1)[0])
    raise KeyError(name)


def lever_index(name: str) -> str:
    """How lever ``name`` is indexed (a key of :data:`INDEX_KINDS`); KeyError if unknown."""
    for f in dataclasses.fields(Levers):
        if f.name == name:
            return f.metadata["index"]
    raise KeyError(name)
