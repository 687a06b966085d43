"""Photo capture for Inpasseringsuppgifter: live webcam preview, "Ta foto", "Ta om", "Välj bild från fil".

The camera runs on a worker thread (devices/camera_qt.py); this widget only
shows frames and turns the chosen one into the stored portrait JPEG. Reading a
photo file also happens off the UI thread. When no camera is configured or it
cannot be opened, the widget says why and "Välj bild från fil" is the only
way to get a photo.
"""
from __future__ import annotations

import threading
from enum import Enum, auto

from PySide6.QtCore import QObject, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QColor, QHideEvent, QImage, QPainter, QPaintEvent, QPen, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from devices.camera import CameraError, Source, load_image_file_as_portrait_jpeg, portrait_jpeg, portrait_rect
from devices.camera_qt import CameraWorker

NO_CAMERA_CONFIGURED = "Ingen kamera är vald i kassainställningarna. Välj en bild från fil i stället."
STARTING = "Startar kameran …"
LIVE_HINT = "Låt kunden titta in i kameran och stå mitt i ramen. Tryck Ta foto."
TAKEN = "Fotot är taget. Tryck Ta om för att ta ett nytt."
FROM_FILE = "Fotot är hämtat från fil."
READING_FILE = "Läser bilden …"
CAMERA_OFF = "Kameran är avstängd."
NO_PICTURE = "Ingen kamerabild"
EXISTING_UNREADABLE = "Nuvarande foto går inte att visa."

IMAGE_FILE_FILTER = "Bilder (*.jpg *.jpeg *.png *.bmp)"
EXISTING_PHOTO_SIZE = QSize(120, 160)


class _Mode(Enum):
    NO_CAMERA = auto()  # nothing live: no camera configured, it failed, or it is stopped
    STARTING = auto()  # waiting for the first frame
    LIVE = auto()
    CAPTURED = auto()  # a frame frozen by "Ta foto"
    FROM_FILE = auto()


class PreviewLabel(QLabel):
    """Shows an image scaled to fit, keeping its aspect ratio; text when there is none.

    On a live frame it outlines the portrait part that "Ta foto" keeps.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._outline_portrait = False
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def image(self) -> QImage | None:
        return self._image

    def is_outlining_portrait(self) -> bool:
        return self._image is not None and self._outline_portrait

    def set_image(self, image: QImage | None, *, outline_portrait: bool = False) -> None:
        self._image = image
        self._outline_portrait = outline_portrait
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 360)

    def image_rect(self) -> QRect:
        """Where the image is drawn: as large as fits, centred, aspect kept."""
        if self._image is None or self._image.isNull():
            return QRect()
        size = self._image.size().scaled(self.contentsRect().size(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(self.contentsRect().center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        if self._image is None or self._image.isNull():
            super().paintEvent(event)
            return
        target = self.image_rect()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        if self._outline_portrait:
            x, y, w, h = portrait_rect(self._image.width(), self._image.height())
            sx = target.width() / self._image.width()
            sy = target.height() / self._image.height()
            keep = QRectF(target.x() + x * sx, target.y() + y * sy, w * sx, h * sy)
            shade = QColor(0, 0, 0, 110)
            painter.fillRect(QRectF(target.x(), target.y(), keep.x() - target.x(), target.height()), shade)
            painter.fillRect(QRectF(keep.right(), target.y(), target.right() + 1 - keep.right(), target.height()), shade)
            painter.fillRect(QRectF(keep.x(), target.y(), keep.width(), keep.y() - target.y()), shade)
            painter.fillRect(QRectF(keep.x(), keep.bottom(), keep.width(), target.bottom() + 1 - keep.bottom()), shade)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawRect(keep)
        painter.end()


def _choose_file_with_dialog(parent: QWidget) -> str:
    return QFileDialog.getOpenFileName(parent, "Välj bild", "", IMAGE_FILE_FILTER)[0]


class _FileLoader(QObject):
    """Reads and converts a photo file on a worker thread (the file may sit on a slow share)."""

    finished = Signal(int, object, str)  # token, JPEG bytes or None, error message

    def load(self, token: int, path: str) -> None:
        def work() -> None:
            try:
                data = load_image_file_as_portrait_jpeg(path)
            except CameraError as error:
                result: tuple[bytes | None, str] = (None, error.message)
            else:
                result = (data, "")
            try:
                self.finished.emit(token, *result)
            except RuntimeError:  # the widget went away while the file was read
                pass

        threading.Thread(target=work, name="photo-file", daemon=True).start()


class PhotoCaptureWidget(QWidget):
    """Take the customer's photo with the desk camera, or choose one from a file.

    `camera_source` is the camera index from the desk settings (None or -1: no
    camera) or a video file path, which plays in a loop like a live camera.
    `jpeg()` is the new portrait photo, or None while none has been taken; a
    customer's existing photo (`set_existing_photo`) is shown beside the preview
    and is not returned by `jpeg()`. `photo_changed` fires when `jpeg()` changes.
    """

    photo_changed = Signal()

    #: Asks for a photo file; returns "" when cancelled. Tests replace it.
    choose_file = staticmethod(_choose_file_with_dialog)

    def __init__(self, camera_source: Source | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if camera_source == -1 or camera_source == "":
            camera_source = None
        self._source = camera_source
        self._camera_usable = camera_source is not None
        self._mode = _Mode.NO_CAMERA
        self._jpeg: bytes | None = None
        self._resume_on_show = False
        self._file_token = 0

        self.camera = CameraWorker(self)
        self.camera.frame_ready.connect(self._on_frame)
        self.camera.failed.connect(self._on_camera_failed)
        self._file_loader = _FileLoader(self)
        self._file_loader.finished.connect(self._on_file_loaded, Qt.ConnectionType.QueuedConnection)

        self.preview = PreviewLabel(self)
        self.preview.setAccessibleName("Kamerabild")
        self.preview.setFrameShape(QLabel.Shape.StyledPanel)

        self.existing_caption = QLabel("Nuvarande foto", self)
        self.existing_photo = QLabel(self)
        self.existing_photo.setFixedSize(EXISTING_PHOTO_SIZE)
        self.existing_photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.existing_photo.setAccessibleName("Nuvarande foto")
        self.existing_photo.setWordWrap(True)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Kamerastatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.take_button = QPushButton("&Ta foto", self)
        self.retake_button = QPushButton("Ta &om", self)
        self.file_button = QPushButton("&Välj bild från fil", self)
        self.take_button.clicked.connect(self.take_photo)
        self.retake_button.clicked.connect(self.retake)
        self.file_button.clicked.connect(self.choose_photo_file)

        existing_column = QVBoxLayout()
        existing_column.addWidget(self.existing_caption)
        existing_column.addWidget(self.existing_photo)
        existing_column.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.preview, 1)
        top.addLayout(existing_column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.take_button)
        buttons.addWidget(self.retake_button)
        buttons.addStretch(1)
        buttons.addWidget(self.file_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setTabOrder(self.take_button, self.retake_button)
        self.setTabOrder(self.retake_button, self.file_button)

        self.set_existing_photo(None)
        if self._camera_usable:
            self._show_message(CAMERA_OFF)
        else:
            self.preview.setText(NO_PICTURE)
            self._show_message(NO_CAMERA_CONFIGURED)
        self._update_buttons()

    # --- public API ------------------------------------------------------------

    def jpeg(self) -> bytes | None:
        """The new portrait JPEG (480x640), or None when no photo has been taken or chosen."""
        return self._jpeg

    def camera_available(self) -> bool:
        """False when no camera is configured or it could not be used; then only a file works."""
        return self._camera_usable

    def is_live(self) -> bool:
        """True while the preview shows the camera (not a taken or chosen photo)."""
        return self._mode is _Mode.LIVE

    def is_capturing(self) -> bool:
        """True while the camera worker runs (its thread holds the device)."""
        return self.camera.is_running()

    def start(self) -> None:
        """Start the live preview (a no-op without a usable camera)."""
        self._resume_on_show = False
        if not self._camera_usable or self.camera.is_running():
            return
        assert self._source is not None
        self.camera.start(self._source)
        if self._mode is _Mode.NO_CAMERA:
            self._mode = _Mode.STARTING
            self.preview.set_image(None)
            self.preview.setText("")
            self._show_message(STARTING)
        self._update_buttons()

    def stop(self) -> None:
        """Stop the camera and release it; a photo already taken stays."""
        self.camera.stop()
        if self._mode in (_Mode.STARTING, _Mode.LIVE):
            self._mode = _Mode.NO_CAMERA
            self.preview.set_image(None)
            self.preview.setText("")
            self._show_message(CAMERA_OFF if self._camera_usable else NO_CAMERA_CONFIGURED)
        self._update_buttons()

    def set_existing_photo(self, jpeg: bytes | None) -> None:
        """Show the customer's current photo beside the preview (None hides it)."""
        if jpeg is None:
            self.existing_caption.hide()
            self.existing_photo.hide()
            self.existing_photo.clear()
            return
        image = QImage.fromData(jpeg)
        if image.isNull():
            self.existing_photo.setPixmap(QPixmap())
            self.existing_photo.setText(EXISTING_UNREADABLE)
        else:
            self.existing_photo.setPixmap(
                QPixmap.fromImage(image).scaled(
                    EXISTING_PHOTO_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
        self.existing_caption.show()
        self.existing_photo.show()

    @Slot()
    def take_photo(self) -> None:
        """"Ta foto": freeze the current frame and keep it as the portrait JPEG."""
        frame = self.camera.latest_frame()
        if self._mode is not _Mode.LIVE or frame is None:
            return
        self._file_token += 1  # a file still being read must not replace this photo
        self._set_photo(portrait_jpeg(frame), _Mode.CAPTURED, TAKEN)

    @Slot()
    def retake(self) -> None:
        """"Ta om": drop the photo and go back to the live preview."""
        if not self._camera_usable:
            return
        self._file_token += 1
        had_photo = self._jpeg is not None
        self._jpeg = None
        self._mode = _Mode.STARTING
        self.preview.set_image(None)
        self.preview.setText("")
        self._show_message(STARTING)
        if not self.camera.is_running():
            self.start()
        self._update_buttons()
        if had_photo:
            self.photo_changed.emit()

    @Slot()
    def choose_photo_file(self) -> None:
        """"Välj bild från fil": ask for a file and read it on a worker thread."""
        path = self.choose_file(self)
        if not path:
            return
        self._file_token += 1
        self._show_message(READING_FILE)
        self._file_loader.load(self._file_token, str(path))

    # --- events ----------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._resume_on_show:
            self.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        # A hidden page must not keep the camera (and its light) on.
        if self.camera.is_running():
            self.stop()
            self._resume_on_show = True
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.stop()
        self._resume_on_show = False
        super().closeEvent(event)

    # --- internals -------------------------------------------------------------

    @Slot(QImage)
    def _on_frame(self, image: QImage) -> None:
        if self._mode not in (_Mode.STARTING, _Mode.LIVE):
            return  # a taken or chosen photo is on show
        if self._mode is _Mode.STARTING:
            self._mode = _Mode.LIVE
            self._show_message(LIVE_HINT)
            self._update_buttons()
        self.preview.set_image(image, outline_portrait=True)

    @Slot(str)
    def _on_camera_failed(self, message: str) -> None:
        self._camera_usable = False
        self._resume_on_show = False
        if self._mode in (_Mode.STARTING, _Mode.LIVE):
            self._mode = _Mode.NO_CAMERA
            self.preview.set_image(None)
            self.preview.setText(NO_PICTURE)
        self._show_message(message)
        self._update_buttons()

    @Slot(int, object, str)
    def _on_file_loaded(self, token: int, jpeg: bytes | None, error: str) -> None:
        if token != self._file_token:
            return  # superseded by "Ta foto", "Ta om" or another file
        if jpeg is None:
            self._show_message(error)
            return
        self._set_photo(jpeg, _Mode.FROM_FILE, FROM_FILE)

    def _set_photo(self, jpeg: bytes, mode: _Mode, message: str) -> None:
        self._jpeg = jpeg
        self._mode = mode
        self.preview.set_image(QImage.fromData(jpeg))
        self._show_message(message)
        self._update_buttons()
        self.photo_changed.emit()

    def _show_message(self, text: str) -> None:
        self.status.setText(text)

    def _update_buttons(self) -> None:
        camera = self._camera_usable
        self.take_button.setVisible(camera)
        self.retake_button.setVisible(camera)
        self.take_button.setEnabled(camera and self._mode is _Mode.LIVE)
        self.retake_button.setEnabled(camera and self._mode in (_Mode.CAPTURED, _Mode.FROM_FILE))
        self.file_button.setEnabled(True)
