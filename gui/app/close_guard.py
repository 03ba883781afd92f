"""Closing the window never discards work silently: it asks first, as desktop apps do.

Before the window closes (File > Quit, Ctrl+Q, the window's close button) the guard asks:
stop a running training? save the network edited since it was last saved or opened (the
builder's ``QUndoStack`` is not clean)? save trained weights not yet saved
(``state.unsaved_model``)? Each question offers Save / Discard / Cancel (or Stop training /
Cancel); Cancel keeps the window open. Questions go through :func:`ask_choice`, which tests
replace.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

SAVE, DISCARD, CANCEL, STOP = "save", "discard", "cancel", "stop"
MODEL_SAVE_TASK = "save-model"  # the task name the training panel saves models under
_STANDARD = {SAVE: QMessageBox.StandardButton.Save,
             DISCARD: QMessageBox.StandardButton.Discard,
             CANCEL: QMessageBox.StandardButton.Cancel}


def ask_choice(parent, title: str, text: str, choices: tuple[str, ...]) -> str:
    """Ask with one button per choice (``SAVE``, ``DISCARD``, ``STOP``, ``CANCEL``).

    Returns the choice clicked; closing the box (Esc) is ``CANCEL``.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("close_question")
    buttons = {}
    for choice in choices:
        if choice == STOP:
            buttons[choice] = box.addButton("Stop training and close",
                                            QMessageBox.ButtonRole.DestructiveRole)
        else:
            buttons[choice] = box.addButton(_STANDARD[choice])
    if CANCEL in buttons:
        box.setEscapeButton(buttons[CANCEL])
        box.setDefaultButton(buttons[SAVE] if SAVE in buttons else buttons[CANCEL])
    box.exec()
    clicked = box.clickedButton()
    return next((choice for choice, button in buttons.items() if button is clicked), CANCEL)


class CloseGuard:
    """Decides whether the main window may close now, asking the person where work is at risk.

    ``close_after_save`` is set while a trained model is being saved on the way out; the
    window closes when that save ends well (see :meth:`task_ended`).
    """

    def __init__(self, window) -> None:
        self.window = window
        self.close_after_save = False

    def ask(self, title: str, text: str, choices: tuple[str, ...]) -> str:
        """Ask through the window (``window.ask_choice``), so tests can answer."""
        return self.window.ask_choice(title, text, choices)

    def allow_close(self) -> bool:
        """True when nothing would be lost, or the person chose to save or discard it."""
        state = self.window.state
        if getattr(state, "training", False):
            answer = self.ask("Training is running",
                              "A network is being trained. Closing stops the training and "
                              "the weights trained in this run are lost.\n\nStop training "
                              "and close?", (STOP, CANCEL))
            return answer == STOP
        return self._network_saved_or_discarded() and self._model_saved_or_discarded()

    def _network_saved_or_discarded(self) -> bool:
        builder = self.window.panels.get("builder")
        if builder is None or builder.stack.isClean():
            return True
        answer = self.ask("Save the network?",
                          f"The network \"{builder.doc.spec.name}\" has changes that are not "
                          "saved.\n\nSave them before closing?", (SAVE, DISCARD, CANCEL))
        if answer == SAVE:
            return bool(builder.save())  # False when its file dialog was cancelled or failed
        return answer == DISCARD

    def _model_saved_or_discarded(self) -> bool:
        state = self.window.state
        if not getattr(state, "unsaved_model", False):
            return True
        answer = self.ask("Save the trained model?",
                          "The trained weights have not been saved to a file.\n\nSave them "
                          "before closing?", (SAVE, DISCARD, CANCEL))
        if answer != SAVE:
            return answer == DISCARD
        self.window.save_model_action.trigger()  # asks for a file, saves in the background
        if state.is_running(MODEL_SAVE_TASK):
            self.close_after_save = True  # close once saved (see task_ended)
        return False

    def task_ended(self, name: str) -> None:
        """Background work ended: close now if it was the model save asked for on closing."""
        state = self.window.state
        if name != MODEL_SAVE_TASK or not self.close_after_save:
            return
        self.close_after_save = False
        if not getattr(state, "unsaved_model", False):  # saved; a failure showed its message
            self.window.close()
