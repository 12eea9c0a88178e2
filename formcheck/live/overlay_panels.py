"""The overlay's panels: counters and hold timer, status tags, the last rep, fault cues, guidance.

Each panel is one small function drawing one element from the verdict and the exercise only
(never from live state), placed where it covers the least of the person: counters top left,
status top right, the last rep's summary and the key help along the bottom, a fault cue in
red just above them, set-up guidance across the middle.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.live.overlay_style import (AA, GOOD, GUIDE_TEXT, MUTED, SIDE_COLOURS, TEXT, WARN_FILL, Style, panel,
                                          put_text, text_size, wrap)
from formcheck.rules.engine import SIDES, FrameVerdict
from formcheck.rules.exercise import Exercise

CONTROLS_HELP = "q/Esc quit · space pause · s switch side · r reset"
CONTROLS_HELP_BILATERAL = "q/Esc quit · space pause · r reset"


def _range(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


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
