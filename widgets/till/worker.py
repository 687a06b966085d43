"""The till's database calls off the UI thread, one at a time, in order; results come back through a
queued signal."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal


class Bridge(QObject):
    finished = Signal(object, object, object)  # callback pair, result, error


class Worker:
    def __init__(self, parent: QObject) -> None:
        self.bridge = Bridge(parent)
        self.bridge.finished.connect(self._deliver)
        self.executor: ThreadPoolExecutor | None = None
        self.pending = 0

    def run(self, work: Callable[[], Any], done: Callable[[Any], None],
            failed: Callable[[BaseException], None]) -> None:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="till-db")
        self.pending += 1
        bridge = self.bridge

        def job() -> None:
            try:
                result = work()
            except BaseException as err:  # delivered to the UI thread, where it is shown or re-raised
                bridge.finished.emit((done, failed), None, err)
            else:
                bridge.finished.emit((done, failed), result, None)

        self.executor.submit(job)

    def _deliver(self, callbacks, result, error) -> None:
        self.pending -= 1
        done, failed = callbacks
        if error is not None:
            failed(error)
        else:
            done(result)

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
