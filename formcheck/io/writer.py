"""Writing the annotated video: BGR frames into a ``.webm`` that browsers play, moved into place only when complete.

A report must never link to half a video: frames go to a hidden temporary file beside the
target, which replaces it only on a clean `VideoWriter.close`.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from formcheck.errors import FormcheckError


class VideoWriter:
    """Write BGR frames to a ``.webm`` (VP8) file that browsers play, atomically.

    Frames go to a hidden temporary file beside the target, renamed over it on `close`; if the
    ``with`` block raises, or `abort` is called, the temporary file is removed and the target
    is left untouched. VP8 is the only browser-playable codec the OpenCV wheels can encode
    (mp4v does not play in browsers; H.264 has no encoder there). The frame size is taken from
    `frame_size` (width, height) or else from the first frame. Closing after no frames writes
    nothing. OpenCV prints a harmless "tag 'VP80' is not supported ... webm" line when opening.
    """

    FOURCC = "VP80"

    def __init__(self, path: str | Path, fps: float, frame_size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".webm":
            raise FormcheckError(
                f"cannot write {self.path}: the output video must end in .webm (VP8 is the only "
                f"browser-playable codec formcheck can write)"
            )
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.fps = float(fps)
        self.frames_written = 0
        self._writer: Any = None
        self._size: tuple[int, int] | None = None
        self._tmp: Path | None = None
        self._done = False
        if frame_size is not None:
            self._open(frame_size)

    def _open(self, frame_size: tuple[int, int]) -> None:
        width, height = (int(v) for v in frame_size)
        if width <= 0 or height <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {frame_size}")
        parent = self.path.parent
        if not parent.is_dir():
            raise FormcheckError(f"cannot write {self.path}: folder {parent} does not exist; create it first")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".partial.webm", dir=parent)
        except OSError as e:
            raise FormcheckError(f"cannot write {self.path}: {e.strerror}; choose another output folder") from None
        os.close(fd)
        self._tmp = Path(tmp)
        writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*self.FOURCC), self.fps, (width, height))
        if not writer.isOpened():
            writer.release()
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
            raise FormcheckError(
                f"cannot write {self.path}: OpenCV could not open a VP8 .webm encoder for {width}x{height} "
                f"at {self.fps:g} fps; check that opencv-python is installed with its FFmpeg"
            )
        self._writer = writer
        self._size = (width, height)

    def write(self, image: np.ndarray) -> None:
        """Append one BGR uint8 frame of shape (height, width, 3)."""
        if self._done:
            raise RuntimeError(f"{self.path}: the writer is closed")
        if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"frame must be a BGR uint8 array of shape (H, W, 3), got "
                f"{getattr(image, 'dtype', type(image).__name__)} {getattr(image, 'shape', None)}"
            )
        if self._writer is None:
            self._open((image.shape[1], image.shape[0]))
        assert self._size is not None
        if (image.shape[1], image.shape[0]) != self._size:
            raise ValueError(
                f"frame is {image.shape[1]}x{image.shape[0]} but the video is {self._size[0]}x{self._size[1]}"
            )
        self._writer.write(np.ascontiguousarray(image))
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and move it into place. Safe to call more than once."""
        if self._done:
            return
        self._done = True
        if self._writer is not None:
            self._writer.release()
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        if self.frames_written == 0:
            tmp.unlink(missing_ok=True)
            return
        if not tmp.exists() or tmp.stat().st_size == 0:
            tmp.unlink(missing_ok=True)
            raise FormcheckError(f"writing {self.path} failed: the encoder produced no data; check free disk space")
        os.replace(tmp, self.path)

    def abort(self) -> None:
        """Stop and delete the partial file; the target path is not touched."""
        self._done = True
        if self._writer is not None:
            self._writer.release()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()
