"""The screen side of the live loop: the OpenCV window, its keys, and the frame as shown.

What the person sees is the camera frame scaled to at most DISPLAY_MAX_WIDTH (drawing on and
showing a 1080p frame costs more than it gives) with the coaching overlay on it. OpenCV and
the overlay (which needs OpenCV) are imported only once there is something to show, so a
session without a window never loads them for the display.
"""

from __future__ import annotations

import numpy as np

from formcheck.live.session import LiveFrame, LiveSession
from formcheck.rules.exercise import Exercise

WINDOW_NAME = "formcheck live"
DISPLAY_MAX_WIDTH = 1280  # larger camera frames are shown (and drawn on) at this width
KEY_QUIT, KEY_PAUSE, KEY_SIDE, KEY_RESET = (ord("q"), 27), ord(" "), ord("s"), ord("r")
NO_KEY = 255  # what waitKey gives when no key was pressed


def display_size(width: int, height: int) -> tuple[int, int]:
    """The window's size for a camera frame of ``width`` x ``height`` (no wider than DISPLAY_MAX_WIDTH)."""
    s = min(1.0, DISPLAY_MAX_WIDTH / width)
    return round(width * s), round(height * s)


class Window:
    """The OpenCV window: show a frame, read a key, notice when the user closed it.

    ``imshow`` would silently re-open a closed window, so a window found closed is never
    shown again.
    """

    def __init__(self, name: str, size: tuple[int, int]):
        import cv2

        self.cv2, self.name = cv2, name
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        cv2.resizeWindow(name, *size)
        self.shown = self._closed = False

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        """Show ``image`` and wait ``wait_ms`` for a key: its code, NO_KEY for none (or once closed)."""
        if self.closed():
            return NO_KEY
        self.cv2.imshow(self.name, image)
        self.shown = True
        return self.cv2.waitKey(wait_ms) & 0xFF

    def closed(self) -> bool:
        """True once the user has closed the window (checked only after it was first shown)."""
        if self.shown and not self._closed:
            try:
                self._closed = self.cv2.getWindowProperty(self.name, self.cv2.WND_PROP_VISIBLE) < 1
            except self.cv2.error:
                self._closed = True
        return self._closed

    def close(self) -> None:
        """Destroy the window; an OpenCV error here (no display any more) is ignored."""
        try:
            self.cv2.destroyWindow(self.name)
            self.cv2.waitKey(1)
        except self.cv2.error:
            pass


def display_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """A copy to draw on, at most DISPLAY_MAX_WIDTH wide (drawing and showing 1080p costs more)."""
    import cv2

    h, w = image.shape[:2]
    if w <= DISPLAY_MAX_WIDTH:
        return image.copy(), 1.0
    s = DISPLAY_MAX_WIDTH / w
    return cv2.resize(image, (DISPLAY_MAX_WIDTH, round(h * s)), interpolation=cv2.INTER_AREA), s


def pause_banner(image: np.ndarray) -> np.ndarray:
    """A copy of the frame shown while paused, with the banner saying how to go on."""
    from formcheck.live.overlay_panels import draw_guidance
    from formcheck.live.overlay_style import Style

    out = image.copy()
    draw_guidance(out, "Paused: press space to continue", Style.for_image(out))
    return out


def draw_live_frame(image: np.ndarray, live: LiveFrame, exercise: Exercise, session: LiveSession, fps: float | None,
                    controls: bool) -> np.ndarray:
    """The frame as the window shows it: scaled to display size, the overlay and the working side drawn."""
    from formcheck.live.overlay import draw_overlay
    from formcheck.live.overlay_panels import draw_side_hint

    shown, scale = display_image(image)
    px = None if live.landmarks_px is None else live.landmarks_px * scale
    draw_overlay(shown, px, live.verdict, exercise, fps=fps, guidance=live.guidance, controls=controls)
    if exercise.sided and session.side:
        draw_side_hint(shown, session.side, automatic=not session.side_chosen)
    return shown
