"""Cycles of a cyclic exercise (bike, rowing, leg swings): bouts of continuous movement and their cadence.

Kept apart from rep detection: a cycle is counted like a rep; what is special is how cycles
group into bouts (a pause or a change of side starts a new one) and how fast they come.
"""

from __future__ import annotations

import numpy as np

from formcheck.rules.verdicts import Rep

PAUSE_FACTOR = 2.5  # a gap between cycle peaks this many times the usual period is a pause


class CycleBouts:
    """Where each bout of cycles starts in the engine's rep list, and the cadence of each cycle."""

    def __init__(self) -> None:
        self.starts: list[int] = []  # index into the reps where each bout starts

    def add_cycle(self, reps: list[Rep]) -> None:
        """Rate of the newest cycle from the time since the previous cycle's peak.

        Peaks, not starts: the start of the first cycle after a pause can stretch back over
        the getting ready. Cycles follow each other in bouts; a gap much longer than the usual
        period (a pause) or a change of side starts a new bout. A bout's first cycle takes the
        rate of the second once it comes; a lone cycle's rate is one over its own duration.
        """
        new = reps[-1]
        if not self.starts:
            self.starts.append(len(reps) - 1)
        else:
            prev = reps[-2]
            first = self.starts[-1]
            gaps = [b.peak_s - a.peak_s for a, b in zip(reps[first:-2], reps[first + 1:-1])]
            gap = new.peak_s - prev.peak_s
            usual = float(np.median(gaps[-10:])) if gaps else None
            paused = gap > PAUSE_FACTOR * (usual if usual else max(prev.end_s - prev.start_s, 0.2))
            if paused or new.side != prev.side:
                self.starts.append(len(reps) - 1)
            else:
                new.cadence_per_min = 60.0 / max(gap, 1e-3)
                if len(reps) - 2 == first:
                    prev.cadence_per_min = new.cadence_per_min
        if new.cadence_per_min is None:
            new.cadence_per_min = 60.0 / max(new.end_s - new.start_s, 1e-3)

    def summary(self, reps: list[Rep]) -> dict:
        """Cycles, mean cadence (cycles per minute) and active time, for a cyclic exercise.

        Cadence is the number of peak-to-peak periods over their total time within bouts of
        continuous movement (exact for a steady rhythm); active time sums each bout from its
        first cycle's start to its last cycle's end, so pauses are not counted.
        """
        bounds = self.starts + [len(reps)]
        periods, period_time, active = 0, 0.0, 0.0
        for a, b in zip(bounds[:-1], bounds[1:]):
            bout = reps[a:b]
            active += bout[-1].end_s - bout[0].start_s
            if len(bout) > 1:
                periods += len(bout) - 1
                period_time += bout[-1].peak_s - bout[0].peak_s
        if periods and period_time > 0:
            cadence = 60.0 * periods / period_time
        elif reps and active > 0:
            cadence = 60.0 * len(reps) / active
        else:
            cadence = None
        by_side = {"left": 0, "right": 0, "both": 0}
        for r in reps:
            by_side[r.side or "both"] += 1
        return {"cycles": len(reps), "cadence_per_min": None if cadence is None else round(cadence, 1),
                "active_s": round(active, 2), "bouts": len(self.starts), "by_side": by_side}
