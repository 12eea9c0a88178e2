"""``formcheck live --exercise auto``: the live loop with sets that follow the recognised exercise.

:class:`AutoLoop` is :class:`~formcheck.live.loop.LiveLoop` with an
:class:`~formcheck.live.auto.AutoSession` in place of a single session: the screen says what
was recognised ("Clamshell, right side: recognised"), each set is counted with its own
exercise's overlay and cues, and each set's report is written as soon as the set ends
(``<out>/set1-clamshell/``), as ``analyze --exercise auto`` does, with ``sets.json``
summarising them. When the recogniser is unsure the screen asks the person to press 1, 2 or 3.
"""

from __future__ import annotations

from pathlib import Path

from formcheck.live.auto import AutoFrame, AutoSession, AutoSet, side_text
from formcheck.live.cue_schedule import CueScheduler
from formcheck.live.loop import LiveLoop, open_frames
from formcheck.live.session import LiveFrame, finish_session
from formcheck.live.window import display_image
from formcheck.report.build import write_json_atomic
from formcheck.rules.exercise import builtin_exercises

SETS_NAME = "sets.json"
PICK_KEYS = {ord("1"): 1, ord("2"): 2, ord("3"): 3}


def run_live_auto(source, model: str = "lite", out_dir: Path | None = None, show_window: bool = True,
                  record: bool = False, fast: bool = False, sound: bool = True, speech: bool = False, *,
                  estimator=None, session_factory=None, recognizer=None, window_name: str = "formcheck") -> dict:
    """Coach whatever the person does; return the sets' summary (what sets.json holds) plus their reports.

    ``source`` and ``estimator`` as for :func:`formcheck.live.loop.run_live`. The returned dict
    has ``sets`` (one row per set), ``ended``, ``performance`` and ``reports`` (each set's report).
    """
    if record and out_dir is None:
        raise ValueError("record=True needs an out_dir to save the video in")
    loop = AutoLoop(open_frames(source), model, out_dir, show_window, record, fast, sound, speech, estimator,
                    window_name, session_factory, recognizer)
    return loop.run()


class AutoLoop(LiveLoop):
    """The live loop around an AutoSession (see LiveLoop's hooks)."""

    def __init__(self, src, model, out_dir, show_window, record, fast, sound, speech, estimator, window_name,
                 session_factory, recognizer):
        placeholder = next(iter(builtin_exercises().values()))  # cues and keys need one until a set starts
        super().__init__(src, placeholder, model, out_dir, show_window, record, fast, sound, speech, None,
                         estimator, bool(show_window), window_name)
        self.session_factory, self.recognizer = session_factory, recognizer
        self.auto: AutoSession | None = None
        self.frame: AutoFrame | None = None
        self.rows: list[dict] = []
        self.reports: list[dict] = []
        self._placeholder = None

    # ------------------------------------------------------------------ hooks
    def open_session(self, image) -> None:
        super().open_session(image)
        self._placeholder = self.session
        h, w = image.shape[:2]
        self.auto = AutoSession((w, h), self.recognizer, self.session_factory)

    def process_pose(self, t_s: float, pose) -> LiveFrame:
        self.frame = af = self.auto.step(t_s, pose)
        for done in af.ended:
            self._set_done(done)
        if af.started is not None:
            self._set_started(af.started, t_s)
        return af.live

    def render(self, image, live: LiveFrame):
        from formcheck.live.overlay_panels import draw_guidance, draw_tag  # cv2: only once there is something to draw
        from formcheck.live.overlay_style import Style

        if self.auto.current is not None:
            shown = super().render(image, live)
        else:
            shown, _ = display_image(image)
            if live.guidance:
                draw_guidance(shown, live.guidance, Style.for_image(shown))
        style = Style.for_image(shown)
        done = ", ".join(f"{s.exercise.name} {len(s.session.engine.reps)}" for s in self.auto.finished[-3:])
        if done:
            draw_tag(shown, f"sets done: {done}", style, row=2)
        return shown

    def other_key(self, key: int) -> None:
        if key in PICK_KEYS and self.auto is not None and self.frame is not None:
            chosen = self.auto.choose(PICK_KEYS[key], self.frame.live.verdict.t_s)
            if chosen is not None:
                self._set_started(chosen, self.frame.live.verdict.t_s)

    def write_report(self, failed: bool, extra: dict, warnings: list[str]) -> dict:
        """However the session ended: the set in progress ends with it, and every report is written."""
        ended = "error" if failed else self.ended
        if self.auto is not None:
            last = self.frame.live.verdict.t_s if self.frame is not None else 0.0
            for done in self.auto.finish(last):
                self._set_done(done, ended, warnings)
        if self._placeholder is not None:
            self._placeholder.close()
        summary = {"sets": self.rows, "ended": ended, "performance": extra.get("performance"),
                   "source": self.src.info.description}
        if self.auto is not None and self.auto.dropped:
            summary["not_sets"] = [{"looked_like": s.exercise.id, "start_s": round(s.start_s, 2),
                                    "end_s": round(s.end_s or s.start_s, 2)} for s in self.auto.dropped]
        if warnings:
            summary["warnings"] = list(warnings)
        if self.out_dir is not None:
            write_json_atomic(Path(self.out_dir) / SETS_NAME, summary)
        return {**summary, "reports": self.reports}

    # ------------------------------------------------------------------ sets
    def _set_started(self, s: AutoSet, t_s: float) -> None:
        self.session, self.ex = s.session, s.exercise
        self.cues = CueScheduler(self.ex, self.sounds, self.speaker)
        self.speaker.say(f"{s.exercise.name}{side_text(s)}", t_s)

    def _set_done(self, s: AutoSet, ended: str | None = None, warnings: list[str] = ()) -> None:
        """The set's report now (nothing is lost if the session is cut short later)."""
        target = None
        folder = f"set{s.number}-{s.exercise.id}"
        if self.out_dir is not None:
            target = Path(self.out_dir) / folder
            target.mkdir(parents=True, exist_ok=True)
        recognition = {"exercise": s.exercise.id, "side": s.side(), "confidence": round(s.confidence, 3),
                       "how": s.how, "start_s": round(s.start_s, 2), "end_s": round(s.end_s or s.start_s, 2),
                       "recognised_s": round(s.recognised_s, 2),
                       "text": f"{s.how}: {s.exercise.name}{side_text(s)}, confidence {s.confidence:.2f}"}
        extra = {"ended": ended or "another exercise or a rest followed", "auto_set": s.number,
                 "recognition": recognition}
        report = finish_session(s.session, target, self.src.info.description, self.model_name(), extra,
                                list(warnings))
        report["recognition"] = recognition
        if target is not None:
            write_json_atomic(target / "report.json", report)
        s.session.close()
        self.reports.append(report)
        summ = report["summary"]
        self.rows.append({"set": s.number, "exercise": s.exercise.id, "name": s.exercise.name, "side": s.side(),
                          "start_s": recognition["start_s"], "end_s": recognition["end_s"],
                          "recognised_s": recognition["recognised_s"], "confidence": recognition["confidence"],
                          "how": s.how, "reps": summ["rep_count"], "hold_s": summ["hold_s_total"],
                          "faults": summ["faults"], "report": f"{folder}/report.json" if target else None})
        if self.session is s.session:
            self.session = self._placeholder
