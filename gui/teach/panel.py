"""Tools > Teach it my hand...: choose letters, draw a few of each, fine-tune, compare, keep.

The dialog has three pages. *Choose*: the letters the network misreads in the person's saved
samples (or every capital / small letter, or any typed), and how many samples of each.
*Draw*: one letter at a time on a small pad; each drawing goes into the one shared sample store.
*Teach*: a copy of the active network is fine-tuned in the background (progress, Cancel) on
those samples and the saved ones of the same letters, one of each letter held back; the page
shows accuracy before and after on the held-back samples and on other writers' letters. The
adapted weights become the active model's (``state.weights_updated``); Revert restores the
previous ones, Save writes a ``.keras`` file like any trained model.
"""

from __future__ import annotations

import string

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common.bounded import BoundedSpinBox, with_note
from cnn_studio.gui.common.shell import NoUnsavedWork, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.teach.job import TeachJob
from cnn_studio.gui.teach.pad import DrawingPad
from cnn_studio.gui.teach.parts import button, label, misread, result_text
from cnn_studio.model.data.user_samples import STORE_CANVAS
from cnn_studio.model.ink.strokes import Sample, StrokesError, is_letter

MAX_PER_LETTER = 10
CHOICES = ("misread", "upper", "lower", "typed")


class TeachDialog(NoUnsavedWork, QDialog):
    """The Teach flow (non-modal), built from the app state alone (model, samples, training
    flag, saved files). ``config`` (a ``TeachConfig``) may be replaced before a run. Adapted
    weights not yet saved are the state's ``unsaved_model`` (the training panel asks)."""

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.setObjectName("teach_dialog")
        self.setWindowTitle("Teach it my hand")
        self.config = None  # None: model.training.finetune.TeachConfig()
        self.misread: list[str] = []
        self.queue: list[str] = []
        self.drawn: list[Sample] = []
        self.saved: list[Sample] = []
        self.previous = None  # (model, weights, unsaved) before the last adaptation
        self.result = None
        self.pending_teach = False  # Teach was asked for while the samples were being checked
        self.job = TeachJob(state.runner, self)
        self.job.progress.connect(self._on_progress)
        self.job.done.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(self._on_cancelled)
        self.pages = QStackedWidget()
        for page in (self._choose_page(), self._draw_page(), self._teach_page()):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.state.model_changed.connect(self._model_replaced)

    # ------------------------------------------------------------------ pages
    def _choose_page(self) -> QWidget:
        page = QWidget()
        self.intro = label("teach_intro", "Draw a few samples of the letters the network gets "
                            "wrong; it learns your hand in under a minute without forgetting "
                            "the rest. One sample of each letter is held back to measure it.")
        self.choice_group = QButtonGroup(self)
        self.choice_buttons = {}
        for key, text in zip(CHOICES, ("Letters it misreads in your saved samples",
                                       "Every capital letter (A-Z)", "Every small letter (a-z)",
                                       "These letters:"), strict=True):
            radio = QRadioButton(text)
            radio.setObjectName(f"teach_choice_{key}")
            self.choice_group.addButton(radio)
            self.choice_buttons[key] = radio
            radio.toggled.connect(lambda on, k=key: on and self._choose(k))
        self.letters_edit = QLineEdit()
        self.letters_edit.setObjectName("teach_letters")
        self.letters_edit.setPlaceholderText("for example: a e g q R")
        self.per_letter = BoundedSpinBox("number of samples of each letter")
        self.per_letter.setObjectName("teach_per_letter")
        self.per_letter.setRange(1, MAX_PER_LETTER)
        self.per_letter.setValue(3)
        self.choose_note = label("teach_choose_note")
        self.start_button = button("Start drawing", "teach_start", self.start_drawing)
        layout = QVBoxLayout(page)
        layout.addWidget(self.intro)
        for radio in self.choice_buttons.values():
            layout.addWidget(radio)
        form = QFormLayout()
        form.addRow("Letters:", self.letters_edit)
        form.addRow("Samples of each:", with_note(self.per_letter))
        layout.addLayout(form)
        layout.addWidget(self.choose_note)
        layout.addWidget(self.start_button)
        return page

    def _draw_page(self) -> QWidget:
        page = QWidget()
        self.prompt = label("teach_prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pad = DrawingPad()
        self.clear_button = button("Clear", "teach_clear", self.pad.clear)
        self.next_button = button("Next", "teach_next", self.accept_drawing)
        self.next_button.setDefault(True)
        self.teach_button = button("Teach now", "teach_now", self.teach_now)
        self.draw_note = label("teach_draw_note")
        row = QHBoxLayout()
        for widget in (self.clear_button, self.next_button, self.teach_button):
            row.addWidget(widget)
        layout = QVBoxLayout(page)
        layout.addWidget(self.prompt)
        layout.addWidget(self.pad, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(row)
        layout.addWidget(self.draw_note)
        return page

    def _teach_page(self) -> QWidget:
        page = QWidget()
        self.status = label("teach_status")
        self.progress = QProgressBar()
        self.progress.setObjectName("teach_progress")
        self.progress.setRange(0, 100)
        self.result_label = label("teach_result")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.cancel_button = button("Cancel", "teach_cancel", self.job.cancel)
        self.revert_button = button("Revert", "teach_revert", self.revert)
        self.save_button = button("Save adapted model...", "teach_save", self.ask_save)
        self.again_button = button("Teach more...", "teach_again", self.open_flow)
        row = QHBoxLayout()
        for widget in (self.cancel_button, self.revert_button, self.save_button,
                       self.again_button):
            row.addWidget(widget)
        layout = QVBoxLayout(page)
        for widget in (self.status, self.progress, self.result_label):
            layout.addWidget(widget)
        layout.addLayout(row)
        return page

    # ----------------------------------------------------------- choose page
    def open_flow(self) -> None:
        """Show the Choose page and look for the letters the network misreads."""
        self.show()
        self.raise_()
        if self.job.running == "teach":
            return  # its page shows the run, with Cancel
        self.pages.setCurrentIndex(0)
        self.pending_teach = False
        self.start_button.setEnabled(True)
        model = self.state.model
        samples = [s for s in self.state.samples().samples if is_letter(s.label)]
        if model is None:
            self.choose_note.setText("The network is still loading; choose letters meanwhile.")
        elif not samples:
            self.choose_note.setText("You have no saved samples yet: choose the letters.")
        elif self.job.start("check", lambda progress, cancel: misread(model, samples)):
            self.choose_note.setText("Reading your saved samples...")
        self._choose("misread" if self.misread else "upper")

    def _choose(self, key: str) -> None:
        radio = self.choice_buttons[key]
        if not radio.isChecked():
            radio.setChecked(True)  # toggles back here through the button's signal
            return
        text = {"misread": " ".join(self.misread), "upper": " ".join(string.ascii_uppercase),
                "lower": " ".join(string.ascii_lowercase)}.get(key)
        if text is not None:
            self.letters_edit.setText(text)
        self.letters_edit.setReadOnly(key != "typed")

    def letters(self) -> list[str]:
        """The chosen letters, case kept, each once, in the order typed."""
        return list(dict.fromkeys(c for c in self.letters_edit.text() if is_letter(c)))

    def start_drawing(self) -> None:
        """Go to the Draw page with ``per_letter`` samples of each chosen letter to draw."""
        letters = self.letters()
        if not letters:
            self.choose_note.setText("Choose at least one letter (A-Z or a-z) to teach.")
            return
        self.saved = [s for s in self.state.samples().samples if s.label in letters]
        self.queue = [letter for letter in letters for _ in range(self.per_letter.value())]
        self.drawn = []
        self.draw_note.setText("")
        self.pages.setCurrentIndex(1)
        self._prompt_next()

    # ------------------------------------------------------------- draw page
    def _prompt_next(self) -> None:
        self.pad.clear()
        total = len(self.drawn) + len(self.queue)
        if self.queue:
            self.prompt.setText(f"<b>Draw «{self.queue[0]}»</b> as you usually write it "
                                f"({len(self.drawn) + 1} of {total}), then Next.")
        self.next_button.setEnabled(bool(self.queue))
        self.teach_button.setEnabled(bool(self.drawn or self.saved))

    def accept_drawing(self) -> None:
        """Keep the pad's drawing as a sample of the prompted letter (saved to the store)."""
        if not self.queue:
            return
        if self.pad.is_empty():
            self.draw_note.setText("Draw the letter on the white pad first.")
            return
        label = self.queue.pop(0)
        factor = STORE_CANVAS[0] / self.pad.canvas[0]
        strokes = [s * factor for s in self.pad.stroke_arrays()]
        self.drawn.append(Sample(strokes, label, "me"))
        try:
            self.state.samples().add(label, strokes, STORE_CANVAS)
            self.draw_note.setText("")
        except (OSError, StrokesError, ValueError) as error:
            self.draw_note.setText(f"Your drawing is used for teaching but could not be saved "
                                   f"with your samples: {error}")
        self._prompt_next()
        if not self.queue:
            self.teach_now()

    # ------------------------------------------------------------ teach page
    def teach_now(self) -> None:
        """Fine-tune a copy of the active network on the samples, in the background."""
        model, samples = self.state.model, [*self.saved, *self.drawn]
        self.pages.setCurrentIndex(2)
        self.result_label.setText("")
        self.pending_teach = self.job.running == "check"
        if self.pending_teach:  # starts when the check of the saved samples ends
            self.status.setText("Reading your saved samples first...")
            return
        problem = ("Wait for training to end: the network is being trained." if
                   self.state.training else "The network is still loading; try again in a "
                   "moment." if model is None else "Draw a few letters first." if not samples
                   else None)
        if problem is not None or not self._start_teaching(model, samples):
            self.status.setText(problem or "Wait for the current step to end, then try again.")
            self._set_running(False)
            return
        self.status.setText(f"Teaching with {len(samples)} of your letters...")
        self._set_running(True)

    def _start_teaching(self, model, samples: list[Sample]) -> bool:
        config, spec = self.config, self.state.model_spec

        def run(progress, cancel):
            from cnn_studio.model.training.finetune import teach

            result = teach(model, samples, config, progress, cancel)
            return model, result, keep_teach_run(model, spec, config, result)

        return self.job.start("teach", run)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.revert_button.setEnabled(not running and self.previous is not None)
        self.save_button.setEnabled(not running and self.previous is not None)
        self.again_button.setEnabled(not running)
        if running:
            self.progress.setValue(0)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self.status.setText(text)

    def _on_done(self, name: str, value) -> None:
        self.job.finished()
        if name == "check":
            self.misread = value
            self.choose_note.setText("It reads all your saved samples right." if not value else
                                     f"It misreads some of your {', '.join(value)}.")
            if self.pages.currentIndex() == 0 and not self.choice_buttons["typed"].isChecked():
                self._choose("misread" if value else "upper")
            if self.pending_teach:
                self.teach_now()
        elif name == "teach":
            self._apply(*value)
        elif name == "save":
            self.status.setText(f"Saved the adapted network to {value}.")
            self.state.file_used.emit(value)
            self.state.unsaved_model = False
            self._set_running(False)

    def _on_failed(self, name: str, message: str) -> None:
        self.job.finished()
        if name == "check":
            self.choose_note.setText(f"Could not read your saved samples: {message}")
            if self.pending_teach:
                self.teach_now()
            return
        self.status.setText(f"{'Teaching' if name == 'teach' else 'Saving'} failed: {message}")
        self._set_running(False)

    def _on_cancelled(self, name: str) -> None:
        self.job.finished()
        if name == "teach":
            self.status.setText("Cancelled: the network is unchanged.")
            self.progress.setValue(0)
        self._set_running(False)

    def _apply(self, model, result, kept: str) -> None:
        """Make the adapted weights the active model's and show before/after."""
        if self.state.model is not model:
            self.status.setText("Another network became active while teaching; nothing was "
                                "changed. Teach again to adapt the new one.")
            self._set_running(False)
            return
        self.previous = (model, model.get_weights(), self.state.unsaved_model)
        model.set_weights(result.weights)
        self.state.weights_updated.emit(result.weights)
        self.state.trained, self.state.unsaved_model = True, True
        self.result = result
        self.status.setText(f"Taught in {result.seconds:.1f} s ({result.steps} steps): the "
                            "canvas now reads with the adapted network. Save it to keep it." + kept)
        self.result_label.setText(result_text(result))
        self._set_running(False)

    def revert(self) -> None:
        """Give the active model back the weights it had before the last adaptation."""
        if self.previous is None:
            return
        model, weights, unsaved = self.previous
        self.previous = None
        if self.state.model is model:
            model.set_weights(weights)
            self.state.weights_updated.emit(weights)
            self.state.unsaved_model = unsaved
            self.status.setText("Reverted: the network reads as before teaching.")
        self._set_running(False)

    def _model_replaced(self, model) -> None:
        if self.previous is not None and model is not self.previous[0]:
            self.previous = None  # another network is active: nothing to revert to
            self._set_running(self.job.running == "teach")

    def ask_save(self) -> None:
        """Ask where to save the adapted network, then save it."""
        from cnn_studio.model.storage.paths import data_dir

        path, _ = QFileDialog.getSaveFileName(self, "Save adapted model",
                                              str(data_dir() / "my-hand.keras"),
                                              "Keras models (*.keras)")
        if path:
            self.save_to(path if path.endswith(".keras") else path + ".keras")

    def save_to(self, path: str) -> bool:
        """Save the active (adapted) model with its spec to ``path`` in the background."""
        model, spec = self.state.model, self.state.model_spec

        def save(progress, cancel):
            from cnn_studio.model.nets.model_files import save_model_file

            save_model_file(model, spec, path)
            return path

        if model is None or not self.job.start("save", save):
            return False
        self.status.setText(f"Saving to {path}...")
        self._set_running(False)
        self.save_button.setEnabled(False)
        return True

    def shutdown(self) -> None:
        """Cancel any run and stop the thread (the window is closing)."""
        self.job.shutdown()


def install(shell: Shell) -> TeachDialog:
    """Add Tools > Teach it my hand... to the window; return the dialog it opens."""
    dialog = TeachDialog(shell.state)
    shell.own_dialog(dialog)
    action = QAction("&Teach it my hand...", dialog)
    action.setObjectName("teach_action")
    action.triggered.connect(dialog.open_flow)
    shell.add_tool(action, needs_tf=True)
    dialog.action = action
    shell.add_shutdown_hook(dialog.shutdown)
    return dialog


def keep_teach_run(model, spec, config, result) -> str:
    """Keep the adapted network as a run (off the GUI thread); returns what the status line
    adds about it: where it is kept, or why it is not."""
    import keras

    from cnn_studio.model.runs.record import RunError
    from cnn_studio.model.runs.store import RunStore
    from cnn_studio.model.runs.taught import keep_taught_run
    from cnn_studio.model.training.finetune import TeachConfig

    if spec is None:
        return " (A network made elsewhere: this run is not kept in the Runs list.)"
    adapted = keras.models.clone_model(model)
    adapted.set_weights(result.weights)
    try:
        record = keep_taught_run(RunStore(), spec, adapted, config or TeachConfig(), result)
    except (RunError, OSError) as error:
        return f" (Not kept in the Runs list: {error}.)"
    return f" Kept in the Runs list as {record.name}."
