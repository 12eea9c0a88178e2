"""Per-frame landmark rows of an offline analysis kept on disk, so memory stays flat for any length.

Issue 16: ``analyze`` kept every frame's raw and cleaned landmark rows in memory for the
whole pose pass (about 1.9 KB a frame, 200 MB per hour of 30 fps video), where a live session
spools them (``formcheck.live.store``). A :class:`RowSpool` holds fixed-width float32 rows:
the newest ``chunk_frames`` in memory, older ones appended to an anonymous temporary file
that disappears when the spool is closed or the process ends. Rows are read back only at
the end of the analysis (the report needs the whole track once) and, for the last few rows,
by the analysis itself (recent rows are still in memory or in the page cache).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

import numpy as np

CHUNK_FRAMES = 1800  # one minute at 30 frames/s per write to disk


class RowSpool:
    """Rows of shape ``row_shape`` (float32), appended in blocks, read back by row range."""

    def __init__(self, row_shape: tuple[int, ...], folder: str | Path | None = None,
                 chunk_frames: int = CHUNK_FRAMES):
        self.row_shape = tuple(row_shape)
        self._folder = None if folder is None else str(folder)
        self._chunk = np.empty((chunk_frames, *self.row_shape), np.float32)
        self._in_chunk = 0
        self._on_disk = 0
        self._file: IO[bytes] | None = None
        self._row_bytes = self._chunk[0].nbytes

    def __len__(self) -> int:
        return self._on_disk + self._in_chunk

    def append(self, rows: np.ndarray) -> None:
        """Add rows ``(n, *row_shape)``; a full in-memory chunk goes to disk."""
        rows = np.asarray(rows, np.float32).reshape(-1, *self.row_shape)
        while len(rows):
            room = len(self._chunk) - self._in_chunk
            part, rows = rows[:room], rows[room:]
            self._chunk[self._in_chunk:self._in_chunk + len(part)] = part
            self._in_chunk += len(part)
            if self._in_chunk == len(self._chunk):
                self._flush()

    def rows(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``start:stop`` as one new float32 array."""
        stop = len(self) if stop is None else min(stop, len(self))
        start = max(0, min(start, stop))
        out = np.empty((stop - start, *self.row_shape), np.float32)
        if start < self._on_disk:
            count = min(stop, self._on_disk) - start
            self._read_into(out[:count], start)
        if stop > self._on_disk:
            first = max(start, self._on_disk)
            out[first - start:] = self._chunk[first - self._on_disk:stop - self._on_disk]
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _flush(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="formcheck-rows-", dir=self._folder)
        self._file.seek(0, 2)
        self._file.write(self._chunk[:self._in_chunk].tobytes())
        self._on_disk += self._in_chunk
        self._in_chunk = 0

    def _read_into(self, out: np.ndarray, start: int) -> None:
        assert self._file is not None
        self._file.flush()
        self._file.seek(start * self._row_bytes)
        view = memoryview(out.reshape(-1).view(np.uint8))
        while len(view):
            got = self._file.readinto(view)
            if not got:
                raise OSError("the landmark spool file ended early")
            view = view[got:]


class GrowingColumn:
    """A growable 1-D numpy array (amortised doubling), for per-frame scalars kept in memory."""

    def __init__(self, dtype, capacity: int = 1024):
        self._data = np.zeros(capacity, dtype)
        self._n = 0

    def extend(self, values) -> None:
        values = np.atleast_1d(np.asarray(values, self._data.dtype))
        need = self._n + len(values)
        if need > len(self._data):
            grown = np.zeros(max(need, 2 * len(self._data)), self._data.dtype)
            grown[:self._n] = self._data[:self._n]
            self._data = grown
        self._data[self._n:need] = values
        self._n = need

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._data[:self._n]
