"""What every frame source hands on: `Frame`s with their own timestamps, `SourceInfo`, and `FrameSource`.

A `FrameSource` is read once, front to back, one frame at a time (never the whole video in
memory), and releases its capture when it ends or leaves its ``with`` block. The kinds of
source (`formcheck.io.capture`, `formcheck.io.images`) only say how the next frame is read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

import cv2
import numpy as np


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    index: 0-based position in the source (a frame that could not be decoded leaves a gap).
    t_s: seconds from the source's own clock (see `formcheck.io.video`), strictly increasing.
    image: BGR uint8, shape (height, width, 3), upright.
    """

    index: int
    t_s: float
    image: np.ndarray

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"frame index must be >= 0, got {self.index}")
        if not math.isfinite(self.t_s):
            raise ValueError(f"frame timestamp must be finite, got {self.t_s}")
        shape = getattr(self.image, "shape", None)
        if shape is None or len(shape) != 3 or shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(
                f"frame image must be a BGR uint8 array of shape (H, W, 3), got "
                f"{getattr(self.image, 'dtype', type(self.image).__name__)} {shape}"
            )


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source once its first frame has been read.

    width/height: of the upright frames. fps: the nominal rate, for display only (never used
    to compute timestamps of a file). frame_count and duration_s: None when unknown (live
    sources; files whose container does not say). For containers that do not store a frame
    count, OpenCV estimates it from duration x fps, so it can be off by a frame or two.
    """

    description: str
    width: int
    height: int
    fps: float | None
    frame_count: int | None
    duration_s: float | None
    is_live: bool


class FrameSource:
    """An iterable of `Frame`, read once, front to back; a context manager that releases the source.

    `skipped` lists ``(index, reason)`` for frames that could not be read and were stepped
    over (and, for a file that ends early, one entry saying where reading stopped).
    `timestamps_repaired` counts frames whose source timestamp was unusable and was filled in.
    """

    def __init__(self, info: SourceInfo) -> None:
        self._info = info
        self._skipped: list[tuple[int, str]] = []
        self._timestamps_repaired = 0
        self._iterated = False
        self._closed = False

    @property
    def info(self) -> SourceInfo:
        return self._info

    @property
    def skipped(self) -> list[tuple[int, str]]:
        return list(self._skipped)

    @property
    def timestamps_repaired(self) -> int:
        return self._timestamps_repaired

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise RuntimeError(f"{self._info.description}: this FrameSource is closed; open the source again")
        if self._iterated:
            raise RuntimeError(f"{self._info.description}: a FrameSource can be iterated once; open the source again")
        self._iterated = True
        return self._generate()

    def _generate(self) -> Iterator[Frame]:
        try:
            yield from self._frames()
        finally:
            self.close()

    def _frames(self) -> Iterator[Frame]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying capture. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._release()

    def _release(self) -> None:
        pass

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._info!r})"


def as_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image as contiguous BGR uint8 (H, W, 3): what `Frame` and the pose model take."""
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        else:
            image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    elif image.shape[2] == 1:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(image)
