"""A per-agent Mesa implementation of courier movement and detection, for comparison.

This is how the model's two hottest rules would be written by a Mesa user: couriers are
``mesa.Agent`` objects with their own attributes, stepped one by one in random order with
``AgentSet.shuffle_do``, each walking its organisation's route table cell by cell and
facing detection in every cell it enters. It implements exactly the rules of the kernels
:func:`sim.kernels.movement.move_couriers` and :func:`sim.kernels.detection.detect_couriers`
and draws the same SplitMix64 numbers per courier (seeded from the same daily base draw),
so on the same inputs it gives the same paths, detections, bribes and deliveries; only
floating-point sums of the flow raster may differ in the last digits (couriers are
stepped in another order). The benchmark (:mod:`benchmarks.bench`) times it against the
kernels on the same couriers and tables. Nothing in ``sim/`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.kernels.detection import ESCAPED, PASSED, SEIZED
from sim.kernels.routing import TARGET
from sim.kernels.streams import SALT_DETECT, SALT_MOVE, next_uniform_py, slot_seed_py


@dataclass
class StepInputs:
    """Everything one day of movement and detection needs (numpy arrays, as the kernels
    take them)."""

    movers: np.ndarray        # int64 (m,): courier slots travelling today
    cell: np.ndarray          # int32 (n_slots,): cell of every slot
    org: np.ndarray           # int32 (n_slots,)
    load: np.ndarray          # float64 (n_slots,)
    commodity: np.ndarray     # int32 (n_slots,)
    succ: np.ndarray          # int32 (n_orgs, n_cells, 2)
    succ_hours: np.ndarray    # float32 (n_orgs, n_cells, 2)
    p_first: np.ndarray       # float32 (n_orgs, n_cells)
    p_detect: np.ndarray      # float64 (n_cells,)
    bribe_prob: np.ndarray    # float64 (n_cells,)
    escape_prob: np.ndarray   # float64 (n_cells,)
    hours_per_day: float
    max_hops: int
    move_base: int            # today's base draws (uint64 as int)
    detect_base: int
    n_commodities: int


class MesaCourier(mesa.Agent):
    """A courier on the road: walks its organisation's routes, is detected or not."""

    def __init__(self, model: MesaCourierModel, slot: int, org: int, cell: int, load: float,
                 commodity: int):
        super().__init__(model)
        self.slot, self.org, self.cell = slot, org, cell
        self.load, self.commodity = load, commodity
        self.path: list[int] = []
        self.arrived = False
        self.outcome, self.stop_hop, self.n_bribes, self.bribe_cell = PASSED, -1, 0, -1

    def step(self) -> None:
        self.move()
        self.face_detection()

    def move(self) -> None:
        """Take the best or second-best next cell until the day's hours run out."""
        m = self.model
        succ, hours, p_first = m.succ[self.org], m.succ_hours[self.org], m.p_first[self.org]
        state = slot_seed_py(m.move_base, self.slot) ^ SALT_MOVE
        budget, c = m.hours_per_day, self.cell
        while len(self.path) < m.max_hops:
            options = succ[c]
            if options[0] < 0:
                break
            state, u = next_uniform_py(state)
            k = 1 if u >= p_first[c] and options[1] >= 0 else 0
            if hours[c][k] > budget:
                break
            budget -= hours[c][k]
            c = options[k]
            self.path.append(c)
        self.arrived = succ[c][0] == TARGET
        self.cell = c

    def face_detection(self) -> None:
        """In every cell entered: detected with ``p_detect``; then a bribe, an escape or
        an arrest. The load passes through each cell up to where the courier stops."""
        m = self.model
        state = slot_seed_py(m.detect_base, self.slot) ^ SALT_DETECT
        for h, c in enumerate(self.path):
            m.flow[self.commodity][c] += self.load
            p = m.p_detect[c]
            if p <= 0.0:
                continue
            state, u = next_uniform_py(state)
            if u >= p:
                continue
            state, u = next_uniform_py(state)
            if u < m.bribe_prob[c]:
                self.n_bribes += 1
                self.bribe_cell = c
                continue
            state, u = next_uniform_py(state)
            self.stop_hop = h
            self.outcome = ESCAPED if u < m.escape_prob[c] else SEIZED
            break


class MesaCourierModel(mesa.Model):
    """The couriers on the road on one day, as Mesa agents (see the module docstring)."""

    def __init__(self, inputs: StepInputs, seed: int = 0):
        super().__init__(rng=seed)
        x = inputs
        # route tables and per-cell probabilities as Python lists, as a careful Mesa user
        # would keep them (element access on numpy arrays from Python is slower still)
        self.succ = x.succ.tolist()
        self.succ_hours = x.succ_hours.astype(np.float64).tolist()
        self.p_first = x.p_first.astype(np.float64).tolist()
        self.p_detect = x.p_detect.tolist()
        self.bribe_prob = x.bribe_prob.tolist()
        self.escape_prob = x.escape_prob.tolist()
        self.hours_per_day, self.max_hops = float(x.hours_per_day), int(x.max_hops)
        self.move_base, self.detect_base = int(x.move_base), int(x.detect_base)
        self.flow = [[0.0] * x.p_detect.shape[0] for _ in range(x.n_commodities)]
        for i in x.movers:
            MesaCourier(self, int(i), int(x.org[i]), int(x.cell[i]), float(x.load[i]),
                        int(x.commodity[i]))

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def results(self) -> dict[int, tuple]:
        """Per slot: (final cell, path, arrived, outcome, stop_hop, n_bribes, bribe_cell)."""
        return {a.slot: (a.cell, tuple(a.path), a.arrived, a.outcome, a.stop_hop, a.n_bribes,
                         a.bribe_cell) for a in self.agents}


def kernel_step(kernels, x: StepInputs) -> tuple[dict[int, tuple], np.ndarray]:
    """The same day with the model's kernels; returns the per-slot results and the flow."""
    m = len(x.movers)
    cell = x.cell.copy()
    path = np.empty((m, x.max_hops), np.int32)
    n_hops, arrived = np.zeros(m, np.int32), np.zeros(m, np.bool_)
    kernels.move_couriers(x.movers, cell, x.org, np.uint64(x.move_base), x.succ, x.succ_hours,
                          x.p_first, float(x.hours_per_day), path, n_hops, arrived)
    flow = np.zeros((x.n_commodities, x.p_detect.shape[0]))
    outs = [np.zeros(m, np.int8), np.zeros(m, np.int32), np.zeros(m, np.int32),
            np.zeros(m, np.int32)]
    kernels.detect_couriers(x.movers, path, n_hops, np.uint64(x.detect_base), x.p_detect,
                            x.bribe_prob, x.escape_prob, x.load, x.commodity,
                            np.zeros(len(x.p_detect), np.int16), np.ones((1, x.n_commodities)),
                            flow, np.zeros(len(x.p_detect), np.int64), 1, *outs)
    outcome, stop_hop, n_bribes, bribe_cell = outs
    results = {int(s): (int(cell[s]), tuple(int(v) for v in path[j, :n_hops[j]]),
                        bool(arrived[j]), int(outcome[j]), int(stop_hop[j]), int(n_bribes[j]),
                        int(bribe_cell[j])) for j, s in enumerate(x.movers)}
    return results, flow


def step_inputs(model, rng: np.random.Generator | None = None) -> StepInputs:
    """The inputs of a running :class:`~sim.model.TraffickingModel`'s next movement and
    detection: its travelling couriers, route tables and detection probabilities."""
    from sim.agents.courier import CourierState
    from sim.kernels.streams import draw_base

    rng = rng or np.random.default_rng(0)
    c = model.mechanisms["couriers"].arrays
    orgs, enf = model.mechanisms["organisations"], model.mechanisms["enforcement"]
    w = model.world
    return StepInputs(
        movers=np.flatnonzero(c.state == CourierState.TRAVELLING).astype(np.int64),
        cell=c.cell.copy(), org=c.org.copy(), load=c.load.copy(), commodity=c.commodity.copy(),
        succ=orgs.succ, succ_hours=orgs.succ_hours, p_first=orgs.p_first,
        p_detect=enf.p_detect.copy(), bribe_prob=enf.bribe_prob, escape_prob=enf.escape,
        hours_per_day=model.config.model.travel_hours_per_day, max_hops=w.max_hops,
        move_base=int(draw_base(rng)), detect_base=int(draw_base(rng)),
        n_commodities=len(w.commodities))
