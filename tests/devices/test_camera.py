"""Camera capture, looping video sources, portrait JPEGs and the Qt worker.

The capture source in these tests is a video file written here with
cv2.VideoWriter; it goes through the same open/read code as a webcam index.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices import camera
from devices.camera import (
    CAMERA_STOPPED,
    NOT_AN_IMAGE,
    CameraError,
    jpeg_dimensions,
    load_image_file_as_portrait_jpeg,
    open_capture,
    portrait_jpeg,
    portrait_rect,
    run_frame_loop,
)

WIDTH, HEIGHT = 320, 240
#: Columns of the test frames: red | counter-coded centre | blue. The centre is
#: exactly the 3:4 portrait part of a 320x240 frame (x 70..249).
LEFT_BAND, RIGHT_BAND = 70, 250
RED, BLUE = (0, 0, 255), (255, 0, 0)
#: A camera index that no test machine has.
MISSING_CAMERA = 97


def frame_level(index: int) -> int:
    """The green level that codes a frame's number (spaced widely: MJPG is lossy)."""
    return 40 + 40 * (index % 5)


def make_frame(index: int) -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[:, :LEFT_BAND] = RED
    frame[:, RIGHT_BAND:] = BLUE
    frame[:, LEFT_BAND:RIGHT_BAND] = (0, frame_level(index), 0)
    cv2.putText(frame, str(index), (LEFT_BAND + 10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    return frame


def decode_frame_index(frame: np.ndarray) -> int:
    """The frame number (mod 5) from the green level below the counter text."""
    level = float(frame[150:230, LEFT_BAND + 20 : RIGHT_BAND - 20, 1].mean())
    return round((level - 40) / 40) % 5


def write_video(path: Path, frames: int = 5, fps: float = 25.0) -> Path:
    """A short MJPG/AVI video of `make_frame` frames, written with OpenCV."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    assert writer.isOpened(), "OpenCV cannot write MJPG/AVI here"
    for index in range(frames):
        writer.write(make_frame(index))
    writer.release()
    return path


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "kamera.avi", frames=5, fps=100.0)


class RecordingCapture:
    """Wraps a real capture and records that it was released."""

    def __init__(self, inner):
        self.inner = inner
        self.released = False

    def read(self):
        return self.inner.read()

    def set(self, prop_id, value):
        return self.inner.set(prop_id, value)

    def get(self, prop_id):
        return self.inner.get(prop_id)

    def isOpened(self):  # noqa: N802
        return self.inner.isOpened()

    def release(self):
        self.released = True
        self.inner.release()


class ScriptedCapture:
    """A capture that delivers `frames` frames and then nothing; `seekable` controls rewinding."""

    def __init__(self, frames: int, *, seekable: bool = True):
        self.remaining = frames
        self.seekable = seekable
        self.released = False

    def read(self):
        if self.remaining <= 0:
            return False, None
        self.remaining -= 1
        return True, make_frame(self.remaining)

    def set(self, prop_id, value):
        return self.seekable

    def get(self, prop_id):
        return 0.0

    def isOpened(self):  # noqa: N802
        return True

    def release(self):
        self.released = True


def run_loop_in_thread(source, *, until, **kwargs):
    """Run the frame loop on a worker thread until `until(frames)` or 5 s; return (frames, failures)."""
    frames: list[np.ndarray] = []
    failures: list[str] = []
    stop = threading.Event()

    def on_frame(frame):
        frames.append(frame)
        if until(frames):
            stop.set()

    worker = threading.Thread(target=run_frame_loop, args=(source, stop, on_frame, failures.append), kwargs=kwargs)
    worker.start()
    worker.join(5.0)
    stop.set()
    worker.join(5.0)
    assert not worker.is_alive()
    return frames, failures


# --- the video written by OpenCV ---------------------------------------------------


def test_opencv_writes_a_video_that_reads_back(video: Path):
    capture = open_capture(str(video))
    try:
        read = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            read.append(frame)
    finally:
        capture.release()
    assert len(read) == 5
    assert read[0].shape == (HEIGHT, WIDTH, 3)
    assert [decode_frame_index(frame) for frame in read] == [0, 1, 2, 3, 4]


# --- opening sources -----------------------------------------------------------------


def test_open_capture_of_a_missing_file_says_so_in_swedish(tmp_path: Path):
    with pytest.raises(CameraError) as raised:
        open_capture(str(tmp_path / "saknas.avi"))
    assert raised.value.message == "Det gick inte att öppna videofilen saknas.avi. Välj en bild från fil i stället."


def test_open_capture_of_a_missing_camera_says_so_in_swedish():
    with pytest.raises(CameraError) as raised:
        open_capture(MISSING_CAMERA)
    assert raised.value.message == f"Ingen kamera hittades (kamera {MISSING_CAMERA}). Välj en bild från fil i stället."


def test_open_capture_with_no_camera_chosen():
    with pytest.raises(CameraError, match="Ingen kamera är vald i kassainställningarna"):
        open_capture(-1)


@pytest.mark.parametrize("bad", [True, 1.5, None, b"x.avi"])
def test_open_capture_rejects_other_source_types(bad):
    with pytest.raises(TypeError):
        open_capture(bad)


# --- the frame loop --------------------------------------------------------------------


def test_frame_loop_rewinds_a_file_so_it_plays_like_a_live_camera(video: Path):
    frames, failures = run_loop_in_thread(str(video), until=lambda f: len(f) >= 12, max_fps=200.0)
    assert failures == []
    assert [decode_frame_index(f) for f in frames[:12]] == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]


def test_frame_loop_caps_the_frame_rate(video: Path):
    # The file says 100 fps; the preview asks for 10: ~5 frames in half a second, not 50.
    started = time.monotonic()
    frames, _ = run_loop_in_thread(str(video), until=lambda f: time.monotonic() - started >= 0.5, max_fps=10.0)
    assert 2 <= len(frames) <= 8


def test_frame_loop_plays_a_file_at_its_own_rate(tmp_path: Path):
    slow = write_video(tmp_path / "langsam.avi", frames=5, fps=10.0)
    started = time.monotonic()
    frames, _ = run_loop_in_thread(str(slow), until=lambda f: time.monotonic() - started >= 0.5, max_fps=100.0)
    assert 2 <= len(frames) <= 8


def test_frame_loop_releases_the_source_when_stopped(video: Path):
    opened: list[RecordingCapture] = []

    def opener(source):
        opened.append(RecordingCapture(open_capture(source)))
        return opened[-1]

    frames, failures = run_loop_in_thread(str(video), until=lambda f: len(f) >= 3, max_fps=200.0, opener=opener)
    assert len(frames) >= 3 and failures == []
    assert len(opened) == 1 and opened[0].released


def test_frame_loop_ends_when_the_receiver_is_gone(video: Path):
    seen: list[np.ndarray] = []
    stop = threading.Event()
    run_frame_loop(str(video), stop, lambda f: seen.append(f) or len(seen) < 2, lambda m: None, max_fps=200.0)
    assert len(seen) == 2 and not stop.is_set()


def test_frame_loop_reports_a_source_that_does_not_open(tmp_path: Path):
    frames, failures = run_loop_in_thread(str(tmp_path / "saknas.avi"), until=lambda f: False)
    assert frames == []
    assert failures == ["Det gick inte att öppna videofilen saknas.avi. Välj en bild från fil i stället."]


def test_frame_loop_reports_a_camera_that_stops_delivering():
    capture = ScriptedCapture(frames=2)
    frames, failures = run_loop_in_thread(
        0, until=lambda f: False, max_fps=1000.0, silence_limit=0.2, opener=lambda source: capture
    )
    assert len(frames) == 2
    assert failures == [CAMERA_STOPPED]
    assert capture.released


def test_frame_loop_reopens_a_file_that_cannot_seek_and_reports_one_that_is_gone():
    first, second = ScriptedCapture(2, seekable=False), ScriptedCapture(1, seekable=False)
    opened = [first, second]

    def opener(source):
        if not opened:
            raise CameraError("borta")
        return opened.pop(0)

    frames, failures = run_loop_in_thread("demo.avi", until=lambda f: False, max_fps=1000.0, opener=opener)
    assert len(frames) == 3  # two from the first open, one after reopening
    assert failures == ["Det gick inte att läsa videofilen demo.avi. Välj en bild från fil i stället."]
    assert first.released and second.released


# --- portrait JPEG -----------------------------------------------------------------------


def decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_portrait_jpeg_is_480_by_640_and_keeps_the_centre_of_a_landscape_frame():
    jpeg = portrait_jpeg(make_frame(3))
    assert jpeg_dimensions(jpeg) == (480, 640)
    image = decode(jpeg)
    assert image.shape == (640, 480, 3)
    # Only the green centre survives: no red from the left, no blue from the right.
    for column in (image[:, :8], image[:, -8:]):
        blue, green, red = column.reshape(-1, 3).mean(axis=0)
        assert red < 40 and blue < 40 and green > 120


def test_portrait_jpeg_cuts_top_and_bottom_of_a_tall_frame():
    tall = np.zeros((900, 300, 3), np.uint8)  # 300 wide -> keeps 400 rows, 250..649
    tall[:250] = RED
    tall[650:] = BLUE
    tall[250:650] = (0, 200, 0)
    image = decode(portrait_jpeg(tall))
    for row in (image[:8], image[-8:]):
        blue, green, red = row.reshape(-1, 3).mean(axis=0)
        assert red < 40 and blue < 40 and green > 150


def test_portrait_rect_matches_the_crop():
    assert portrait_rect(320, 240) == (70, 0, 180, 240)
    assert portrait_rect(300, 900) == (0, 250, 300, 400)
    assert portrait_rect(480, 640) == (0, 0, 480, 640)


def test_portrait_jpeg_size_and_quality_are_parameters():
    frame = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    small = portrait_jpeg(frame, width=120, height=160, quality=30)
    assert jpeg_dimensions(small) == (120, 160)
    assert len(portrait_jpeg(frame, quality=95)) > len(portrait_jpeg(frame, quality=30))


def test_portrait_jpeg_accepts_grey_and_bgra_frames():
    assert jpeg_dimensions(portrait_jpeg(np.full((240, 320), 128, np.uint8))) == (480, 640)
    assert jpeg_dimensions(portrait_jpeg(np.full((240, 320, 4), 128, np.uint8))) == (480, 640)


@pytest.mark.parametrize(
    "frame",
    [np.zeros((0, 0, 3), np.uint8), np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 2), np.uint8), "bild"],
)
def test_portrait_jpeg_rejects_what_is_not_a_frame(frame):
    with pytest.raises(ValueError):
        portrait_jpeg(frame)


def test_portrait_jpeg_rejects_bad_quality():
    with pytest.raises(ValueError):
        portrait_jpeg(make_frame(0), quality=0)


# --- jpeg_dimensions -----------------------------------------------------------------------


def test_jpeg_dimensions_of_progressive_and_baseline_jpegs():
    frame = np.zeros((123, 77, 3), np.uint8)
    for params in ([], [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]):
        ok, data = cv2.imencode(".jpg", frame, params)
        assert ok
        assert jpeg_dimensions(data.tobytes()) == (77, 123)


def test_jpeg_dimensions_skips_fill_bytes_and_markers_without_length():
    header = b"\xff\xd8" + b"\xff\x01" + b"\xff\xff\xff\xc0\x00\x11\x08\x00\x10\x00\x20\x03" + bytes(9)
    assert jpeg_dimensions(header) == (32, 16)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"\xff\xd8\xff\xe0\x00\x10JFIF", b"\xff\xd8\x00\x00"])
def test_jpeg_dimensions_rejects_what_is_not_a_complete_jpeg(data: bytes):
    with pytest.raises(ValueError):
        jpeg_dimensions(data)


# --- photo files ---------------------------------------------------------------------------


def write_image(path: Path, extension: str, frame: np.ndarray | None = None) -> Path:
    ok, data = cv2.imencode(extension, make_frame(2) if frame is None else frame)
    assert ok
    path.write_bytes(data.tobytes())
    return path


@pytest.mark.parametrize("extension", [".png", ".bmp", ".jpg"])
def test_photo_file_with_a_swedish_name_becomes_a_portrait_jpeg(tmp_path: Path, extension: str):
    path = write_image(tmp_path / f"kundbild_åäö{extension}", extension)
    jpeg = load_image_file_as_portrait_jpeg(path)
    assert jpeg_dimensions(jpeg) == (480, 640)
    blue, green, red = decode(jpeg)[:, :8].reshape(-1, 3).mean(axis=0)
    assert red < 40 and green > 80


def test_text_file_is_not_a_photo(tmp_path: Path):
    path = tmp_path / "anteckning.txt"
    path.write_text("inte en bild", encoding="utf-8")
    with pytest.raises(CameraError) as raised:
        load_image_file_as_portrait_jpeg(path)
    assert raised.value.message == NOT_AN_IMAGE
    assert raised.value.message.startswith("Filen går inte att läsa som en bild.")


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n trasig", b"\xff\xd8\xff trasig", b"GIF89a......"])
def test_broken_or_unsupported_image_file_is_refused(tmp_path: Path, content: bytes):
    path = tmp_path / "trasig.png"
    path.write_bytes(content)
    with pytest.raises(CameraError, match="Filen går inte att läsa som en bild"):
        load_image_file_as_portrait_jpeg(path)


@pytest.mark.parametrize("extension", [".webp", ".tiff"])
def test_other_image_formats_are_refused(tmp_path: Path, extension: str):
    # OpenCV could decode these, but a photo file is JPEG, PNG or BMP; fewer decoders see user files.
    path = write_image(tmp_path / f"bild{extension}", extension)
    with pytest.raises(CameraError, match="Filen går inte att läsa som en bild"):
        load_image_file_as_portrait_jpeg(path)


def test_missing_photo_file(tmp_path: Path):
    with pytest.raises(CameraError, match="Filen borta.png finns inte."):
        load_image_file_as_portrait_jpeg(tmp_path / "borta.png")


def test_folder_is_not_a_photo_file(tmp_path: Path):
    folder = tmp_path / "bilder"
    folder.mkdir()
    with pytest.raises(CameraError, match="bilder är en mapp"):
        load_image_file_as_portrait_jpeg(folder)


def test_huge_photo_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write_image(tmp_path / "stor.png", ".png")
    monkeypatch.setattr(camera, "MAX_IMAGE_FILE_BYTES", 100)
    with pytest.raises(CameraError, match="för stor"):
        load_image_file_as_portrait_jpeg(path)


# --- the Qt worker ----------------------------------------------------------------------------


def test_worker_delivers_rgb_frames_and_keeps_the_bgr_one(qtbot, video: Path):
    from PySide6.QtGui import QColor

    from devices.camera_qt import CameraWorker

    worker = CameraWorker()
    with qtbot.waitSignal(worker.frame_ready, timeout=5000) as frame:
        worker.start(str(video))
    try:
        image = frame.args[0]
        assert (image.width(), image.height()) == (WIDTH, HEIGHT)
        # BGR (0, 0, 255) on the left must show as red, not blue.
        left = QColor(image.pixel(10, 120))
        assert left.red() > 200 and left.blue() < 60
        latest = worker.latest_frame()
        assert latest is not None and latest.shape == (HEIGHT, WIDTH, 3)
        assert latest[120, 10, 2] > 200  # still BGR for portrait_jpeg
    finally:
        worker.stop()
    assert not worker.is_running() and not worker.thread_alive()
    assert not [t for t in threading.enumerate() if t.name.startswith("camera:")]


def test_worker_sends_nothing_after_stop(qtbot, video: Path):
    from devices.camera_qt import CameraWorker

    worker = CameraWorker(max_fps=100.0)
    with qtbot.waitSignal(worker.frame_ready, timeout=5000):
        worker.start(str(video))
    worker.stop()
    with qtbot.assertNotEmitted(worker.frame_ready, wait=150):
        pass


def test_worker_restarts_on_a_new_source(qtbot, video: Path, tmp_path: Path):
    from devices.camera_qt import CameraWorker

    other = write_video(tmp_path / "annan.avi", frames=3, fps=50.0)
    worker = CameraWorker()
    with qtbot.waitSignal(worker.frame_ready, timeout=5000):
        worker.start(str(video))
    with qtbot.waitSignal(worker.frame_ready, timeout=5000):
        worker.start(str(other))
    worker.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("camera:")]


def test_worker_reports_a_source_that_does_not_open(qtbot, tmp_path: Path):
    from devices.camera_qt import CameraWorker

    worker = CameraWorker()
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.start(str(tmp_path / "saknas.avi"))
    assert failed.args == ["Det gick inte att öppna videofilen saknas.avi. Välj en bild från fil i stället."]
    assert not worker.is_running()
