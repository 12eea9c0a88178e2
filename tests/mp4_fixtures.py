"""Hard video files made at test time by editing the boxes of an mp4 that OpenCV wrote.

OpenCV's wheels can write mp4 (mp4v) but not a rotated, variable-frame-rate, empty or
audio-only one, and a muxer (PyAV, ffmpeg) would be a heavy test dependency for four
small files. An mp4 is a tree of boxes (size, type, payload), and OpenCV writes the media
data first and the index (moov) last, so the index can be rewritten in pure Python without
moving a single frame: the chunk offsets (stco) stay valid.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: Boxes that contain other boxes, on the way from the file to the sample tables.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


def _boxes(data: bytes | bytearray, start: int, end: int):
    """(offset, size, type) of the boxes between start and end."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        if size < 8:
            break
        yield i, size, kind
        i += size


def find_path(data: bytes | bytearray, path: list[bytes]) -> list[int]:
    """Offsets of each box on ``path`` (e.g. [moov, trak, mdia, mdhd]); raises if absent."""
    offsets, start, end = [], 0, len(data)
    for kind in path:
        hit = next(((i, size) for i, size, k in _boxes(data, start, end) if k == kind), None)
        if hit is None:
            raise ValueError(f"no {kind!r} box on {path}")
        offsets.append(hit[0])
        start, end = hit[0] + 8, hit[0] + hit[1]
    return offsets


def _replace_leaf(data: bytearray, path: list[bytes], payload: bytes) -> bytearray:
    """Give the last box on ``path`` a new payload, growing or shrinking every parent box."""
    offsets = find_path(data, path)
    leaf = offsets[-1]
    old_size = struct.unpack(">I", data[leaf:leaf + 4])[0]
    delta = 8 + len(payload) - old_size
    for parent in offsets[:-1]:
        size = struct.unpack(">I", data[parent:parent + 4])[0]
        data[parent:parent + 4] = struct.pack(">I", size + delta)
    new = struct.pack(">I4s", 8 + len(payload), path[-1]) + payload
    moov = offsets[0]
    if delta and any(k == b"mdat" and i > moov for i, _, k in _boxes(data, 0, len(data))):
        raise ValueError("media data after the index: resizing would break the chunk offsets")
    return data[:leaf] + new + data[leaf + old_size:]


STBL = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]


def set_rotation(path: Path, degrees: int = 90) -> None:
    """The track's display matrix says: turn by ``degrees`` clockwise to show (as phones write it)."""
    one, zero, w = 0x10000, 0, 0x40000000
    matrix = {90: (0, one, 0, -one, 0, 0, 0, 0, w), 180: (-one, 0, 0, 0, -one, 0, 0, 0, w),
              270: (0, -one, 0, one, 0, 0, 0, 0, w)}[degrees]
    data = bytearray(path.read_bytes())
    tkhd = find_path(data, [b"moov", b"trak", b"tkhd"])[-1]
    at = tkhd + (48 if data[tkhd + 8] == 0 else 60)  # tkhd version 0 / 1
    data[at:at + 36] = struct.pack(">9i", *matrix)
    path.write_bytes(bytes(data))


def set_frame_durations(path: Path, durations_s: list[float]) -> None:
    """Variable frame rate: frame k is shown for ``durations_s[k]`` (one stts entry per frame)."""
    data = bytearray(path.read_bytes())
    mdhd = find_path(data, [b"moov", b"trak", b"mdia", b"mdhd"])[-1]
    version = data[mdhd + 8]
    scale_at = mdhd + (28 if version == 1 else 20)
    timescale = struct.unpack(">I", data[scale_at:scale_at + 4])[0]
    deltas = [max(1, round(d * timescale)) for d in durations_s]
    if version == 0:  # the track's duration, in its own time units
        data[scale_at + 4:scale_at + 8] = struct.pack(">I", sum(deltas))
    _set_movie_duration(data, sum(durations_s))
    payload = struct.pack(">II", 0, len(deltas)) + b"".join(struct.pack(">II", 1, d) for d in deltas)
    path.write_bytes(bytes(_replace_leaf(data, STBL + [b"stts"], payload)))


def _set_movie_duration(data: bytearray, seconds: float) -> None:
    """mvhd, tkhd and the edit list give the playing time: FFmpeg stops decoding at its end."""
    mvhd = find_path(data, [b"moov", b"mvhd"])[-1]
    if data[mvhd + 8] != 0:
        raise ValueError("version 1 mvhd not supported")
    timescale = struct.unpack(">I", data[mvhd + 20:mvhd + 24])[0]
    units = struct.pack(">I", round(seconds * timescale))
    data[mvhd + 24:mvhd + 28] = units
    tkhd = find_path(data, [b"moov", b"trak", b"tkhd"])[-1]
    if data[tkhd + 8] == 0:
        data[tkhd + 28:tkhd + 32] = units
    try:
        elst = find_path(data, [b"moov", b"trak", b"edts", b"elst"])[-1]
    except ValueError:
        return
    if data[elst + 8] == 0 and struct.unpack(">I", data[elst + 12:elst + 16])[0] >= 1:
        data[elst + 16:elst + 20] = units  # the first (only) edit: segment duration


def empty_video_track(path: Path) -> None:
    """Keep the video track but remove every sample from its tables: a video with zero frames."""
    data = bytearray(path.read_bytes())
    for box, payload in ((b"stts", struct.pack(">II", 0, 0)), (b"stsc", struct.pack(">II", 0, 0)),
                         (b"stsz", struct.pack(">III", 0, 0, 0)), (b"stco", struct.pack(">II", 0, 0))):
        data = _replace_leaf(data, STBL + [box], payload)
    try:
        data = _replace_leaf(data, STBL + [b"stss"], struct.pack(">II", 0, 0))
    except ValueError:
        pass  # no sync-sample table: every frame was a key frame
    path.write_bytes(bytes(data))


def make_audio_only(path: Path) -> None:
    """Turn the only track into a sound track (handler 'soun'): a file with audio and no video."""
    data = bytearray(path.read_bytes())
    hdlr = find_path(data, [b"moov", b"trak", b"mdia", b"hdlr"])[-1]
    data[hdlr + 16:hdlr + 20] = b"soun"
    path.write_bytes(bytes(data))


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    """A plain audio recording (silence), the other kind of audio-only file a user might pick."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(2 * int(seconds * rate)))
    return path


def move_index_first(path: Path) -> None:
    """Put moov before the media data ("fast start"), as cameras that stream do.

    Cut short, such a file still says where every frame is, so the frames before the cut
    decode and the rest are missing: the truncated recording formcheck must read partly.
    """
    data = bytes(path.read_bytes())
    boxes = list(_boxes(data, 0, len(data)))
    moov = next((i, size) for i, size, k in boxes if k == b"moov")
    first_media = min(i for i, _, k in boxes if k == b"mdat")
    if moov[0] < first_media:
        return
    index = bytearray(data[moov[0]:moov[0] + moov[1]])
    stco = find_path(index, STBL + [b"stco"])[-1]
    count = struct.unpack(">I", index[stco + 12:stco + 16])[0]
    for j in range(count):
        at = stco + 16 + 4 * j
        index[at:at + 4] = struct.pack(">I", struct.unpack(">I", index[at:at + 4])[0] + moov[1])
    rest = b"".join(data[i:i + size] for i, size, k in boxes if i != moov[0] and i >= first_media)
    path.write_bytes(data[:first_media] + bytes(index) + rest)
