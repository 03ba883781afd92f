"""The user's sample store as the GUI shares it: change notification, reload and undo.

:class:`ObservedSampleStore` is the one ``model.data.user_samples.SampleStore`` of the window
(``AppState.samples()``): the canvas adds drawings to it, the dataset panel edits it, and every
save or reload is announced through the state (``AppState.samples_changed``). :class:`SampleEditor` applies the panel's edits (delete, relabel,
import) as single atomic saves with undo and redo.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cnn_studio.model.data.user_samples import SampleStore
from cnn_studio.model.ink.strokes import Sample, StrokesError, is_letter

MAX_UNDO = 30


class ObservedSampleStore(SampleStore):
    """A :class:`SampleStore` that counts its saves and reloads (``version``) and calls
    ``on_change`` after each.

    A file that cannot be opened at all (permissions) leaves an empty store with
    ``load_error`` set instead of raising.

    Args:
        path: the store file (default: ``model.data.user_samples.default_path()``).
        on_change: called after every save or reload (the app state's ``samples_changed``).
    """

    def __init__(self, path: str | os.PathLike | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        self.on_change = on_change
        self.version = 0
        self._read(path)

    def _read(self, path: str | os.PathLike | None) -> None:
        """Read the store file; one that cannot be opened at all leaves an empty store."""
        try:
            SampleStore.__init__(self, path)
        except OSError as exc:
            self.samples, self.recovered_from = [], None
            self.load_error = f"Could not open your samples file {exc.filename or ''}: {exc}"
            self._synced(self.file_stamp())

    def changed_on_disk(self) -> bool:
        """Whether someone else wrote the file since this store last read or wrote it."""
        return self.file_stamp() != self._stamp

    def _notify(self) -> None:
        self.version += 1
        if self.on_change is not None:
            self.on_change()

    def save(self) -> None:
        """Write the store atomically, then notify the listeners."""
        super().save()
        self._notify()

    def reload(self) -> None:
        """Read the file again (after another program changed it), then notify."""
        self._read(self.path)
        self._notify()



def _copy(samples: list[Sample]) -> list[Sample]:
    """Shallow copies (the stroke arrays are shared; edits replace labels, never points)."""
    return [Sample(list(s.strokes), s.label, s.writer) for s in samples]


class SampleEditor:
    """Edits of an :class:`ObservedSampleStore`, each one atomic save, with undo and redo.

    Changes made by others (the canvas adding a drawing) clear the history, so an undo never
    removes work it did not make.

    Args:
        store: the shared store.
    """

    def __init__(self, store: ObservedSampleStore) -> None:
        self.store = store
        self.undo_stack: list[list[Sample]] = []
        self.redo_stack: list[list[Sample]] = []
        self._known = store.version

    def _valid(self, indices: list[int]) -> set[int]:
        count = len(self.store.samples)
        bad = [i for i in indices if not 0 <= i < count]
        if bad:
            raise IndexError(f"no sample {bad[0]}: the store has {count}")
        return set(indices)

    def forget_outside_changes(self) -> None:
        """Drop the history when someone else (the canvas, a reload) changed the store since
        this editor's last edit: an undo must never remove work it did not make."""
        if self.store.version != self._known:
            self.undo_stack.clear()
            self.redo_stack.clear()
            self._known = self.store.version

    def can_undo(self) -> bool:
        """Whether :meth:`undo` would change something."""
        self.forget_outside_changes()
        return bool(self.undo_stack)

    def can_redo(self) -> bool:
        """Whether :meth:`redo` would change something."""
        self.forget_outside_changes()
        return bool(self.redo_stack)

    def _commit(self, before: list[Sample]) -> None:
        """Save the edited store; on failure restore ``before`` in memory and re-raise."""
        self.forget_outside_changes()
        try:
            self.store.save()
        except (OSError, StrokesError):
            self.store.samples = before
            raise
        finally:
            self._known = self.store.version

    def _edit(self, change: Callable[[], None]) -> None:
        before = _copy(self.store.samples)
        change()
        self._commit(before)
        self._remember(before)

    def _remember(self, before: list[Sample]) -> None:
        """Keep ``before`` for undo, unless the save took in another window's changes.

        (Restoring a snapshot taken before those changes would delete them.)
        """
        self.redo_stack.clear()
        if self.store.merged_others:
            self.undo_stack.clear()
            return
        self.undo_stack = [*self.undo_stack[-(MAX_UNDO - 1):], before]

    def delete(self, indices: list[int]) -> int:
        """Delete the samples at ``indices`` with one save.

        Returns:
            How many were deleted.
        """
        chosen = sorted(self._valid(indices), reverse=True)

        def change() -> None:
            for index in chosen:
                del self.store.samples[index]

        self._edit(change)
        return len(chosen)

    def relabel(self, indices: list[int], label: str) -> int:
        """Give the samples at ``indices`` the letter ``label`` with one save.

        Raises:
            StrokesError: ``label`` is not one letter A-Z or a-z (nothing changes).
        """
        if not is_letter(label):
            raise StrokesError(f"{label!r} is not a letter: a label is one letter A-Z or a-z")
        chosen = sorted(self._valid(indices))

        def change() -> None:
            for index in chosen:
                self.store.samples[index].label = label

        self._edit(change)
        return len(chosen)

    def import_file(self, path: str | os.PathLike) -> int:
        """Append the samples of a strokes-v1 file (validated first); undoable.

        Returns:
            How many samples were added.
        """
        self.forget_outside_changes()
        before = _copy(self.store.samples)
        try:
            count = self.store.import_file(path)
        except (OSError, StrokesError):
            self.store.samples = before
            raise
        finally:
            self._known = self.store.version
        self._remember(before)
        return count

    def undo(self) -> bool:
        """Undo the last edit; False when there is nothing to undo."""
        return self._swap(self.undo_stack, self.redo_stack)

    def redo(self) -> bool:
        """Redo the last undone edit; False when there is nothing to redo."""
        return self._swap(self.redo_stack, self.undo_stack)

    def _swap(self, source: list, target: list) -> bool:
        self.forget_outside_changes()
        if not source:
            return False
        snapshot = source.pop()
        current = _copy(self.store.samples)
        self.store.samples = snapshot
        try:
            self._commit(current)
        except (OSError, StrokesError):
            source.append(snapshot)
            raise
        if self.store.merged_others:
            self.undo_stack.clear()
            self.redo_stack.clear()
            return True
        target.append(current)
        return True
