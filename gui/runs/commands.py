"""The runs view's undoable changes: deleting a run (into the trash) and renaming one.

The view makes the change first (so a failure is shown at once and nothing is pushed), then
pushes the command; the first ``redo`` (which ``QUndoStack.push`` calls) therefore does
nothing. A later undo or redo that fails (the folder was changed by hand meanwhile) reports
through ``on_error`` and leaves the runs as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from cnn_studio.model.runs.record import RunError
from cnn_studio.model.runs.store import RunStore


class RunCommand(QUndoCommand):
    """A change of the runs folder that was already made.

    Args:
        text: what Edit > Undo names.
        forward: makes the change again (redo).
        back: takes it back (undo).
        on_change: called after every undo or redo (the view reloads the table).
        on_error: called with the message when an undo or redo fails.
    """

    def __init__(self, text: str, forward: Callable[[], None], back: Callable[[], None],
                 on_change: Callable[[], None], on_error: Callable[[str], None]) -> None:
        super().__init__(text)
        self.forward, self.back = forward, back
        self.on_change, self.on_error = on_change, on_error
        self._fresh = True

    def _run(self, change: Callable[[], None]) -> None:
        try:
            change()
        except RunError as error:
            self.on_error(str(error))
        self.on_change()

    def redo(self) -> None:
        if self._fresh:
            self._fresh = False
            return
        self._run(self.forward)

    def undo(self) -> None:
        self._run(self.back)


def delete_run(store: RunStore, run_id: str, name: str, on_change, on_error) -> RunCommand:
    """Delete run ``run_id`` into the trash now; the command brings it back on undo.

    Raises:
        RunError: the run cannot be deleted (still training, folder not movable).
    """
    store.trash(run_id)
    return RunCommand(f"Delete run {name}", lambda: store.trash(run_id),
                      lambda: store.restore(run_id), on_change, on_error)


def rename_run(store: RunStore, run_id: str, before: str, after: str, on_change,
               on_error) -> RunCommand:
    """Rename run ``run_id`` now; the command gives back the old name on undo.

    Raises:
        RunError: the run cannot be renamed (still training, damaged meanwhile).
    """
    store.update(run_id, name=after)
    return RunCommand(f"Rename run to {after}", lambda: store.update(run_id, name=after),
                      lambda: store.update(run_id, name=before), on_change, on_error)
