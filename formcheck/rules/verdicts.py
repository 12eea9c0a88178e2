"""What the engine says: fault events, reps, holds and the per-frame verdict the overlay draws.

Plain data, apart from the engine that makes it, so the live screen, the report and the
session store can read verdicts without knowing how they were reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FaultEvent:
    code: str
    message: str
    cue: str
    at_s: float
    value: float | None = None
    confidence: str = "high"

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "cue": self.cue, "at_s": round(self.at_s, 3),
                "value": None if self.value is None else round(float(self.value), 2),
                "confidence": self.confidence}


@dataclass
class Rep:
    index: int
    side: str | None
    start_s: float
    peak_s: float
    end_s: float
    rom: float  # range of motion in the rep signal's units (degrees for angles)
    peak_value: float
    hold_s: float
    hold_start_s: float | None
    faults: list[FaultEvent]
    tracked_fraction: float
    cadence_per_min: float | None = None  # cyclic exercises: this cycle's rate (cycles per minute)
    cut_short: bool = False  # still up at the top when the recording stopped: not counted

    def to_dict(self) -> dict:
        d = {"index": self.index, "side": self.side, "start_s": round(self.start_s, 3),
             "peak_s": round(self.peak_s, 3), "end_s": round(self.end_s, 3),
             "duration_s": round(self.end_s - self.start_s, 3), "rom_deg": round(self.rom, 2),
             "peak_value": round(self.peak_value, 2), "hold_s": round(self.hold_s, 2),
             "faults": [f.to_dict() for f in self.faults],
             "tracking": round(self.tracked_fraction, 3)}
        if self.cadence_per_min is not None:
            d["cadence_per_min"] = round(self.cadence_per_min, 1)
        if self.cut_short:
            d["cut_short"] = True
        return d


@dataclass
class Hold:
    side: str | None
    start_s: float
    end_s: float
    faults: list[FaultEvent] = field(default_factory=list)
    rep: int | None = None
    bridged_s: float = 0.0  # tracking lost inside the hold for this long, and bridged
    cut_short: bool = False  # still held when the recording stopped


    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        d = {"side": self.side, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "duration_s": round(self.duration_s, 2), "rep": self.rep,
                "faults": [f.to_dict() for f in self.faults]}
        if self.bridged_s:
            d["bridged_s"] = round(self.bridged_s, 2)
        if self.cut_short:
            d["cut_short"] = True
        return d


@dataclass(slots=True)
class FrameVerdict:
    """What the overlay shows for one frame.

    One per analysed frame is kept for the whole session (issue 8: slots, and the per-side
    counts shared with the previous frame while they are unchanged, keep a long session small).
    """

    t_s: float
    phase: str  # waiting | rest | lifting | lowering | holding | lost
    key_value: float | None
    reps_by_side: dict[str, int]
    rep_count: int
    hold_s: float  # current hold so far (0 when not holding)
    active_faults: list[FaultEvent]
    last_rep: Rep | None
    tracked: bool


@dataclass
class FrameInput:
    """One frame of measured signals: name -> (S, K) values; side joint pixels (2, 2)."""

    t_s: float
    values: dict[str, np.ndarray] | None  # None: nobody detected
    side_joint_xy: np.ndarray | None = None
    side_cues: np.ndarray | None = None  # (7,) label-free side cues (formcheck.signals.body_side)
