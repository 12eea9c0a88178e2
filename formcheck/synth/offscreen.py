"""The process's one offscreen OpenGL context (pyrender on EGL), set up to render fast and repeatably.

pyrender and trimesh are the optional ``synth`` extra: they are imported inside functions,
with a message that says which extra to install. One OpenGL context serves the whole
process (creating and deleting EGL contexts over and over is fragile) and it belongs to the
thread that created it. Two adjustments to pyrender: a cheaper shadow filter (the CPU
rasteriser spends most of a frame on shadows) and nodes drawn in a fixed order (so every
render of the same pose gives the same pixels).
"""

from __future__ import annotations

import atexit
import os
from functools import lru_cache

_MISSING_EXTRA = "rendering needs the synth extra: pip install 'formcheck[synth]'"


def require_pyrender():
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


def shared_renderer(width: int, height: int):
    """The process's one OffscreenRenderer, resized to the requested viewport."""
    global _RENDERER
    pyrender, _ = require_pyrender()
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


@lru_cache(maxsize=None)
def ordered_node_type(pyrender):
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
