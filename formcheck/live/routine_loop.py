"""A routine coached live: the routine runner inside the live loop, each set reported as it ends.

:class:`RoutineLoop` is :class:`~formcheck.live.loop.LiveLoop` with the
:class:`~formcheck.live.routine_runner.RoutineRunner` in place of a single session: the runner
decides the phase (setting up, counting, resting, done), this module swaps the session and
the cues when a set starts, adds the routine's lines to the picture and the ``n`` key (skip
the set or the rest), and writes each set's own report as soon as the set ends, so nothing
done is lost if the session is cut short.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from formcheck.live.cue_schedule import CueScheduler
from formcheck.live.loop import LiveLoop, open_frames
from formcheck.live.routine import Routine, announcement, plan
from formcheck.live.routine_runner import RoutineFrame, RoutineRunner, SetRecord
from formcheck.live.session import LiveFrame, finish_session
from formcheck.live.window import display_image
from formcheck.report.routine_page import SETS_DIR, build_routine_report, set_entry, write_routine_report
from formcheck.rules.engine import FrameVerdict
from formcheck.rules.exercise import builtin_exercises

KEY_NEXT = ord("n")


def run_routine(source, routine: Routine, model: str = "lite", out_dir: Path | None = None,
                show_window: bool = True, fast: bool = False, sound: bool = True, speech: bool = False, *,
                estimator=None, session_factory=None, window_name: str = "formcheck routine",
                follow: bool = False) -> dict:
    """Coach a routine live and return routine_report.json's content (also written to ``out_dir``).

    ``source`` and ``estimator`` as for :func:`formcheck.live.loop.run_live`. Each set's report is
    written to ``out_dir/sets/NN_exercise_side/`` when the set ends; the combined report is
    rewritten after every set and once more however the session ends. ``follow`` (issue 17): the
    routine advances when the next planned exercise is recognised (see RoutineRunner).
    """
    loop = RoutineLoop(open_frames(source), routine, model, out_dir, show_window, fast, sound, speech, estimator,
                       window_name, session_factory)
    loop.follow = follow
    return loop.run()


class RoutineLoop(LiveLoop):
    """The live loop with the routine runner in place of a single session (see LiveLoop's hooks)."""

    def __init__(self, src, routine, model, out_dir, show_window, fast, sound, speech, estimator, window_name,
                 session_factory):
        sets = plan(routine)
        first = sets[0].exercise if sets else next(iter(builtin_exercises().values()))
        super().__init__(src, first, model, out_dir, show_window, False, fast, sound, speech, None, estimator,
                         bool(show_window), window_name)
        self.routine, self.session_factory = routine, session_factory
        self.runner: RoutineRunner | None = None
        self.frame: RoutineFrame | None = None
        self.entries: dict[int, dict] = {}
        self.follow = False
        self._said_mismatch: tuple[str, float] | None = None

    # ------------------------------------------------------------------ hooks
    def open_session(self, image) -> None:
        super().open_session(image)
        h, w = image.shape[:2]
        self.runner = RoutineRunner(self.routine, (w, h), self.session_factory, follow=self.follow)

    def process_pose(self, t_s: float, pose) -> LiveFrame:
        before = self.runner.current
        self.frame = rf = self.runner.step(t_s, pose)
        if rf.set_ended is not None:
            self._set_done(rf.set_ended)
        now = self.runner.current
        if now is not None and now is not before:
            self._set_started(now, t_s)
        if self.runner.mismatch is not None and self.runner.mismatch is not self._said_mismatch:
            self._said_mismatch = self.runner.mismatch
            self.speaker.say(self.runner.mismatch[0], t_s)
        if rf.live is not None:
            return rf.live
        idle = {"left": 0, "right": 0, "both": 0}
        return LiveFrame(FrameVerdict(t_s, rf.phase, None, idle, 0, 0.0, [], None, pose is not None), None, None, False)

    def render(self, image, live: LiveFrame):
        from formcheck.live.overlay_panels import draw_guidance, draw_tag  # cv2: only once there is something to draw
        from formcheck.live.overlay_style import Style

        rf = self.frame
        if rf.phase in ("setup", "counting") and rf.live is not None:
            guidance = rf.prompt if not live.guidance else f"{rf.prompt} {live.guidance}" if rf.prompt else live.guidance
            shown = super().render(image, replace(live, guidance=guidance))
        else:
            shown, _ = display_image(image)
            if rf.prompt:
                draw_guidance(shown, rf.prompt, Style.for_image(shown))
        style = Style.for_image(shown)
        for row, text in enumerate(self._panel_lines(rf), start=2):
            draw_tag(shown, text, style, row=row)
        return shown

    def _panel_lines(self, rf: RoutineFrame) -> list[str]:
        """Step k/N, exercise and side, progress against the target; what comes next (n skips to it)."""
        lines = []
        if rf.current is not None:
            c = rf.current
            side = f" · {c.side} side" if c.side else ""
            lines.append(f"step {c.step}/{len(self.routine.steps)} · {c.exercise.name}{side} · {rf.progress}")
        else:
            lines.append(rf.progress)
        if rf.next_up:
            lines.append(rf.next_up + (" · n: skip" if self.show_window else ""))
        return lines

    def session_over(self) -> bool:
        if self.runner is not None and self.runner.phase == "done":
            self.ended = "routine finished"
            return True
        return False

    def other_key(self, key: int) -> None:
        if key == KEY_NEXT and self.runner is not None and self.frame is not None:
            rec = self.runner.skip(self.frame.t_s)
            if rec is not None:
                self._set_done(rec)

    def write_report(self, failed: bool, extra: dict, warnings: list[str]) -> dict:
        """However the session ended: close the set in progress (stopped early) and write everything."""
        ended = "error" if failed else self.ended
        if self.runner is not None and self.runner.current is not None:
            t = self.frame.t_s if self.frame is not None else 0.0
            rec = self.runner.end_set(t, "stopped early", ended)
            self._set_done(rec, warnings)
        report = self._combined(ended)
        report["performance"] = extra.get("performance")
        if warnings:
            report["warnings"] = warnings
        if self.out_dir is not None:
            write_routine_report(report, Path(self.out_dir))
        return report

    # ------------------------------------------------------------------ sets
    def _set_started(self, rec: SetRecord, t_s: float) -> None:
        self.session, self.ex = rec.session, rec.planned.exercise
        self.cues = CueScheduler(self.ex, self.sounds, self.speaker)
        self.speaker.say(announcement(rec.planned, len(self.routine.steps)), t_s)

    def _set_done(self, rec: SetRecord, warnings: list[str] = ()) -> None:
        """Write the set's own report now (nothing is lost if the session is cut short later)."""
        if rec.status in ("completed", "hold short"):
            self.sounds.play("hold")
            self.speaker.say(set_done_words(rec), rec.ended_s or 0.0)
        folder = f"{SETS_DIR}/{rec.planned.folder}"
        target = None
        if self.out_dir is not None:
            target = Path(self.out_dir) / folder
            target.mkdir(parents=True, exist_ok=True)
        extra = {"ended": rec.status, "routine": self.routine.id, "routine_set": rec.planned.number,
                 "reason": rec.reason}
        report = finish_session(rec.session, target, self.src.info.description, self.model_name(), extra,
                                list(warnings), set_side=rec.planned.side)
        self.entries[rec.planned.number] = set_entry(rec.planned, rec, report, folder if target else None)
        if self.out_dir is not None:
            ended = "routine finished" if self.runner.phase == "done" else "in progress"
            write_routine_report(self._combined(ended), Path(self.out_dir))

    def _combined(self, ended: str) -> dict:
        sets = self.runner.sets if self.runner is not None else plan(self.routine)
        return build_routine_report(self.routine, sets, list(self.entries.values()), self.src.info.description,
                                    self.model_name(), ended)


def set_done_words(rec: SetRecord) -> str:
    """What the coach says when a set reaches its reps: done, or done but short of its holds (issue 17)."""
    rest = f" Rest {rec.planned.rest_s:g} seconds." if rec.planned.rest_s else ""
    if rec.status == "hold short":
        return f"Reps done, but not the holds: {rec.reason}.{rest}"
    return f"Set done.{rest}"
