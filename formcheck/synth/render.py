"""Offscreen renderer of a human-looking body posed by the 33 MediaPipe landmarks.

Why it exists: labelled test videos need a person that MediaPipe detects, in a pose we know
exactly. The body is made of simple parts (tapered limbs, a lofted torso and pelvis, a head
with a face, ears and hair, hands, feet) in clothing colours, in a room with a floor, an
exercise mat and two walls, lit by a key light that casts shadows and a fill light. It renders
on the CPU (EGL + Mesa llvmpipe), so it works on a headless machine.

Speed: every rigid part is a mesh built once in its own local frame and placed each frame by
its node's 4x4 pose (rotation and per-axis scale); only the torso and pelvis, which bend and
twist, are rebuilt per frame (a few hundred vertices, in numpy).

This is the optional ``synth`` extra: pyrender and trimesh are imported inside functions.
One OpenGL context serves the whole process (creating and deleting EGL contexts over and
over is fragile) and it belongs to the thread that created it.
"""

from __future__ import annotations

import atexit
import itertools
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from formcheck.pose.landmarks import INDEX, N_LANDMARKS
from formcheck.synth.camera import Camera

_MISSING_EXTRA = "rendering needs the synth extra: pip install 'formcheck[synth]'"


@dataclass(frozen=True)
class Appearance:
    """Colours (sRGB, 0-1) of the person and the room; vary them to test robustness."""

    skin: tuple = (0.87, 0.70, 0.58)
    shirt: tuple = (0.20, 0.35, 0.65)
    shorts: tuple = (0.15, 0.15, 0.18)
    hair: tuple = (0.15, 0.10, 0.07)
    mat: tuple = (0.35, 0.55, 0.45)
    floor: tuple = (0.62, 0.52, 0.40)
    wall: tuple = (0.85, 0.84, 0.80)


#: Named skin tones, light to dark, to check that detection does not depend on skin colour.
SKIN_TONES: dict[str, tuple] = {
    "light": (0.95, 0.80, 0.70),
    "medium_light": (0.87, 0.70, 0.58),
    "medium": (0.74, 0.55, 0.42),
    "medium_dark": (0.55, 0.38, 0.27),
    "dark": (0.36, 0.24, 0.17),
}

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
_FILL_CANDELA = 18.0  # the fill point light, about 4 m from the body
_MAT_SIZE = (1.8, 0.6)
_MAT_THICKNESS = 0.006
_CONSTANT_COLOURS = {"eye_white": (0.93, 0.92, 0.90), "iris": (0.12, 0.08, 0.06),
                     "lips": (0.62, 0.33, 0.32)}


def _require_pyrender():
    """Import pyrender for EGL offscreen use, or say which extra to install."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import pyrender
        import trimesh
    except ModuleNotFoundError as exc:  # pyrender, trimesh or PyOpenGL not installed
        raise RuntimeError(_MISSING_EXTRA) from exc
    except Exception as exc:  # installed, but PyOpenGL cannot load the system GL libraries
        raise RuntimeError(f"offscreen OpenGL (EGL) is unavailable: {exc!r}; "
                           "see scripts/install_render_deps.sh") from exc
    return pyrender, trimesh


_RENDERER = None


def _shared_renderer(width: int, height: int):
    """The process's one OffscreenRenderer, resized to the requested viewport."""
    global _RENDERER
    pyrender, _ = _require_pyrender()
    if _RENDERER is None:
        _RENDERER = pyrender.OffscreenRenderer(width, height)
        atexit.register(_release_renderer)
        _use_fast_shadow_filter(_RENDERER)
    _RENDERER.viewport_width, _RENDERER.viewport_height = width, height
    return _RENDERER


_PCF_CALL = "float shadow = PCF(shadow_map, textureSize(shadow_map, 0), light_coords.xy, compare);"
_LERP_CALL = ("float shadow = texture2DShadowLerp(shadow_map, textureSize(shadow_map, 0), "
              "light_coords.xy, compare);")


def _use_fast_shadow_filter(offscreen) -> None:
    """Swap pyrender's 3x3 shadow filter for a single bilinear one.

    pyrender filters each shadow lookup over 3x3 bilinear taps (36 depth reads per pixel);
    on a CPU rasteriser that costs more than the rest of the frame. One bilinear tap keeps
    soft edges and about halves the frame time. The patched copy of pyrender's shaders goes
    to a temporary folder; if pyrender's shader text changed, its own shaders stay in use.
    """
    import shutil
    import tempfile
    from pathlib import Path

    import pyrender
    from pyrender.shader_program import ShaderProgramCache

    src = Path(pyrender.__file__).parent / "shaders"
    frag = (src / "mesh.frag").read_text()
    if frag.count(_PCF_CALL) != 1 or not hasattr(offscreen, "_renderer"):
        return
    dst = Path(tempfile.mkdtemp(prefix="formcheck-shaders-"))
    atexit.register(shutil.rmtree, dst, True)
    for f in src.iterdir():
        shutil.copy(f, dst / f.name)
    (dst / "mesh.frag").write_text(frag.replace(_PCF_CALL, _LERP_CALL))
    offscreen._renderer._program_cache = ShaderProgramCache(shader_dir=str(dst))


def _release_renderer() -> None:
    """Free the context before interpreter shutdown; left to the garbage collector, PyOpenGL
    prints import errors to stderr at exit."""
    global _RENDERER
    if _RENDERER is not None:
        _RENDERER.delete()
        _RENDERER = None


# --------------------------------------------------------------------------- geometry


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else np.zeros(3)


def _perpendicular(axis: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the unit ``axis``, as close as possible to ``hint``."""
    for h in (hint, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])):
        p = h - (h @ axis) * axis
        if np.linalg.norm(p) > 1e-3 * max(np.linalg.norm(h), 1e-9):
            return _unit(p)
    return _unit(np.cross(axis, [0.0, 0.0, 1.0]))


def _pose(origin, x, y, z, scale=(1.0, 1.0, 1.0)) -> np.ndarray:
    """4x4 pose of a local mesh: orthonormal world axes x, y, z, scaled per axis, at origin.

    The axes must be right-handed: a mirrored pose turns the mesh inside out, and back-face
    culling then shows its unlit inside.
    """
    m = np.eye(4)
    m[:3, :3] = np.stack([x, y, z], axis=1) * np.asarray(scale, float)
    m[:3, 3] = origin
    return m


def _segment_pose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pose that stretches a unit bone mesh (local z from 0 to 1) onto the segment a -> b."""
    length = np.linalg.norm(b - a)
    z = (b - a) / length if length > 1e-6 else np.array([0.0, 1.0, 0.0])
    x = _perpendicular(z, np.array([0.0, 1.0, 0.0]))  # any roll will do: the tubes are round
    return _pose(a, x, np.cross(z, x), z, (1.0, 1.0, max(length, 1e-4)))


@lru_cache(maxsize=None)
def _loft_faces(n_rings: int, n_around: int) -> np.ndarray:
    """Triangles of a tube of rings closed by a fan at each end (outward if a x b runs along it)."""
    i, j = np.meshgrid(np.arange(n_rings - 1), np.arange(n_around), indexing="ij")
    a = i * n_around + j
    b = i * n_around + (j + 1) % n_around
    c = b + n_around
    d = a + n_around
    sides = np.concatenate([np.stack([a, b, c], -1), np.stack([a, c, d], -1)]).reshape(-1, 3)
    k = np.arange(n_around)
    bottom, top = n_rings * n_around, n_rings * n_around + 1
    last = (n_rings - 1) * n_around
    caps = np.concatenate([
        np.stack([np.full(n_around, bottom), (k + 1) % n_around, k], -1),
        np.stack([np.full(n_around, top), last + k, last + (k + 1) % n_around], -1),
    ])
    return np.concatenate([sides, caps]).astype(np.uint32)


def _loft(centres, axis_a, axis_b, radius_a, radius_b, n_around: int = 20):
    """Vertices and faces of a closed tube through elliptical rings.

    Ring i is centres[i] + radius_a[i] cos(th) axis_a[i] + radius_b[i] sin(th) axis_b[i].
    """
    centres, axis_a, axis_b = (np.asarray(v, float).reshape(-1, 3) for v in (centres, axis_a, axis_b))
    th = np.linspace(0.0, 2.0 * np.pi, n_around, endpoint=False)
    ra = np.asarray(radius_a, float)[:, None, None]
    rb = np.asarray(radius_b, float)[:, None, None]
    rings = (centres[:, None, :] + ra * np.cos(th)[None, :, None] * axis_a[:, None, :]
             + rb * np.sin(th)[None, :, None] * axis_b[:, None, :])
    verts = np.concatenate([rings.reshape(-1, 3), centres[:1], centres[-1:]])
    faces = _loft_faces(len(centres), n_around)
    if np.cross(axis_a[0], axis_b[0]) @ (centres[-1] - centres[0]) < 0:
        faces = faces[:, ::-1]  # keep the triangles facing outwards for back-face culling
    return verts, faces


def _vertex_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (smooth shading)."""
    tri = verts[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros_like(verts)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_n)
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


def _profile_tube(profile, n_rings: int = 8):
    """Round tube along local z following a (t, radius) profile."""
    t_prof, r_prof = np.array(profile, float).T
    t = np.union1d(t_prof, np.linspace(t_prof[0], t_prof[-1], n_rings))
    r = np.interp(t, t_prof, r_prof)
    centres = np.stack([np.zeros_like(t), np.zeros_like(t), t], 1)
    ones = np.ones((len(t), 1))
    return _loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], r, r)


def _foot_mesh():
    t, half_w, sole, top = _FOOT_RINGS.T
    centres = np.stack([np.zeros_like(t), (sole + top) / 2, t], 1)
    ones = np.ones((len(t), 1))
    return _loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], half_w, (top - sole) / 2)


def _hand_mesh():
    t, half_w, half_th = _HAND_RINGS.T
    centres = np.stack([np.zeros_like(t), np.zeros_like(t), t], 1)
    ones = np.ones((len(t), 1))
    return _loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], half_w, half_th)


def _head_mesh(inflate: float = 0.0):
    y, half_w, half_d, zc = _HEAD_RINGS.T
    centres = np.stack([np.zeros_like(y), y, zc], 1)
    ones = np.ones((len(y), 1))
    return _loft(centres, ones * [0, 0, 1.0], ones * [1.0, 0, 0], half_d + inflate, half_w + inflate,
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


def _torso_meshes(j: np.ndarray):
    """Pelvis (shorts) and chest (shirt) lofts between the hip line and the shoulder line."""
    lh, rh, ls, rs = (j[INDEX[n]] for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder"))
    hip_mid, sh_mid = (lh + rh) / 2, (ls + rs) / 2
    spine = sh_mid - hip_mid
    up = _unit(spine) if np.linalg.norm(spine) > 1e-3 else np.array([0.0, 1.0, 0.0])
    hip_lat, sh_lat = _perpendicular(up, lh - rh), _perpendicular(up, ls - rs)
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
        out.append(_loft(centres, fwd, lat, depth * grow, half_w, n_around=24))
    return out


def _head_frame(j: np.ndarray):
    """Origin (mid-ears), axes (left, up, forward) and per-axis scale of the head."""
    le, re, nose = j[INDEX["left_ear"]], j[INDEX["right_ear"]], j[INDEX["nose"]]
    origin = (le + re) / 2
    sh_lat = j[INDEX["left_shoulder"]] - j[INDEX["right_shoulder"]]
    lat = _unit(le - re) if np.linalg.norm(le - re) > 0.03 else _unit(sh_lat)
    fwd = _perpendicular(lat, nose - origin)
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
    z = _unit(knuckles)
    x = _perpendicular(z, index - pinky)
    width = np.clip(np.linalg.norm(index - pinky) / _HAND_WIDTH, 0.7, 1.4)
    return wrist, x, np.cross(z, x), z, np.array([width, 1.0, length])


def _foot_frame(j: np.ndarray, side: str):
    """Origin (heel), axes and scale of a foot from the heel, toe tip and ankle."""
    heel, toe, ankle, knee = (j[INDEX[f"{side}_{n}"]] for n in ("heel", "foot_index", "ankle", "knee"))
    along = toe - heel
    if np.linalg.norm(along) < 0.02:  # foot points missing or collapsed: point it forward
        along = 0.22 * _unit(np.cross(j[INDEX["left_hip"]] - j[INDEX["right_hip"]], knee - ankle))
    z = _unit(along)
    y = _perpendicular(z, ankle - heel)
    return heel, np.cross(y, z), y, z, np.array([1.0, 1.0, max(np.linalg.norm(along), 0.05)])


@lru_cache(maxsize=None)
def _ordered_node_type(pyrender):
    """pyrender.Node whose hash is a number fixed at creation.

    pyrender keeps nodes in sets and draws nodes at the same distance from the camera (a
    joint sphere and the bone that starts there) in set order. With the default identity
    hash that order, and so the pixels where their surfaces meet, changes from one process
    to the next; numbered nodes make every render repeatable.
    """

    class OrderedNode(pyrender.Node):
        def __init__(self, order: int, **kwargs):
            super().__init__(**kwargs)
            self._order = order

        def __hash__(self) -> int:
            return self._order

    return OrderedNode


def _linear(rgb) -> list[float]:
    """sRGB colour to the linear colour pyrender shades with (it gamma-encodes its output)."""
    return [float(c) ** 2.2 for c in rgb] + [1.0]


# --------------------------------------------------------------------------- renderer


class BodyRenderer:
    """Renders frames of one posed body seen by one camera; use as a context manager.

    The room (mat under the pelvis, walls behind the body as seen from the camera) is laid
    out from the first rendered pose, then stays put so that a video does not jitter; call
    ``place_room(joints3d)`` to lay it out from another pose.
    """

    def __init__(self, camera: Camera, appearance: Appearance = Appearance(), shadows: bool = True):
        pyrender, trimesh = _require_pyrender()
        self._pr = pyrender
        self.camera = camera
        self.appearance = appearance
        self.shadows = shadows
        try:
            self._renderer = _shared_renderer(camera.width, camera.height)
        except Exception as exc:  # no EGL display, missing libEGL / Mesa drivers
            raise RuntimeError(f"offscreen OpenGL (EGL) is unavailable: {exc!r}; "
                               "see scripts/install_render_deps.sh") from exc
        # The clear colour (seen above the walls) skips the shader's gamma: pass it as sRGB.
        self._scene = pyrender.Scene(bg_color=[*appearance.wall, 1.0],
                                     ambient_light=[0.28, 0.28, 0.30])
        self._materials = {}
        self._node_numbers = itertools.count()
        self._add(camera=pyrender.PerspectiveCamera(yfov=np.radians(camera.fov_y_deg),
                                                    aspectRatio=camera.width / camera.height,
                                                    znear=0.05, zfar=100.0),
                  pose=camera.pose_matrix())
        # A key light that casts shadows and a fill light that does not (pyrender has no
        # point-light shadows): a second shadowed light doubles the shadow work, and its
        # shadow of the side wall darkens a whole wedge of the room.
        self._light_nodes = [self._add(light=pyrender.DirectionalLight(intensity=3.2)),
                             self._add(light=pyrender.PointLight(intensity=_FILL_CANDELA))]

        unit_box = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
        self._room = {name: self._add(mesh=pyrender.Mesh.from_trimesh(
                          unit_box, material=self._material(colour), smooth=False))
                      for name, colour in (("floor", "floor"), ("mat", "mat"),
                                           ("back_wall", "wall"), ("side_wall", "wall"))}
        icosphere = trimesh.creation.icosphere(subdivisions=3)
        sphere = (np.asarray(icosphere.vertices), np.asarray(icosphere.faces))
        self._room_placed = False

        self._rigid = []  # (node, function(joints) -> 4x4 pose)
        for side in ("left", "right"):
            for part, colour, j0, j1 in _LIMBS:
                a, b = INDEX[f"{side}_{j0}"], INDEX[f"{side}_{j1}"]
                self._add_rigid([(*_profile_tube(_LIMB_PROFILES[part]), colour)],
                                lambda j, a=a, b=b: _segment_pose(j[a], j[b]))
            for joint, radius, colour in _JOINT_SPHERES:
                k = INDEX[f"{side}_{joint}"]
                self._add_rigid([(*sphere, colour)], lambda j, k=k, r=radius: _pose(j[k], *np.eye(3), (r, r, r)))
            w, t = INDEX[f"{side}_wrist"], INDEX[f"{side}_thumb"]
            self._add_rigid([(*_profile_tube(_LIMB_PROFILES["thumb"]), "skin")],
                            lambda j, w=w, t=t: _segment_pose(j[w] + 0.35 * (j[t] - j[w]), j[t]))
            self._add_rigid([(*_hand_mesh(), "skin")], lambda j, s=side: _pose(*_hand_frame(j, s)))
            self._add_rigid([(*_foot_mesh(), "skin")], lambda j, s=side: _pose(*_foot_frame(j, s)))
        self._add_rigid([(*_profile_tube(_LIMB_PROFILES["neck"]), "skin")], self._neck_pose)
        self._add_rigid(_head_meshes(sphere), lambda j: _pose(*_head_frame(j)))
        self._torso = None  # its mesh is rebuilt every frame

    # -- scene building ------------------------------------------------------------

    def _material(self, colour: str):
        if colour not in self._materials:
            rgb = _CONSTANT_COLOURS.get(colour) or getattr(self.appearance, colour)
            rough = {"eye_white": 0.3, "iris": 0.2, "mat": 0.9, "floor": 0.7}.get(colour, 0.75)
            self._materials[colour] = self._pr.MetallicRoughnessMaterial(
                baseColorFactor=_linear(rgb), metallicFactor=0.0, roughnessFactor=rough)
        return self._materials[colour]

    def _primitive(self, verts, faces, colour: str):
        return self._pr.Primitive(positions=np.asarray(verts, np.float32),
                                  normals=_vertex_normals(verts, faces).astype(np.float32),
                                  indices=faces, material=self._material(colour))

    def _add(self, pose=None, **content):
        """Add a numbered node (see _ordered_node_type) holding a mesh, light or camera."""
        node_type = _ordered_node_type(self._pr)
        node = node_type(next(self._node_numbers), matrix=np.eye(4) if pose is None else pose, **content)
        self._scene.add_node(node)
        return node

    def _add_rigid(self, parts, pose_fn):
        """A body part built once from (vertices, faces, colour) meshes, placed every frame by
        ``pose_fn(joints) -> 4x4``."""
        node = self._add(mesh=self._pr.Mesh([self._primitive(*part) for part in parts]))
        self._rigid.append((node, pose_fn))

    @staticmethod
    def _neck_pose(j):
        origin, _, up, fwd, scale = _head_frame(j)
        sh_mid = (j[INDEX["left_shoulder"]] + j[INDEX["right_shoulder"]]) / 2
        hip_mid = (j[INDEX["left_hip"]] + j[INDEX["right_hip"]]) / 2
        base = sh_mid + 0.06 * _unit(sh_mid - hip_mid)
        return _segment_pose(base, origin - 0.045 * scale[1] * up - 0.01 * fwd)

    def place_room(self, joints3d: np.ndarray) -> None:
        """Lay the mat under the pelvis along the body, walls behind it, lights from the camera side."""
        j = self._check(joints3d)
        up = np.array([0.0, 1.0, 0.0])
        flat = np.array([1.0, 0.0, 1.0])
        hip_mid = (j[INDEX["left_hip"]] + j[INDEX["right_hip"]]) / 2
        sh_mid = (j[INDEX["left_shoulder"]] + j[INDEX["right_shoulder"]]) / 2
        centre = hip_mid * flat
        along = (sh_mid - hip_mid) * flat
        if np.linalg.norm(along) < 0.3 * np.linalg.norm(sh_mid - hip_mid):  # upright: face direction
            along = np.cross(j[INDEX["left_hip"]] - j[INDEX["right_hip"]], up) * flat
        along = _unit(along) if np.linalg.norm(along) > 1e-6 else np.array([1.0, 0.0, 0.0])
        self._scene.set_pose(self._room["mat"], _pose(
            centre + up * _MAT_THICKNESS / 2, np.cross(up, along), up, along,
            (_MAT_SIZE[1], _MAT_THICKNESS, _MAT_SIZE[0])))

        rot = self.camera.rotation()
        look = _unit(-rot[:, 2] * flat)
        if np.linalg.norm(look) < 0.5:  # camera looking straight down: use its up axis
            look = _unit(rot[:, 1] * flat)
        right = np.cross(look, up)
        cam = np.asarray(self.camera.position, float)
        rel = (j - centre) * flat
        back = max(1.3, (rel @ look).max() + 0.9)
        side = max(1.9, (rel @ right).max() + 0.9, (cam - centre) @ right + 0.5)
        reach = max(np.linalg.norm((cam - centre) * flat), back, side) + 1.5
        height = 3.0
        self._scene.set_pose(self._room["floor"], _pose(
            centre - up * 0.01, right, up, -look, (2 * reach, 0.02, 2 * reach)))
        self._scene.set_pose(self._room["back_wall"], _pose(
            centre + look * back + up * height / 2, right, up, -look, (2 * reach, height, 0.05)))
        side_len = back + reach
        self._scene.set_pose(self._room["side_wall"], _pose(
            centre + right * side + look * (back - side_len / 2) + up * height / 2,
            look, up, right, (side_len, height, 0.05)))
        # Key light from above, left and in front of the body; fill light above right. The
        # key must not graze the side wall: its shadow map then draws stripes on it (acne).
        for node, (to_right, to_up) in zip(self._light_nodes, ((-3.5, 2.8), (1.0, 2.0))):
            source = cam + right * to_right + up * to_up
            z = _unit(source - (centre + up * 0.4))
            x = _perpendicular(z, right)
            self._scene.set_pose(node, _pose(source, x, np.cross(z, x), z))
        self._room_placed = True

    # -- per frame -------------------------------------------------------------------

    @staticmethod
    def _check(joints3d) -> np.ndarray:
        j = np.asarray(joints3d, dtype=float)
        if j.shape != (N_LANDMARKS, 3):
            raise ValueError(f"joints3d must have shape ({N_LANDMARKS}, 3), got {j.shape}")
        if not np.isfinite(j).all():
            raise ValueError("joints3d must be finite (every landmark needs a position)")
        return j

    def render(self, joints3d: np.ndarray) -> np.ndarray:
        """One image of the body posed by its 33 world landmarks (33, 3).

        Returns BGR uint8 (height, width, 3), OpenCV's order, ready for cv2.VideoWriter.
        """
        if self._renderer is None:
            raise RuntimeError("BodyRenderer is closed")
        j = self._check(joints3d)
        if not self._room_placed:
            self.place_room(j)
        for node, pose_fn in self._rigid:
            self._scene.set_pose(node, pose_fn(j))
        pelvis, chest = _torso_meshes(j)
        torso = self._pr.Mesh([self._primitive(*pelvis, "shorts"), self._primitive(*chest, "shirt")])
        if self._torso is None:
            self._torso = self._add(mesh=torso)
        else:  # swap the mesh in place: removing and adding nodes costs more
            self._torso.mesh = torso
            self._scene.set_pose(self._torso, np.eye(4))  # drops the cached scene bounds
        flags = self._pr.RenderFlags.SHADOWS_DIRECTIONAL if self.shadows else self._pr.RenderFlags.NONE
        self._renderer.viewport_width, self._renderer.viewport_height = self.camera.width, self.camera.height
        color, _ = self._renderer.render(self._scene, flags=flags)
        return np.ascontiguousarray(color[:, :, ::-1])

    def close(self) -> None:
        """Drop this scene; the shared OpenGL context stays for the next renderer."""
        self._scene = None
        self._rigid = []
        self._renderer = None

    def __enter__(self) -> "BodyRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- realism


def apply_realism(frame_bgr: np.ndarray, rng: np.random.Generator, noise_sigma: float = 0.0,
                  blur_px: float = 0.0, jpeg_quality: int | None = None) -> np.ndarray:
    """Degrade a clean render the way a phone camera does, so tests do not only see perfect pixels.

    blur_px: length of a straight motion-blur streak in a random direction; noise_sigma:
    Gaussian sensor noise in grey levels; jpeg_quality: re-encode as JPEG (1-100), as video
    compression does. Applied in that order, all driven by ``rng`` so a clip is reproducible.
    """
    import cv2

    out = np.asarray(frame_bgr, dtype=np.uint8)
    if blur_px > 0:
        size = 2 * int(np.ceil(blur_px / 2)) + 1
        scale = 8  # draw the streak on a finer grid so that fractional lengths count
        kernel = np.zeros((size * scale, size * scale), np.float32)
        angle = rng.uniform(0.0, np.pi)
        half = blur_px * scale / 2 * np.array([np.cos(angle), np.sin(angle)])
        mid = np.array([size * scale / 2, size * scale / 2])
        p0, p1 = np.round(mid - half).astype(int), np.round(mid + half).astype(int)
        cv2.line(kernel, tuple(int(v) for v in p0), tuple(int(v) for v in p1), 1.0, thickness=scale)
        kernel = cv2.resize(kernel, (size, size), interpolation=cv2.INTER_AREA)
        out = cv2.filter2D(out, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
    if noise_sigma > 0:
        noisy = out.astype(np.float32) + rng.normal(0.0, noise_sigma, out.shape).astype(np.float32)
        out = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out
