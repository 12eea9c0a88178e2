"""Sound and speech cues for the live loop, played in background threads.

The video loop must never wait for a sound: each player owns a daemon thread fed through a
small queue, ``put_nowait`` drops a cue when the queue is full, and a missing or broken audio
backend is found (and skipped) inside the thread, never in the loop. Tones are generated
with numpy, so no sound files ship with formcheck.

Backends, first that works: ``simpleaudio`` or ``sounddevice`` if installed (sounddevice
raises OSError at import when PortAudio is missing), else an ``aplay`` / ``paplay`` binary
playing a WAV file, else silence. Speech: ``espeak-ng`` / ``espeak`` binaries or ``pyttsx3``.
"""

from __future__ import annotations

import io
import queue
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path
from typing import Callable

import numpy as np

RATE = 22050
#: tone name -> list of (frequency Hz, seconds); a rep is one short high beep, the end of a hold two rising.
TONES: dict[str, list[tuple[float, float]]] = {
    "rep": [(880.0, 0.12)],
    "hold": [(660.0, 0.10), (990.0, 0.16)],
}


def tone(parts: list[tuple[float, float]], rate: int = RATE, volume: float = 0.4) -> np.ndarray:
    """Int16 mono samples of sine beeps with 8 ms fades (no clicks) and 30 ms gaps between."""
    chunks = []
    for freq, seconds in parts:
        t = np.arange(int(rate * seconds)) / rate
        y = np.sin(2 * np.pi * freq * t)
        fade = min(len(y) // 2, int(0.008 * rate))
        if fade:
            ramp = np.linspace(0.0, 1.0, fade)
            y[:fade] *= ramp
            y[-fade:] *= ramp[::-1]
        chunks += [y, np.zeros(int(0.03 * rate))]
    return (np.concatenate(chunks) * volume * 32767).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


class _Worker:
    """A daemon thread running ``handle(item)`` for items of a small queue; never blocks the caller."""

    def __init__(self, name: str, handle: Callable[[object], None], maxsize: int = 4):
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._handle = handle
        self.dropped = 0
        self.failed: str | None = None  # why the backend gave up, for tests and --debug
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item) -> bool:
        try:
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            self.dropped += 1
            return False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._handle(item)
            except Exception as exc:  # noqa: BLE001 - a cue must never take the session down
                self.failed = f"{type(exc).__name__}: {exc}"

    def close(self, timeout: float = 0.5) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout)


def _sound_backend() -> Callable[[str, np.ndarray], None] | None:
    """A function playing int16 samples (blocking, in the worker thread), or None."""
    try:
        import simpleaudio  # type: ignore

        return lambda name, s: simpleaudio.play_buffer(s.tobytes(), 1, 2, RATE).wait_done()
    except Exception:  # noqa: BLE001 - not installed, or its native library is missing
        pass
    try:
        import sounddevice  # type: ignore

        def play_sd(name: str, s: np.ndarray) -> None:
            sounddevice.play(s, RATE)
            sounddevice.wait()

        return play_sd
    except Exception:  # noqa: BLE001 - OSError when PortAudio is missing
        pass
    for exe, args in (("aplay", ["-q"]), ("paplay", [])):
        path = shutil.which(exe)
        if path:
            folder = Path(tempfile.mkdtemp(prefix="formcheck-cues-"))

            def play_file(name: str, s: np.ndarray, path=path, args=args, folder=folder) -> None:
                f = folder / f"{name}.wav"
                if not f.exists():
                    f.write_bytes(wav_bytes(s))
                subprocess.run([path, *args, str(f)], timeout=5, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            return play_file
    return None


class SoundCues:
    """Beeps on counted reps and finished holds; silently does nothing without an audio backend."""

    def __init__(self, enabled: bool = True, backend: Callable[[str, np.ndarray], None] | None = None):
        self.enabled = enabled
        self.played: list[str] = []  # names of the cues handed to the backend, for tests
        self._backend = backend
        self._resolved = backend is not None
        self._tones = {name: tone(parts) for name, parts in TONES.items()}
        self._worker = _Worker("formcheck-sound", self._play) if enabled else None

    def _play(self, name: str) -> None:
        if not self._resolved:  # probing imports may be slow: done here, never in the video loop
            self._backend, self._resolved = _sound_backend(), True
        if self._backend is not None:
            self._backend(name, self._tones[name])
            self.played.append(name)

    def play(self, name: str) -> None:
        if name not in TONES:
            raise ValueError(f"unknown cue {name!r}; valid: {', '.join(TONES)}")
        if self._worker is not None:
            self._worker.submit(name)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()


def _speech_backend() -> Callable[[str], None] | None:
    for exe in ("espeak-ng", "espeak"):
        path = shutil.which(exe)
        if path:
            return lambda text, path=path: subprocess.run(
                [path, "-s", "165", text], timeout=15, check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import pyttsx3  # type: ignore

        engine = pyttsx3.init()

        def say(text: str) -> None:
            engine.say(text)
            engine.runAndWait()

        return say
    except Exception:  # noqa: BLE001 - not installed or no driver
        return None


class Speaker:
    """Spoken cues (off by default); the same sentence is not repeated within ``repeat_s``.

    ``now`` is the session's frame time, so the repeat rule follows the video, not the clock.
    """

    def __init__(self, enabled: bool = False, repeat_s: float = 8.0,
                 backend: Callable[[str], None] | None = None):
        self.enabled = enabled
        self.repeat_s = repeat_s
        self.spoken: list[str] = []
        self._last: dict[str, float] = {}
        self._backend = backend
        self._resolved = backend is not None
        self._worker = _Worker("formcheck-speech", self._speak, maxsize=2) if enabled else None

    def _speak(self, text: str) -> None:
        if not self._resolved:
            self._backend, self._resolved = _speech_backend(), True
        if self._backend is not None:
            self._backend(text)
            self.spoken.append(text)

    def say(self, text: str, now: float) -> None:
        if self._worker is None or not text:
            return
        last = self._last.get(text)
        if last is not None and now - last < self.repeat_s:
            return
        if self._worker.submit(text):
            self._last[text] = now

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

