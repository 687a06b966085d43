"""The devices' part of `reception --self-test`: the serial reader and the camera modules load, with OpenCV
and pyserial's port list. Handed to app/selftest.py by reception/launcher.py."""
from __future__ import annotations


def check_devices() -> str:
    import cv2
    import serial.tools.list_ports  # noqa: F401 - the port list the desk settings show

    import devices.serial_reader  # noqa: F401 - a missing hidden import of the build fails here
    from devices import camera

    return f"kortläsare och kamera (OpenCV {cv2.__version__}, {camera.__name__})"
