"""For the start-up benchmark: report when the first answer is on screen, and the memory used.

``benchmarks/startup.py`` launches the app with ``--draw FILE:INDEX`` and
``CNN_STUDIO_REPORT_FIRST_ANSWER`` set; once the pre-drawn letter's probabilities and
activations have painted, the app prints ``first-answer <unix time> <resident bytes>`` and
closes (with the variable set to ``tf`` it first waits for ``tf-ready <time> <bytes>``).
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer

REPORT_ANSWER_ENV = "CNN_STUDIO_REPORT_FIRST_ANSWER"


def resident_bytes() -> int:
    """This process's resident memory (RSS) in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class PaintClock(QObject):
    """Notes when each watched widget first receives a paint event.

    The answer is on screen when the last of them has painted; a poll only finds out later
    (it can wait behind other start-up work), so the poll reports the time noted here.
    """

    def __init__(self, widgets: list) -> None:
        super().__init__()
        self.first: dict[int, float] = {}
        self.widgets = widgets
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Remember the first paint of ``watched``."""
        if event.type() == QEvent.Type.Paint:
            self.first.setdefault(id(watched), time.time())
        return False

    def painted_at(self) -> float:
        """When the last watched widget on screen first painted (now when that is unknown)."""
        times = [self.first.get(id(widget)) for widget in self.widgets
                 if widget.isVisible() and not widget.visibleRegion().isEmpty()]
        return max(times) if times and None not in times else time.time()


def report_when_painted(panel, mode: str, clock: PaintClock | None = None) -> None:
    """Print the first-answer line once ``panel`` has painted its answer, then close."""
    if clock is None:
        rows = [row.body for row in panel.activation_view.rows]
        clock = PaintClock([panel.prediction_view.bars, *rows])
    view = panel.prediction_view
    if view.bars.painted_probs is not view.probs or not panel.activation_view.painted():
        QTimer.singleShot(1, lambda: report_when_painted(panel, mode, clock))
        return
    print(f"first-answer {clock.painted_at():.6f} {resident_bytes()}", flush=True)
    state, close = panel.state, panel.window().close
    if mode != "tf" or state.tf_loaded:
        QTimer.singleShot(0, close)
        return

    def loaded(_info) -> None:
        print(f"tf-ready {time.time():.6f} {resident_bytes()}", flush=True)
        QTimer.singleShot(0, close)

    state.tf_info_changed.connect(loaded)


def await_answer(panel, timeout_s: float) -> None:
    """Before the window shows: wait (bounded) for the numpy engine's answer and take it."""
    import time

    from PySide6.QtCore import QCoreApplication

    from cnn_studio.gui.common.tasks import Work

    deadline = time.monotonic() + timeout_s
    while panel.awaiting_first_answer and time.monotonic() < deadline:
        if not panel.state.is_busy(Work.NUMPY_MODEL) and not panel.inference.has_model:
            return  # the numpy engine could not read the model: TensorFlow will answer
        time.sleep(0.002)  # lets the worker thread run
        QCoreApplication.sendPostedEvents(panel.inference, 0)  # its queued signals

