"""Closed triangle meshes from rings, and the 4x4 poses that place a mesh built in its own frame.

Every rigid body part is built once in a local frame and placed each frame by a pose
(rotation and per-axis scale), which is much cheaper than rebuilding its vertices.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else np.zeros(3)


def perpendicular(axis: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the unit ``axis``, as close as possible to ``hint``."""
    for h in (hint, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])):
        p = h - (h @ axis) * axis
        if np.linalg.norm(p) > 1e-3 * max(np.linalg.norm(h), 1e-9):
            return unit(p)
    return unit(np.cross(axis, [0.0, 0.0, 1.0]))


def pose_matrix(origin, x, y, z, scale=(1.0, 1.0, 1.0)) -> np.ndarray:
    """4x4 pose of a local mesh: orthonormal world axes x, y, z, scaled per axis, at origin.

    The axes must be right-handed: a mirrored pose turns the mesh inside out, and back-face
    culling then shows its unlit inside.
    """
    m = np.eye(4)
    m[:3, :3] = np.stack([x, y, z], axis=1) * np.asarray(scale, float)
    m[:3, 3] = origin
    return m


def segment_pose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pose that stretches a unit bone mesh (local z from 0 to 1) onto the segment a -> b."""
    length = np.linalg.norm(b - a)
    z = (b - a) / length if length > 1e-6 else np.array([0.0, 1.0, 0.0])
    x = perpendicular(z, np.array([0.0, 1.0, 0.0]))  # any roll will do: the tubes are round
    return pose_matrix(a, x, np.cross(z, x), z, (1.0, 1.0, max(length, 1e-4)))


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


def loft(centres, axis_a, axis_b, radius_a, radius_b, n_around: int = 20):
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


def vertex_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (smooth shading)."""
    tri = verts[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros_like(verts)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_n)
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


def profile_tube(profile, n_rings: int = 8):
    """Round tube along local z following a (t, radius) profile."""
    t_prof, r_prof = np.array(profile, float).T
    t = np.union1d(t_prof, np.linspace(t_prof[0], t_prof[-1], n_rings))
    r = np.interp(t, t_prof, r_prof)
    centres = np.stack([np.zeros_like(t), np.zeros_like(t), t], 1)
    ones = np.ones((len(t), 1))
    return loft(centres, ones * [1.0, 0, 0], ones * [0, 1.0, 0], r, r)
