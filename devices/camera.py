"""Camera capture and portrait photos, without Qt.

A capture source is either a camera index (from the desk settings) or a video
file path; both go through `cv2.VideoCapture` and the same frame loop, so tests
and demos drive exactly the code a webcam does. A file source loops: at the end
it is rewound, so it looks like a live camera.

The Qt side (devices/camera_qt.py) runs `run_frame_loop` on a worker thread;
nothing here may be called on the UI thread except `portrait_jpeg` and
`jpeg_dimensions`, which work on data already in memory.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from app.errors import UserError

log = logging.getLogger(__name__)

#: Portrait photo size stored for a customer (width x height, 3:4).
PORTRAIT_WIDTH = 480
PORTRAIT_HEIGHT = 640

#: Frames the preview gets per second at most.
DEFAULT_MAX_FPS = 25.0

#: A camera that delivers no frame for this long is treated as gone.
CAMERA_SILENCE_LIMIT_S = 3.0

#: Photo files larger than this are refused before decoding.
MAX_IMAGE_FILE_BYTES = 40 * 1024 * 1024

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")

NOT_AN_IMAGE = "Filen går inte att läsa som en bild. Välj en JPEG-, PNG- eller BMP-fil."
CAMERA_STOPPED = "Kameran slutade skicka bilder. Välj en bild från fil i stället."

Source = int | str


class CameraError(UserError):
    """The camera or a photo file cannot be used; the message says what to do instead."""

    title = "Kameran"


class Capture(Protocol):
    """What the frame loop needs from `cv2.VideoCapture`."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def set(self, prop_id: int, value: float) -> bool: ...
    def get(self, prop_id: int) -> float: ...
    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name
    def release(self) -> None: ...


def describe_source(source: Source) -> str:
    """The source as the receptionist would name it."""
    if isinstance(source, int):
        return f"kamera {source}"
    return f"videofilen {Path(source).name}"


def open_capture(source: Source) -> Capture:
    """Open a camera index or a video file with OpenCV; raise CameraError if it will not open.

    Blocking (a webcam can take a second to open): call it on a worker thread.
    """
    if isinstance(source, bool) or not isinstance(source, int | str):
        raise TypeError(f"camera source must be an int index or a file path, not {source!r}")
    if isinstance(source, int) and source < 0:
        raise CameraError("Ingen kamera är vald i kassainställningarna. Välj en bild från fil i stället.")
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        if isinstance(source, int):
            raise CameraError(f"Ingen kamera hittades ({describe_source(source)}). Välj en bild från fil i stället.")
        raise CameraError(f"Det gick inte att öppna {describe_source(source)}. Välj en bild från fil i stället.")
    return capture


def run_frame_loop(
    source: Source,
    stop: threading.Event,
    on_frame: Callable[[np.ndarray], bool | None],
    on_failed: Callable[[str], None],
    *,
    max_fps: float = DEFAULT_MAX_FPS,
    silence_limit: float = CAMERA_SILENCE_LIMIT_S,
    opener: Callable[[Source], Capture] = open_capture,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Open `source`, hand BGR frames to `on_frame` until `stop` is set, then release it.

    Runs on the calling thread (a worker thread). At most `max_fps` frames per
    second reach `on_frame`; a video file is played at its own rate (capped the
    same way) and rewound at the end. `on_frame` may return False to end the
    loop (its receiver is gone). When the source cannot be opened, or a camera
    stops delivering, `on_failed` gets a Swedish message and the loop ends.
    """
    try:
        capture = opener(source)
    except CameraError as error:
        on_failed(error.message)
        return
    is_file = isinstance(source, str)
    try:
        interval = 1.0 / max_fps
        if is_file:
            file_fps = capture.get(cv2.CAP_PROP_FPS)
            if file_fps and math.isfinite(file_fps) and file_fps > 0:
                interval = max(interval, 1.0 / file_fps)
        last_frame_at = monotonic()
        next_emit_at = last_frame_at
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok or frame is None:
                if is_file:
                    capture, frame = _rewind(capture, source, opener)
                    if frame is None:
                        on_failed(f"Det gick inte att läsa {describe_source(source)}. Välj en bild från fil i stället.")
                        return
                else:
                    if monotonic() - last_frame_at >= silence_limit:
                        log.warning("%s delivered no frame for %.1f s", describe_source(source), silence_limit)
                        on_failed(CAMERA_STOPPED)
                        return
                    # A webcam that hiccups returns immediately; do not spin.
                    stop.wait(0.05)
                    continue
            now = monotonic()
            last_frame_at = now
            if is_file:
                # A file reads as fast as the disk allows: play it at its own pace.
                if now < next_emit_at and stop.wait(next_emit_at - now):
                    return
                now = monotonic()
            elif now < next_emit_at:
                # A webcam paces itself; drop frames above the preview rate.
                continue
            next_emit_at = max(next_emit_at + interval, now)
            if on_frame(frame) is False:
                return
    finally:
        capture.release()


def _rewind(capture: Capture, source: str, opener: Callable[[Source], Capture]) -> tuple[Capture, np.ndarray | None]:
    """Start a looping file source again; reopen it when seeking is not supported."""
    if capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
        ok, frame = capture.read()
        if ok and frame is not None:
            return capture, frame
    capture.release()
    log.info("%s cannot seek; reopening it", describe_source(source))
    try:
        capture = opener(source)
    except CameraError:
        return _ReleasedCapture(), None
    ok, frame = capture.read()
    return capture, frame if ok else None


class _ReleasedCapture:
    """Stands in after a failed reopen so the loop's `finally` has something to release."""

    def read(self) -> tuple[bool, np.ndarray | None]:
        return False, None

    def set(self, prop_id: int, value: float) -> bool:
        return False

    def get(self, prop_id: int) -> float:
        return 0.0

    def isOpened(self) -> bool:  # noqa: N802
        return False

    def release(self) -> None:
        return None


def _as_bgr(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        raise ValueError("frame must be a non-empty uint8 numpy array")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"frame has an unsupported shape {frame.shape}")


def portrait_crop(frame_bgr: np.ndarray, *, width: int = PORTRAIT_WIDTH, height: int = PORTRAIT_HEIGHT) -> np.ndarray:
    """The centre of `frame_bgr` cut to the width:height ratio (not resized)."""
    frame = _as_bgr(frame_bgr)
    rows, cols = frame.shape[:2]
    if cols * height > rows * width:  # wider than the portrait: cut the sides
        crop_cols = max(1, round(rows * width / height))
        left = (cols - crop_cols) // 2
        return frame[:, left : left + crop_cols]
    crop_rows = max(1, round(cols * height / width))  # taller: cut top and bottom
    top = (rows - crop_rows) // 2
    return frame[top : top + crop_rows, :]


def portrait_rect(frame_width: int, frame_height: int, *, width: int = PORTRAIT_WIDTH, height: int = PORTRAIT_HEIGHT) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the part of a frame that `portrait_crop` keeps; the preview outlines it."""
    if frame_width * height > frame_height * width:
        crop = max(1, round(frame_height * width / height))
        return (frame_width - crop) // 2, 0, crop, frame_height
    crop = max(1, round(frame_width * height / width))
    return 0, (frame_height - crop) // 2, frame_width, crop


def portrait_jpeg(frame_bgr: np.ndarray, *, width: int = PORTRAIT_WIDTH, height: int = PORTRAIT_HEIGHT, quality: int = 90) -> bytes:
    """Centre-crop a frame to a width x height portrait and encode it as JPEG."""
    if width <= 0 or height <= 0:
        raise ValueError("portrait size must be positive")
    if not 1 <= quality <= 100:
        raise ValueError("JPEG quality must be 1..100")
    cropped = portrait_crop(frame_bgr, width=width, height=height)
    shrinking = cropped.shape[1] > width
    resized = cv2.resize(cropped, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    ok, encoded = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid 8-bit BGR image
        raise RuntimeError("OpenCV could not encode the JPEG")
    return encoded.tobytes()


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG, PNG or BMP bytes to a BGR frame; CameraError for anything else."""
    if not data.startswith(_IMAGE_MAGIC):
        raise CameraError(NOT_AN_IMAGE)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise CameraError(NOT_AN_IMAGE)
    return image


def load_image_file_as_portrait_jpeg(path: str | Path, **portrait: int) -> bytes:
    """Read a photo file (JPEG/PNG/BMP) and return it as a portrait JPEG.

    Reads the bytes with Python and decodes them with `cv2.imdecode`, so paths
    with å, ä, ö work on every platform (`cv2.imread` fails on them on Windows).
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_IMAGE_FILE_BYTES:
            raise CameraError(f"Filen {file.name} är för stor för att vara ett foto (högst 40 MB).")
        data = file.read_bytes()
    except FileNotFoundError:
        raise CameraError(f"Filen {file.name} finns inte.") from None
    except IsADirectoryError:
        raise CameraError(f"{file.name} är en mapp, inte en bildfil.") from None
    except OSError as error:
        raise CameraError(f"Filen {file.name} kunde inte läsas ({error.strerror or error}).") from None
    return portrait_jpeg(decode_image(data), **portrait)


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})


def jpeg_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) read from a JPEG's frame header, without decoding the image."""
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        raise ValueError("not a JPEG")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("corrupt JPEG: marker expected")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            break
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            break
        if pos + 2 > len(data):
            break
        length = int.from_bytes(data[pos : pos + 2], "big")
        if marker in _SOF_MARKERS:
            if pos + 7 > len(data):
                break
            height = int.from_bytes(data[pos + 3 : pos + 5], "big")
            width = int.from_bytes(data[pos + 5 : pos + 7], "big")
            return width, height
        pos += length
    raise ValueError("JPEG has no frame header")
