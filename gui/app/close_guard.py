"""Closing the window never discards work silently: it asks first, as desktop apps do.

Before the window closes (File > Quit, Ctrl+Q, the window's close button) the guard asks:
stop a running training? then, for each panel holding unsaved work (the builder's edited
network, the training panel's trained weights), save it? Each question offers Save / Discard /
Cancel (or Stop training / Cancel); Cancel keeps the window open. Questions go through
:func:`ask_choice`, which tests replace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from cnn_studio.gui.common.shell import Panel
from cnn_studio.gui.common.tasks import Task

if TYPE_CHECKING:
    from cnn_studio.gui.app.main_window import MainWindow

SAVE, DISCARD, CANCEL, STOP = "save", "discard", "cancel", "stop"
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

    Each panel says whether it holds unsaved work (``Panel.unsaved_work``) and saves it when
    asked (``Panel.save_work``). A save that runs in the background closes the window when it
    ends well (``close_after`` holds that task while it runs).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.close_after: Task | None = None

    def ask(self, title: str, text: str, choices: tuple[str, ...]) -> str:
        """Ask through the window (``window.ask_choice``), so tests can answer."""
        return self.window.ask_choice(title, text, choices)

    def allow_close(self) -> bool:
        """True when nothing would be lost, or the person chose to save or discard it."""
        if self.window.state.training:
            answer = self.ask("Training is running",
                              "A network is being trained. Closing stops the training and "
                              "the weights trained in this run are lost.\n\nStop training "
                              "and close?", (STOP, CANCEL))
            return answer == STOP
        return all(self._saved_or_discarded(panel) for panel in self.window.panels.values())

    def _saved_or_discarded(self, panel: Panel) -> bool:
        question = panel.unsaved_work()
        if question is None:
            return True
        title, _, text = question.partition("\n")
        answer = self.ask(title, text.strip() or title, (SAVE, DISCARD, CANCEL))
        if answer != SAVE:
            return answer == DISCARD
        saved = panel.save_work()
        if isinstance(saved, bool):
            return saved  # False when its file dialog was cancelled or the save failed
        self.close_after = saved
        saved.destroyed.connect(lambda *_: self._saved(panel))
        return False

    def _saved(self, panel: Panel) -> None:
        """The background save ended: close if nothing is unsaved any more (a failure showed
        its own message and leaves the window open)."""
        self.close_after = None
        if panel.unsaved_work() is None:
            self.window.close()
