"""Silence what C libraries (MediaPipe, OpenCV's FFmpeg) print on file descriptor 2.

Lines like "All log messages before absl::InitializeLog()..." or FFmpeg's "tag 'VP80' is not
supported" mean nothing to a patient and bury formcheck's own one-line messages; Python's
``sys.stderr`` redirection does not reach them, so the descriptor itself is pointed at
/dev/null for a moment. FORMCHECK_VERBOSE=1 keeps them (for bug reports).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Drop what native code writes to file descriptor 2 inside the ``with`` block."""
    if os.environ.get("FORMCHECK_VERBOSE") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no file descriptor 2 (a GUI launcher, some test runners)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
