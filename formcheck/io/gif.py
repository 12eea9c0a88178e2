"""How long each frame of a GIF is shown, read from the file itself.

A GIF's frames have their own delays, which OpenCV's decoder does not report; a GIF of an
exercise timed at an assumed rate would get its holds wrong. The delays are read from the
Graphic Control Extensions by walking the block structure, without decoding any pixels.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: GIF delays at or below this are shown for GIF_DEFAULT_DELAY_S by browsers; so do we.
GIF_MIN_DELAY_S = 0.010
GIF_DEFAULT_DELAY_S = 0.100


def gif_frame_durations_s(path: str | Path) -> list[float] | None:
    """How long each frame of a GIF is shown, in seconds, from its Graphic Control Extensions.

    Walks the GIF block structure without decoding pixels. A frame with no delay, or a delay
    of 10 ms or less, gets 100 ms, as browsers show it. Returns None if the file is not a GIF
    or its structure cannot be followed (the caller then uses the decoder's timestamps).
    """
    try:
        with open(path, "rb") as f:
            header = f.read(13)
            if len(header) < 13 or header[:6] not in (b"GIF87a", b"GIF89a"):
                return None
            if header[10] & 0x80:  # global colour table
                f.seek(3 * (2 << (header[10] & 0x07)), os.SEEK_CUR)
            return _frame_delays(f)
    except OSError:
        return None


def _frame_delays(f: Any) -> list[float] | None:
    """The delays of the blocks after the header: one per image, from the extension before it."""
    delays: list[float] = []
    pending: float | None = None
    while True:
        introducer = f.read(1)
        if not introducer or introducer == b"\x3b":  # end of file or trailer
            break
        if introducer == b"\x21":  # extension
            label = f.read(1)
            first = _read_sub_block(f)
            if label == b"\xf9" and first is not None and len(first) >= 3:
                pending = int.from_bytes(first[1:3], "little") / 100.0
            if first is not None:
                _skip_sub_blocks(f)
        elif introducer == b"\x2c":  # image descriptor
            descriptor = f.read(9)
            if len(descriptor) < 9:
                break
            if descriptor[8] & 0x80:  # local colour table
                f.seek(3 * (2 << (descriptor[8] & 0x07)), os.SEEK_CUR)
            f.read(1)  # LZW minimum code size
            _skip_sub_blocks(f)
            delays.append(pending if pending is not None and pending > GIF_MIN_DELAY_S else GIF_DEFAULT_DELAY_S)
            pending = None
        else:
            return None  # not a block we know: give up rather than guess
    return delays or None


def _read_sub_block(f: Any) -> bytes | None:
    """Read one data sub-block; None if it was the terminator (or the file ended)."""
    size = f.read(1)
    if not size or size[0] == 0:
        return None
    return f.read(size[0])


def _skip_sub_blocks(f: Any) -> None:
    while True:
        size = f.read(1)
        if not size or size[0] == 0:
            return
        f.seek(size[0], os.SEEK_CUR)


def is_gif(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(6) in (b"GIF87a", b"GIF89a")
    except OSError:
        return False
