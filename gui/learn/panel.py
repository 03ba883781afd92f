"""The Learn panel: one step of the Learn path at a time, with a live observation.

The panel shows the step's title, its text, the one thing to do, and the observation of the
step computed for the current network and drawing (recomputed whenever either changes, while
the panel is visible). Back and Next move through the steps; the step shown is kept between
launches. The panel starts no threads: observations run through the ``compute`` callable the
window gives it, and the views are opened by the window on :attr:`LearnPanel.open_view_requested`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextDocumentFragment
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.shell import Dock, NoUnsavedWork, Shell
from cnn_studio.gui.common.widgets import push_button
from cnn_studio.gui.learn.progress import save_step, saved_step, started
from cnn_studio.model.lessons.step import LessonStep, Observation, ViewTarget
from cnn_studio.model.lessons.steps import STEPS
from cnn_studio.model.nets.shown import ShownNetwork

#: ``compute(job, on_done)``: run ``job()`` away from the GUI thread, then call
#: ``on_done(result)`` on the GUI thread (the window's task runner, latest-only).
Compute = Callable[[Callable[[], Observation], Callable[[Observation], None]], None]
READABLE_WIDTH = 760  # the text column's widest, in pixels: lines stay short enough to read
WAITING_MODEL = "The observation appears once a network is loaded."
WAITING = "Working out the numbers for your drawing..."


def _label(name: str, rich: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LearnPanel(NoUnsavedWork, QWidget):
    """The Learn path, one step at a time.

    Args:
        compute: runs an observation off the GUI thread (see :data:`Compute`).
        steps: the steps to walk through (default: ``model.lessons.steps.STEPS``).
        parent: the parent widget.

    Signals:
        open_view_requested(ViewTarget): the view the current step wants opened, with the
            settings of its latest observation (layer, map, pixel, letter...); emitted when a
            step is shown without a network, when its first observation arrives, and on
            "Show me".
        step_changed(int): the index of the step now shown.
    """

    open_view_requested = Signal(object)
    step_changed = Signal(int)

    def __init__(self, compute: Compute, steps: Sequence[LessonStep] = STEPS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learn_panel")
        self.compute = compute
        self.steps = tuple(steps)
        self.model = None
        self.shown_network: ShownNetwork | None = None
        self.image: np.ndarray | None = None
        self.observation: Observation | None = None
        self.index = saved_step([step.key for step in self.steps])
        self._token = 0
        self._stale = True
        self._opened: tuple[int, bool] | None = None  # (step, with an observation's settings)
        self._build()
        self._show_step(save=False)  # the place is saved when the person moves

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.progress_label = _label("learn_progress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("learn_progress_bar")
        self.progress_bar.setRange(1, len(self.steps))
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(8)
        self.step_combo = QComboBox()
        self.step_combo.setObjectName("learn_steps")
        self.step_combo.setToolTip("Go to any step")
        # as narrow as a reading column beside the canvas allows; the list opens full width
        self.step_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.step_combo.setMinimumContentsLength(14)
        for number, step in enumerate(self.steps, 1):
            self.step_combo.addItem(f"{number}. {step.title}", step.key)
        self.title_label = _label("learn_title")
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.text_label = _label("learn_text")
        self.task_label = _label("learn_task", rich=True)
        self.network_label = _label("learn_network")
        self.network_label.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        self.observation_label = _label("learn_observation", rich=True)
        self.observation_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.observation_label.setStyleSheet(
            colours.note_style("QLabel#learn_observation", "padding: 8px;"))
        self.show_button = push_button("Show me", "Open the view of this step, set up for your "
                                       "drawing", "learn_show")
        self.back_button = push_button("< Back", "The previous step", "learn_back")
        self.next_button = push_button("Next >", "The next step", "learn_next")

        column = QWidget()
        column.setMaximumWidth(READABLE_WIDTH)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        body = QVBoxLayout(column)
        top = QHBoxLayout()
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.step_combo)
        body.addLayout(top)
        body.addWidget(self.progress_bar)
        buttons = QHBoxLayout()  # above the text: on screen however short the dock is
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        body.addLayout(buttons)
        body.addSpacing(6)
        for widget in (self.title_label, self.text_label, self.task_label, self.network_label,
                       self.observation_label):
            body.addWidget(widget)
        body.addStretch(1)
        holder = QWidget()
        centred = QHBoxLayout(holder)  # the column as wide as it may be, centred
        centred.addStretch(1)
        centred.addWidget(column, 100)
        centred.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.show_button.clicked.connect(self.request_view)
        self.step_combo.activated.connect(self.go_to)

    # ------------------------------------------------------------------ inputs
    def set_network(self, model, shown: ShownNetwork | None = None) -> None:
        """Compute observations with ``model`` (a Keras Sequential, or None) from now on.

        Args:
            model: the network the views show.
            shown: what it is (trained model or network being edited), for the label.
        """
        self.model, self.shown_network = model, shown
        self._inputs_changed()

    def set_drawing(self, image) -> None:
        """Compute observations for the 28x28 drawing ``image`` (None: nothing drawn)."""
        self.image = None if image is None else np.array(image, dtype=np.float32)
        self._inputs_changed()

    # ------------------------------------------------------------------ navigation
    @property
    def step(self) -> LessonStep:
        """The step shown."""
        return self.steps[self.index]

    def back(self) -> None:
        """Show the previous step."""
        self.go_to(self.index - 1)

    def next(self) -> None:
        """Show the next step."""
        self.go_to(self.index + 1)

    def go_to(self, index: int) -> None:
        """Show step ``index`` (clamped to the path), and remember it for the next launch."""
        index = min(max(int(index), 0), len(self.steps) - 1)
        if index == self.index:
            return
        self.index = index
        self._show_step()
        self.step_changed.emit(index)

    @staticmethod
    def path_started() -> bool:
        """Whether the person has moved along the path (in this or an earlier launch); until
        then the window opens the panel at start-up."""
        return started()

    def target(self) -> ViewTarget:
        """The current step's view, set up by its latest observation when there is one."""
        if self.observation is None:
            return self.step.view
        return self.step.view.with_settings(self.observation.settings)

    def request_view(self) -> None:
        """Ask the window to open the current step's view (``open_view_requested``)."""
        self._opened = (self.index, self.observation is not None)
        self.open_view_requested.emit(self.target())

    # ------------------------------------------------------------------ showing
    def _show_step(self, save: bool = True) -> None:
        step = self.step
        if save:
            save_step(step.key)
        self.progress_label.setText(f"Step {self.index + 1} of {len(self.steps)}")
        self.progress_bar.setValue(self.index + 1)
        self.step_combo.setCurrentIndex(self.index)
        self.title_label.setText(step.title)
        self.text_label.setText(step.text)
        self.task_label.setText(f"<b>Try it:</b> {html.escape(step.task, quote=False)}")
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.steps) - 1)
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        self.observation = None
        self._token += 1
        self._stale = True
        self.network_label.setText(
            f"Numbers from the {self.shown_network.label}." if self.shown_network else "")
        if self.isVisible():
            self._observe()
        else:
            self._show_text(WAITING if self.model is not None else WAITING_MODEL)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Compute the observation the panel missed while hidden."""
        super().showEvent(event)
        if self._stale:
            self._observe()

    def _observe(self) -> None:
        self._stale = False
        if self.model is None:
            self._show_text(WAITING_MODEL)
            self._open_once()
            return
        self._show_text(WAITING)
        step, model, image, token = self.step, self.model, self.image, self._token
        self.compute(lambda: step.run(model, image),
                     lambda observation: self._observed(token, observation))

    def _observed(self, token: int, observation: Observation) -> None:
        if token != self._token:
            return  # the step, the network or the drawing changed since: a newer one comes
        self.observation = observation
        text = html.escape(observation.sentence, quote=False)
        if observation.applies:
            mark, colour = (("True here:", colours.success_text()) if observation.holds
                            else ("Not true here:", colours.warning_text()))
            text = f'<b style="color: {colours.css(colour)};">{mark}</b> {text}'
        self.observation_label.setText(text)
        self._open_once()

    def _show_text(self, text: str) -> None:
        self.observation_label.setText(html.escape(text, quote=False))

    def _open_once(self) -> None:
        """Open the step's view when it was not opened yet, or only without its settings."""
        if self._opened not in ((self.index, True), (self.index, self.observation is not None)):
            self.request_view()

    def observation_text(self) -> str:
        """The observation as shown, without markup (for tests and screen readers)."""
        return QTextDocumentFragment.fromHtml(self.observation_label.text()).toPlainText()


def install(shell: Shell) -> LearnPanel:
    """Put the Learn path in its dock; its observations use the shown network
    (``state.shown_model``) and the current drawing, computed in a latest-only lane."""
    state = shell.state
    lane = shell.runner.lane("learn")

    def compute(job: Callable[[], Observation], on_done: Callable[[Observation], None]) -> None:
        lane.latest("observe", job, on_done, state.message.emit)

    panel = LearnPanel(compute)
    shell.put_in_dock(Dock.LEARN, panel)
    panel.set_network(state.shown_model, state.shown)
    panel.set_drawing(state.image)
    state.shown_model_changed.connect(lambda model: panel.set_network(model, state.shown))
    state.drawing_changed.connect(panel.set_drawing)
    shell.add_shutdown_hook(lane.stop)
    return panel
