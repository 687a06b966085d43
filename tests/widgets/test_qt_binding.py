"""Guard for the PySide6 pin in pyproject.toml: 6.12.0 dropped a reference to True on every
signal emitted from Python, which aborts the interpreter at exit after a few hundred emits."""
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_emitting_from_python_does_not_leak_references_to_true(qapp):
    emitter = _Emitter()
    received = []
    emitter.fired.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(1000):
        emitter.fired.emit(i)
    assert len(received) == 1000
    assert abs(sys.getrefcount(True) - before) < 50
