"""Start-up stays light: the main window and every wizard module load without OpenCV/NumPy
(the camera is imported when a page with a camera opens; see docs/performance.md, cold start)."""
import subprocess
import sys


def test_main_window_modules_do_not_import_opencv():
    code = ("import sys; import widgets.app, widgets.main_window, wizards.actions, wizards.org_actions, "
            "wizards.subscription.actions, widgets.person_card, widgets.till.window; "
            "print('cv2' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}).stdout.strip()
    assert out == "False False"
