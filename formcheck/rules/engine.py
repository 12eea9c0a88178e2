"""The exercise engine: reps, holds and faults from per-frame signal values.

It is streaming and causal on purpose: the live loop feeds it one frame at a time and the
offline analysis feeds it a whole (zero-phase smoothed) track through the same ``update``,
so a live session and the analysis of its recording agree. Time comes only from frame
timestamps, never from a clock, so every rule is testable on landmark sequences.

Counting follows the MediaPipe classification sample: hysteresis with two thresholds on
the exercise's own signal, measured from the person's own rest position (tracked as the
signal's floor while resting), a minimum range of motion and a minimum duration so jitter
never counts. With two sides, the side that rises is the side that counts ("follow the
limb that moves"), which survives the left/right label swaps MediaPipe makes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.rules.exercise import Exercise, Fault

SIDES = ("left", "right")

ENTER_FRACTION = 0.6  # of min_rom: the rise that starts a candidate rep
EXIT_FRACTION = 0.45  # of the rep's own peak rise: below it the rep is complete
END_FRACTION = 0.15  # of the peak rise: back at rest, the rep ends
EDGE_FRACTION = 0.10  # of the peak rise: where start and end times are placed
REST_DRIFT = 0.25  # of min_rom per second: how fast the rest level may creep up
REST_DOWN_TAU_S = 0.2  # how fast the rest level follows the signal down
LOST_RESET_S = 2.0  # tracking lost this long: forget the rep in progress and recalibrate
IDLE_MEMORY_S = 3.0
CYCLE_END_FRACTION = 0.8  # cyclic: at the end of a session, a cycle back below this of its rise counts
PAUSE_FACTOR = 2.5  # cyclic: a gap between cycle peaks this many times the usual period is a pause
SETTLE_HALF_WINDOW_S = 0.15  # holds: speed is a central difference over +/- this


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

    def to_dict(self) -> dict:
        d = {"index": self.index, "side": self.side, "start_s": round(self.start_s, 3),
             "peak_s": round(self.peak_s, 3), "end_s": round(self.end_s, 3),
             "duration_s": round(self.end_s - self.start_s, 3), "rom_deg": round(self.rom, 2),
             "peak_value": round(self.peak_value, 2), "hold_s": round(self.hold_s, 2),
             "faults": [f.to_dict() for f in self.faults],
             "tracking": round(self.tracked_fraction, 3)}
        if self.cadence_per_min is not None:
            d["cadence_per_min"] = round(self.cadence_per_min, 1)
        return d


@dataclass
class Hold:
    side: str | None
    start_s: float
    end_s: float
    faults: list[FaultEvent] = field(default_factory=list)
    rep: int | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"side": self.side, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "duration_s": round(self.duration_s, 2), "rep": self.rep,
                "faults": [f.to_dict() for f in self.faults]}


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


class _FaultWatch:
    """One fault over one rep or hold: must persist min_duration_s before it counts."""

    def __init__(self, fault: Fault):
        self.fault = fault
        self.since: float | None = None
        self.fired: FaultEvent | None = None
        self.active = False

    def update(self, t: float, value: float) -> None:
        if not np.isfinite(value) or not self.fault.triggered(value):
            self.since, self.active = None, False
            return
        if self.since is None:
            self.since = t
        self.active = t - self.since >= self.fault.min_duration_s
        if self.active and self.fired is None:
            self.fired = _event(self.fault, self.since, value)


def _event(f: Fault, at: float, value: float) -> FaultEvent:
    return FaultEvent(f.code, f.message, f.cue, at, value, f.confidence)


def _scalar(value: np.ndarray, ref: np.ndarray | None, relative: bool) -> float:
    """A fault's value: the signal itself, or the size of its change from the rest reference."""
    v = np.asarray(value, float)
    if relative:
        if ref is None:
            return float("nan")
        d = v - np.asarray(ref, float)
        return float(np.linalg.norm(d))
    return float(v.reshape(-1)[0])


class ExerciseEngine:
    """Feed frames with :meth:`update`; read reps and holds; call :meth:`finish` at the end."""

    def __init__(self, exercise: Exercise):
        self.ex = exercise
        self.reps: list[Rep] = []
        self.holds: list[Hold] = []
        self.frames = 0
        self.frames_tracked = 0
        self.last_t: float | None = None
        self._lost_since: float | None = None
        self.gaps: list[tuple[float, float]] = []
        self._rest: np.ndarray | None = None
        self._idle: deque = deque()
        self._phase = "waiting"
        self._rep: dict | None = None
        self._returning: dict | None = None
        self._hold: dict | None = None
        self._during = [f for f in exercise.faults if f.check == "during"]
        self._peak_faults = [f for f in exercise.faults if f.check == "peak"]
        self._bout_starts: list[int] = []  # cyclic: index into reps where each bout of cycles starts
        self._last_v: np.ndarray | None = None  # the rep signal's last values (NaN filled)
        self._last_counts: dict[str, int] | None = None

    # ---------------------------------------------------------------- per frame
    def update(self, frame: FrameInput) -> FrameVerdict:
        t = frame.t_s
        self.frames += 1
        key = None
        tracked = frame.values is not None and self._rep_values(frame) is not None
        if tracked:
            self.frames_tracked += 1
            if self._lost_since is not None:
                self._close_gap(t)
            if self.ex.rep is not None:
                self._update_reps(frame)
            if self.ex.hold is not None and self.ex.kind == "hold":
                self._update_hold(frame)
            kv = frame.values.get(self.ex.key_signal)
            key = float(np.nanmax(kv[:, 0])) if kv is not None and np.isfinite(kv[:, 0]).any() else None
        else:
            self._on_lost(t)
        self.last_t = t
        return self._verdict(t, key, tracked)

    def _rep_values(self, frame: FrameInput) -> np.ndarray | None:
        rule = self.ex.rep
        name = rule.signal if rule else self.ex.key_signal
        v = frame.values.get(name) if frame.values else None
        if v is None or not np.isfinite(v[:, 0]).any():
            return None
        sign = -1.0 if rule is not None and rule.direction == "down" else 1.0
        return sign * v[:, 0]

    # ---------------------------------------------------------------- tracking gaps
    def _on_lost(self, t: float) -> None:
        if self._lost_since is None:
            self._lost_since = t
        elif t - self._lost_since >= LOST_RESET_S:
            if self._rep is not None or self._returning is not None:
                self._finish_open(self._lost_since)
            self._rest = None
            self._idle.clear()
            self._phase = "lost"
        if self._hold is not None and t - self._hold["last_in"] > self.ex.hold.grace_s:
            self._close_hold()

    def _close_gap(self, t: float) -> None:
        if t - self._lost_since >= 0.5:
            self.gaps.append((self._lost_since, t))
        self._lost_since = None

    # ---------------------------------------------------------------- reps
    def _update_reps(self, frame: FrameInput) -> None:
        rule = self.ex.rep
        t = frame.t_s
        v = self._rep_values(frame)
        if self._rest is None or self._rest.shape != v.shape:
            self._rest = v.copy()
        # A side not seen until now (NaN rest) starts its rest level here. A side unseen in
        # this frame keeps its last value during a rep (a joint lost at the top of a kick
        # must not end the rep and start a second one), and its rest level otherwise.
        self._rest = np.where(np.isfinite(self._rest), self._rest, v)
        if self._rep is not None and self._last_v is not None and self._last_v.shape == v.shape:
            v = np.where(np.isfinite(v), v, self._last_v)
        v = np.where(np.isfinite(v), v, self._rest)
        self._last_v = v.copy()
        rise_c = _finite_or_low(v - self._rest)
        ch = int(np.argmax(rise_c))
        rise = float(rise_c[ch])
        sample = (t, rise, ch, frame.values, frame.side_joint_xy)
        if self._rep is None:
            dt = 0.0 if self.last_t is None else max(t - self.last_t, 0.0)
            self._rest = _track_rest(self._rest, v, dt, rule.min_rom)
            rise_c = _finite_or_low(v - self._rest)
            ch = int(np.argmax(rise_c))
            rise = float(rise_c[ch])
            sample = (t, rise, ch, frame.values, frame.side_joint_xy)
            if self._returning is not None:
                back = self._returning
                back["samples"].append(sample)
                back["trough"] = min(back.get("trough", rise), rise)
                # Settled at rest, or rising again from a partial return: the rep is over.
                if rise <= END_FRACTION * back["peak_rise"] or rise >= back["trough"] + ENTER_FRACTION * rule.min_rom:
                    self._finalize(back)
                    self._returning = None
            self._idle.append(sample)
            while self._idle and t - self._idle[0][0] > IDLE_MEMORY_S:
                self._idle.popleft()
            self._phase = "rest" if self._returning is None else "lowering"
            if rise >= ENTER_FRACTION * rule.min_rom and self._returning is None:
                self._start_rep()
            return
        rep = self._rep
        rep["samples"].append(sample)
        if rise > rep["peak_rise"]:
            rep.update(peak_rise=rise, peak_t=t, peak_ch=ch, peak_values=frame.values,
                       peak_xy=frame.side_joint_xy)
        self._watch_faults(rep, frame)
        self._track_top_hold(rep, t, rise)
        self._phase = "lifting" if rise >= 0.8 * rep["peak_rise"] else "lowering"
        if rise <= EXIT_FRACTION * rep["peak_rise"]:
            self._rep = None
            if rep["peak_rise"] >= rule.min_rom and t - rep["entry_t"] >= 0.5 * rule.min_duration_s:
                self._returning = rep  # counted now; its end is placed once it settles
            self._phase = "rest"

    def _track_top_hold(self, rep: dict, t: float, rise: float) -> None:
        """Causal version of :func:`_plateau` for the live hold timer: high and slow now.

        The report's hold comes from ``_plateau`` once the rep is over; the overlay needs the
        hold while it happens, so the speed is a backward difference over the last 0.3 s.
        """
        back = next((s for s in reversed(rep["samples"]) if t - s[0] >= 0.3), None)
        if back is None:
            rep["top_since"] = None
            return
        v_max = max(0.5 * rep["peak_rise"], 0.4 * self.ex.rep.min_rom)
        still = rise >= 0.6 * rep["peak_rise"] and abs(rise - back[1]) / (t - back[0]) <= v_max
        if not still:
            rep["top_since"] = None
        elif rep.get("top_since") is None:
            rep["top_since"] = back[0]

    def _start_rep(self) -> None:
        idle = list(self._idle)
        rest_sample = min(idle, key=lambda s: (s[1], -s[0]))
        t, rise, ch, values, xy = idle[-1]
        self._rep = {"samples": idle, "entry_t": t, "peak_rise": rise, "peak_t": t, "peak_ch": ch,
                     "peak_values": values, "peak_xy": xy, "ref_values": rest_sample[3],
                     "ref_xy": rest_sample[4],
                     "watches": [_FaultWatch(f) for f in self._during]}
        self._idle.clear()
        self._phase = "lifting"

    def _working_channel(self, rep: dict, xy: np.ndarray | None = None) -> int:
        """The channel (0 left, 1 right) of the working side, for faults measured per side.

        A two-sided rep signal names it (the side that rose); a one-valued rep signal of a
        sided exercise leaves it to the side joint's movement since the rest position, up to
        ``xy`` (the current frame) or the peak.
        """
        v = rep["peak_values"].get(self.ex.rep.signal) if rep.get("peak_values") else None
        two_sided = v is not None and v.shape[0] > 1
        if not self.ex.sided and not two_sided:
            return 0
        # Follow the limb that moves: the side joint that travelled furthest from rest. A
        # two-sided signal's own choice (the side that rose most) is the fallback, because
        # a lifting trunk can raise the other leg's reading too.
        side = self._moved_side(rep.get("ref_xy"), rep.get("peak_xy") if xy is None else xy)
        if side:
            return SIDES.index(side)
        return rep["peak_ch"] if two_sided else 0

    def _moved_side(self, ref_xy, now_xy) -> str | None:
        if ref_xy is None or now_xy is None:
            return None
        moved = np.linalg.norm(np.asarray(now_xy) - np.asarray(ref_xy), axis=-1)
        if not np.isfinite(moved).all():
            return None
        pick = np.argmin if self.ex.rep.side_by == "stays" else np.argmax
        return SIDES[int(pick(moved))]

    def _fault_value(self, fault: Fault, values: dict, ref_values: dict | None, ch: int) -> float:
        v = values.get(fault.signal)
        if v is None:
            return float("nan")
        row = v[min(ch, v.shape[0] - 1)]
        ref = None
        if ref_values is not None and fault.signal in ref_values:
            r = ref_values[fault.signal]
            ref = r[min(ch, r.shape[0] - 1)]
        return _scalar(row, ref, fault.relative)

    def _watch_faults(self, rep: dict, frame: FrameInput) -> None:
        ch = self._working_channel(rep, frame.side_joint_xy)
        for w in rep["watches"]:
            w.update(frame.t_s, self._fault_value(w.fault, frame.values, rep["ref_values"], ch))

    def _side_of(self, rep: dict) -> str | None:
        if not self.ex.sided:
            return None
        sig = self.ex.signals[self.ex.rep.signal]
        if sig.sides == "working":
            return SIDES[self._working_channel(rep)]
        return self._moved_side(rep.get("ref_xy"), rep.get("peak_xy"))

    def _finalize(self, rep: dict) -> None:
        samples = rep["samples"]
        t = np.array([s[0] for s in samples])
        rise = np.array([s[1] for s in samples])
        peak = rep["peak_rise"]
        k_peak = int(np.searchsorted(t, rep["peak_t"]))
        before = np.nonzero(rise[:k_peak + 1] <= EDGE_FRACTION * peak)[0]
        after = np.nonzero(rise[k_peak:] <= EDGE_FRACTION * peak)[0]
        start = t[before[-1]] if len(before) else t[0]
        end = t[k_peak + after[0]] if len(after) else t[-1]
        hold_s, hold_start = _plateau(t, rise, peak, self.ex.rep.min_rom)
        faults = [w.fired for w in rep["watches"] if w.fired is not None]
        ch = self._working_channel(rep)
        for f in self._peak_faults:
            value = self._fault_value(f, rep["peak_values"], rep["ref_values"], ch)
            if np.isfinite(value) and f.triggered(value):
                faults.append(_event(f, rep["peak_t"], value))
        key = rep["peak_values"][self.ex.rep.signal][min(ch, rep["peak_values"][self.ex.rep.signal].shape[0] - 1)]
        in_rep = (t >= start) & (t <= end)
        span = max(end - start, 1e-6)
        frame_dt = np.median(np.diff(t)) if len(t) > 1 else 0.0
        tracked = min(1.0, (in_rep.sum() * frame_dt) / span) if frame_dt > 0 else 1.0
        r = Rep(index=len(self.reps) + 1, side=self._side_of(rep), start_s=float(start),
                peak_s=float(rep["peak_t"]), end_s=float(end), rom=float(peak), peak_value=float(key[0]),
                hold_s=hold_s, hold_start_s=hold_start, faults=sorted(faults, key=lambda e: e.at_s),
                tracked_fraction=tracked)
        self.reps.append(r)
        if self.ex.kind == "cyclic":
            self._update_cadence()
        if hold_s >= (self.ex.hold.min_hold_s if self.ex.hold else 1.0) and hold_start is not None:
            self.holds.append(Hold(r.side, hold_start, hold_start + hold_s, [], r.index))

    # ---------------------------------------------------------------- cycles (kind = cyclic)
    def _update_cadence(self) -> None:
        """Rate of the newest cycle from the time since the previous cycle's peak.

        Peaks, not starts: the start of the first cycle after a pause can stretch back over
        the getting ready. Cycles follow each other in bouts; a gap much longer than the usual
        period (a pause) or a change of side starts a new bout. A bout's first cycle takes the
        rate of the second once it comes; a lone cycle's rate is one over its own duration.
        """
        reps = self.reps
        new = reps[-1]
        if not self._bout_starts:
            self._bout_starts.append(len(reps) - 1)
        else:
            prev = reps[-2]
            first = self._bout_starts[-1]
            gaps = [b.peak_s - a.peak_s for a, b in zip(reps[first:-2], reps[first + 1:-1])]
            gap = new.peak_s - prev.peak_s
            usual = float(np.median(gaps[-10:])) if gaps else None
            paused = gap > PAUSE_FACTOR * (usual if usual else max(prev.end_s - prev.start_s, 0.2))
            if paused or new.side != prev.side:
                self._bout_starts.append(len(reps) - 1)
            else:
                new.cadence_per_min = 60.0 / max(gap, 1e-3)
                if len(reps) - 2 == first:
                    prev.cadence_per_min = new.cadence_per_min
        if new.cadence_per_min is None:
            new.cadence_per_min = 60.0 / max(new.end_s - new.start_s, 1e-3)

    def cycle_summary(self) -> dict:
        """Cycles, mean cadence (cycles per minute) and active time, for a cyclic exercise.

        Cadence is the number of peak-to-peak periods over their total time within bouts of
        continuous movement (exact for a steady rhythm); active time sums each bout from its
        first cycle's start to its last cycle's end, so pauses are not counted.
        """
        reps = self.reps
        bounds = self._bout_starts + [len(reps)]
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
                "active_s": round(active, 2), "bouts": len(self._bout_starts), "by_side": by_side}

    def _finish_open(self, t_end: float) -> None:
        rep = self._rep
        if (self.ex.kind == "cyclic" and rep is not None and self._returning is None
                and rep["peak_rise"] >= self.ex.rep.min_rom and rep["samples"]
                and rep["samples"][-1][1] <= CYCLE_END_FRACTION * rep["peak_rise"]
                and rep["samples"][-1][0] - rep["entry_t"] >= 0.5 * self.ex.rep.min_duration_s):
            # A continuous movement stops anywhere in its range (a leg swing ends hanging
            # down, a pedal wherever it is): a cycle past its peak and on its way back counts.
            self._returning = rep
        if self._returning is not None:
            self._finalize(self._returning)
            self._returning = None
        self._rep = None

    # ---------------------------------------------------------------- holds (kind = hold)
    def _in_position(self, values: dict) -> bool:
        """Every position condition holds: on the side held when the hold names one (side_signal),
        else on either side of a two-sided signal."""
        ch = self._hold_channel(values)
        for cond in self.ex.hold.position:
            v = values.get(cond.signal)
            if v is None:
                return False
            col = v[:, 0] if ch is None or v.shape[0] < 2 else v[ch:ch + 1, 0]
            if not any(np.isfinite(x) and cond.holds(float(x)) for x in col):
                return False
        return True

    def _hold_channel(self, values: dict) -> int | None:
        """The side held (0 left, 1 right) this frame, from the hold's side_signal."""
        rule = self.ex.hold
        if rule.side_signal is None:
            return None
        v = values.get(rule.side_signal)
        if v is None or v.shape[0] < 2 or not np.isfinite(v[:, 0]).any():
            return None
        col = np.where(np.isfinite(v[:, 0]), v[:, 0], -np.inf if rule.side_pick == "max" else np.inf)
        return int(np.argmax(col) if rule.side_pick == "max" else np.argmin(col))

    def _key_value(self, values: dict, ch: int | None) -> float:
        v = values.get(self.ex.key_signal)
        if v is None:
            return float("nan")
        return float(v[min(ch or 0, v.shape[0] - 1), 0])

    def _update_hold(self, frame: FrameInput) -> None:
        t = frame.t_s
        inside = self._in_position(frame.values)
        if self._hold is None:
            if inside:
                self._hold = {"start": t, "last_in": t, "ref": frame.values, "samples": [], "sides": [0, 0],
                              "watches": [_FaultWatch(f) for f in self._during]}
                self._phase = "holding"
            else:
                self._phase = "rest"
                return
        h = self._hold
        if inside:
            h["last_in"] = t
            ch = self._hold_channel(frame.values)
            if ch is not None:
                h["sides"][ch] += 1
            h["samples"].append((t, self._key_value(frame.values, ch)))
            for w in h["watches"]:
                w.update(t, self._fault_value(w.fault, frame.values, h["ref"], ch or 0))
        elif t - h["last_in"] > self.ex.hold.grace_s:
            self._close_hold()
        self._phase = "holding" if self._hold is not None else "rest"

    def _close_hold(self) -> None:
        h, self._hold = self._hold, None
        start, end = _settled_span(h["samples"], self.ex.hold.settle_speed) or (h["start"], h["last_in"])
        if end - start >= self.ex.hold.min_hold_s:
            faults = [w.fired for w in h["watches"] if w.fired is not None]
            side = None
            if self.ex.sided and sum(h["sides"]):
                side = SIDES[int(np.argmax(h["sides"]))]
            self.holds.append(Hold(side, start, end, faults))

    def holds_by_side(self) -> dict[str, int]:
        out = {"left": 0, "right": 0, "both": 0}
        for h in self.holds:
            out[h.side or "both"] += 1
        return out

    # ---------------------------------------------------------------- output
    def counts_by_side(self) -> dict[str, int]:
        out = {"left": 0, "right": 0, "both": 0}
        for r in self.reps:
            out[r.side or "both"] += 1
        if self._returning is not None:
            side = self._side_of(self._returning) or "both"
            out[side] += 1
        return out

    def _verdict(self, t: float, key: float | None, tracked: bool) -> FrameVerdict:
        active: list[FaultEvent] = []
        for open_item in (self._rep, self._hold):
            if open_item is not None:
                active += [_event(w.fault, w.since, None) for w in open_item["watches"] if w.active]
        counts = self.counts_by_side()
        if counts == self._last_counts:
            counts = self._last_counts  # the same values: share the previous frame's dict
        self._last_counts = counts
        hold_now = 0.0
        if self._hold is not None:
            hold_now = self._hold["last_in"] - self._hold["start"]
        elif self._rep is not None and self._rep.get("top_since") is not None:
            hold_now = t - self._rep["top_since"]  # held at the top of a rep, so far
        phase = self._phase if tracked else "lost"
        return FrameVerdict(t, phase, key, counts, sum(counts.values()), hold_now, active,
                            self.reps[-1] if self.reps else None, tracked)

    def open_peaks(self) -> list[float]:
        """Peak times of the reps still open (rising, or counted and settling back to rest).

        Issue 8: the annotated video is drawn while the analysis runs, a little behind it; a
        rep's picture is taken at its peak, which is final only once the rep is over. The
        frames the engine has seen can hold at most these peaks, so the writer keeps only
        their pictures until the rep closes.
        """
        return [r["peak_t"] for r in (self._rep, self._returning) if r is not None]

    def finish(self) -> None:
        """Close whatever is open at the end of the session (a cut-short session keeps its reps)."""
        if self._lost_since is not None and self.last_t is not None:
            self._close_gap(self.last_t)
        self._finish_open(self.last_t or 0.0)
        if self._hold is not None:
            self._close_hold()


def _finite_or_low(rise: np.ndarray) -> np.ndarray:
    """NaN rises (a side never seen) become -inf so argmax never picks them."""
    return np.where(np.isfinite(rise), rise, -np.inf)


def _track_rest(rest: np.ndarray, value: np.ndarray, dt: float, min_rom: float) -> np.ndarray:
    """Follow the rest level: quickly down to a lower value, slowly up to a higher one.

    A plain running minimum would sit on the lowest noise excursion and make ordinary
    jitter look like a rise; this sits near the middle of the noise band instead.
    """
    down = 1.0 - np.exp(-dt / REST_DOWN_TAU_S)
    step_up = REST_DRIFT * min_rom * dt
    return np.where(value < rest, rest + down * (value - rest), np.minimum(value, rest + step_up))


def _settled_span(samples: list[tuple[float, float]], max_speed: float | None) -> tuple[float, float] | None:
    """First and last moment of a hold where the key signal moved slower than ``max_speed``.

    Trims the end of getting into the position and the start of leaving it from a hold
    timed by its position conditions; movement inside the hold is kept (a stretch may
    deepen slowly). None when there is nothing to trim by (no limit, too few samples).
    """
    if max_speed is None or len(samples) < 3:
        return None
    t = np.array([s[0] for s in samples])
    v = np.array([s[1] for s in samples])
    ok = np.isfinite(v)
    if ok.sum() < 3:
        return None
    t, v = t[ok], v[ok]
    lo = np.searchsorted(t, t - SETTLE_HALF_WINDOW_S)
    hi = np.clip(np.searchsorted(t, t + SETTLE_HALF_WINDOW_S, side="right") - 1, 0, len(t) - 1)
    speed = np.abs(v[hi] - v[lo]) / np.maximum(t[hi] - t[lo], 1e-6)
    slow = np.nonzero(speed <= max_speed)[0]
    if not len(slow):
        return (float(t[0]), float(t[0]))
    return float(t[slow[0]]), float(t[slow[-1]])


def _plateau(t: np.ndarray, rise: np.ndarray, peak: float, min_rom: float) -> tuple[float, float | None]:
    """Time spent still at the top of a rep: high (>= 60% of the rise) and slow.

    Speed is a central difference over +/-0.15 s so landmark jitter does not break a hold,
    and a slow sag during a long hold (NOTES: real bridges sag 15-25 degrees) still counts
    as holding.
    """
    if len(t) < 3:
        return 0.0, None
    half = 0.15
    lo = np.searchsorted(t, t - half)
    hi = np.clip(np.searchsorted(t, t + half, side="right") - 1, 0, len(t) - 1)
    dt = np.maximum(t[hi] - t[lo], 1e-6)
    speed = np.abs(rise[hi] - rise[lo]) / dt
    v_max = max(0.5 * peak, 0.4 * min_rom)
    still = (rise >= 0.6 * peak) & (speed <= v_max)
    best, best_start, run_start = 0.0, None, None
    for i, s in enumerate(still):
        if s and run_start is None:
            run_start = i
        if run_start is not None and (not s or i == len(still) - 1):
            stop = i if s else i - 1
            length = t[stop] - t[run_start]
            if length > best:
                best, best_start = length, t[run_start]
            run_start = None
    return float(best), (float(best_start) if best_start is not None else None)


def run_engine(exercise: Exercise, inputs) -> tuple[ExerciseEngine, list[FrameVerdict]]:
    """Feed a sequence of FrameInput through a fresh engine; return it and the verdicts."""
    engine = ExerciseEngine(exercise)
    verdicts = [engine.update(f) for f in inputs]
    engine.finish()
    return engine, verdicts
