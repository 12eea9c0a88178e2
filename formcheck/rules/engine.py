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

import numpy as np

from formcheck.pose.landmarks import SIDES
from formcheck.rules.cycles import CycleBouts
from formcheck.rules.exercise import Exercise
from formcheck.rules.fault_watch import FaultWatch, drop_explained, fault_event, fault_value
from formcheck.rules.holds import HoldTracker
from formcheck.rules.signal_shapes import finite_or_low, plateau, track_rest
from formcheck.rules.working_side import note_travel, rep_side, working_channel
from formcheck.rules.verdicts import FaultEvent, FrameInput, FrameVerdict, Hold, Rep

__all__ = ["SIDES", "ExerciseEngine", "FaultEvent", "FrameInput", "FrameVerdict", "Hold", "Rep", "run_engine"]


ENTER_FRACTION = 0.6  # of min_rom: the rise that starts a candidate rep
EXIT_FRACTION = 0.45  # of the rep's own peak rise: below it the rep is complete
END_FRACTION = 0.15  # of the peak rise: back at rest, the rep ends
EDGE_FRACTION = 0.10  # of the peak rise: where start and end times are placed
LOST_RESET_S = 2.0  # tracking lost this long: forget the rep in progress and recalibrate
IDLE_MEMORY_S = 3.0
MIN_TOP_HOLD_S = 0.75  # a rep's pause at the top this long is a hold (a turnaround lasts a few tenths)
CYCLE_END_FRACTION = 0.8  # cyclic: at the end of a session, a cycle back below this of its rise counts


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
        self._holds = HoldTracker(exercise, self.holds)
        self._during = [f for f in exercise.faults if f.check == "during"]
        self._peak_faults = [f for f in exercise.faults if f.check == "peak"]
        self._bouts = CycleBouts()  # cyclic: bouts of cycles and their cadence
        self._last_v: np.ndarray | None = None  # the rep signal's last values (NaN filled)
        self._last_counts: dict[str, int] | None = None
        self._first_v: np.ndarray | None = None  # the rep signal's first values (cyclic: started at the top?)
        self.cut_short: list[Rep] = []  # reps still up when the recording stopped: not counted
        self.unjudged: set[str] = set()  # faults the camera's view cannot judge: never flagged

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
                self._phase = self._holds.update(t, frame.values)
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
        if self.ex.hold is not None and self.ex.kind == "hold":
            self._holds.update(t, None)

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
        if self._first_v is None:
            self._first_v = v.copy()
        rise_c = finite_or_low(v - self._rest)
        ch = int(np.argmax(rise_c))
        rise = float(rise_c[ch])
        sample = (t, rise, ch, frame.values, frame.side_joint_xy, frame.side_cues)
        if self._rep is None:
            dt = 0.0 if self.last_t is None else max(t - self.last_t, 0.0)
            self._rest = track_rest(self._rest, v, dt, rule.min_rom)
            rise_c = finite_or_low(v - self._rest)
            ch = int(np.argmax(rise_c))
            rise = float(rise_c[ch])
            sample = (t, rise, ch, frame.values, frame.side_joint_xy, frame.side_cues)
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
        note_travel(rep, frame.side_joint_xy)
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
        """Causal version of :func:`plateau` for the live hold timer: high and slow now.

        The report's hold comes from ``plateau`` once the rep is over; the overlay needs the
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
        t, rise, ch, values, xy, _ = idle[-1]
        self._rep = {"samples": idle, "entry_t": t, "peak_rise": rise, "peak_t": t, "peak_ch": ch,
                     "peak_values": values, "peak_xy": xy, "ref_values": rest_sample[3],
                     "ref_xy": rest_sample[4],
                     "watches": [FaultWatch(f) for f in self._during], "travel": None,
                     "rest": None if self._rest is None else self._rest.copy()}
        for s in idle[idle.index(rest_sample):]:
            note_travel(self._rep, s[4])
        self._idle.clear()
        self._phase = "lifting"

    def _watch_faults(self, rep: dict, frame: FrameInput) -> None:
        ch = working_channel(rep, self.ex)
        for w in rep["watches"]:
            w.update(frame.t_s, fault_value(w.fault, frame.values, rep["ref_values"], ch))

    def _finalize(self, rep: dict) -> None:
        r = self._make_rep(rep, len(self.reps) + 1)
        self.reps.append(r)
        if self.ex.kind == "cyclic":
            self._bouts.add_cycle(self.reps)
        if r.hold_s >= self._min_top_hold_s() and r.hold_start_s is not None:
            self.holds.append(Hold(r.side, r.hold_start_s, r.hold_start_s + r.hold_s, [], r.index))

    def _min_top_hold_s(self) -> float:
        """Shortest pause at the top reported as a hold: a turnaround is a few tenths of a second."""
        return self.ex.hold.min_hold_s if self.ex.hold else MIN_TOP_HOLD_S

    def _make_rep(self, rep: dict, index: int, cut_short: bool = False) -> Rep:
        """The Rep of a finished (or, ``cut_short``, still open) rep: its times, hold, faults and side."""
        samples = rep["samples"]
        t = np.array([s[0] for s in samples])
        rise = np.array([s[1] for s in samples])
        peak = rep["peak_rise"]
        k_peak = int(np.searchsorted(t, rep["peak_t"]))
        before = np.nonzero(rise[:k_peak + 1] <= EDGE_FRACTION * peak)[0]
        after = np.nonzero(rise[k_peak:] <= EDGE_FRACTION * peak)[0]
        start = t[before[-1]] if len(before) else t[0]
        end = t[k_peak + after[0]] if len(after) else t[-1]
        hold_s, hold_start = plateau(t, rise, peak, self.ex.rep.min_rom)
        faults = [w.fired for w in rep["watches"] if w.fired is not None]
        ch = working_channel(rep, self.ex)
        for f in self._peak_faults:
            value = fault_value(f, rep["peak_values"], rep["ref_values"], ch)
            if np.isfinite(value) and f.triggered(value):
                faults.append(fault_event(f, rep["peak_t"], value))
        key = rep["peak_values"][self.ex.rep.signal][min(ch, rep["peak_values"][self.ex.rep.signal].shape[0] - 1)]
        in_rep = (t >= start) & (t <= end)
        span = max(end - start, 1e-6)
        frame_dt = np.median(np.diff(t)) if len(t) > 1 else 0.0
        tracked = min(1.0, (in_rep.sum() * frame_dt) / span) if frame_dt > 0 else 1.0
        faults = [f for f in drop_explained(faults, self.ex.faults) if f.code not in self.unjudged]
        return Rep(index=index, side=rep_side(rep, self.ex), start_s=float(start),
                   peak_s=float(rep["peak_t"]), end_s=float(end), rom=float(peak), peak_value=float(key[0]),
                   hold_s=hold_s, hold_start_s=hold_start, faults=sorted(faults, key=lambda e: e.at_s),
                   tracked_fraction=tracked, cut_short=cut_short)

    # ---------------------------------------------------------------- cycles (kind = cyclic)
    def cycle_summary(self) -> dict:
        """Cycles, mean cadence (cycles per minute) and active time: see :class:`CycleBouts`."""
        return self._bouts.summary(self.reps)

    def _finish_open(self, t_end: float) -> None:
        """Close the rep in progress when the recording stops (or tracking is lost for good).

        A cycle past its peak and on its way back counts: a continuous movement stops anywhere
        in its range (a leg swing ends hanging down, a pedal wherever it is); so does one that
        started at the top and is back there (one full swing, front to back to front). A rep
        still up at its top is not a finished rep but may be a finished hold: it is kept as
        cut short (not counted) with the hold it made.
        """
        rep = self._rep
        risen = (rep is not None and self._returning is None and bool(rep["samples"])
                 and rep["peak_rise"] >= self.ex.rep.min_rom
                 and rep["samples"][-1][0] - rep["entry_t"] >= 0.5 * self.ex.rep.min_duration_s)
        if risen and self.ex.kind == "cyclic":
            past_peak = rep["samples"][-1][1] <= CYCLE_END_FRACTION * rep["peak_rise"]
            if past_peak or self._started_at_top(rep):
                self._returning = rep
        elif risen and rep["samples"][-1][1] >= 0.6 * rep["peak_rise"]:
            self._keep_cut_short(rep)
        if self._returning is not None:
            self._finalize(self._returning)
            self._returning = None
        self._rep = None

    def _started_at_top(self, rep: dict) -> bool:
        """The session began near this rep's top: coming back up closes a whole cycle."""
        if self._first_v is None or rep.get("rest") is None or self.reps:
            return False
        first_rise = np.nanmax(self._first_v - rep["rest"])
        return bool(np.isfinite(first_rise) and first_rise >= CYCLE_END_FRACTION * rep["peak_rise"])

    def _keep_cut_short(self, rep: dict) -> None:
        r = self._make_rep(rep, len(self.reps) + 1, cut_short=True)
        self.cut_short.append(r)
        if r.hold_s >= self._min_top_hold_s() and r.hold_start_s is not None:
            self.holds.append(Hold(r.side, r.hold_start_s, r.hold_start_s + r.hold_s, [], None, cut_short=True))

    # ---------------------------------------------------------------- holds (kind = hold)
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
            side = rep_side(self._returning, self.ex) or "both"
            out[side] += 1
        return out

    def _verdict(self, t: float, key: float | None, tracked: bool) -> FrameVerdict:
        active: list[FaultEvent] = []
        if self._rep is not None:
            active += [fault_event(w.fault, w.since, None) for w in self._rep["watches"] if w.active]
        active += self._holds.active_faults()
        if self.unjudged:
            active = [f for f in active if f.code not in self.unjudged]
        counts = self.counts_by_side()
        if counts == self._last_counts:
            counts = self._last_counts  # the same values: share the previous frame's dict
        self._last_counts = counts
        hold_now = 0.0
        if self._holds.open is not None:
            hold_now = self._holds.held_so_far()
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

    def drop_faults(self, codes: set[str]) -> None:
        """Forget these faults on every rep and hold, and flag them no more (the view cannot judge them)."""
        if not codes:
            return
        self.unjudged |= set(codes)
        for item in [*self.reps, *self.cut_short, *self.holds]:
            item.faults = [f for f in item.faults if f.code not in codes]

    def finish(self) -> None:
        """Close whatever is open at the end of the session (a cut-short session keeps its reps)."""
        if self._lost_since is not None and self.last_t is not None:
            self._close_gap(self.last_t)
        self._finish_open(self.last_t or 0.0)
        self._holds.close()


def run_engine(exercise: Exercise, inputs) -> tuple[ExerciseEngine, list[FrameVerdict]]:
    """Feed a sequence of FrameInput through a fresh engine; return it and the verdicts."""
    engine = ExerciseEngine(exercise)
    verdicts = [engine.update(f) for f in inputs]
    engine.finish()
    return engine, verdicts
