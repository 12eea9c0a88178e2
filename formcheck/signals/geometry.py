"""Joint angles and segment measures computed from landmark arrays.

Every function takes arrays with a leading frame axis, so the offline analysis computes a
whole track at once and the live loop passes one frame (T = 1) through the same code.

Angles in the image plane are measured on pixel coordinates (aspect ratio respected).
NOTES measured here: image-plane angles are trustworthy when the movement lies in the image
plane; MediaPipe's world depth is weak, so world-space measures are used only where the
movement is toward the camera by nature (torso roll seen from the front).

No angle here wraps around within the movements it is used for (issue 14): elevations and
tilts fold at the vertical, swings at the horizontal, unsigned angles stay in [0, 180], and
the floor/ceiling-side angles cut only where a bridge's arms cannot point from a side view.
Every one of them flips through a segment foreshortened to nearly nothing, so the signal code
(formcheck.signals.measures) leaves out frames where a segment is under MIN_SEGMENT of the
body's size. Both are per frame, so the offline blocks and the live loop agree with no state.
"""

from __future__ import annotations

import numpy as np

FLOOR_DIRECTION_DEG = 90.0  # image y points down: "toward the floor" for a level camera


#: An image segment shorter than this fraction of the body's size (see `body_size`) has no
#: direction worth measuring: a few pixels of jitter turn it anywhere, and an angle read
#: from it flips by up to 180 degrees between frames (a thigh pointing at the camera).
MIN_SEGMENT = 0.15
#: A swing is a pendulum in the image plane: a limb shorter than this fraction of the body's
#: size is turned mostly toward the camera (a leg swinging at a front camera), and the
#: angle left in the picture is foreshortening and noise, not the swing.
MIN_PENDULUM = 0.35


def _deg(rad: np.ndarray) -> np.ndarray:
    return np.degrees(rad)


def body_size(l_sh: np.ndarray, r_sh: np.ndarray, l_hip: np.ndarray, r_hip: np.ndarray) -> np.ndarray:
    """The body's size in the picture: trunk length or shoulder width, whichever is longer.

    Label-free (a left/right swap changes neither) and never near zero from any side: the
    trunk is short only when seen from the head or feet, where the shoulders are widest.
    """
    trunk = np.linalg.norm(0.5 * (l_sh + r_sh) - 0.5 * (l_hip + r_hip), axis=-1)
    return np.maximum(trunk, np.linalg.norm(l_sh - r_sh, axis=-1))


def too_short(points: list[np.ndarray], pairs, size: np.ndarray, fraction: float = MIN_SEGMENT) -> np.ndarray:
    """Frames where any of the segments (index pairs into ``points``) is under ``fraction`` x size."""
    short = np.zeros(np.shape(size), bool)
    for i, j in pairs:
        with np.errstate(invalid="ignore"):
            short |= np.linalg.norm(points[i] - points[j], axis=-1) < fraction * size
    return short


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unsigned angle a-b-c at vertex b, degrees in [0, 180]."""
    u, v = a - b, c - b
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return _deg(np.arccos(np.clip(cos, -1.0, 1.0)))


def floor_side_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle a-b-c measured through the floor side (image down), degrees in [0, 360).

    It jumps (x to 360 - x) only where b->a or b->c points straight down in the picture and
    wraps only when the angle closes fully; a hip angle lying on the back (bridge, pelvic
    tilt, hip thrust) reaches neither from the side or obliquely, only from the head or feet
    (a view the view check reports). Foreshortened arms are left out by the signal code.
    """
    ta = np.arctan2(a[..., 1] - b[..., 1], a[..., 0] - b[..., 0])
    tc = np.arctan2(c[..., 1] - b[..., 1], c[..., 0] - b[..., 0])
    arc = np.mod(_deg(tc - ta), 360.0)
    down_offset = np.mod(FLOOR_DIRECTION_DEG - _deg(ta), 360.0)
    return np.where(down_offset <= arc, arc, 360.0 - arc)


def ceiling_side_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle a-b-c measured through the ceiling side (image up), degrees in [0, 360).

    Unsigned angles fold at 180 degrees: a hip extending past straight would read as
    flexing again (NOTES, real donkey-kick clip). Measuring the arc on a fixed side keeps
    the sign: a bridge's shoulder-hip-knee angle reads ~125 lying, 180 level and over 180
    when the hips rise above the shoulder-knee line, whichever way the person lies.
    """
    return 360.0 - floor_side_angle(a, b, c)


def segment_elevation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elevation of b above a in the image, degrees in [-90, 90], mirror-invariant.

    Positive when b is higher than a on screen; independent of which way the person lies.
    It never wraps: it folds at the vertical, and flips sign only through a zero-length
    segment (one point passing over the other), which the signal code leaves out.
    """
    dx = np.abs(b[..., 0] - a[..., 0])
    dy = a[..., 1] - b[..., 1]
    return _deg(np.arctan2(dy, dx))


def line_tilt(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Mean image tilt of the lines a->b and c->d (e.g. shoulders and hips), degrees.

    A whole trunk rolling tilts both lines; averaging them halves the jitter a single short
    line suffers when seen at an angle.
    """
    return 0.5 * (segment_elevation(a, b) + segment_elevation(c, d))


def height_above(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """How far b sits above a in the image, in units of the length |c-d| (negative: below).

    Steadier than an angle when the segment a-b is short in the picture (a thigh pointing
    at the camera): jitter is divided by a long body length instead of a short one.
    """
    return (a[..., 1] - b[..., 1]) / np.linalg.norm(c - d, axis=-1)


def segment_swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed angle of the line a-b from the vertical in the image, degrees in [-90, 90].

    Positive when b lies to the right of straight below a. For pendulum movements that pass
    through the vertical (a leg swinging forward and back, a trunk swaying), where an
    unsigned angle or ``segment_elevation`` would fold at the vertical and see two swings
    per cycle. The sign depends on which way the person faces the camera, so use it for
    counting cycles and for changes from a reference, not for absolute forward/backward.

    Folded at the horizontal (b above a reads as its mirror below) instead of cut at
    straight up: a full-circle angle jumps by ~180 degrees whenever a foreshortened thigh
    (a leg swinging toward the camera) puts the knee just above the hip instead of just
    below it, and then counted cycles from noise (issue 14: -3 <-> 173 degrees seen from
    the front). The fold is continuous, and a pendulum reaches it only past the horizontal.
    """
    return _deg(np.arctan2(b[..., 0] - a[..., 0], np.abs(b[..., 1] - a[..., 1])))


def segment_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Unsigned angle between segments a->b and c->d, degrees in [0, 180]."""
    return joint_angle(b - a, np.zeros_like(a), d - c)


def distance_ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """|a-b| / |c-d|: a distance expressed in a body length, so camera distance cancels."""
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(c - d, axis=-1)


def depth_tilt(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """How far a left-right line (shoulders or hips) turns toward or away from the camera.

    World coordinates (y down, z away from the camera): 0 when the line lies in the image
    plane, +/-90 when it points straight at the camera. Used for torso roll seen from the
    front of a side-lying person, where the roll moves along the camera axis.
    """
    d = right - left
    return _deg(np.arctan2(d[..., 2], np.hypot(d[..., 0], d[..., 1])))


def body_roll(l_sh: np.ndarray, r_sh: np.ndarray, l_hip: np.ndarray, r_hip: np.ndarray) -> np.ndarray:
    """Mean depth tilt of the shoulder line and the hip line: the whole torso rolling.

    Averaging the two lines halves the depth noise that a single short line suffers.
    """
    return 0.5 * (depth_tilt(l_sh, r_sh) + depth_tilt(l_hip, r_hip))


def position_in(a: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Image position of a in units of the length |c-d| (for 'hips moving' style checks)."""
    scale = np.linalg.norm(c - d, axis=-1, keepdims=True)
    return a / scale


def least_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray,
                d: np.ndarray, e: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The smaller of the joint angles a-b-c and d-e-f, degrees: the more bent of two joints.

    Label-free (issue 14): when one leg works bent and the other lies straight (prone hip
    extension), the bent knee is the smaller angle whichever leg MediaPipe names left, so a
    label swap at the top of a lift does not read the straight leg as the lifting knee.
    """
    return np.fmin(joint_angle(a, b, c), joint_angle(d, e, f))
