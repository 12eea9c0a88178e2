"""What a batch analyses: the videos named by paths, folders and glob patterns (``analyze DIR_OR_GLOB``).

What counts as a batch (:func:`is_batch_input`): more than one path; a glob pattern
(``"clips/*.mp4"``, quoted so that formcheck expands it); a folder that holds video files. A
folder of images only is one clip (its images are the frames), as in a single ``analyze``.
"""

from __future__ import annotations

import glob as globlib
import os
from collections.abc import Sequence
from pathlib import Path

from formcheck.errors import InputError
from formcheck.io.images import IMAGE_EXTENSIONS, natural_sort_key

#: File name endings taken as videos when a folder or a glob is expanded.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".gif", ".mpg",
                                     ".mpeg", ".wmv", ".3gp", ".ts", ".mts", ".flv")
_GLOB_CHARS = "*?["


def _is_glob(text: str) -> bool:
    return any(c in text for c in _GLOB_CHARS)


def _is_video_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS and not path.name.startswith(".")


def _is_image_folder(path: Path) -> bool:
    return path.is_dir() and any(p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file() for p in path.iterdir())


def _videos_in(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if _is_video_file(p)), key=lambda p: natural_sort_key(p.name))


def is_batch_input(specs: Sequence[str | Path]) -> bool:
    """True when ``specs`` (the paths the user gave) name several videos rather than one clip."""
    specs = list(specs)
    if len(specs) != 1:
        return len(specs) > 1
    text = str(specs[0])
    path = Path(text)
    if path.exists():
        return path.is_dir() and bool(_videos_in(path))
    return _is_glob(text)


def find_videos(specs: Sequence[str | Path]) -> list[Path]:
    """The clips named by ``specs``, in order, without duplicates.

    A glob pattern expands to its matching video files (and folders of images, each one clip),
    in natural order; a folder with video files to those files; anything else (a file, a
    folder of images, a missing path) is taken as one clip, so that its problem is reported in
    its row. Raises InputError when nothing at all is found.
    """
    found: list[Path] = []
    for spec in specs:
        text = str(spec)
        path = Path(text)
        if not path.exists() and _is_glob(text):
            matches = sorted(globlib.glob(os.path.expanduser(text), recursive=True), key=natural_sort_key)
            clips = [Path(m) for m in matches if _is_video_file(Path(m)) or _is_image_folder(Path(m))]
            if not clips:
                raise InputError(f"no videos match {text!r}: check the pattern (video endings: "
                                 f"{', '.join(VIDEO_EXTENSIONS)})")
            found += clips
        elif path.is_dir() and _videos_in(path):
            found += _videos_in(path)
        else:
            found.append(path)
    unique, seen = [], set()
    for p in found:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            unique.append(p)
    if not unique:
        raise InputError("no videos to analyse")
    return unique


def default_batch_out(specs: Sequence[str | Path]) -> Path:
    """``<folder>-formcheck`` beside a single folder given (when writable), else ./formcheck-batch."""
    specs = list(specs)
    if len(specs) == 1 and Path(specs[0]).is_dir():
        folder = Path(specs[0]).resolve()
        if os.access(folder.parent, os.W_OK):
            return folder.parent / f"{folder.name}-formcheck"
    return Path("formcheck-batch")
