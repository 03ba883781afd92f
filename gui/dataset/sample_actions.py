"""The action bar for the user's own samples: relabel, delete, import, export, undo.

Every action asks through a standard dialog, applies the change with one atomic save
(``gui.common.sample_store.SampleEditor``) and answers with a message; nothing the user picks or
types can crash the app.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QMessageBox,
    QWidget,
)

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common.sample_store import SampleEditor
from cnn_studio.gui.common.widgets import push_button
from cnn_studio.model.data.sample_sync import SampleStoreError
from cnn_studio.model.ink.strokes import LETTERS, StrokesError, is_letter

RELABEL_CHOICES = list(LETTERS) + list(LETTERS.lower())
EDIT_ERRORS = (OSError, StrokesError, IndexError)


def _plural(count: int) -> str:
    return f"{count} sample{'s' if count != 1 else ''}"


class SampleActions(QWidget):
    """Buttons acting on the selected own samples.

    Args:
        state: the window's ``AppState`` (for status messages).
        editor: the editor of the shared sample store.
        selected: returns the store indices of the selected samples.

    Signals:
        imported(): samples were imported (the browser shows its own samples).
    """

    imported = Signal()

    def __init__(self, state, editor: SampleEditor, selected: Callable[[], list[int]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.editor = editor
        self.store = editor.store
        self.selected = selected
        self.relabel_button = push_button("Relabel...",
                                          "Give the selected samples another letter")
        self.delete_button = push_button("Delete", "Delete the selected samples (Delete key; "
                                         "Ctrl+Z undoes)")
        self.import_button = push_button("Import...",
                                         "Add the letters of a strokes-v1 file to your samples")
        self.export_button = push_button("Export...", "Save the selected samples, or all of them, "
                                         "as a strokes-v1 file")
        self.undo_button = push_button("Undo", "Undo the last delete, relabel or import of your "
                                       "samples (Ctrl+Z)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.relabel_button, self.delete_button, self.undo_button,
                       self.import_button, self.export_button):
            layout.addWidget(button)
        layout.addStretch(1)
        self.relabel_button.clicked.connect(self.relabel_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self.import_strokes)
        self.export_button.clicked.connect(self.export_strokes)
        self.undo_button.clicked.connect(self.undo)
        self.update_enabled(0)

    def update_enabled(self, selected: int) -> None:
        """Enable what makes sense for ``selected`` selected samples."""
        self.delete_button.setEnabled(selected > 0)
        self.relabel_button.setEnabled(selected > 0)
        self.export_button.setEnabled(bool(self.store.samples))
        self._sync_undo()

    def _sync_undo(self) -> None:
        self.undo_button.setEnabled(self.editor.can_undo())

    def _warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def delete_selected(self) -> None:
        """Delete the selected samples (one atomic save; Edit > Undo brings them back)."""
        keys = self.selected()
        if not keys:
            return
        try:
            count = self.editor.delete(keys)
        except EDIT_ERRORS as exc:
            self._warn("Delete failed", f"Could not delete the samples: {exc}")
            return
        self._sync_undo()
        self.state.message.emit(f"Deleted {_plural(count)}. Undo (or Ctrl+Z) brings them "
                                "back.")

    def relabel_selected(self) -> None:
        """Ask for a letter and give it to the selected samples."""
        keys = self.selected()
        if not keys:
            return
        text = self._ask_letter(len(keys), self.store.samples[keys[0]].label)
        if text is None:
            return
        label = text.strip()
        if not is_letter(label):
            self._warn("Not a letter", f"{label!r} is not a letter. A label is one letter, "
                       "A-Z or a-z (case is kept); the samples were not changed.")
            return
        try:
            count = self.editor.relabel(keys, label)
        except EDIT_ERRORS as exc:
            self._warn("Relabel failed", f"Could not relabel the samples: {exc}")
            return
        self._sync_undo()
        self.state.message.emit(f"Relabelled {_plural(count)} as {label}.")

    def _ask_letter(self, count: int, first: str | None) -> str | None:
        """The letter the user picks or types for ``count`` samples (None: cancelled).

        The list's completer is case-sensitive: with the default one, typing "o" matched
        the item "O" and the sample got the capital letter.
        """
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Relabel samples")
        dialog.setLabelText(f"New letter for {_plural(count)} (A-Z or a-z, case is kept):")
        dialog.setComboBoxItems(RELABEL_CHOICES)
        dialog.setComboBoxEditable(True)
        combo = dialog.findChild(QComboBox)
        if combo is not None and combo.completer() is not None:
            combo.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
        dialog.setTextValue(first if first in RELABEL_CHOICES else RELABEL_CHOICES[0])
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        text = dialog.textValue()
        dialog.deleteLater()
        return text if accepted else None

    def import_strokes(self) -> None:
        """Add the samples of a strokes-v1 file chosen by the user."""
        path = last_folder.open_file(self, "strokes", "Import drawn letters", "",
                                     "Strokes files (*.json);;All files (*)")
        if not path:
            return
        try:
            count = self.editor.import_file(path)
        except SampleStoreError as exc:
            self._warn("Import not saved", str(exc))
            return
        except (OSError, StrokesError) as exc:
            self._warn("Import failed", f"Could not import {Path(path).name}:\n{exc}\n\n"
                       "Choose a strokes-v1 file, as written by Export.")
            return
        self._sync_undo()
        self.imported.emit()
        self.state.message.emit(f"Imported {_plural(count)} from {Path(path).name}.")

    def export_strokes(self) -> None:
        """Save the selected samples, or all, to a strokes-v1 file (atomically)."""
        if not self.store.samples:
            self._warn("Nothing to export", "You have no samples yet: draw some letters first.")
            return
        keys = self.selected()
        what = f"{len(keys)} selected" if keys else f"all {len(self.store)}"
        path = last_folder.save_file(self, "strokes", f"Export {what} samples",
                                     "my-letters.json", "Strokes files (*.json)")
        if not path:
            return
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        try:
            count = self.store.export_file(path, keys or None)
        except EDIT_ERRORS as exc:
            self._warn("Export failed", f"Could not write {path.name}: {exc}")
            return
        self.state.message.emit(f"Exported {_plural(count)} to {path}.")

    def undo(self) -> None:
        """Undo the last delete, relabel or import."""
        self._history(self.editor.undo, "Undone.", "Nothing to undo in your samples.")

    def redo(self) -> None:
        """Redo the last undone edit."""
        self._history(self.editor.redo, "Redone.", "Nothing to redo in your samples.")

    def _history(self, step: Callable[[], bool], done: str, nothing: str) -> None:
        try:
            changed = step()
        except (OSError, StrokesError) as exc:
            self._warn("Undo failed", f"Could not save your samples: {exc}")
            return
        self._sync_undo()
        self.state.message.emit(done if changed else nothing)
