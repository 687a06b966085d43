"""Qt adapter for the camera: runs the frame loop on a worker thread, frames arrive as signals.

The capture itself (devices/camera.py) knows nothing of Qt. This object lives
on the UI thread; the loop runs on a Python worker thread and hands each frame
over with a queued signal, so the device is opened, read and released on the
worker thread only, and the UI thread never waits for the camera.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import cv2
import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage

from devices.camera import DEFAULT_MAX_FPS, Source, run_frame_loop

log = logging.getLogger(__name__)

#: Frames handed to the UI thread but not yet shown. More are dropped, so a
#: busy UI thread never lets frames pile up in the event queue.
MAX_FRAMES_IN_FLIGHT = 2

#: How long stop() waits for the worker to release the device.
STOP_TIMEOUT_S = 5.0


def bgr_to_qimage(frame_bgr: np.ndarray) -> QImage:
    """An RGB QImage that owns a copy of the frame's pixels."""
    rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    height, width = rgb.shape[:2]
    # The QImage only borrows `rgb`'s buffer; copy() gives it its own.
    return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888).copy()


@dataclass(eq=False)
class _Run:
    """One start()..stop() of the capture; frames of an earlier run are ignored."""

    source: Source
    stop: threading.Event = field(default_factory=threading.Event)
    in_flight: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(MAX_FRAMES_IN_FLIGHT))
    thread: threading.Thread | None = None


class CameraWorker(QObject):
    """Live frames from a camera index or a video file.

    `frame_ready(QImage)` carries an RGB copy of each frame (at most `max_fps`
    a second); `failed(str)` a Swedish message when the source cannot be opened
    or stops delivering, after which the worker is stopped. Call `stop()` before
    dropping the worker; it joins the thread, which releases the device.
    """

    frame_ready = Signal(QImage)
    failed = Signal(str)

    _frame_from_worker = Signal(object, QImage, object)
    _failure_from_worker = Signal(object, str)

    def __init__(self, parent: QObject | None = None, *, max_fps: float = DEFAULT_MAX_FPS) -> None:
        super().__init__(parent)
        self._max_fps = max_fps
        self._run: _Run | None = None
        self._latest: np.ndarray | None = None
        # Explicitly queued: these are emitted on the worker thread and must run on ours.
        self._frame_from_worker.connect(self._deliver_frame, Qt.ConnectionType.QueuedConnection)
        self._failure_from_worker.connect(self._deliver_failure, Qt.ConnectionType.QueuedConnection)
        app = QCoreApplication.instance()
        if app is not None:  # never leave a thread holding the camera when the program ends
            app.aboutToQuit.connect(self.stop)

    def start(self, source: Source) -> None:
        """Open `source` on a worker thread and start delivering frames (stops a running capture first)."""
        self.stop()
        run = _Run(source)
        run.thread = threading.Thread(target=self._work, args=(run,), name=f"camera:{source}", daemon=True)
        self._run = run
        self._latest = None
        run.thread.start()

    def stop(self) -> None:
        """Stop the capture and wait until the worker thread has released the device."""
        run, self._run = self._run, None
        if run is None:
            return
        run.stop.set()
        if run.thread is not None and run.thread is not threading.current_thread():
            run.thread.join(STOP_TIMEOUT_S)
            if run.thread.is_alive():  # a driver stuck in read(); the daemon thread ends with it
                log.warning("camera thread for %s did not stop within %.0f s", run.source, STOP_TIMEOUT_S)

    def is_running(self) -> bool:
        """True from start() until stop() or a failure."""
        return self._run is not None

    def thread_alive(self) -> bool:
        """True while a worker thread of the current run exists (for tests and shutdown checks)."""
        run = self._run
        return run is not None and run.thread is not None and run.thread.is_alive()

    def latest_frame(self) -> np.ndarray | None:
        """The BGR frame behind the last `frame_ready`, or None before the first one."""
        return self._latest

    # --- worker thread -------------------------------------------------------

    def _work(self, run: _Run) -> None:
        def on_frame(frame: np.ndarray) -> bool:
            if not run.in_flight.acquire(blocking=False):
                return True  # the UI thread is behind; skip this frame
            try:
                self._frame_from_worker.emit(run, bgr_to_qimage(frame), frame.copy())
            except RuntimeError:  # the QObject was deleted without stop()
                return False
            return True

        def on_failed(message: str) -> None:
            try:
                self._failure_from_worker.emit(run, message)
            except RuntimeError:
                pass

        try:
            run_frame_loop(run.source, run.stop, on_frame, on_failed, max_fps=self._max_fps)
        except Exception:  # a bug in the loop must still tell the UI the preview is gone
            log.exception("camera loop for %s crashed", run.source)
            on_failed("Kameran slutade fungera. Välj en bild från fil i stället.")

    # --- UI thread -----------------------------------------------------------

    @Slot(object, QImage, object)
    def _deliver_frame(self, run: _Run, image: QImage, frame: np.ndarray) -> None:
        run.in_flight.release()
        if run is not self._run:
            return
        self._latest = frame
        self.frame_ready.emit(image)

    @Slot(object, str)
    def _deliver_failure(self, run: _Run, message: str) -> None:
        if run is not self._run:
            return
        self.stop()
        self.failed.emit(message)
