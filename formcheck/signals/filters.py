"""The numerical filters both landmark cleaners share: a robust median and a zero-phase low-pass.

Issue 8 made cleaning fast without changing a single number: the median over small windows
is computed by sorting (``np.nanmedian`` has a large per-call overhead), and the Butterworth
design and its initial state are computed once per sampling rate, not once per coordinate.
The whole-track reference (:mod:`formcheck.signals.cleaning`) and the windowed cleaner the
product uses (:mod:`formcheck.signals.windowed`) both rely on these, so they live here.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.signal import butter, lfilter, lfilter_zi


def nanmedian_last_axis(w: np.ndarray) -> np.ndarray:
    """``np.nanmedian(w, axis=-1)`` for small windows, exactly, without its per-call overhead.

    NaN sorts last, so the median of the k non-NaN values sits at (k-1)//2 and k//2. An
    all-NaN window gives NaN (without nanmedian's warning).
    """
    ordered = np.sort(w, axis=-1)
    k = (~np.isnan(w)).sum(axis=-1)
    lo = np.take_along_axis(ordered, np.maximum((k - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(ordered, np.maximum(k // 2, 0)[..., None], axis=-1)[..., 0]
    return np.where(k > 0, (lo + hi) / 2, np.nan)


@functools.lru_cache(maxsize=16)
def butter_lowpass(wn: float) -> tuple[np.ndarray, np.ndarray]:
    """Second-order Butterworth low-pass (b, a): designed once per track, not once per coordinate."""
    return butter(2, wn)


@functools.lru_cache(maxsize=16)
def lowpass_zi(wn: float) -> np.ndarray:
    """The steady-state initial condition of :func:`butter_lowpass` ``(wn)``, computed once."""
    return lfilter_zi(*butter_lowpass(wn))


def zero_phase_filter(b: np.ndarray, a: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """``scipy.signal.filtfilt(b, a, x, axis=0, padlen=padlen)`` (odd padding) with ``zi`` designed once.

    scipy solves for the filter's initial state on every call; with hundreds of short runs per
    window that was most of the cleaning time.
    """
    ext = np.concatenate([2 * x[:1] - x[padlen:0:-1], x, 2 * x[-1:] - x[-2:-(padlen + 2):-1]])
    state = zi.reshape(-1, *([1] * (x.ndim - 1)))
    y, _ = lfilter(b, a, ext, axis=0, zi=state * ext[:1])
    y, _ = lfilter(b, a, y[::-1], axis=0, zi=state * y[-1:])
    return y[::-1][padlen:len(ext) - padlen]
