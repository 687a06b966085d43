"""PhotoCaptureWidget driven by a video file written with OpenCV as the camera."""
from __future__ import annotations

import threading
from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget

from devices.camera import NOT_AN_IMAGE, jpeg_dimensions, portrait_jpeg
from tests.devices.test_camera import MISSING_CAMERA, make_frame, write_video
from widgets.photo_capture import (
    CAMERA_OFF,
    EXISTING_UNREADABLE,
    FROM_FILE,
    NO_CAMERA_CONFIGURED,
    TAKEN,
    PhotoCaptureWidget,
)

WAIT_MS = 5000

# The offscreen platform warns on every shown top-level window; that is not ours to fix.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "kamera.avi", frames=5, fps=25.0)


@pytest.fixture
def make_widget(qtbot):
    made: list[PhotoCaptureWidget] = []

    def make(source) -> PhotoCaptureWidget:
        widget = PhotoCaptureWidget(source)
        qtbot.addWidget(widget)
        made.append(widget)
        return widget

    yield make
    for widget in made:
        widget.close()  # what a dialog or wizard closing does; it must stop the camera
    assert not camera_threads(), "a camera thread outlived its widget"


@pytest.fixture
def live(qtbot, make_widget, video: Path) -> PhotoCaptureWidget:
    widget = make_widget(str(video))
    widget.start()
    qtbot.waitUntil(widget.is_live, timeout=WAIT_MS)
    return widget


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("camera:") and t.is_alive()]


def photo_file(tmp_path: Path, name: str, extension: str = ".png") -> Path:
    ok, data = cv2.imencode(extension, make_frame(1))
    assert ok
    path = tmp_path / name
    path.write_bytes(data.tobytes())
    return path


def choose(widget: PhotoCaptureWidget, path: Path | str) -> None:
    widget.choose_file = lambda parent: str(path)


def wait_for_frames(qtbot, widget: PhotoCaptureWidget, count: int) -> None:
    for _ in range(count):
        with qtbot.waitSignal(widget.camera.frame_ready, timeout=WAIT_MS):
            pass


# --- live preview ----------------------------------------------------------------------------


def test_frames_from_the_camera_reach_the_preview(qtbot, live: PhotoCaptureWidget):
    first = live.preview.image()
    assert first is not None and first.size() == QSize(320, 240)
    assert live.preview.is_outlining_portrait()
    qtbot.waitUntil(lambda: live.preview.image() is not first, timeout=WAIT_MS)
    assert live.take_button.isEnabled() and not live.retake_button.isEnabled()
    assert live.jpeg() is None


def test_take_button_waits_for_the_first_frame(make_widget, video: Path):
    widget = make_widget(str(video))
    assert not widget.take_button.isEnabled()
    assert widget.status.text() == CAMERA_OFF
    widget.start()
    assert not widget.take_button.isEnabled()
    assert widget.is_capturing()


def test_take_photo_freezes_a_480_by_640_portrait(qtbot, live: PhotoCaptureWidget):
    with qtbot.waitSignal(live.photo_changed, timeout=WAIT_MS):
        qtbot.mouseClick(live.take_button, Qt.MouseButton.LeftButton)
    jpeg = live.jpeg()
    assert jpeg is not None and jpeg_dimensions(jpeg) == (480, 640)
    assert not live.is_live()
    assert live.status.text() == TAKEN
    shown = live.preview.image()
    assert shown.size() == QSize(480, 640) and not live.preview.is_outlining_portrait()
    # The camera keeps running for "Ta om", but its frames no longer replace the photo.
    wait_for_frames(qtbot, live, 3)
    assert live.preview.image() is shown and live.jpeg() is jpeg
    assert live.retake_button.isEnabled() and not live.take_button.isEnabled()


def test_taken_photo_is_the_frame_on_show(qtbot, live: PhotoCaptureWidget):
    frame = live.camera.latest_frame()
    live.take_photo()
    assert live.jpeg() == portrait_jpeg(frame)


def test_retake_goes_back_to_live(qtbot, live: PhotoCaptureWidget):
    live.take_photo()
    with qtbot.waitSignal(live.photo_changed, timeout=WAIT_MS):
        qtbot.mouseClick(live.retake_button, Qt.MouseButton.LeftButton)
    assert live.jpeg() is None
    qtbot.waitUntil(live.is_live, timeout=WAIT_MS)
    assert live.preview.image().size() == QSize(320, 240)
    assert live.take_button.isEnabled() and not live.retake_button.isEnabled()


def test_retake_after_stop_restarts_the_camera(qtbot, live: PhotoCaptureWidget):
    live.take_photo()
    live.stop()
    assert not live.is_capturing()
    live.retake()
    qtbot.waitUntil(live.is_live, timeout=WAIT_MS)


def test_preview_keeps_the_aspect_ratio(qtbot, live: PhotoCaptureWidget):
    live.preview.setMinimumSize(1, 1)
    live.preview.setFixedSize(600, 300)
    live.preview.setFrameShape(live.preview.Shape.NoFrame)
    rect = live.preview.image_rect()
    assert (rect.width(), rect.height()) == (400, 300)
    assert rect.center().x() in (299, 300)


# --- no camera --------------------------------------------------------------------------------


def assert_only_the_file_option(widget: PhotoCaptureWidget) -> None:
    assert widget.take_button.isHidden() and widget.retake_button.isHidden()
    assert not widget.file_button.isHidden() and widget.file_button.isEnabled()
    assert not widget.camera_available()


@pytest.mark.parametrize("source", [None, -1])
def test_no_camera_chosen_in_the_desk_settings(make_widget, source):
    widget = make_widget(source)
    widget.start()
    assert widget.status.text() == NO_CAMERA_CONFIGURED
    assert not widget.is_capturing() and not camera_threads()
    assert_only_the_file_option(widget)


def test_missing_camera_index_says_why_and_offers_only_the_file(qtbot, make_widget):
    widget = make_widget(MISSING_CAMERA)
    with qtbot.waitSignal(widget.camera.failed, timeout=WAIT_MS):
        widget.start()
    assert widget.status.text() == (
        f"Ingen kamera hittades (kamera {MISSING_CAMERA}). Välj en bild från fil i stället."
    )
    assert_only_the_file_option(widget)
    assert not widget.is_capturing()


def test_bad_video_path_says_why_and_offers_only_the_file(qtbot, make_widget, tmp_path: Path):
    widget = make_widget(str(tmp_path / "saknas.avi"))
    with qtbot.waitSignal(widget.camera.failed, timeout=WAIT_MS):
        widget.start()
    assert "saknas.avi" in widget.status.text() and "Välj en bild från fil" in widget.status.text()
    assert_only_the_file_option(widget)
    assert widget.preview.image() is None and widget.preview.text() == "Ingen kamerabild"


# --- Välj bild från fil -----------------------------------------------------------------------


def test_choose_png_with_swedish_name_without_camera(qtbot, make_widget, tmp_path: Path):
    widget = make_widget(None)
    choose(widget, photo_file(tmp_path, "foto_Åsa_Öberg.png"))
    with qtbot.waitSignal(widget.photo_changed, timeout=WAIT_MS):
        qtbot.mouseClick(widget.file_button, Qt.MouseButton.LeftButton)
    assert jpeg_dimensions(widget.jpeg()) == (480, 640)
    assert widget.status.text() == FROM_FILE
    assert widget.preview.image().size() == QSize(480, 640)
    assert_only_the_file_option(widget)


def test_non_image_file_gives_a_clear_message_and_keeps_the_photo(qtbot, live: PhotoCaptureWidget, tmp_path: Path):
    live.take_photo()
    taken = live.jpeg()
    text = tmp_path / "inte_en_bild.jpg"
    text.write_text("hej", encoding="utf-8")
    choose(live, text)
    with qtbot.assertNotEmitted(live.photo_changed):
        live.choose_photo_file()
        qtbot.waitUntil(lambda: live.status.text() == NOT_AN_IMAGE, timeout=WAIT_MS)
    assert live.jpeg() is taken


def test_file_chosen_while_live_can_be_retaken(qtbot, live: PhotoCaptureWidget, tmp_path: Path):
    choose(live, photo_file(tmp_path, "kund.bmp", ".bmp"))
    with qtbot.waitSignal(live.photo_changed, timeout=WAIT_MS):
        live.choose_photo_file()
    assert live.jpeg() is not None and not live.is_live()
    assert live.retake_button.isEnabled()
    live.retake()
    assert live.jpeg() is None
    qtbot.waitUntil(live.is_live, timeout=WAIT_MS)


def test_cancelled_file_dialog_changes_nothing(qtbot, live: PhotoCaptureWidget):
    choose(live, "")
    with qtbot.assertNotEmitted(live.photo_changed, wait=50):
        live.choose_photo_file()
    assert live.is_live() and live.jpeg() is None


def test_take_photo_wins_over_a_file_still_being_read(qtbot, live: PhotoCaptureWidget, tmp_path: Path):
    choose(live, photo_file(tmp_path, "sen.png"))
    live.choose_photo_file()
    live.take_photo()  # before the file's result arrives
    taken = live.jpeg()
    qtbot.wait(200)  # the file result arrives and must be ignored
    assert live.jpeg() is taken and live.status.text() == TAKEN


# --- existing customer ------------------------------------------------------------------------


def test_existing_photo_is_shown_beside_the_preview(make_widget):
    widget = make_widget(None)
    widget.set_existing_photo(portrait_jpeg(make_frame(0)))
    assert not widget.existing_caption.isHidden() and widget.existing_caption.text() == "Nuvarande foto"
    pixmap = widget.existing_photo.pixmap()
    assert not pixmap.isNull() and pixmap.height() == 160
    assert widget.jpeg() is None  # the old photo is not a new one
    widget.set_existing_photo(None)
    assert widget.existing_caption.isHidden() and widget.existing_photo.isHidden()


def test_unreadable_existing_photo_says_so(make_widget):
    widget = make_widget(None)
    widget.set_existing_photo(b"inte en jpeg")
    assert widget.existing_photo.text() == EXISTING_UNREADABLE


# --- stopping ---------------------------------------------------------------------------------


def test_stop_leaves_no_running_thread(qtbot, live: PhotoCaptureWidget):
    live.stop()
    assert not live.is_capturing() and not live.camera.thread_alive()
    assert not camera_threads()
    assert live.status.text() == CAMERA_OFF and not live.take_button.isEnabled()


def test_hiding_stops_the_camera_and_showing_resumes_it(qtbot, make_widget, video: Path):
    widget = make_widget(str(video))
    with qtbot.waitExposed(widget):
        widget.show()
    widget.start()
    qtbot.waitUntil(widget.is_live, timeout=WAIT_MS)
    widget.hide()
    assert not widget.is_capturing() and not camera_threads()
    widget.show()
    qtbot.waitUntil(widget.is_live, timeout=WAIT_MS)


def test_closing_stops_the_camera_for_good(qtbot, make_widget, video: Path):
    widget = make_widget(str(video))
    widget.show()
    widget.start()
    qtbot.waitUntil(widget.is_live, timeout=WAIT_MS)
    widget.close()
    assert not widget.is_capturing() and not camera_threads()
    widget.show()
    qtbot.wait(100)
    assert not widget.is_capturing()


def test_hiding_the_window_around_the_widget_stops_the_camera(qtbot, video: Path):
    window = QWidget()
    qtbot.addWidget(window)
    widget = PhotoCaptureWidget(str(video), window)
    window.show()
    widget.start()
    qtbot.waitUntil(widget.is_live, timeout=WAIT_MS)
    window.hide()
    assert not camera_threads()


# --- keyboard ---------------------------------------------------------------------------------


def test_buttons_have_mnemonics_and_take_tab_focus(make_widget):
    widget = make_widget(None)
    buttons = (widget.take_button, widget.retake_button, widget.file_button)
    assert [b.text() for b in buttons] == ["&Ta foto", "Ta &om", "&Välj bild från fil"]
    for button in buttons:
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_alt_t_takes_the_photo_and_tab_moves_between_buttons(qtbot, live: PhotoCaptureWidget):
    with qtbot.waitActive(live):
        live.show()
        live.activateWindow()
    with qtbot.waitSignal(live.photo_changed, timeout=WAIT_MS):
        qtbot.keyClick(live, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert live.jpeg() is not None
    live.retake_button.setFocus()
    qtbot.keyClick(live.retake_button, Qt.Key.Key_Tab)
    assert live.file_button.hasFocus()


def test_alt_v_opens_the_file_chooser(qtbot, make_widget, tmp_path: Path):
    widget = make_widget(None)
    asked: list[QWidget] = []
    path = photo_file(tmp_path, "kund.png")

    def chooser(parent):
        asked.append(parent)
        return str(path)

    widget.choose_file = chooser
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    with qtbot.waitSignal(widget.photo_changed, timeout=WAIT_MS):
        qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    assert asked == [widget]

