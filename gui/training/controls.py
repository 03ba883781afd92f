"""The training settings form: optimizer, learning rate, batch, epochs, data, device.

Both parts are declared once (:data:`SETTINGS`, :data:`DATA`, with :mod:`gui.common.form`): the
declarations build the widgets, and the same declarations read and write the settings. The
numeric ranges are ``model.training.config.RANGES``. The settings are bound to the app state's
``train_config`` both ways: a change in the form assigns it, an assignment shows in the form.
The data part is bound the same way to ``data_choice``, a :class:`model.data.datasets.DataChoice`
(a source that is not ticked, or has no samples yet, weighs 0).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import form, last_folder
from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.form import Control
from cnn_studio.model.data.datasets import DEFAULT_WEIGHTS, DataChoice
from cnn_studio.model.training.config import RANGES, TrainConfig

SAMPLES_RANGE = (100, 500_000)
WEIGHT_RANGE = (0.0, 100.0)
OPTIMIZERS = (("SGD with momentum 0.9", "sgd"), ("Adam", "adam"), ("RMSprop", "rmsprop"))
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 0.001, "rmsprop": 0.001}
CPU = ("CPU", "cpu")
REAL_TIP = ("76,588 letters by 152 writers at 16 labs (UNIPEN, CC BY 4.0), built in. Half upper "
            "case; validated on four labs it never trains on. Rendered once (about a minute), "
            "then cached.")


def setting(attr: str, label: str, kind: str, **more) -> Control:
    """A control that carries the ``TrainConfig`` field ``attr`` (its range from ``RANGES``)."""
    return Control(attr, label, kind, key=attr, bounds=RANGES.get(attr), on_change="publish",
                   **more)


#: The ``TrainConfig`` fields of the form, in the order they are laid out.
SETTINGS = (
    setting("optimizer", "Optimizer", "combo", name="optimizer", items=OPTIMIZERS, value="adam",
            tip="How the weights move along the gradient"),
    setting("learning_rate", "Learning rate", "log", name="learning_rate", value=0.001,
            tip="Step size of the optimizer (1e-6 to 10). You can change it while training "
                "runs: it takes effect from the next batch."),
    setting("batch_size", "Batch size", "spin", value=64, tip="Samples per gradient step"),
    setting("epochs", "Epochs", "spin", value=3, tip="Passes over the training data"),
    setting("val_fraction", "Validation share", "dspin", value=0.1, step=0.05,
            tip="Share of the data held out to measure generalisation"),
    setting("seed", "Seed", "spin", value=0, tip="Seed of initial weights, shuffling and data"),
    setting("device", "Device", "combo", name="device", items=(CPU,),
            tip="Where TensorFlow trains; GPUs appear when TensorFlow sees them"),
    setting("augment", "Augment (shift, turn, zoom)", "check",
            tip="Small random shifts, rotations and zooms of the training images, and each "
                "real letter redrawn with a little slant, turn and width change: more "
                "variety for the network to learn from"),
    Control("tensorboard", "TensorBoard", "text", name="tensorboard_dir", key="tensorboard_dir",
            on_change="publish", placeholder="optional: folder for TensorBoard logs"),
)

#: The data sources: (key, check box text, weight step, tooltip).
SOURCES = (("synthetic", "Synthetic letters", 0.5, ""),
           ("real", "Real letters (UNIPEN)", 0.5, REAL_TIP),
           ("own", "My own samples", 0.25, ""),
           ("emnist", "EMNIST (imported)", 0.5, ""))
_NAMES = {"real": ("use_real_letters", "real_weight")}  # object names (tick, weight)

#: The data part: how many samples, then a tick and a mixing weight per source.
DATA = (
    Control("samples", "Samples", "spin", bounds=SAMPLES_RANGE, value=10_000, step=1000,
            key="samples", on_change="publish_data",
            tip="Training + validation samples drawn from the sources below"),
    *(control for key, text, step, tip in SOURCES for control in (
        Control(f"use_{key}", text, "check", name=_NAMES.get(key, ("", ""))[0],
                value=key == "synthetic", tip=tip, key=f"use_{key}", on_change="publish_data"),
        Control(f"{key}_weight", "weight", "dspin", name=_NAMES.get(key, ("", ""))[1],
                bounds=WEIGHT_RANGE, value=DEFAULT_WEIGHTS[key], step=step,
                tip="Mixing weight", key=f"{key}_weight", on_change="publish_data"))),
)


def form_values(choice: DataChoice) -> dict:
    """The data form's values that show ``choice``: a source with a weight above 0 is ticked
    at that weight; one without is unticked (its weight box keeps its value)."""
    values: dict = {"samples": choice.samples}
    for key, *_rest in SOURCES:
        weight = getattr(choice, f"{key}_weight")
        ticked = (isinstance(weight, int | float) and not isinstance(weight, bool)
                  and math.isfinite(weight) and weight > 0)
        values[f"use_{key}"] = ticked
        if ticked:
            values[f"{key}_weight"] = weight
    return values


class TrainingControls(QWidget):
    """Settings of the next training run; fixed while it runs, except the learning rate.

    The learning-rate box is created here but placed by the dashboard next to the buttons, since
    it stays editable during training (:attr:`learning_rate_field`: the box with its note).

    Args:
        state: the ``AppState`` whose ``train_config`` and ``data_choice`` the settings are
            bound to (None: not bound, the form alone).
    """

    learning_rate_changed = Signal(float)

    def __init__(self, state=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self._writing = None, False
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_settings())
        layout.addWidget(self._build_data())
        layout.addStretch(1)
        self.learning_rate.valueChanged.connect(self.learning_rate_changed)
        self.optimizer.currentIndexChanged.connect(self._suggest_learning_rate)
        self._fixed_while_running = [
            getattr(self, control.attr) for control in (*SETTINGS, *DATA)
            if control.attr != "learning_rate"] + [self.browse_button]
        self.refresh_sources(0, None)
        self.state = state
        if state is not None:
            self.set_config(state.train_config)
            self.set_data_choice(state.data_choice)
            state.train_config_changed.connect(self.set_config)
            state.data_choice_changed.connect(self.set_data_choice)

    def _build_settings(self) -> QFormLayout:
        """The optimizer, batch, epochs, validation, seed, device, augment and TensorBoard rows
        (the learning rate is placed by the dashboard)."""
        pairs = dict(zip((control.attr for control in SETTINGS), form.create(self, SETTINGS),
                         strict=True))
        self.learning_rate_field = pairs["learning_rate"][1]  # the box and its note
        browse = self.browse_button = QPushButton("...")
        browse.setMaximumWidth(30)
        browse.clicked.connect(self._browse_tensorboard)
        tensorboard_row = QHBoxLayout()
        tensorboard_row.addWidget(self.tensorboard, 1)
        tensorboard_row.addWidget(browse)
        layout = QFormLayout()
        for attr, (label, widget) in pairs.items():
            if attr == "learning_rate":
                continue
            layout.addRow("" if widget is self.augment else label,
                          tensorboard_row if widget is self.tensorboard else widget)
        return layout

    def _build_data(self) -> QGroupBox:
        """The data sources, each with its mixing weight and, where known, its size."""
        fields = {control.attr: widget for control, (_label, widget)
                  in zip(DATA, form.create(self, DATA), strict=True)}
        self.own_count, self.emnist_count = QLabel(""), QLabel("")
        data_box = QGroupBox("Data")
        grid = QGridLayout(data_box)
        grid.addWidget(QLabel("Samples"), 0, 0)
        grid.addWidget(fields["samples"], 0, 1)
        grid.addWidget(QLabel("weight"), 0, 2)
        for row, (key, *_rest) in enumerate(SOURCES, start=1):
            grid.addWidget(getattr(self, f"use_{key}"), row, 0)
            count = getattr(self, f"{key}_count", None)
            if count is not None:
                grid.addWidget(count, row, 1)
            grid.addWidget(fields[f"{key}_weight"], row, 2)
        note = QLabel("Several sources are mixed by weight. Each is split into training and "
                      "validation first; small ones are repeated in training only.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {colours.css(colours.muted_text())}")
        grid.addWidget(note, len(SOURCES) + 1, 0, 1, 3)
        return data_box

    # -------------------------------------------------------------- values
    def config_values(self) -> dict:
        """The ``TrainConfig`` fields chosen in the form."""
        return form.read(self, SETTINGS)

    def config(self) -> TrainConfig:
        """The training settings chosen in the form."""
        return TrainConfig(**self.config_values())

    def set_config(self, config: TrainConfig | None) -> None:
        """Show ``config``'s settings in the form (None: leave it as it is); the state's
        ``train_config`` then holds what the form shows (clamped to the ranges).

        The form's own values (its publication coming back) are not written again: that would
        reformat a number being typed ("0." -> "0.00").
        """
        if isinstance(config, TrainConfig):
            values = {key: getattr(config, key) for key in self.config_values()}
            if values != self.config_values():
                self._write(SETTINGS, values)
        self.publish()

    def publish(self) -> None:
        """Put the form's settings in the state's ``train_config`` (when bound and changed)."""
        self._publish("train_config", self.config)

    def data_choice(self) -> DataChoice:
        """The data sources chosen in the form (a ticked source without samples counts 0)."""
        values, weights = form.read(self, DATA), {}
        for key, *_rest in SOURCES:
            used = values[f"use_{key}"] and self._available(key)
            weights[f"{key}_weight"] = float(values[f"{key}_weight"]) if used else 0.0
        return DataChoice(samples=values["samples"], **weights)

    def set_data_choice(self, choice) -> None:
        """Show ``choice`` (a ``DataChoice``; anything else leaves the form as it is); the
        state's ``data_choice`` then holds what the form gives (clamped to the ranges)."""
        if isinstance(choice, DataChoice) and choice != self.data_choice():
            self._write(DATA, form_values(choice))
        self.publish_data()

    def publish_data(self) -> None:
        """Put the form's data choice in the state's ``data_choice`` (when bound and changed)."""
        self._publish("data_choice", self.data_choice)

    def _publish(self, field: str, read) -> None:
        """Assign the state's ``field`` what ``read()`` gives, read once, when it differs
        (not while the form is being written: the writer publishes once at the end)."""
        if self.state is None or self._writing:
            return
        value = read()
        if getattr(self.state, field) != value:
            setattr(self.state, field, value)

    def _write(self, controls: tuple[Control, ...], values: dict) -> None:
        """Show ``values`` in ``controls`` without publishing each step on the way."""
        self._writing = True
        try:
            form.write(self, controls, values)
        finally:
            self._writing = False

    def _available(self, key: str) -> bool:
        """Whether the source ``key`` has samples (own letters drawn, EMNIST imported)."""
        own, emnist = self._counts
        return {"own": own > 0, "emnist": bool(emnist)}.get(key, True)

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Offer the devices TensorFlow sees (``tf_ready`` info's ``(kind, name)`` pairs)."""
        gpus = [name for kind, name in devices if kind == "gpu"]
        self.device.clear()
        self.device.addItem(*CPU)
        if gpus:
            self.device.addItem(f"GPU: {gpus[0]}", "gpu")
        if len(gpus) >= 2:
            self.device.addItem(f"All {len(gpus)} GPUs (mirrored)", "mirrored")

    def refresh_own_count(self, own_samples: int) -> None:
        """Show a new count of the person's own samples (the EMNIST count stays)."""
        self.refresh_sources(own_samples, self._counts[1])

    def refresh_sources(self, own_samples: int, emnist_samples: int | None) -> None:
        """Show how many own and EMNIST samples exist; disable sources that have none."""
        self._counts = (own_samples, emnist_samples)
        self.own_count.setText(f"{own_samples} drawn")
        self.use_own.setEnabled(own_samples > 0)
        if own_samples == 0:
            self.use_own.setToolTip("Draw letters and add them to your dataset first")
        self.emnist_count.setText("not imported" if not emnist_samples
                                  else f"{emnist_samples} images")
        self.use_emnist.setEnabled(bool(emnist_samples))
        self.use_emnist.setToolTip("" if emnist_samples
                                   else "Import EMNIST in the Dataset panel first")
        self.publish_data()  # a ticked source counts once it has samples

    def set_running(self, running: bool) -> None:
        """Disable what cannot change during a run (the learning rate stays editable)."""
        for widget in self._fixed_while_running:
            widget.setEnabled(not running)
        if not running:
            self.refresh_sources(*self._counts)

    def _suggest_learning_rate(self) -> None:
        rate = DEFAULT_LEARNING_RATES.get(self.optimizer.currentData())
        if rate is not None:
            self.learning_rate.setValue(rate)

    def _browse_tensorboard(self) -> None:
        folder = last_folder.existing_folder(self, "exports", "TensorBoard log folder")
        if folder:
            self.tensorboard.setText(folder)
