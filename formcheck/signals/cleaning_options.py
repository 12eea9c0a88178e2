"""How hard landmark cleaning works: the thresholds every cleaner (whole-track, windowed, live) reads.

A module of its own so that the windowed cleaner and :mod:`formcheck.signals.cleaning`, which
runs it, both import the options without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CleaningOptions:
    min_visibility: float = 0.25  # below this a landmark is treated as missing
    max_gap_s: float = 0.5  # gaps up to this long are interpolated
    max_bone_stretch: float = 1.8  # a bone longer than this x its median length is a jump
    cutoff_hz: float = 2.5  # offline low-pass; hip exercises move well below 1.5 Hz
    hampel_window: int = 7
    hampel_sigmas: float = 4.0
