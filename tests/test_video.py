"""Frame source and video writer: clips are generated on the fly into tmp_path."""

from __future__ import annotations

import functools
import http.server
import socket
import struct
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.io import video as video
from formcheck.errors import FormcheckError, InputError
from formcheck.io.capture import CaptureSource as _CaptureSource
from formcheck.io.frames import Frame
from formcheck.io.gif import gif_frame_durations_s
from formcheck.io.images import natural_sort_key
from formcheck.io.video import open_source
from formcheck.io.writer import VideoWriter

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
W, H = 64, 48


# --------------------------------------------------------------------------- helpers


def make_image(i: int, w: int = W, h: int = H) -> np.ndarray:
    """A smooth frame whose brightness says which frame it is (survives lossy codecs)."""
    image = np.full((h, w, 3), min(20 + 12 * i, 250), np.uint8)
    image[: h // 4, : w // 4] = (0, 0, 255)  # red top-left marker, to see rotations
    return image


def write_clip(path: Path, fourcc: str, fps: float, n: int, size: tuple[int, int] = (W, H)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"cannot write {fourcc} {path.suffix} here"
    for i in range(n):
        writer.write(make_image(i, *size))
    writer.release()
    return path


def read_all(spec, **kwargs):
    with open_source(spec, **kwargs) as source:
        frames = list(source)
    return source, frames


def assert_strictly_increasing(frames: list[Frame]) -> None:
    t = np.array([f.t_s for f in frames])
    assert np.all(np.diff(t) > 0), t


def error_text(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text
    return text


# --------------------------------------------------------------------------- video files


@pytest.mark.parametrize(
    ("fourcc", "suffix", "fps", "tolerance_s"),
    [
        ("mp4v", ".mp4", 30.0, 1e-6),
        ("mp4v", ".mov", 25.0, 1e-6),
        ("MJPG", ".avi", 30.0, 1e-6),
        ("MJPG", ".mkv", 12.5, 1e-3),  # Matroska stores milliseconds
        ("VP80", ".webm", 30.0, 1e-3),
    ],
)
def test_video_file_frames_and_container_timestamps(tmp_path, fourcc, suffix, fps, tolerance_s):
    n = 15
    path = write_clip(tmp_path / f"clip{suffix}", fourcc, fps, n)
    source, frames = read_all(path)
    assert [f.index for f in frames] == list(range(n))
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(n) / fps, atol=tolerance_s)
    assert_strictly_increasing(frames)
    assert source.skipped == [] and source.timestamps_repaired == 0
    info = source.info
    assert (info.width, info.height, info.frame_count, info.is_live) == (W, H, n, False)
    assert info.fps == pytest.approx(fps)
    assert info.duration_s == pytest.approx(n / fps)
    assert info.description == str(path)
    for f in frames:
        assert f.image.shape == (H, W, 3) and f.image.dtype == np.uint8
    brightness = [float(f.image[H // 2:, W // 2:].mean()) for f in frames]
    assert np.all(np.diff(brightness) > 0)  # frames come in order


def test_gif_timestamps_come_from_the_frame_delays(tmp_path):
    from PIL import Image

    delays_ms = [100, 200, 50, 300, 100, 100]
    images = [Image.fromarray(make_image(i)[:, :, ::-1].copy()) for i in range(len(delays_ms))]
    path = tmp_path / "clip.gif"
    images[0].save(path, save_all=True, append_images=images[1:], duration=delays_ms, loop=0)

    with Image.open(path) as im:  # our block walker agrees with Pillow
        pillow = []
        for i in range(im.n_frames):
            im.seek(i)
            pillow.append(im.info["duration"] / 1000)
    assert gif_frame_durations_s(path) == pytest.approx(pillow)

    source, frames = read_all(path)
    assert len(frames) == 6
    np.testing.assert_allclose([f.t_s for f in frames], [0, 0.1, 0.3, 0.35, 0.65, 0.75], atol=1e-9)
    assert source.info.duration_s == pytest.approx(0.85)
    assert source.info.frame_count == 6


def test_gif_short_delays_show_for_100_ms_like_browsers(tmp_path):
    from PIL import Image

    images = [Image.fromarray(make_image(i)) for i in range(3)]
    path = tmp_path / "fast.gif"
    images[0].save(path, save_all=True, append_images=images[1:], duration=[10, 100, 40], loop=0)
    assert gif_frame_durations_s(path) == pytest.approx([0.1, 0.1, 0.04])
    _, frames = read_all(path)
    np.testing.assert_allclose([f.t_s for f in frames], [0, 0.1, 0.2], atol=1e-9)


def test_gif_durations_of_a_non_gif_is_none(tmp_path):
    path = tmp_path / "x.gif"
    path.write_bytes(b"not a gif at all")
    assert gif_frame_durations_s(path) is None


def _rotate_90_in_metadata(path: Path) -> None:
    """Set the mp4 track's display matrix to a 90 degree rotation, as phones do for portrait video."""
    data = bytearray(path.read_bytes())
    start = data.find(b"tkhd") - 4
    assert start >= 0
    matrix_at = start + (48 if data[start + 8] == 0 else 60)  # tkhd version 0 / 1
    data[matrix_at:matrix_at + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))


def test_rotation_metadata_gives_upright_frames(tmp_path):
    path = write_clip(tmp_path / "portrait.mp4", "mp4v", 30, 5)
    _rotate_90_in_metadata(path)
    source, frames = read_all(path)
    assert (source.info.width, source.info.height) == (H, W)  # upright: 48 wide, 64 tall
    image = frames[0].image
    assert image.shape == (W, H, 3)
    red = (image[:, :, 2] > 200) & (image[:, :, 0] < 60)
    rows, cols = np.nonzero(red)
    # rotated 90 degrees clockwise for display: the top-left marker is now top-right
    assert rows.max() < W // 4 + 2 and cols.min() >= H - H // 4 - 2


def _movi_chunks(data: bytes) -> list[int]:
    """Offsets of the '00dc' video chunks inside an AVI's movi list."""
    i = data.index(b"movi") + 4
    chunks = []
    while i + 8 <= len(data):
        tag, size = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        if tag == b"idx1":
            break
        if tag == b"00dc":
            chunks.append(i)
        i += 8 + size + (size & 1)
    return chunks


def test_corrupt_frame_in_the_middle_is_skipped_and_recorded(tmp_path):
    path = write_clip(tmp_path / "clip.avi", "MJPG", 10, 10)
    data = bytearray(path.read_bytes())
    chunks = _movi_chunks(bytes(data))
    assert len(chunks) == 10
    size = struct.unpack("<I", data[chunks[4] + 4:chunks[4] + 8])[0]
    data[chunks[4] + 8:chunks[4] + 8 + size] = bytes(size)  # frame 4 becomes zeros
    path.write_bytes(bytes(data))

    source, frames = read_all(path)
    assert [f.index for f in frames] == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert [i for i, _ in source.skipped] == [4]
    np.testing.assert_allclose([f.t_s for f in frames], [f.index / 10 for f in frames], atol=1e-6)


def test_truncated_mp4_reads_what_it_can_or_raises_input_error(tmp_path):
    path = write_clip(tmp_path / "clip.mp4", "mp4v", 30, 30)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        source, frames = read_all(path)
    except InputError as e:  # mp4v puts the index (moov) at the end, so half a file has none
        assert str(path) in str(e) and "\n" not in str(e)
    else:
        assert 0 < len(frames) <= 30
        assert_strictly_increasing(frames)


def test_truncated_webm_reads_the_start_and_says_where_it_stopped(tmp_path):
    n = 15
    path = write_clip(tmp_path / "clip.webm", "VP80", 30, n)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    source, frames = read_all(path)
    assert 0 < len(frames) < n
    assert_strictly_increasing(frames)
    if source.info.frame_count == n:  # the header still announces all frames
        assert source.skipped and "truncated" in source.skipped[-1][1]


# --------------------------------------------------------------------------- image folders


def test_image_folder_natural_order_fps_timestamps_and_skips(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for name, i in [("img1.png", 0), ("img2.jpg", 1), ("IMG3.PNG", 2), ("img10.bmp", 4)]:
        assert cv2.imwrite(str(folder / name), make_image(i))
    (folder / "img4.png").write_bytes(b"damaged")
    assert cv2.imwrite(str(folder / "img11.webp"), make_image(5, w=32, h=32))  # another size
    assert cv2.imwrite(str(folder / ".hidden.png"), make_image(9))
    (folder / "notes.txt").write_text("not an image")

    source, frames = read_all(folder, fps=10)
    assert [f.index for f in frames] == [0, 1, 2, 4]
    assert [f.t_s for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.4])
    assert [i for i, _ in source.skipped] == [3, 5]
    assert "img4.png" in source.skipped[0][1] and "img11.webp" in source.skipped[1][1]
    info = source.info
    assert (info.width, info.height, info.fps, info.frame_count, info.is_live) == (W, H, 10, 6, False)
    assert info.duration_s == pytest.approx(0.6)
    brightness = [float(f.image[H // 2:, W // 2:].mean()) for f in frames]
    assert np.all(np.diff(brightness) > 0)


def test_single_image_and_exif_orientation(tmp_path):
    from PIL import Image

    path = tmp_path / "photo.jpg"
    pil = Image.fromarray(make_image(3)[:, :, ::-1].copy())
    exif = pil.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    pil.save(path, exif=exif)
    _, frames = read_all(path)
    assert len(frames) == 1 and frames[0].t_s == 0.0
    assert frames[0].image.shape == (W, H, 3)


def test_natural_sort_key():
    names = ["img10.png", "img2.png", "Img1.png", "img2b.png", "a.png"]
    assert sorted(names, key=natural_sort_key) == ["a.png", "Img1.png", "img2.png", "img2b.png", "img10.png"]


# --------------------------------------------------------------------------- errors


def test_missing_path(tmp_path):
    path = tmp_path / "nope.mp4"
    with pytest.raises(InputError) as excinfo:
        open_source(path)
    assert error_text(excinfo) == f"no such file: {path}"


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(InputError) as excinfo:
        open_source(tmp_path)
    assert error_text(excinfo).startswith(f"{tmp_path} is a folder with no images")


def test_folder_whose_images_are_all_damaged(tmp_path):
    (tmp_path / "a.png").write_bytes(b"xx")
    (tmp_path / "b.jpg").write_bytes(b"yy")
    with pytest.raises(InputError, match="none of the 2 images"):
        open_source(tmp_path)


def test_damaged_single_image(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"not a png")
    with pytest.raises(InputError) as excinfo:
        open_source(path)
    assert error_text(excinfo) == f"{path} could not be read as an image: check that the file is not damaged"


def test_text_file_renamed_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are my exercise notes\n" * 20)
    with pytest.raises(InputError) as excinfo:
        open_source(str(path))
    assert error_text(excinfo).startswith(f"{path} is not a video formcheck can read (")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.mov"
    path.touch()
    with pytest.raises(InputError, match="is empty"):
        open_source(path)


def test_video_with_zero_frames(tmp_path):
    path = write_clip(tmp_path / "zero.avi", "MJPG", 30, 0)
    with pytest.raises(InputError) as excinfo:
        open_source(path)
    assert error_text(excinfo).startswith(f"{path} has no video frames")


@pytest.mark.parametrize("spec", [97, "97", " 97 "])
def test_camera_that_cannot_be_opened(spec):
    with pytest.raises(InputError) as excinfo:
        open_source(spec)
    assert error_text(excinfo) == "camera 97 could not be opened: is it connected and not used by another program?"


def test_negative_camera_index():
    with pytest.raises(InputError, match="not a camera number"):
        open_source(-1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stream_that_cannot_be_opened_hides_the_password():
    url = f"rtsp://user:secret@127.0.0.1:{_free_port()}/live"
    with pytest.raises(InputError) as excinfo:
        open_source(url)
    text = error_text(excinfo)
    assert "could not be opened" in text and "secret" not in text and "user:***@" in text


def test_unsupported_url_scheme():
    with pytest.raises(InputError, match="unsupported URL scheme 'ftp'"):
        open_source("ftp://example.invalid/clip.mp4")


def test_formcheck_error_is_one_line():
    assert str(InputError("first line\n  second line\n")) == "first line second line"
    assert issubclass(InputError, FormcheckError)


# --------------------------------------------------------------------------- live sources


def test_http_stream_is_live_with_container_timestamps(tmp_path):
    write_clip(tmp_path / "clip.avi", "MJPG", 20, 8)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/clip.avi"
        source, frames = read_all(url, max_consecutive_failures=2)  # the stream ends: stop soon
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert source.info.is_live and source.info.frame_count is None
    assert source.info.description == f"stream {url}"
    assert len(frames) == 8
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(8) / 20, atol=1e-6)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class FakeCapture:
    """Stands in for cv2.VideoCapture: each item is (ok, POS_MSEC after the read)."""

    def __init__(self, items, fps=25.0, count=0.0):
        self.items, self.fps, self.count = list(items), fps, count
        self.reads = 0
        self.msec = 0.0
        self.released = False
        self._grabbed = None

    def read(self):
        if self.reads >= len(self.items):
            return False, None
        ok, msec = self.items[self.reads]
        self.reads += 1
        self.msec = msec if ok else 0.0
        return (True, np.zeros((4, 6, 3), np.uint8)) if ok else (False, None)

    def grab(self):
        ok, self._grabbed = self.read()
        return ok

    def retrieve(self):
        return self._grabbed is not None, self._grabbed

    def get(self, prop):
        return {cv2.CAP_PROP_FPS: self.fps, cv2.CAP_PROP_FRAME_COUNT: self.count,
                cv2.CAP_PROP_POS_MSEC: self.msec}.get(prop, 0.0)

    def release(self):
        self.released = True


def capture_source(cap, *, is_live=False, **kwargs):
    return _CaptureSource(cap, "fake", is_live=is_live, no_frames_message="no frames", **kwargs)


def times(source):
    return [f.t_s for f in source]


def test_file_timestamps_stuck_at_zero_fall_back_to_nominal_rate():
    source = capture_source(FakeCapture([(True, 0.0)] * 5, fps=25.0, count=5))
    assert times(source) == pytest.approx([0.0, 0.04, 0.08, 0.12, 0.16])
    assert source.timestamps_repaired == 4


def test_file_timestamps_going_back_or_nan_are_repaired():
    cap = FakeCapture([(True, 0.0), (True, 40.0), (True, 80.0), (True, 40.0), (True, float("nan")),
                       (True, 400.0)], fps=25.0, count=6)
    source = capture_source(cap)
    assert times(source) == pytest.approx([0.0, 0.04, 0.08, 0.12, 0.16, 0.4])
    assert source.timestamps_repaired == 2


def test_unreadable_frames_until_the_end_are_summarised_once_and_reading_is_bounded():
    cap = FakeCapture([(True, 0.0), (True, 40.0)] + [(False, 0.0)] * 200, count=100)
    source = capture_source(cap, max_failures=10)
    assert len(list(source)) == 2
    assert cap.reads == 12 and cap.released
    [(index, reason)] = source.skipped
    assert index == 2 and "frames 2-99 of 100" in reason and "truncated" in reason


def test_a_frame_count_one_too_high_is_not_reported_as_damage():
    source = capture_source(FakeCapture([(True, 40.0 * i) for i in range(5)], count=6))
    assert len(list(source)) == 5 and source.skipped == []


def test_first_frame_unreadable_but_the_rest_fine():
    source = capture_source(FakeCapture([(False, 0.0), (True, 40.0), (True, 80.0)], count=3))
    frames = list(source)
    assert [f.index for f in frames] == [1, 2]
    assert [i for i, _ in source.skipped] == [0]


def test_no_frame_at_all_raises_the_given_message_and_releases():
    cap = FakeCapture([], count=0)
    with pytest.raises(InputError, match="no frames"):
        capture_source(cap)
    assert cap.released


def test_live_source_uses_the_container_clock_relative_to_the_first_frame():
    cap = FakeCapture([(True, 5000.0), (True, 5033.0), (True, 5100.0)])
    source = capture_source(cap, is_live=True, clock=iter([0.0, 99.0, 500.0]).__next__)
    assert source.info.is_live and source.info.frame_count is None
    assert times(source) == pytest.approx([0.0, 0.033, 0.1])
    assert source.timestamps_repaired == 0


def test_live_source_switches_to_monotonic_clock_when_the_container_clock_stalls():
    cap = FakeCapture([(True, 0.0), (True, 33.0), (True, 33.0), (True, 99.0), (True, 200.0)])
    clock = iter([10.0, 10.5, 10.55, 10.6, 10.9]).__next__
    source = capture_source(cap, is_live=True, clock=clock)
    # container for the first step, then the wall clock for good (it never mixes back)
    assert times(source) == pytest.approx([0.0, 0.033, 0.083, 0.133, 0.433])
    assert source.timestamps_repaired == 3


def test_live_read_failures_are_retried_and_recorded():
    cap = FakeCapture([(True, 0.0), (False, 0.0), (False, 0.0), (True, 100.0)] + [(False, 0.0)] * 50)
    source = capture_source(cap, is_live=True, max_failures=5, clock=iter([0.0, 0.1]).__next__)
    frames = list(source)
    assert [f.index for f in frames] == [0, 1]
    assert source.skipped == [(1, "2 read(s) from the live source failed before this frame")]
    assert cap.reads == 4 + 5


# --------------------------------------------------------------------------- the FrameSource object


def test_source_is_lazy_single_pass_and_closes(tmp_path):
    path = write_clip(tmp_path / "clip.avi", "MJPG", 30, 5)
    with open_source(path) as source:
        iterator = iter(source)
        assert next(iterator).index == 0
        with pytest.raises(RuntimeError, match="iterated once"):
            iter(source)
    with pytest.raises(RuntimeError, match="closed"):
        iter(open_source_closed(path))


def open_source_closed(path):
    source = open_source(path)
    source.close()
    source.close()  # idempotent
    return source


def test_frame_checks_its_image():
    with pytest.raises(ValueError, match="BGR uint8"):
        Frame(0, 0.0, np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="finite"):
        Frame(0, float("nan"), np.zeros((4, 4, 3), np.uint8))


# --------------------------------------------------------------------------- writer


def test_video_writer_round_trip(tmp_path):
    out = tmp_path / "overlay.webm"
    with VideoWriter(out, fps=30) as writer:  # size from the first frame
        for i in range(12):
            writer.write(make_image(i))
        assert not out.exists()  # only the temporary file so far
    assert writer.frames_written == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["overlay.webm"]
    source, frames = read_all(out)
    assert len(frames) == 12
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(12) / 30, atol=1e-3)
    for i, f in enumerate(frames):
        assert np.abs(f.image.astype(int) - make_image(i).astype(int)).mean() < 8


def test_video_writer_failure_inside_with_leaves_nothing(tmp_path):
    out = tmp_path / "overlay.webm"
    with pytest.raises(KeyError):
        with VideoWriter(out, fps=30, frame_size=(W, H)) as writer:
            writer.write(make_image(0))
            raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


def test_video_writer_replaces_an_existing_file_only_on_close(tmp_path):
    out = tmp_path / "overlay.webm"
    out.write_bytes(b"old")
    writer = VideoWriter(out, fps=10, frame_size=(W, H))
    writer.write(make_image(1))
    assert out.read_bytes() == b"old"
    writer.close()
    assert out.stat().st_size > 3


def test_video_writer_with_no_frames_writes_nothing(tmp_path):
    VideoWriter(tmp_path / "x.webm", fps=30, frame_size=(W, H)).close()
    assert list(tmp_path.iterdir()) == []


def test_video_writer_rejects_bad_output_and_frames(tmp_path):
    with pytest.raises(FormcheckError, match=r"must end in \.webm"):
        VideoWriter(tmp_path / "x.mp4", fps=30)
    with pytest.raises(FormcheckError, match="does not exist"):
        VideoWriter(tmp_path / "missing" / "x.webm", fps=30, frame_size=(W, H))
    writer = VideoWriter(tmp_path / "x.webm", fps=30, frame_size=(W, H))
    with pytest.raises(ValueError, match="but the video is"):
        writer.write(make_image(0, w=W + 2))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_video_writer_that_cannot_open_raises_formcheck_error(tmp_path, monkeypatch):
    class ClosedWriter:
        def __init__(self, *args):
            pass

        def isOpened(self):
            return False

        def release(self):
            pass

    monkeypatch.setattr(video.cv2, "VideoWriter", ClosedWriter)
    with pytest.raises(FormcheckError, match="could not open a VP8"):
        VideoWriter(tmp_path / "x.webm", fps=30, frame_size=(W, H))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- real clips


needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/real clips not present")


@needs_real
def test_real_gif_timestamps_from_its_delays():
    path = REAL / "clamshell_band_front.gif"
    assert gif_frame_durations_s(path) == pytest.approx([0.3] * 14)
    source, frames = read_all(path)
    assert len(frames) == 14
    np.testing.assert_allclose([f.t_s for f in frames], 0.3 * np.arange(14), atol=1e-9)
    assert (source.info.width, source.info.height) == (540, 540)
    assert source.info.duration_s == pytest.approx(4.2)


@needs_real
def test_real_mp4_timestamps_from_the_container():
    source, frames = read_all(REAL / "bridge_physioplus.mp4")
    assert len(frames) == 91 == source.info.frame_count
    assert (source.info.width, source.info.height) == (640, 480)
    assert_strictly_increasing(frames)
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(91) / 30, atol=1e-3)
    assert source.skipped == [] and source.timestamps_repaired == 0
