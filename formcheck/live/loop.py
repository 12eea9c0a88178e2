"""The live loop: frames in, pose, the session, cues and the window, and the report out.

:class:`~formcheck.live.session.LiveSession` is the per-frame pipeline with no I/O; this is
the I/O around it: the frame source (camera, stream, or a file paced like a camera), the
window and its keys, sound and speech, the recording, and the report written however the
session ends (q, Esc, window closed, Ctrl-C, camera unplugged, stream over, even an error).

:func:`run_live` coaches one exercise. A programme of sets (formcheck.live.routine_loop)
reuses the same loop by subclassing :class:`LiveLoop` and overriding its hooks (how a pose
is processed, what is drawn, when the session ends by itself, extra keys, the report), so
pausing, pacing, recording and the end-of-session guarantees are written once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck.live.cue_schedule import CueScheduler
from formcheck.live.cues import SoundCues, Speaker
from formcheck.live.recorder import RECORDING_NAME, Recorder
from formcheck.live.session import LiveFrame, LiveSession, finish_session
from formcheck.live.timing import LoopStats, Pacer
from formcheck.live.window import (KEY_PAUSE, KEY_QUIT, KEY_RESET, KEY_SIDE, NO_KEY, WINDOW_NAME, Window,
                                   display_image, display_size, draw_live_frame, pause_banner)
from formcheck.rules.engine import FrameVerdict
from formcheck.rules.exercise import Exercise


def open_frames(source):
    """An open ``FrameSource`` as is; a camera index, stream URL or video file opened as one."""
    from formcheck.io.frames import FrameSource
    from formcheck.io.video import open_source

    return source if isinstance(source, FrameSource) else open_source(source)


def run_live(source, exercise: Exercise, model: str = "lite", out_dir: Path | None = None,
             show_window: bool = True, record: bool = False, fast: bool = False, sound: bool = True,
             speech: bool = False, on_verdict: Callable[[FrameVerdict], None] | None = None, *,
             estimator=None, draw: bool | None = None, window_name: str = WINDOW_NAME) -> dict:
    """Coach one live session and return its report (also written to ``out_dir`` when given).

    ``source``: a camera index, a stream URL, a video file played as a camera (in real time,
    or as fast as possible with ``fast``), or an open ``FrameSource``. ``estimator``: any
    object with ``detect(image_bgr, t_s) -> PoseResult | None`` (default: MediaPipe with
    ``model``), so tests can feed synthetic landmarks. ``on_verdict`` gets each counted
    frame's verdict. ``draw``: draw the overlay even without a window (benchmarks); by
    default only when there is a window. However the session ends, the report of what was
    done is written.
    """
    if record and out_dir is None:
        raise ValueError("record=True needs an out_dir to save the video in")
    loop = LiveLoop(open_frames(source), exercise, model, out_dir, show_window, record, fast, sound, speech,
                    on_verdict, estimator, bool(show_window or draw), window_name)
    return loop.run()


class LiveLoop:
    """The I/O of one live session around a LiveSession: frames in, window and keys, report out.

    Subclasses (the routine loop) override the hooks ``open_session``, ``process_pose``,
    ``render``, ``session_over``, ``other_key`` and ``write_report``; everything else (pacing,
    pause, recording, closing and reporting however the session ends) is shared.
    """

    def __init__(self, src, exercise, model, out_dir, show_window, record, fast, sound, speech, on_verdict,
                 estimator, draw, window_name):
        self.src, self.ex, self.model, self.out_dir = src, exercise, model, out_dir
        self.show_window, self.record, self.draw, self.window_name = show_window, record, draw, window_name
        self.on_verdict = on_verdict
        self.own_estimator = estimator is None
        self.estimator = estimator
        self.sound_on, self.speech_on = sound, speech
        self.pacer = Pacer(enabled=not fast and not src.info.is_live)
        self.stats = LoopStats()
        self.session: LiveSession | None = None
        self.sounds = self.speaker = self.cues = self.recorder = self.window = None
        self.paused = False
        self.shown: np.ndarray | None = None
        self.ended = "the stream ended"

    def run(self) -> dict:
        """Coach until the session ends, then close everything and return the report."""
        failed = False
        try:
            if self.own_estimator:
                from formcheck.pose.estimator import PoseEstimator

                self.estimator = PoseEstimator(self.model)
            self.sounds, self.speaker = SoundCues(self.sound_on), Speaker(self.speech_on)
            self.cues = CueScheduler(self.ex, self.sounds, self.speaker)
            frames = iter(self.src)
            while (self._paused_step(frames) if self.paused else self._step(frames)):
                pass
        except KeyboardInterrupt:
            self.ended = "interrupted (Ctrl-C)"
        except BaseException:
            failed = True
            raise
        finally:
            report = self._finish(failed)
        return report

    def _step(self, frames) -> bool:
        """One frame through pose, session, cues and display; False when the session is over."""
        frame = next(frames, None)
        if frame is None:
            return False
        self.pacer.wait(frame.t_s)
        read_at = time.perf_counter()
        if self.session is None:
            self.open_session(frame.image)
        if self.recorder is not None:
            self.recorder.write(frame.t_s, frame.image)
        live = self.process_pose(frame.t_s, self.estimator.detect(frame.image, frame.t_s))
        self.cues.update(live)
        if live.counting and self.on_verdict is not None:
            self.on_verdict(live.verdict)
        if self.draw:
            self.shown = self.render(frame.image, live)
        self.stats.frame_done(read_at)
        if self.session_over():
            return False
        return self.window is None or self._key(self.window.show(self.shown))

    # ------------------------------------------------------------------ hooks
    def open_session(self, image: np.ndarray) -> None:
        """On the first frame: the session at the camera's size, the recorder and the window."""
        h, w = image.shape[:2]
        self.session = LiveSession(self.ex, (w, h))
        if self.record:
            self.recorder = Recorder(Path(self.out_dir) / RECORDING_NAME, self.src.info.fps or 30.0)
        if self.show_window:
            self.window = Window(self.window_name, display_size(w, h))

    def process_pose(self, t_s: float, pose) -> LiveFrame:
        """One frame's pose through the session."""
        return self.session.step(t_s, pose)

    def render(self, image: np.ndarray, live: LiveFrame) -> np.ndarray:
        """The frame as shown: the overlay for the current exercise."""
        return draw_live_frame(image, live, self.ex, self.session, self.stats.fps, self.show_window)

    def session_over(self) -> bool:
        """True when the session has ended by itself (a single set never does: the user stops it)."""
        return False

    def other_key(self, key: int) -> None:
        """A key the single-set loop does not use."""

    def write_report(self, failed: bool, extra: dict, warnings: list[str]) -> dict:
        """Write the report of the session (the hook a program of sets replaces with its own)."""
        if self.session is None:
            if failed:
                return {}  # a failure before the first frame: nothing to save
            info = self.src.info
            self.session = LiveSession(self.ex, (max(info.width, 1), max(info.height, 1)))
        return finish_session(self.session, self.out_dir, self.src.info.description, self.model_name(), extra,
                              warnings)

    # ------------------------------------------------------------------ keys and pause
    def _paused_step(self, frames) -> bool:
        """While paused: a live camera keeps being read (and shown as is) so its buffer stays fresh."""
        started = time.monotonic()
        if self.src.info.is_live:
            frame = next(frames, None)
            if frame is None:
                return False
            self.shown, _ = display_image(frame.image)
        key = self.window.show(pause_banner(self.shown), 1 if self.src.info.is_live else 30)
        self.pacer.shift(time.monotonic() - started)
        return self._key(key)

    def _key(self, key: int) -> bool:
        """Act on a key; False when the session is over (quit, or the window closed)."""
        if key in KEY_QUIT:
            self.ended = "quit"
            return False
        if key == KEY_PAUSE:
            self.paused = not self.paused
        elif key == KEY_SIDE and not self.paused:
            self.session.switch_side()
        elif key == KEY_RESET and not self.paused:
            self.session.reset()
            self.cues.reset()
        elif key != NO_KEY and not self.paused:
            self.other_key(key)
        if self.window.closed():
            self.ended = "the window was closed"
            return False
        return True

    # ------------------------------------------------------------------ end of session
    def _finish(self, failed: bool) -> dict:
        """Close everything, then write the report of what was done (unless nothing was)."""
        for closer in (self.window, self.sounds, self.speaker):
            if closer is not None:
                closer.close()
        if self.own_estimator and self.estimator is not None:
            self.estimator.close()
        self.src.close()
        extra = {"ended": "error" if failed else self.ended, "performance": self.stats.to_dict()}
        warnings = [f"Frame {i} could not be read and was skipped ({why})." for i, why in self.src.skipped]
        if self.recorder is not None:
            warnings += self.recorder.finish(extra)
        return self.write_report(failed, extra, warnings)

    def model_name(self) -> str:
        """The pose model named in reports: ``model``, or the name of the estimator passed in."""
        return self.model if self.own_estimator else getattr(self.estimator, "name", type(self.estimator).__name__)
