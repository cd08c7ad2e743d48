"""Learning kernel: organisations raise their perceived risk around the day's seizures.

Perceived risk (the risk memory of NarcoLogic; Magliocca et al., PNAS 2019) is stored per
organisation as ``memory[o] * scale[o]`` so that its daily decay only updates the scale.
"""

from numba import njit


@njit(cache=True)
def raise_risk(memory, scale, orgs, org_commodity, seized_commodity, seized_org, targets,
               offset_weight, gossip_weight, learning_rate):
    """Add each seizure's perceived detection around it to the organisations' memories.

    For each organisation ``o`` in ``orgs`` and each seizure ``s`` of its commodity (in
    order), cell ``targets[s, j]`` gains ``learning_rate * g * offset_weight[j]`` (``g`` =
    1 for its own seizure, ``gossip_weight`` for another's), divided by ``scale[o]``. The
    memory counts seizures (weighted); the perceived probability divides it by passages
    (:meth:`sim.mechanisms.organisations.Organisations.risk_memory`), so it is not capped.

    Parameters
    ----------
    memory : float64 (n_orgs, n_cells), in/out
    scale : float64 (n_orgs,)
    orgs : int64 (k,)
        Organisations to update (their memory already decayed to today).
    org_commodity : int64 (n_orgs,)
    seized_commodity, seized_org : (s,) int
        Commodity and organisation of each seized courier.
    targets : int64 (s, m)
        Cells within the memory radius of each seizure (-1 off the grid).
    offset_weight : float64 (m,)
        Distance weight of each of those cells (1 at the seizure).
    gossip_weight, learning_rate : float
    """
    for o in orgs:
        com = org_commodity[o]
        inv = 1.0 / scale[o]
        for s in range(targets.shape[0]):
            if seized_commodity[s] != com:
                continue
            g = learning_rate * (1.0 if seized_org[s] == o else gossip_weight)
            for j in range(targets.shape[1]):
                v = targets[s, j]
                if v >= 0:
                    memory[o, v] += g * offset_weight[j] * inv


def raise_risk_py(memory, scale, orgs, org_commodity, seized_commodity, seized_org, targets,
                  offset_weight, gossip_weight, learning_rate):
    """Plain-Python twin of :func:`raise_risk`."""
    for o in orgs:
        o = int(o)
        com = int(org_commodity[o])
        inv = 1.0 / float(scale[o])
        mine = [s for s in range(targets.shape[0]) if int(seized_commodity[s]) == com]
        for s in mine:
            g = float(learning_rate) * (1.0 if int(seized_org[s]) == o else float(gossip_weight))
            for j in range(targets.shape[1]):
                v = int(targets[s, j])
                if v >= 0:
                    memory[o, v] += g * float(offset_weight[j]) * inv
