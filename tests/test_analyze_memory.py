"""Issue 16: the offline analysis keeps its per-frame rows on disk, so memory does not grow with frames."""

from __future__ import annotations

import tracemalloc

import numpy as np

from formcheck.analyze.row_spool import RowSpool
from formcheck.analyze.stream import VerdictFeed
from formcheck.analyze.track import SessionStream, analyze_track
from formcheck.rules.exercise import get_exercise
from formcheck.synth.generate import CameraSpec, TrackerNoise, synthetic_track
from formcheck.synth.sets import library_script


def _track(exercise: str = "clamshell", reps: int = 6):
    script = library_script(exercise, "right", (), seed=3, fps=30.0, reps=reps)
    track, _ = synthetic_track(script, CameraSpec(), TrackerNoise(seed=4, pixel_sigma=1.5))
    return track


def test_row_spool_reads_back_what_was_appended_across_chunks(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(2500, 33, 6)).astype(np.float32)
    spool = RowSpool((33, 6), tmp_path, chunk_frames=400)
    for start in range(0, len(rows), 77):  # blocks that straddle chunk edges
        spool.append(rows[start:start + 77])
    assert len(spool) == len(rows)
    assert np.array_equal(spool.rows(), rows)
    assert np.array_equal(spool.rows(390, 1210), rows[390:1210])  # disk + disk
    assert np.array_equal(spool.rows(2390, 2500), rows[2390:2500])  # disk + memory
    spool.close()


def _push_looped(stream: SessionStream, feed: VerdictFeed, track, frames: int, start: int) -> None:
    """Push ``frames`` rows of ``track`` looped (continuous time), a second at a time, as the pose pass does."""
    n, dt = len(track), float(np.median(np.diff(track.t_s)))
    k = start
    while k < start + frames:
        idx = np.arange(k, min(k + 30, start + frames)) % n
        t = np.arange(k, k + len(idx)) * dt
        for tt in t:
            feed.add_time(tt)
        blocks = stream.push(t, track.image_xyz[idx], track.world_xyz[idx], track.visibility[idx],
                             track.presence[idx], track.detected[idx])
        if blocks:
            feed.add_rows(blocks, stream.engine)
            feed.release(feed.ready)  # the writer keeps up
        k += len(idx)


def test_stream_memory_does_not_grow_with_frames(tmp_path):
    """Old code: about 2.2 KB a frame (rows as float32 + verdict objects). Now: a few bytes."""
    exercise, track = get_exercise("clamshell"), _track()
    stream = SessionStream(exercise, track.image_size, spool_dir=tmp_path)
    feed = VerdictFeed(stream.verdicts)
    _push_looped(stream, feed, track, 3000, 0)  # warm up: windows, engine state, first chunk on disk
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _push_looped(stream, feed, track, 12000, 3000)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_frame = (after - before) / 12000
    assert stream.rows == 15000
    assert len(stream.engine.reps) >= 20  # the stream really was analysed
    # ~45 bytes a frame stay in memory (times, detection flags, the verdict columns), plus the
    # columns' doubling slack and each rep's object; the rows themselves (2.2 KB) must not
    assert per_frame < 400, f"{per_frame:.0f} bytes a frame"
    result = stream.finish()
    assert len(result.track) == 15000 and len(result.verdicts) == 15000


def test_spooled_stream_gives_the_same_result_as_one_push():
    """Frame by frame through the spool or all at once: identical tracks, counts and verdicts."""
    exercise, track = get_exercise("clamshell"), _track(reps=5)
    whole = analyze_track(exercise, track)
    stream = SessionStream(exercise, track.image_size)
    for k in range(len(track)):
        stream.push(track.t_s[k], track.image_xyz[k], track.world_xyz[k], track.visibility[k],
                    track.presence[k], track.detected[k])
    step = stream.finish()
    assert np.array_equal(whole.track.image_xyz, step.track.image_xyz, equal_nan=True)
    assert [r.peak_s for r in whole.engine.reps] == [r.peak_s for r in step.engine.reps]
    assert len(whole.engine.reps) == 5
    assert [(v.rep_count, v.phase) for v in whole.verdicts] == [(v.rep_count, v.phase) for v in step.verdicts]


def test_shared_frames_hand_the_writer_every_frame_in_order():
    """Issue 16: a large source's frames, decoded once, reach the writer at the video's size (YUV round trip)."""
    import threading

    from formcheck.analyze.stream import SharedFrames, share_frames

    assert share_frames(1920, 1080, whole_track=False) and share_frames(1280, 720, whole_track=False)
    assert not share_frames(640, 480, whole_track=False) and not share_frames(1920, 1080, whole_track=True)
    shared, feed = SharedFrames((64, 48)), VerdictFeed([])
    yy, xx = np.mgrid[0:48, 0:64]
    images = [np.stack([xx * 3 + k, yy * 4, 200 - xx - yy], axis=2).astype(np.uint8) for k in range(5)]  # smooth, like video

    def produce():
        for k, image in enumerate(images):
            shared.put(k / 30, SharedFrames.pack(image))
        shared.close()

    threading.Thread(target=produce).start()
    got = list(shared.frames(feed))
    assert [t for t, _ in got] == [k / 30 for k in range(5)]
    for (_, image), original in zip(got, images):
        assert image.shape == original.shape
        assert np.abs(image.astype(int) - original).mean() < 3  # 4:2:0 chroma only


def test_rep_pictures_are_kept_as_the_reports_jpeg():
    from formcheck.analyze.stream import EncodedPicture
    from formcheck.report.html import peak_thumbnails

    picture = np.zeros((180, 240, 3), np.uint8)
    picture[40:140, 60:180] = (40, 160, 220)
    encoded = EncodedPicture(picture)
    assert len(encoded.jpeg) < 20_000 and encoded.shape == picture.shape
    report = {"reps": [{"index": 1, "peak_s": 1.0, "side": None, "peak_value": 30.0, "faults": []}]}
    as_array = peak_thumbnails(report, {1: picture}, 0.0, "deg")
    as_bytes = peak_thumbnails(report, {1: encoded}, 0.0, "deg")
    assert as_array == as_bytes  # the same data URI: the page does not change
