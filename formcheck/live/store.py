"""Per-frame memory of a live session that stays flat however long the session runs.

A live session must keep every frame's raw landmarks (saved as landmarks.npz, and replayed
through the causal cleaner for the report) and what the engine said about each counted
frame. Kept as Python objects that is ~2 kB a frame, ~200 MB an hour at 30 frames/s. Here:

* `LandmarkSpool`: raw landmark rows (33, 8) float32 are written to an anonymous temporary
  file in chunks; memory holds one chunk (1,800 frames, 1.9 MB) plus each frame's time and
  whether a person was seen (9 bytes a frame, 1 MB an hour).
* `VerdictLog`: each counted frame's verdict as a few numbers (~28 bytes a frame) in numpy
  columns, read back as `FrameVerdict` objects on demand, so code that indexes or iterates
  ``session.verdicts`` keeps working.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from formcheck.rules.engine import ExerciseEngine, FaultEvent, FrameVerdict
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import N_LANDMARKS, PoseTrack

ROW_SHAPE = (N_LANDMARKS, 8)  # image xyz, world xyz, visibility, presence
CHUNK_FRAMES = 1800  # one minute at 30 frames/s per write to disk


class _Column:
    """A growable 1-D numpy array (amortised doubling), for per-frame scalars."""

    def __init__(self, dtype, capacity: int = 1024):
        self._data = np.zeros(capacity, dtype)
        self._n = 0

    def append(self, value) -> None:
        if self._n == len(self._data):
            self._data = np.concatenate([self._data, np.zeros_like(self._data)])
        self._data[self._n] = value
        self._n += 1

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._data[: self._n]


class LandmarkSpool:
    """Raw landmark rows, one per frame, kept on disk in chunks; times and detections in memory.

    ``folder``: where the temporary file lives (default: the system's temporary folder). The
    file has no name and disappears when the spool is closed or the process ends.
    """

    def __init__(self, folder: str | Path | None = None, chunk_frames: int = CHUNK_FRAMES):
        self._folder = None if folder is None else str(folder)
        self._chunk = np.empty((chunk_frames, *ROW_SHAPE), np.float32)
        self._in_chunk = 0
        self._on_disk = 0
        self._file: IO[bytes] | None = None
        self.t_s = _Column(np.float64)
        self.detected = _Column(np.bool_)

    def __len__(self) -> int:
        return len(self.t_s)

    def append(self, t: float, row: np.ndarray, detected: bool) -> None:
        self._chunk[self._in_chunk] = row
        self._in_chunk += 1
        self.t_s.append(t)
        self.detected.append(detected)
        if self._in_chunk == len(self._chunk):
            self._flush()

    def last(self) -> np.ndarray:
        """The most recent row (a view, valid until the next append)."""
        if not len(self):
            raise IndexError("the spool is empty")
        return self._chunk[self._in_chunk - 1] if self._in_chunk else self._read(self._on_disk - 1, self._on_disk)[0]

    def _flush(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="formcheck-live-", dir=self._folder)
        self._file.seek(0, 2)
        self._file.write(self._chunk[: self._in_chunk].tobytes())
        self._on_disk += self._in_chunk
        self._in_chunk = 0

    def _read(self, start: int, stop: int) -> np.ndarray:
        assert self._file is not None
        count = max(0, stop - start)
        self._file.flush()
        self._file.seek(start * self._chunk[0].nbytes)
        data = np.frombuffer(self._file.read(count * self._chunk[0].nbytes), np.float32)
        return data.reshape(count, *ROW_SHAPE)

    def rows(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``start:stop`` as one float32 array (read back from disk: call at the end, not per frame)."""
        stop = len(self) if stop is None else min(stop, len(self))
        parts = []
        if start < self._on_disk:
            parts.append(self._read(start, min(stop, self._on_disk)))
        if stop > self._on_disk:
            parts.append(self._chunk[max(start - self._on_disk, 0): stop - self._on_disk])
        return np.concatenate(parts) if parts else np.zeros((0, *ROW_SHAPE), np.float32)

    @property
    def chunk_frames(self) -> int:
        return len(self._chunk)

    def chunks(self, image_size: tuple[int, int]) -> Iterator[PoseTrack]:
        """The spooled frames as consecutive PoseTracks of at most `chunk_frames` frames."""
        t, det = self.t_s.values, self.detected.values
        for first in range(0, len(self), self.chunk_frames):
            stop = first + self.chunk_frames
            yield PoseTrack.from_rows(t[first:stop], self.rows(first, stop), det[first:stop], image_size)

    def save_npz(self, path: str | Path, image_size: tuple[int, int]) -> None:
        """Write what `PoseTrack.to_npz` would write for the whole spool, one chunk at a time.

        A compressed .npz is a zip of .npy files; each array's header gives its full shape,
        then its rows follow chunk by chunk, so `PoseTrack.from_npz` reads it as usual.
        """
        n = len(self)
        arrays = {"t_s": ((n,), lambda c: c.t_s), "image_xyz": ((n, N_LANDMARKS, 3), lambda c: c.image_xyz),
                  "world_xyz": ((n, N_LANDMARKS, 3), lambda c: c.world_xyz),
                  "visibility": ((n, N_LANDMARKS), lambda c: c.visibility),
                  "presence": ((n, N_LANDMARKS), lambda c: c.presence)}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, (shape, part) in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as f:
                    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(float)),
                              "fortran_order": False, "shape": shape}
                    np.lib.format.write_array_header_2_0(f, header)
                    for chunk in self.chunks(image_size):
                        f.write(np.ascontiguousarray(part(chunk), dtype=float).tobytes())
            for name, value in (("image_size", np.array(image_size)), ("detected", self.detected.values)):
                with archive.open(f"{name}.npy", "w") as f:
                    np.lib.format.write_array(f, np.asarray(value), allow_pickle=False)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


_PHASES = ("waiting", "rest", "lifting", "lowering", "holding", "lost", "setup")
_SIDES = ("left", "right", "both")


class VerdictLog(Sequence):
    """The verdict of every counted frame of the current set, as numpy columns.

    Behaves like the list of `FrameVerdict` it replaces (len, index, iterate, ``[-1]``). The
    last verdict is the engine's own object; older ones are rebuilt from the columns, with
    ``last_rep`` taken from the engine's list of reps and each active fault's ``at_s`` being
    that frame's time (the fault's start is not kept per frame).
    """

    def __init__(self, exercise: Exercise, engine: ExerciseEngine):
        self._faults = list(exercise.faults)
        self._fault_bit = {f.code: 1 << i for i, f in enumerate(self._faults)}
        if len(self._faults) > 64:
            raise ValueError(f"{exercise.id}: at most 64 faults can be logged per frame")
        mask_type = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64)
                         if len(self._faults) <= 8 * np.dtype(t).itemsize)
        self._engine = engine
        self._t = _Column(np.float64)
        self._phase = _Column(np.uint8)
        self._key = _Column(np.float32)
        self._counts = [_Column(np.uint16) for _ in _SIDES]
        self._hold = _Column(np.float32)
        self._tracked = _Column(np.bool_)
        self._reps_done = _Column(np.uint16)  # len(engine.reps) when the frame's last_rep was set
        self._active = _Column(mask_type)
        self._last: tuple[int, FrameVerdict] | None = None

    def append(self, v: FrameVerdict) -> None:
        self._t.append(v.t_s)
        self._phase.append(_PHASES.index(v.phase) if v.phase in _PHASES else 0)
        self._key.append(np.nan if v.key_value is None else v.key_value)
        for side, column in zip(_SIDES, self._counts):
            column.append(min(v.reps_by_side.get(side, 0), 65535))
        self._hold.append(v.hold_s)
        self._tracked.append(v.tracked)
        self._reps_done.append(0 if v.last_rep is None else min(len(self._engine.reps), 65535))
        self._active.append(sum(self._fault_bit.get(f.code, 0) for f in v.active_faults))
        self._last = (len(self._t) - 1, v)  # one object: a reader in another thread sees a matching pair

    def __len__(self) -> int:
        return len(self._t)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._rebuild(k) for k in range(*index.indices(len(self)))]
        n = len(self)
        k = index + n if index < 0 else index
        if not 0 <= k < n:
            raise IndexError(f"verdict {index} out of range ({n} verdicts)")
        last = self._last
        return last[1] if last is not None and last[0] == k else self._rebuild(k)

    def __iter__(self) -> Iterator[FrameVerdict]:
        return (self[k] for k in range(len(self)))

    @property
    def key_values(self) -> np.ndarray:
        """The key signal of each counted frame (NaN where unseen): what a plot of the set needs."""
        return self._key.values

    @property
    def t_s(self) -> np.ndarray:
        return self._t.values

    def _rebuild(self, k: int) -> FrameVerdict:
        t = float(self._t.values[k])
        counts = {side: int(c.values[k]) for side, c in zip(_SIDES, self._counts)}
        total = sum(counts.values())
        mask = int(self._active.values[k])
        active = [FaultEvent(f.code, f.message, f.cue, t, None, f.confidence)
                  for i, f in enumerate(self._faults) if mask >> i & 1]
        key = float(self._key.values[k])
        done = int(self._reps_done.values[k])
        last_rep = self._engine.reps[done - 1] if done else None
        return FrameVerdict(t, _PHASES[int(self._phase.values[k])], key if np.isfinite(key) else None,
                            counts, total, float(self._hold.values[k]), active, last_rep,
                            bool(self._tracked.values[k]))
