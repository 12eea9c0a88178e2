"""Offscreen renderer of a human-looking body posed by the 33 MediaPipe landmarks.

Why it exists: labelled test videos need a person that MediaPipe detects, in a pose we know
exactly. The body (:mod:`formcheck.synth.body_meshes`) stands in a room with a floor, an
exercise mat and two walls, lit by a key light that casts shadows and a fill light. It
renders on the CPU (EGL + Mesa llvmpipe, :mod:`formcheck.synth.offscreen`), so it works on a
headless machine. Phone-camera degradations are :func:`formcheck.synth.realism.apply_realism`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import INDEX, N_LANDMARKS
from formcheck.synth.body_meshes import CONSTANT_COLOURS, rigid_parts, torso_meshes
from formcheck.synth.camera import Camera
from formcheck.synth.mesh_shapes import perpendicular, pose_matrix, unit, vertex_normals
from formcheck.synth.offscreen import ordered_node_type, require_pyrender, shared_renderer


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


_FILL_CANDELA = 18.0  # the fill point light, about 4 m from the body
_MAT_SIZE = (1.8, 0.6)
_MAT_THICKNESS = 0.006


def _linear(rgb) -> list[float]:
    """sRGB colour to the linear colour pyrender shades with (it gamma-encodes its output)."""
    return [float(c) ** 2.2 for c in rgb] + [1.0]


class BodyRenderer:
    """Renders frames of one posed body seen by one camera; use as a context manager.

    The room (mat under the pelvis, walls behind the body as seen from the camera) is laid
    out from the first rendered pose, then stays put so that a video does not jitter; call
    ``place_room(joints3d)`` to lay it out from another pose.
    """

    def __init__(self, camera: Camera, appearance: Appearance = Appearance(), shadows: bool = True):
        pyrender, trimesh = require_pyrender()
        self._pr = pyrender
        self.camera = camera
        self.appearance = appearance
        self.shadows = shadows
        try:
            self._renderer = shared_renderer(camera.width, camera.height)
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
        for parts, pose_fn in rigid_parts(sphere):
            self._add_rigid(parts, pose_fn)
        self._torso = None  # its mesh is rebuilt every frame

    # -- scene building ------------------------------------------------------------

    def _material(self, colour: str):
        if colour not in self._materials:
            rgb = CONSTANT_COLOURS.get(colour) or getattr(self.appearance, colour)
            rough = {"eye_white": 0.3, "iris": 0.2, "mat": 0.9, "floor": 0.7}.get(colour, 0.75)
            self._materials[colour] = self._pr.MetallicRoughnessMaterial(
                baseColorFactor=_linear(rgb), metallicFactor=0.0, roughnessFactor=rough)
        return self._materials[colour]

    def _primitive(self, verts, faces, colour: str):
        return self._pr.Primitive(positions=np.asarray(verts, np.float32),
                                  normals=vertex_normals(verts, faces).astype(np.float32),
                                  indices=faces, material=self._material(colour))

    def _add(self, pose=None, **content):
        """Add a numbered node (see ordered_node_type) holding a mesh, light or camera."""
        node_type = ordered_node_type(self._pr)
        node = node_type(next(self._node_numbers), matrix=np.eye(4) if pose is None else pose, **content)
        self._scene.add_node(node)
        return node

    def _add_rigid(self, parts, pose_fn):
        """A body part built once from (vertices, faces, colour) meshes, placed every frame by
        ``pose_fn(joints) -> 4x4``."""
        node = self._add(mesh=self._pr.Mesh([self._primitive(*part) for part in parts]))
        self._rigid.append((node, pose_fn))

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
        along = unit(along) if np.linalg.norm(along) > 1e-6 else np.array([1.0, 0.0, 0.0])
        self._scene.set_pose(self._room["mat"], pose_matrix(
            centre + up * _MAT_THICKNESS / 2, np.cross(up, along), up, along,
            (_MAT_SIZE[1], _MAT_THICKNESS, _MAT_SIZE[0])))

        rot = self.camera.rotation()
        look = unit(-rot[:, 2] * flat)
        if np.linalg.norm(look) < 0.5:  # camera looking straight down: use its up axis
            look = unit(rot[:, 1] * flat)
        right = np.cross(look, up)
        cam = np.asarray(self.camera.position, float)
        rel = (j - centre) * flat
        back = max(1.3, (rel @ look).max() + 0.9)
        side = max(1.9, (rel @ right).max() + 0.9, (cam - centre) @ right + 0.5)
        reach = max(np.linalg.norm((cam - centre) * flat), back, side) + 1.5
        height = 3.0
        self._scene.set_pose(self._room["floor"], pose_matrix(
            centre - up * 0.01, right, up, -look, (2 * reach, 0.02, 2 * reach)))
        self._scene.set_pose(self._room["back_wall"], pose_matrix(
            centre + look * back + up * height / 2, right, up, -look, (2 * reach, height, 0.05)))
        side_len = back + reach
        self._scene.set_pose(self._room["side_wall"], pose_matrix(
            centre + right * side + look * (back - side_len / 2) + up * height / 2,
            look, up, right, (side_len, height, 0.05)))
        # Key light from above, left and in front of the body; fill light above right. The
        # key must not graze the side wall: its shadow map then draws stripes on it (acne).
        for node, (to_right, to_up) in zip(self._light_nodes, ((-3.5, 2.8), (1.0, 2.0))):
            source = cam + right * to_right + up * to_up
            z = unit(source - (centre + up * 0.4))
            x = perpendicular(z, right)
            self._scene.set_pose(node, pose_matrix(source, x, np.cross(z, x), z))
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
        pelvis, chest = torso_meshes(j)
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
