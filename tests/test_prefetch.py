"""The reader-thread prefetch and the --stride frame selection in pipeline.track_video."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

import formcheck.pose.estimator
from formcheck.pose.landmarks import PoseTrack
from formcheck.analyze.video import track_video
from formcheck.io.prefetch import prefetch


def test_items_arrive_in_order_from_another_thread():
    seen_threads = set()

    def items():
        for i in range(100):
            seen_threads.add(threading.current_thread().name)
            yield i

    with prefetch(items(), depth=3) as p:
        assert list(p) == list(range(100))
    assert seen_threads == {"formcheck-prefetch"}


def test_reads_ahead_at_most_depth_items():
    produced = []

    def items():
        for i in range(50):
            produced.append(i)
            yield i

    with prefetch(items(), depth=4) as p:
        assert next(p) == 0
        time.sleep(0.2)  # let the reader fill the queue
        # 1 handed over, 4 queued, 1 more read and waiting for room
        assert len(produced) <= 1 + 4 + 1


def test_an_exception_in_the_source_reaches_the_consumer_where_it_happened():
    def items():
        yield 1
        yield 2
        raise OSError("disk gone")

    p = prefetch(items())
    assert next(p) == 1
    assert next(p) == 2
    with pytest.raises(OSError, match="disk gone"):
        next(p)
    with pytest.raises(StopIteration):
        next(p)


def test_closing_early_stops_the_reader_and_runs_the_source_clean_up():
    cleaned = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            cleaned.set()

    p = prefetch(endless(), depth=2)
    assert next(p) == 0
    p.close()
    assert cleaned.is_set()
    assert not p._thread.is_alive()
    p.close()  # twice is fine


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        prefetch([], depth=0)


# --------------------------------------------------------------------------- --stride


@pytest.fixture
def small_video(tmp_path):
    path = tmp_path / "ten.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), i * 20, np.uint8))
    writer.release()
    return path


@pytest.fixture
def recorded_frames(monkeypatch):
    """Replace the pose model: record the (t_s, image) pairs track_video hands it."""
    got = []

    def fake_estimate_track(frames, model="full", progress=None, **options):
        for i, (t, image) in enumerate(frames):
            got.append((t, int(image[0, 0, 0])))
            if progress:
                progress(i + 1)
        track = PoseTrack.empty(len(got), (64, 48))
        track.t_s[:] = [t for t, _ in got]
        return track

    monkeypatch.setattr(formcheck.pose.estimator, "estimate_track", fake_estimate_track)
    return got


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_stride_keeps_every_nth_frame_with_the_container_timestamps(small_video, recorded_frames, stride):
    progress = []
    track, skipped = track_video(small_video, "lite", progress=lambda n, total: progress.append((n, total)),
                                 stride=stride)
    kept = list(range(0, 10, stride))
    assert len(track) == len(kept)
    assert [t for t, _ in recorded_frames] == pytest.approx([k / 10.0 for k in kept], abs=1e-3)
    assert [v for _, v in recorded_frames] == pytest.approx([k * 20 for k in kept], abs=3)  # MJPG is lossy
    assert progress[-1][0] <= 10 and progress[-1][1] == 10
    assert skipped == []


def test_stride_must_be_a_positive_integer(small_video, recorded_frames):
    with pytest.raises(ValueError, match="stride"):
        track_video(small_video, "lite", stride=0)
