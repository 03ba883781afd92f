"""Imports TensorFlow as a task of the window's runner, so the window and the first answer come
first.

The import (4-6 s of mostly Python work holding the GIL on two cores) would slow down
everything start-up does at the same time. So the import waits until the start-up work is
done: the later panels installed, the numpy engine reading the default model and a pre-drawn
letter answered (``STARTUP_WORK``), or at most ``START_WAIT_MAX_S``. An import cannot be
interrupted: a person who closes the window while TensorFlow still loads does not wait for it
(the runner's threads are daemons).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import TaskRunner, TaskState, Work
from cnn_studio.model.errors import UserError

#: start-up work the import waits for.
STARTUP_WORK = (Work.PANELS, Work.NUMPY_MODEL, Work.DRAW_PREDICTION)
START_WAIT_MAX_S = 2.0


def describe_tensorflow() -> dict:
    """Import TensorFlow and Keras and describe the devices they see.

    Returns:
        ``{"tensorflow": str, "keras": str, "devices": [(kind, name), ...]}``.
    """
    import keras
    import tensorflow as tf

    devices = [("cpu", "CPU")]
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            name = tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        except Exception:  # noqa: BLE001 - details are cosmetic
            name = gpu.name
        devices.append(("gpu", str(name)))
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "devices": devices}


def describe_devices(info: dict) -> str:
    """One status-bar line: versions and the device training will use."""
    gpus = [name for kind, name in info.get("devices", []) if kind == "gpu"]
    device = f"GPU: {', '.join(gpus)}" if gpus else "CPU"
    return f"TensorFlow {info.get('tensorflow', '?')} · Keras {info.get('keras', '?')} · {device}"


def import_tensorflow(_state: TaskState) -> dict:
    """The loader's task: :func:`describe_tensorflow`, any failure told as what still works."""
    try:
        return describe_tensorflow()
    except Exception as exc:
        raise UserError(
            f"TensorFlow could not be loaded ({exc}). Drawing and designing still work (and "
            "predicting, with the numpy engine); reinstall with 'python3 dev.py install' to "
            "train.") from exc


class TensorFlowLoader(QObject):
    """Imports TensorFlow once start-up work is done; then ``state.tf_info`` is set and
    ``ready(info)`` emitted, or ``state.tf_failed`` and ``failed(message)``.

    Args:
        state: the app state (``Work.TENSORFLOW`` is busy from :meth:`start` to the end).
        runner: the window's task runner.
    """

    ready = Signal(dict)
    failed = Signal(str)

    def __init__(self, state: AppState, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.runner = state, runner
        self._waiting = self._started = False

    def start(self) -> None:
        """Begin importing TensorFlow once start-up work is done (see the module's notes)."""
        if self._waiting or self._started:
            return
        self._waiting = True
        self.state.begin_work(Work.TENSORFLOW)
        self.state.work_ended.connect(self._on_work_ended)
        QTimer.singleShot(int(START_WAIT_MAX_S * 1000), self, self._begin)
        self._on_work_ended(None)

    def _on_work_ended(self, _work: Work | None) -> None:
        if not any(self.state.is_busy(work) for work in STARTUP_WORK):
            self._begin()

    def _begin(self) -> None:
        """Start the import task (once)."""
        if self._started:
            return
        self._started, self._waiting = True, False
        self.state.work_ended.disconnect(self._on_work_ended)
        self.runner.start(Work.TENSORFLOW, import_tensorflow, self._loaded, self._failed)

    def _loaded(self, info: dict) -> None:
        self.state.tf_info = info
        self.ready.emit(info)
        self.state.end_work(Work.TENSORFLOW)

    def _failed(self, message: str) -> None:
        self.state.tf_failed.emit(message)
        self.failed.emit(message)
        self.state.end_work(Work.TENSORFLOW)

    def is_loading(self) -> bool:
        """Whether the import is waiting or still running."""
        return self._waiting or self.runner.running(Work.TENSORFLOW)
