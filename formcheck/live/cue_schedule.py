"""When the live coach beeps and speaks: verdict changes turned into cues.

formcheck.live.cues plays sounds and words without ever blocking the video loop; this module
decides *when* to: a beep and the count for each new rep, a double beep and "Hold done" when
a hold reaches the exercise's target time, the exercise's own cue the moment a fault starts,
and the set-up guidance whenever it changes. It reads only the frames the session gives, so
the single-exercise loop and the routine loop (one schedule per set) cue the same way.
"""

from __future__ import annotations

from formcheck.live.cues import SoundCues, Speaker
from formcheck.live.session import LiveFrame
from formcheck.rules.exercise import Exercise


class CueScheduler:
    """Turns verdict changes into beeps and spoken words (both played in background threads)."""

    def __init__(self, exercise: Exercise, sound: SoundCues, speaker: Speaker):
        self.ex, self.sound, self.speaker = exercise, sound, speaker
        self._counts: dict[str, int] | None = None
        self._hold_done = False
        self._faults: set[str] = set()
        self._guidance: str | None = None

    def update(self, live: LiveFrame) -> None:
        """Cue what changed on this frame: guidance, the start of counting, reps, holds, faults."""
        v = live.verdict
        if live.guidance != self._guidance and live.guidance:
            self.speaker.say(live.guidance, v.t_s)
        self._guidance = live.guidance
        if live.started_now:
            self.speaker.say("Ready. Start when you are.", v.t_s)
        if not live.counting:
            return
        self._cue_reps(v.reps_by_side, v.t_s)
        self._cue_hold(v.hold_s, v.t_s)
        now = {f.code for f in v.active_faults}
        for f in v.active_faults:
            if f.code not in self._faults:
                self.speaker.say(f.cue, v.t_s)
        self._faults = now

    def _cue_reps(self, counts: dict[str, int], t_s: float) -> None:
        """A beep and the new count for each side whose reps went up since the last frame."""
        if self._counts is not None:
            for side, n in counts.items():
                if n > self._counts.get(side, 0):
                    self.sound.play("rep")
                    self.speaker.say(str(n), t_s)
        self._counts = dict(counts)

    def _cue_hold(self, hold_s: float, t_s: float) -> None:
        """Once per hold: the double beep and "Hold done" when the target hold time is reached."""
        goal = self.ex.dosage.hold_s[0] if self.ex.dosage.hold_s else None
        if hold_s <= 0:
            self._hold_done = False
        elif goal and hold_s >= goal and not self._hold_done:
            self._hold_done = True
            self.sound.play("hold")
            self.speaker.say("Hold done", t_s)

    def reset(self) -> None:
        """A new set (the ``r`` key): counts start again, active faults are cued again."""
        self._counts = None
        self._faults = set()
