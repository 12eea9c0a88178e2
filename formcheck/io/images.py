"""Frames from still images: a folder of them in natural order (img2 before img10), or one image.

Images carry no time, so frame i is at ``i / fps``. Each is read with its EXIF orientation
applied; one that cannot be decoded, or is not the size of the first, is skipped and recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.errors import InputError
from formcheck.io.frames import Frame, FrameSource, SourceInfo, as_bgr8

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class ImageSequenceSource(FrameSource):
    """Frames from image files; images carry no time, so frame i is at i / fps."""

    def __init__(self, paths: list[Path], description: str, fps: float) -> None:
        self._paths = paths
        self._fps = float(fps)
        self._pos = 0
        self._size: tuple[int, int] | None = None
        super().__init__(SourceInfo(description, 0, 0, self._fps, len(paths), len(paths) / self._fps, False))
        first = self._next()
        if first is None:
            if len(paths) > 1:
                raise InputError(f"none of the {len(paths)} images in {paths[0].parent} could be read: "
                                 f"check that the files are not damaged")
            raise InputError(f"{paths[0]} could not be read as an image: check that the file is not damaged")
        self._first: Frame | None = first
        height, width = first.image.shape[:2]
        self._info = SourceInfo(description, width, height, self._fps, len(paths), len(paths) / self._fps, False)

    def _next(self) -> Frame | None:
        while self._pos < len(self._paths):
            pos = self._pos
            path = self._paths[pos]
            self._pos += 1
            image = read_image(path)
            if image is None:
                self._skipped.append((pos, f"{path.name} could not be decoded as an image; skipped"))
                continue
            size = (image.shape[1], image.shape[0])
            if self._size is None:
                self._size = size
            elif size != self._size:
                self._skipped.append((
                    pos, f"{path.name} is {size[0]}x{size[1]}, not {self._size[0]}x{self._size[1]} "
                         f"like the first image; skipped",
                ))
                continue
            return Frame(pos, pos / self._fps, image)
        return None

    def _frames(self) -> Iterator[Frame]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while (frame := self._next()) is not None:
            yield frame

    def _release(self) -> None:
        self._first = None


def images_in(folder: Path) -> list[Path]:
    """The folder's visible image files, in natural order."""
    return sorted(
        (p for p in folder.iterdir()
         if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()),
        key=lambda p: natural_sort_key(p.name),
    )


def read_image(path: Path) -> np.ndarray | None:
    """BGR uint8 with EXIF orientation applied, or None. imdecode also copes with non-ASCII paths."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return None if image is None else as_bgr8(image)


def natural_sort_key(name: str) -> list[Any]:
    """Sort key putting img2 before img10 (digit runs compare as numbers, the rest case-insensitively)."""
    parts = re.split(r"(\d+)", name)
    return [int(part) if i % 2 else part.casefold() for i, part in enumerate(parts)]
