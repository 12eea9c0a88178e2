"""Drawing the coaching overlay on a frame: skeleton, key angle, counters, hold timer, cues.

Drawing only: everything shown comes from the arguments (a ``FrameVerdict`` and the
exercise), never from live state, so the live window and the annotated video of
``analyze`` draw the same picture for the same verdict. Small annotators (one function per
element, supervision-style) are composed by :func:`draw_overlay`.

OpenCV's Hershey fonts are ASCII only, so the degree sign and the middle dot are drawn as
small circles (see :func:`put_text`). Panels are blended on their own region of interest
only, which keeps the whole overlay around a millisecond on a 640x480 frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.rules.engine import SIDES, FrameVerdict
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import INDEX, LANDMARK_NAMES as _NAMES, SKELETON

FONT = cv2.FONT_HERSHEY_DUPLEX
AA = cv2.LINE_AA

# BGR. Left and right sides in colours that stay apart for the common colour-vision deficiencies.
LEFT_COLOUR = (0, 165, 255)  # orange
RIGHT_COLOUR = (255, 190, 60)  # sky blue
MIDDLE_COLOUR = (235, 235, 235)
TEXT = (255, 255, 255)
MUTED = (200, 200, 200)
PANEL = (30, 30, 30)
GOOD = (90, 200, 90)
WARN_FILL = (30, 30, 200)  # red box for a fault cue
GUIDE_TEXT = (80, 230, 255)  # yellow
SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}

CONTROLS_HELP = "q/Esc quit · space pause · s switch side · r reset"
CONTROLS_HELP_BILATERAL = "q/Esc quit · space pause · r reset"

_BONES = [(INDEX[a], INDEX[b]) for a, b in SKELETON]
_BONE_COLOURS = [LEFT_COLOUR if a.startswith("left") and b.startswith("left")
                 else RIGHT_COLOUR if a.startswith("right") and b.startswith("right") else MIDDLE_COLOUR
                 for a, b in SKELETON]
_JOINTS = sorted({i for bone in _BONES for i in bone})


@dataclass(frozen=True)
class Style:
    """Sizes derived from the frame, so the overlay reads the same from 320x240 to 1080p."""

    scale: float  # font scale of body text
    thick: int  # text stroke
    pad: int  # panel padding and margins, pixels
    line: int  # skeleton line width

    @classmethod
    def for_image(cls, image: np.ndarray) -> "Style":
        h, w = image.shape[:2]
        base = min(w, h * 4 / 3)  # 640 for 640x480, 1440 for 1920x1080
        scale = max(0.36, base / 1000.0)
        return cls(scale=scale, thick=max(1, round(scale * 1.6)), pad=max(3, round(base / 90)),
                   line=max(1, round(base / 320)))


# ------------------------------------------------------------------------------- primitives


def _split_glyphs(text: str) -> list[str]:
    """Split around the characters Hershey fonts lack (° and ·), keeping them as pieces."""
    pieces, current = [], ""
    for ch in text:
        if ch in "°·":
            if current:
                pieces.append(current)
            pieces.append(ch)
            current = ""
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def _advance(piece: str, h: int, scale: float, thick: int) -> int:
    """How far the pen moves for one piece of :func:`_split_glyphs` (cap height ``h``)."""
    if piece == "°":
        return max(3, int(0.45 * h))
    if piece == "·":
        return max(4, int(0.6 * h))
    return cv2.getTextSize(piece, FONT, scale, thick)[0][0]


def text_size(text: str, scale: float, thick: int) -> tuple[int, int]:
    """(width, height above the baseline) of ``text`` as :func:`put_text` draws it."""
    (_, h), _ = cv2.getTextSize("Ag", FONT, scale, thick)
    return sum(_advance(piece, h, scale, thick) for piece in _split_glyphs(text)), h


def put_text(image: np.ndarray, text: str, org: tuple[int, int], scale: float, colour, thick: int) -> int:
    """Anti-aliased text at baseline-left ``org``; draws ° and · as circles. Returns the width."""
    x, y = org
    (_, h), _ = cv2.getTextSize("Ag", FONT, scale, thick)
    for piece in _split_glyphs(text):
        step = _advance(piece, h, scale, thick)
        if piece == "°":
            r = max(2, int(0.15 * h))
            cv2.circle(image, (x + r + 1, y - h + r), r, colour, max(1, thick // 2), AA)
        elif piece == "·":
            cv2.circle(image, (x + step // 2, y - h // 2 + 1), max(1, int(0.09 * h)), colour, -1, AA)
        else:
            cv2.putText(image, piece, (x, y), FONT, scale, colour, thick, AA)
        x += step
    return x - org[0]


def panel(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour=PANEL, alpha: float = 0.72) -> None:
    """Blend a filled rectangle into the image, touching only that region.

    roi * (1 - alpha) + colour * alpha as a scale then a saturating add: about ten times
    faster than ``cv2.addWeighted`` with a filled copy (0.02 ms for a 640x80 strip).
    """
    h, w = image.shape[:2]
    x0, x1 = max(0, int(x0)), min(w, int(x1))
    y0, y1 = max(0, int(y0)), min(h, int(y1))
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    cv2.convertScaleAbs(roi, dst=roi, alpha=1.0 - alpha)
    cv2.add(roi, tuple(float(c) * alpha for c in colour) + (0.0,), dst=roi)


def wrap(text: str, width: int, scale: float, thick: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; explicit newlines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if line and text_size(trial, scale, thick)[0] > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _range(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


# ------------------------------------------------------------------------------- annotators


def draw_skeleton(image: np.ndarray, landmarks_px: np.ndarray, style: Style) -> None:
    """Bones (left orange, right blue, middle white) and joints, skipping unseen points."""
    pts = np.asarray(landmarks_px, float)
    ok = np.isfinite(pts).all(axis=1)
    ipts = np.zeros((len(pts), 2), np.int32)
    ipts[ok] = np.round(pts[ok]).astype(np.int32)
    outline = style.line + 2
    for (a, b), colour in zip(_BONES, _BONE_COLOURS):
        if ok[a] and ok[b]:
            cv2.line(image, tuple(ipts[a]), tuple(ipts[b]), (20, 20, 20), outline, AA)
    for (a, b), colour in zip(_BONES, _BONE_COLOURS):
        if ok[a] and ok[b]:
            cv2.line(image, tuple(ipts[a]), tuple(ipts[b]), colour, style.line, AA)
    r = style.line + 2
    for i in _JOINTS:
        if ok[i]:
            name = _NAMES[i]
            colour = SIDE_COLOURS.get(name.split("_", 1)[0], MIDDLE_COLOUR)
            cv2.circle(image, tuple(ipts[i]), r, colour, -1, AA)
            cv2.circle(image, tuple(ipts[i]), r, (20, 20, 20), 1, AA)


def _resolve(name: str, side: str, pts: np.ndarray) -> np.ndarray:
    """Pixel position of a possibly side-relative point name (``knee``, ``hip_mid``, ``other_ankle``)."""
    if name in INDEX:
        return pts[INDEX[name]]
    if name.endswith("_mid"):
        base = name.removesuffix("_mid")
        return 0.5 * (pts[INDEX[f"left_{base}"]] + pts[INDEX[f"right_{base}"]])
    if name.startswith("other_"):
        other = "right" if side == "left" else "left"
        return pts[INDEX[f"{other}_{name.removeprefix('other_')}"]]
    return pts[INDEX[f"{side}_{name}"]]


def key_anchor(exercise: Exercise, landmarks_px: np.ndarray) -> np.ndarray | None:
    """Where to write the key angle: at the joint it is measured at.

    The vertex for three-point angles, the moving end's joint for two-point ones, between the
    two segments' far ends for angles between segments. A side-relative signal is shown on
    the side that is higher in the image: the lifted leg, or the upper leg lying on the side.
    """
    sig = exercise.signals.get(exercise.key_signal)
    if sig is None:
        return None
    pts = np.asarray(landmarks_px, float)

    def anchor(side: str) -> np.ndarray:
        p = [_resolve(n, side, pts) for n in sig.points]
        if len(p) == 4:
            return 0.5 * (p[1] + p[3])
        if len(p) == 3:
            return p[1]
        return p[-1] if len(p) == 2 else p[0]

    options = [anchor(side) for side in SIDES]
    options = [a for a in options if np.isfinite(a).all()]
    if not options:
        return None
    return min(options, key=lambda a: a[1])


def draw_key_angle(image: np.ndarray, value: float, anchor: np.ndarray, away_from: np.ndarray | None,
                   style: Style) -> None:
    """The key angle in a small pill beside its joint, on the side away from the body's centre.

    Pushing the label outward from the body keeps it off the limbs (above the hips of a
    bridge, beyond the knees of a clamshell); it is kept inside the image.
    """
    text = f"{value:.0f}°"
    scale, thick = style.scale * 1.05, style.thick
    tw, th = text_size(text, scale, thick)
    h, w = image.shape[:2]
    pad = style.pad
    direction = np.array([0.0, -1.0])
    if away_from is not None and np.isfinite(away_from).all():
        d = np.asarray(anchor, float) - away_from
        n = float(np.hypot(*d))
        if n > 1e-6:
            direction = d / n
    reach = 0.5 * np.hypot(tw, th) + 2.5 * pad
    cx, cy = np.asarray(anchor, float) + reach * direction
    x = int(np.clip(cx - tw / 2, 2 * pad, w - tw - 2 * pad))
    y = int(np.clip(cy + th / 2, th + 2 * pad, h - 2 * pad))
    panel(image, x - pad, y - th - pad, x + tw + pad, y + pad, alpha=0.7)
    put_text(image, text, (x, y), scale, TEXT, thick)


def counter_lines(exercise: Exercise, verdict: FrameVerdict) -> list[tuple[str, str, tuple]]:
    """(count text, label, label colour) per counter: one per side for a sided exercise."""
    d = exercise.dosage
    target = f" / {_range(*d.reps)}" if d.reps else ""
    if exercise.kind == "hold":
        return []
    if not exercise.sided:
        return [(f"{verdict.rep_count}{target}", "reps", MUTED)]
    lines = [(f"{verdict.reps_by_side.get(s, 0)}{target}", s, SIDE_COLOURS[s]) for s in SIDES]
    unknown = verdict.reps_by_side.get("both", 0)
    if unknown:
        lines.append((f"+{unknown}", "side unclear", MUTED))
    return lines


def draw_counters(image: np.ndarray, exercise: Exercise, verdict: FrameVerdict, style: Style) -> int:
    """Top-left panel: exercise name, reps against the dosage, hold timer. Returns its bottom y."""
    pad = style.pad
    big, big_t = style.scale * 1.7, style.thick + 1
    small, small_t = style.scale * 0.85, style.thick
    rows = counter_lines(exercise, verdict)
    title = exercise.name
    show_hold = verdict.hold_s > 0 or verdict.phase == "holding"
    goal = exercise.dosage.hold_s[0] if exercise.dosage.hold_s else None
    widths = [text_size(title, small, small_t)[0]]
    for count, label, _ in rows:
        widths.append(text_size(count, big, big_t)[0] + pad + text_size(label, small, small_t)[0])
    _, big_h = text_size("0", big, big_t)
    _, small_h = text_size("A", small, small_t)
    bar_w = max(widths + [int(9 * small_h)])
    bar_h = max(4, small_h // 2 + 2)
    descent = int(0.3 * big_h) if rows else 0  # "/" and digits reach below the baseline
    height = pad + small_h + len(rows) * (big_h + pad) + descent + pad
    if show_hold:
        height += small_h + pad + (pad + bar_h if goal else 0)
    x0, y0 = pad, pad
    panel(image, x0, y0, x0 + bar_w + 2 * pad, y0 + height + pad)
    x, y = x0 + pad, y0 + pad + small_h
    put_text(image, title, (x, y), small, MUTED, small_t)
    for count, label, colour in rows:
        y += big_h + pad
        cw = put_text(image, count, (x, y), big, TEXT, big_t)
        put_text(image, label, (x + cw + pad, y), small, colour, small_t)
    y += descent
    if show_hold:
        draw_hold_timer(image, verdict.hold_s, exercise.dosage.hold_s, (x, y + pad + small_h), bar_w, bar_h, style)
    return y0 + height + pad


def draw_hold_timer(image: np.ndarray, hold_s: float, target: tuple[float, float] | None, org: tuple[int, int],
                    bar_w: int, bar_h: int, style: Style) -> None:
    """"hold 4.1 / 5 s" and a bar filling toward the target (green once reached); no bar without a target."""
    small, thick = style.scale * 0.85, style.thick
    x, y = org
    goal = target[0] if target else None
    done = goal is not None and hold_s >= goal
    text = f"hold {hold_s:.1f}" + (f" / {_range(*target)} s" if target else " s")
    put_text(image, text, (x, y), small, GOOD if done else TEXT, thick)
    if not goal:
        return
    y += style.pad
    cv2.rectangle(image, (x, y), (x + bar_w, y + bar_h), (90, 90, 90), -1)
    fill = int(bar_w * min(1.0, hold_s / goal))
    cv2.rectangle(image, (x, y), (x + fill, y + bar_h), GOOD if done else GUIDE_TEXT, -1)


def draw_status(image: np.ndarray, verdict: FrameVerdict, fps: float | None, style: Style) -> int:
    """Top-right: phase and frames/s. Returns the panel's bottom y."""
    parts = [verdict.phase]
    if fps is not None and np.isfinite(fps):
        parts.append(f"{fps:.0f} fps")
    return draw_tag(image, " · ".join(parts), style, row=0)


def draw_tag(image: np.ndarray, text: str, style: Style, row: int = 0, colour=MUTED) -> int:
    """A small right-aligned label in the top-right corner; ``row`` stacks them. Returns bottom y."""
    scale, thick = style.scale * 0.85, style.thick
    tw, th = text_size(text, scale, thick)
    pad = style.pad
    w = image.shape[1]
    y0 = pad + row * (th + 3 * pad)
    panel(image, w - tw - 3 * pad, y0, w - pad, y0 + th + 2 * pad)
    put_text(image, text, (w - tw - 2 * pad, y0 + th + pad), scale, colour, thick)
    return y0 + th + 2 * pad


def draw_side_hint(image: np.ndarray, side: str, automatic: bool = False) -> np.ndarray:
    """The working side the person said (or the setup check saw), under the status tag."""
    style = Style.for_image(image)
    how = "seen" if automatic else "chosen"
    draw_tag(image, f"working side: {side} ({how}, s to switch)", style, row=1, colour=SIDE_COLOURS.get(side, MUTED))
    return image


def rep_summary(verdict: FrameVerdict) -> str | None:
    """One line about the last rep: ROM, hold, faults (the seed's cues) or good form."""
    rep = verdict.last_rep
    if rep is None:
        return None
    side = f" ({rep.side})" if rep.side else ""
    parts = [f"Rep {rep.index}{side}: {rep.rom:.0f}° ROM"]
    if rep.hold_s >= 0.5:
        parts.append(f"held {rep.hold_s:.1f} s")
    parts.append("; ".join(dict.fromkeys(f.cue for f in rep.faults)) if rep.faults else "good form")
    return " · ".join(parts)


def draw_bottom(image: np.ndarray, verdict: FrameVerdict, controls: str | None, style: Style) -> int:
    """Bottom strip: last-rep summary and the key help. Returns the strip's top y."""
    h, w = image.shape[:2]
    pad = style.pad
    scale, thick = style.scale * 0.85, style.thick
    small = style.scale * 0.7
    lines = []
    summary = rep_summary(verdict)
    if summary:
        for line in wrap(summary, w - 4 * pad, scale, thick)[:2]:
            colour = GOOD if line.endswith("good form") else TEXT
            lines.append((line, scale, colour))
    if controls:
        lines.append((controls, small, MUTED))
    if not lines:
        return h
    heights = [text_size(t, s, thick)[1] for t, s, _ in lines]
    top = h - sum(heights) - pad * (len(lines) + 2)
    panel(image, 0, top, w, h)
    y = top + pad
    for (text, s, colour), th in zip(lines, heights):
        y += th
        put_text(image, text, (2 * pad, y), s, colour, thick)
        y += pad
    return top


def draw_fault(image: np.ndarray, cues: list[str], bottom: int, style: Style) -> None:
    """The current fault cue in the seed's words, in a red box above the bottom strip."""
    h, w = image.shape[:2]
    pad = style.pad
    scale, thick = style.scale * 1.15, style.thick
    lines = [line for cue in cues[:2] for line in wrap(cue, int(w * 0.8), scale, thick)]
    _, th = text_size("A", scale, thick)
    box_h = len(lines) * (th + pad) + 2 * pad
    widths = [text_size(line, scale, thick)[0] for line in lines]
    icon = th + 2 * pad
    box_w = max(widths) + icon + 3 * pad
    x0 = max(0, (w - box_w) // 2)
    y1 = bottom - pad
    y0 = y1 - box_h
    panel(image, x0, y0, x0 + box_w, y1, WARN_FILL, alpha=0.85)
    cv2.rectangle(image, (x0, y0), (x0 + box_w, y1), (255, 255, 255), 1, AA)
    # warning triangle with "!"
    cx, cy = x0 + pad + icon // 2, y0 + box_h // 2
    r = th * 0.75
    tri = np.array([[cx, cy - r], [cx - r, cy + 0.8 * r], [cx + r, cy + 0.8 * r]], np.int32)
    cv2.polylines(image, [tri], True, (255, 255, 255), max(1, thick - 1), AA)
    cv2.line(image, (cx, int(cy - 0.35 * r)), (cx, int(cy + 0.25 * r)), (255, 255, 255), max(1, thick - 1), AA)
    cv2.circle(image, (cx, int(cy + 0.55 * r)), max(1, thick // 2), (255, 255, 255), -1, AA)
    y = y0 + pad
    for line in lines:
        y += th
        put_text(image, line, (x0 + icon + 2 * pad, y), scale, TEXT, thick)
        y += pad


def draw_guidance(image: np.ndarray, message: str, style: Style) -> None:
    """Setup guidance as a large banner across the middle of the picture."""
    h, w = image.shape[:2]
    pad = style.pad
    scale, thick = style.scale * 1.35, style.thick
    lines = wrap(message, int(w * 0.86), scale, thick)[:5]
    _, th = text_size("A", scale, thick)
    box_h = len(lines) * (th + 2 * pad) + 2 * pad
    y0 = (h - box_h) // 2
    panel(image, 0, y0, w, y0 + box_h, alpha=0.72)
    y = y0 + pad
    for line in lines:
        y += th + pad
        tw, _ = text_size(line, scale, thick)
        put_text(image, line, ((w - tw) // 2, y), scale, GUIDE_TEXT, thick)
        y += pad


# ------------------------------------------------------------------------------- the overlay


def draw_overlay(image_bgr: np.ndarray, landmarks_px: np.ndarray | None, verdict: FrameVerdict,
                 exercise: Exercise, fps: float | None = None, guidance: str | None = None,
                 controls: bool = False) -> np.ndarray:
    """Annotate one frame (in place) and return it.

    ``landmarks_px`` is (33, 2) pixels (NaN for unseen points) or None; ``guidance`` is the
    setup check's message, drawn as a banner; ``controls`` adds the key help.
    """
    style = Style.for_image(image_bgr)
    if landmarks_px is not None:
        pts = np.asarray(landmarks_px, float)
        if pts.shape != (len(_NAMES), 2):
            raise ValueError(f"landmarks_px must have shape ({len(_NAMES)}, 2), got {pts.shape}")
        draw_skeleton(image_bgr, pts, style)
        if verdict.key_value is not None and np.isfinite(verdict.key_value):
            anchor = key_anchor(exercise, pts)
            if anchor is not None:
                seen = np.isfinite(pts).all(axis=1)
                centre = pts[seen].mean(axis=0) if seen.any() else None
                draw_key_angle(image_bgr, verdict.key_value, anchor, centre, style)
    draw_counters(image_bgr, exercise, verdict, style)
    draw_status(image_bgr, verdict, fps, style)
    keys = (CONTROLS_HELP if exercise.sided else CONTROLS_HELP_BILATERAL) if controls else None
    bottom = draw_bottom(image_bgr, verdict, keys, style)
    cues = list(dict.fromkeys(f.cue for f in verdict.active_faults))
    if cues:
        draw_fault(image_bgr, cues, bottom, style)
    if guidance:
        draw_guidance(image_bgr, guidance, style)
    return image_bgr

