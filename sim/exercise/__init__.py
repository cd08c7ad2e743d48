"""Tabletop exercises: an exercise file, a session that drives the model turn by turn
through its control interface, the log, replay and branching, the after-action report and
the facilitator's page (DESIGN.md §8; README "Tabletop exercises")."""
