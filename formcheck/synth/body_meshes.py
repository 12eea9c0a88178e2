"""The body's shape: limb, torso, hand, foot and head meshes of an adult, and where each goes.

The body is made of simple parts (tapered limbs, a lofted torso and pelvis, a head with a
face, ears and hair, hands, feet) in clothing colours: enough for MediaPipe to see a person.
Rigid parts are built once and placed every frame from the 33 landmarks (:func:`rigid_parts`);
the torso and pelvis bend and twist, so they are rebuilt per frame (:func:`torso_meshes`,
a few hundred vertices, in numpy).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from formcheck.pose.landmarks import INDEX
from formcheck.synth.mesh_shapes import loft, perpendicular, pose_matrix, profile_tube, segment_pose, unit

# Radius profiles of an adult's limbs: (t along the bone from its first joint, radius in m).
# The mesh spans t in [first t, last t] of a unit-length bone; the node pose stretches it.
_LIMB_PROFILES = {
    "upper_arm": ((0.0, 0.047), (0.4, 0.046), (1.0, 0.036)),
    "sleeve": ((-0.2, 0.0), (-0.17, 0.028), (-0.12, 0.043), (-0.06, 0.052), (0.0, 0.056), (0.45, 0.052)),
    "forearm": ((0.0, 0.037), (0.3, 0.039), (1.0, 0.026)),
    "thigh": ((0.0, 0.084), (0.35, 0.077), (0.75, 0.060), (1.0, 0.050)),
    "shorts_leg": ((-0.22, 0.0), (-0.15, 0.065), (-0.07, 0.088), (0.0, 0.094), (0.42, 0.084)),
    "shank": ((0.0, 0.048), (0.25, 0.055), (0.6, 0.045), (1.0, 0.034)),
    "neck": ((0.0, 0.060), (1.0, 0.050)),
    "thumb": ((0.0, 0.013), (1.0, 0.010)),
}
_LIMBS = (  # part, colour, first joint, second joint (without the side prefix)
    ("upper_arm", "skin", "shoulder", "elbow"), ("sleeve", "shirt", "shoulder", "elbow"),
    ("forearm", "skin", "elbow", "wrist"), ("thigh", "skin", "hip", "knee"),
    ("shorts_leg", "shorts", "hip", "knee"), ("shank", "skin", "knee", "ankle"),
)
# Spheres rounding off the joints: (joint, radius in m, colour). Shoulders and hips are
# rounded by the sleeve and the shorts instead: a sphere as wide as a tube shows a jagged seam.
_JOINT_SPHERES = (("elbow", 0.037, "skin"), ("wrist", 0.027, "skin"), ("knee", 0.051, "skin"),
                  ("ankle", 0.035, "skin"))
# Torso rings from the hip line (t=0) to the shoulder line (t=1). Columns: t, then the
# half-width as a * hip_half_width + b * shoulder_half_width + c, the half-depth, and a
# forward offset that gives a chest and buttocks (so front and back differ).
_TORSO_RINGS = np.array([
    # t      a     b     c      depth   forward
    [-0.24, 0.55, 0.00, 0.040, 0.055, 0.000],
    [-0.16, 0.95, 0.00, 0.065, 0.090, -0.010],
    [-0.04, 1.00, 0.00, 0.078, 0.105, -0.018],
    [0.12, 1.00, 0.00, 0.070, 0.102, -0.010],
    [0.32, 0.00, 0.00, 0.142, 0.092, 0.000],
    [0.50, 0.00, 0.00, 0.146, 0.095, 0.008],
    [0.68, 0.00, 0.60, 0.045, 0.104, 0.016],
    [0.84, 0.00, 0.90, 0.000, 0.102, 0.012],
    [0.96, 0.00, 1.00, 0.000, 0.088, 0.004],
    [1.04, 0.00, 0.92, 0.000, 0.072, -0.005],
    [1.10, 0.00, 0.62, 0.000, 0.060, -0.010],
    [1.15, 0.00, 0.30, 0.020, 0.050, -0.012],
    [1.18, 0.00, 0.00, 0.040, 0.035, -0.012],
])
_PELVIS_T = np.linspace(-0.24, 0.26, 8)  # shorts, waistband about 0.13 m above the hip joints
_CHEST_T = np.linspace(0.20, 1.18, 12)  # shirt, overlapping the shorts a little
# Foot, local frame: z from heel (0) to toe tip (1), y up towards the ankle, x lateral (m).
# Columns: t, half-width, sole height, top height.
_FOOT_RINGS = np.array([
    [-0.02, 0.016, 0.012, 0.040], [0.05, 0.030, -0.010, 0.066], [0.20, 0.033, -0.012, 0.080],
    [0.45, 0.040, -0.012, 0.060], [0.70, 0.046, -0.010, 0.040], [0.88, 0.042, -0.008, 0.028],
    [1.00, 0.026, -0.004, 0.016], [1.03, 0.010, 0.000, 0.008],
])
# Hand (a mitten), local frame: z from wrist (0) to the knuckles between index and pinky (1),
# x across the knuckles. Columns: t, half-width, half-thickness (m).
_HAND_RINGS = np.array([
    [-0.10, 0.020, 0.014], [0.15, 0.030, 0.016], [0.55, 0.036, 0.015],
    [0.95, 0.037, 0.012], [1.15, 0.030, 0.010], [1.26, 0.012, 0.006],
])
_HAND_WIDTH = 0.07  # index-to-pinky distance the hand mesh is drawn for
# Head, local frame: x to the person's left, y up, z forward (towards the nose), origin at the
# mid-point of the ears. Drawn for a 0.15 m ear-to-ear width and a 0.115 m ear-to-nose-tip
# depth; each frame stretches it to the landmarks. Skull and face are one loft of horizontal
# rings (a narrower chin, a rounder back); columns: y, half-width, half-depth, z of the centre.
_HEAD_RINGS = np.array([
    [-0.118, 0.008, 0.008, 0.060], [-0.110, 0.030, 0.030, 0.055], [-0.095, 0.045, 0.050, 0.040],
    [-0.070, 0.058, 0.072, 0.020], [-0.040, 0.066, 0.088, 0.005], [-0.010, 0.074, 0.097, -0.002],
    [0.030, 0.078, 0.100, -0.005], [0.070, 0.076, 0.098, -0.008], [0.100, 0.068, 0.088, -0.010],
    [0.125, 0.046, 0.062, -0.012], [0.140, 0.018, 0.025, -0.012], [0.145, 0.004, 0.004, -0.012],
])
_HAIR_THICKNESS = 0.008
_HAIRLINE = ((0.0, 0.082, 0.10), (0.0, -0.06, -0.11))  # forehead and nape points of the cut plane
# Face features and ears as ellipsoids in the head frame: (centre, semi-axes, colour).
_HEAD_PARTS = (
    ((0.0, 0.004, 0.098), (0.014, 0.024, 0.018), "skin"),  # nose, tip at z = 0.116
    ((0.077, 0.0, -0.005), (0.012, 0.030, 0.020), "skin"),  # left ear
    ((-0.077, 0.0, -0.005), (0.012, 0.030, 0.020), "skin"),  # right ear
    ((0.032, 0.030, 0.082), (0.012, 0.010, 0.012), "eye_white"),
    ((-0.032, 0.030, 0.082), (0.012, 0.010, 0.012), "eye_white"),
    ((0.032, 0.030, 0.090), (0.0065, 0.0065, 0.0065), "iris"),
    ((-0.032, 0.030, 0.090), (0.0065, 0.0065, 0.0065), "iris"),
    ((0.032, 0.052, 0.087), (0.018, 0.004, 0.006), "hair"),  # eyebrows
    ((-0.032, 0.052, 0.087), (0.018, 0.004, 0.006), "hair"),
    ((0.0, -0.042, 0.089), (0.021, 0.005, 0.006), "lips"),
)
_HEAD_SIZE = (0.15, 0.115)  # ear-to-ear width and ear-to-nose-tip depth of the model head
#: Colours of the face features, the same whatever the Appearance.
CONSTANT_COLOURS = {"eye_white": (0.93, 0.92, 0.90), "iris": (0.12, 0.08, 0.06),
                    "lips": (0.62, 0.33, 0.32)}


def rigid_parts(sphere) -> list[tuple[list[tuple], Callable[[np.ndarray], np.ndarray]]]:
    """Every body part that keeps its shape: (meshes as (vertices, faces, colour), pose from the landmarks).

    Limbs, joints, thumbs, hands and feet of each side, then the neck and the head. The
    order is the drawing order (see :func:`formcheck.synth.offscreen.ordered_node_type`):
    changing it changes the pixels where two parts meet.
    """
    parts = []
    for side in ("left", "right"):
        for part, colour, j0, j1 in _LIMBS:
            a, b = INDEX[f"{side}_{j0}"], INDEX[f"{side}_{j1}"]
            parts.append(([(*profile_tube(_LIMB_PROFILES[part]), colour)],
                          lambda j, a=a, b=b: segment_pose(j[a], j[b])))
        for joint, radius, colour in _JOINT_SPHERES:
            k = INDEX[f"{side}_{joint}"]
            parts.append(([(*sphere, colour)], lambda j, k=k, r=radius: pose_matrix(j[k], *np.eye(3), (r, r, r))))
        w, t = INDEX[f"{side}_wrist"], INDEX[f"{side}_thumb"]
        parts.append(([(*profile_tube(_LIMB_PROFILES["thumb"]), "skin")],
                      lambda j, w=w, t=t: segment_pose(j[w] + 0.35 * (j[t] - j[w]), j[t])))
        parts.append(([(*_hand_mesh(), "skin")], lambda j, s=side: pose_matrix(*_hand_frame(j, s))))
        parts.append(([(*_foot_mesh(), "skin")], lambda j, s=side: pose_matrix(*_foot_frame(j, s))))
    parts.append(([(*profile_tube(_LIMB_PROFILES["neck"]), "skin")], neck_pose))
    parts.append((_head_meshes(sphere), lambda j: pose_matrix(*_head_frame(j))))
    return parts


def torso_meshes(j: np.ndarray):
    """Pelvis (shorts) and chest (shirt) lofts between the hip line and the shoulder line."""
    lh, rh, ls, rs = (j[INDEX[n]] for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"))
    hip_mid, sh_mid = (lh + rh) / 2, (ls + rs) / 2
    spine = sh_mid - hip_mid
    up = unit(spine) if np.linalg.norm(spine) > 1e-3 else np.array([0.0, 1.0, 0.0])
    hip_lat, sh_lat = perpendicular(up, lh - rh), perpendicular(up, ls - rs)
    hip_hw, sh_hw = np.linalg.norm(lh - rh) / 2, np.linalg.norm(ls - rs) / 2
    out = []
    for ts, grow in ((_PELVIS_T, 1.0), (_CHEST_T, 1.03)):
        cols = [np.interp(ts, _TORSO_RINGS[:, 0], _TORSO_RINGS[:, k]) for k in range(1, 6)]
        a, b, c, depth, fwd_off = cols
        w = np.clip(ts, 0.0, 1.0)
        w = w * w * (3 - 2 * w)  # the ring's lateral axis turns smoothly from hips to shoulders
        lat = (1 - w)[:, None] * hip_lat + w[:, None] * sh_lat
        lat -= (lat @ up)[:, None] * up
        lat /= np.maximum(np.linalg.norm(lat, axis=1, keepdims=True), 1e-9)
        fwd = np.cross(lat, up)
        centres = hip_mid + ts[:, None] * spine + fwd_off[:, None] * fwd
        half_w = (a * hip_hw + b * sh_hw + c) * grow
        out.append(loft(centres, fwd, lat, depth * grow, half_w, n_around=24))
    return out


def _foot_mesh():
    t, half_w, sole, top = _FOOT_RINGS.T
    centres = np.stack([np.zeros_like(t), (sole + top) / 2, t], 1)
    ones = np.ones((len(t), 1))
    return loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], half_w, (top - sole) / 2)


def _hand_mesh():
    t, half_w, half_th = _HAND_RINGS.T
    centres = np.stack([np.zeros_like(t), np.zeros_like(t), t], 1)
    ones = np.ones((len(t), 1))
    return loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], half_w, half_th)


def _head_mesh(inflate: float = 0.0):
    y, half_w, half_d, zc = _HEAD_RINGS.T
    centres = np.stack([np.zeros_like(y), y, zc], 1)
    ones = np.ones((len(y), 1))
    return loft(centres, ones * [0, 0, 1.0], ones * [1.0, 0, 0], half_d + inflate, half_w + inflate,
                 n_around=28)


def _hair_mesh():
    """A shell just outside the skull, cut below a hairline from the forehead to the nape."""
    from trimesh.intersections import slice_faces_plane

    verts, faces = _head_mesh(_HAIR_THICKNESS)
    forehead, nape = (np.array(p) for p in _HAIRLINE)
    normal = np.cross(forehead - nape, [1.0, 0.0, 0.0])  # points up and back
    sliced = slice_faces_plane(verts, faces, normal, forehead)
    return np.asarray(sliced[0], float), np.asarray(sliced[1], np.uint32)


def _head_meshes(sphere) -> list[tuple]:
    """Skull, hair, face features and ears in the head frame, one mesh per colour, so that
    the whole head is placed by one node pose."""
    parts = {"skin": [_head_mesh()], "hair": [_hair_mesh()]}
    sphere_verts, sphere_faces = sphere
    for centre, semi, colour in _HEAD_PARTS:
        parts.setdefault(colour, []).append((sphere_verts * semi + centre, sphere_faces))
    merged = []
    for colour, meshes in parts.items():
        offsets = np.cumsum([0] + [len(v) for v, _ in meshes[:-1]])
        verts = np.concatenate([v for v, _ in meshes])
        faces = np.concatenate([f + o for (_, f), o in zip(meshes, offsets)])
        merged.append((verts, faces.astype(np.uint32), colour))
    return merged


def _head_frame(j: np.ndarray):
    """Origin (mid-ears), axes (left, up, forward) and per-axis scale of the head."""
    le, re, nose = j[INDEX["left_ear"]], j[INDEX["right_ear"]], j[INDEX["nose"]]
    origin = (le + re) / 2
    sh_lat = j[INDEX["left_shoulder"]] - j[INDEX["right_shoulder"]]
    lat = unit(le - re) if np.linalg.norm(le - re) > 0.03 else unit(sh_lat)
    fwd = perpendicular(lat, nose - origin)
    up = np.cross(fwd, lat)
    sx = np.clip(np.linalg.norm(le - re) / _HEAD_SIZE[0], 0.7, 1.4)
    sz = np.clip((nose - origin) @ fwd / _HEAD_SIZE[1], 0.7, 1.4)
    return origin, lat, up, fwd, np.array([sx, (sx + sz) / 2, sz])


def _hand_frame(j: np.ndarray, side: str):
    """Origin (wrist), axes and scale of a hand from the wrist, index, pinky and elbow."""
    wrist, elbow = j[INDEX[f"{side}_wrist"]], j[INDEX[f"{side}_elbow"]]
    index, pinky = j[INDEX[f"{side}_index"]], j[INDEX[f"{side}_pinky"]]
    knuckles = (index + pinky) / 2 - wrist
    length = np.linalg.norm(knuckles)
    if length < 0.02:  # hand points missing or collapsed: continue the forearm
        knuckles, length = wrist - elbow, 0.085
    z = unit(knuckles)
    x = perpendicular(z, index - pinky)
    width = np.clip(np.linalg.norm(index - pinky) / _HAND_WIDTH, 0.7, 1.4)
    return wrist, x, np.cross(z, x), z, np.array([width, 1.0, length])


def _foot_frame(j: np.ndarray, side: str):
    """Origin (heel), axes and scale of a foot from the heel, toe tip and ankle."""
    heel, toe, ankle, knee = (j[INDEX[f"{side}_{n}"]] for n in ("heel", "foot_index", "ankle", "knee"))
    along = toe - heel
    if np.linalg.norm(along) < 0.02:  # foot points missing or collapsed: point it forward
        along = 0.22 * unit(np.cross(j[INDEX["left_hip"]] - j[INDEX["right_hip"]], knee - ankle))
    z = unit(along)
    y = perpendicular(z, ankle - heel)
    return heel, np.cross(y, z), y, z, np.array([1.0, 1.0, max(np.linalg.norm(along), 0.05)])


def neck_pose(j: np.ndarray) -> np.ndarray:
    """The neck: from just above the shoulder line to under the head."""
    origin, _, up, fwd, scale = _head_frame(j)
    sh_mid = (j[INDEX["left_shoulder"]] + j[INDEX["right_shoulder"]]) / 2
    hip_mid = (j[INDEX["left_hip"]] + j[INDEX["right_hip"]]) / 2
    base = sh_mid + 0.06 * unit(sh_mid - hip_mid)
    return segment_pose(base, origin - 0.045 * scale[1] * up - 0.01 * fwd)
