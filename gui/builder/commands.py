"""The network being edited in the layer builder, and the undoable edits made to it.

Every change to the network goes through one of the ``QUndoCommand`` classes below, pushed on
the builder's ``QUndoStack``; the commands change the :class:`NetworkDocument`, which tells the
views what changed. Nothing here builds widgets.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, layer_title

_MISSING = object()
KEEP = object()
SET_PARAM_ID = 1701


class NetworkDocument(QObject):
    """The network under construction; emits ``changed`` after every edit.

    Every edit makes a new ``NetworkSpec`` (the old value is never changed), so a view that
    kept the previous spec can compare it with the new one.

    ``changed`` carries the index of the layer to select afterwards (-1: keep the selection).
    ``path`` is the file the network was opened from or saved to (None: not saved yet).
    """

    changed = Signal(int)

    def __init__(self, spec: NetworkSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = copy.deepcopy(spec) if spec is not None else NetworkSpec([])
        self.path: str | None = None

    @property
    def spec(self) -> NetworkSpec:
        """The current spec value; every edit replaces it by a new one, never changes it."""
        return self._spec

    def snapshot(self) -> NetworkSpec:
        """An independent copy of the current network."""
        return copy.deepcopy(self._spec)

    def _commit(self, layers: list[LayerSpec], select: int) -> None:
        """Make ``layers`` the network as a NEW spec value (views may hold the old one)."""
        self._spec = NetworkSpec(layers, self._spec.name)
        self.changed.emit(select)

    def _layers(self) -> list[LayerSpec]:
        return copy.deepcopy(self._spec.layers)

    def insert(self, index: int, layer: LayerSpec) -> None:
        """Insert a copy of ``layer`` at ``index``."""
        layers = self._layers()
        layers.insert(index, copy.deepcopy(layer))
        self._commit(layers, index)

    def remove(self, index: int) -> LayerSpec:
        """Remove and return the layer at ``index``."""
        layers = self._layers()
        layer = layers.pop(index)
        self._commit(layers, min(index, len(layers) - 1))
        return layer

    def move(self, source: int, target: int) -> None:
        """Move the layer at ``source`` so that it ends up at index ``target``."""
        layers = self._layers()
        layers.insert(target, layers.pop(source))
        self._commit(layers, target)

    def set_param(self, index: int, name: str, value: object) -> None:
        """Set one setting of a layer; ``_MISSING`` removes it (back to the default)."""
        layers = self._layers()
        params = layers[index].params
        if value is _MISSING:
            params.pop(name, None)
        else:
            params[name] = copy.deepcopy(value)
        self._commit(layers, index)

    def rename(self, name: str) -> None:
        """Give the network a new name (Save as: the network takes its file's name)."""
        self._spec = NetworkSpec(self._layers(), name)
        self.changed.emit(-1)

    def replace(self, spec: NetworkSpec, select: int = -1, path=KEEP) -> None:
        """Replace the whole network by a copy of ``spec`` (and its file ``path``, if given)."""
        self._spec = copy.deepcopy(spec)
        if path is not KEEP:
            self.path = path
        self.changed.emit(select)


class InsertLayerCommand(QUndoCommand):
    """Add a layer (palette click, palette drop, duplicate)."""

    def __init__(self, doc: NetworkDocument, index: int, layer: LayerSpec, verb: str = "Add"):
        super().__init__(f"{verb} {layer_title(layer)}")
        self.doc, self.index, self.layer = doc, index, copy.deepcopy(layer)

    def redo(self) -> None:
        self.doc.insert(self.index, self.layer)

    def undo(self) -> None:
        self.doc.remove(self.index)


class RemoveLayerCommand(QUndoCommand):
    """Delete a layer."""

    def __init__(self, doc: NetworkDocument, index: int):
        super().__init__(f"Delete {layer_title(doc.spec.layers[index])}")
        self.doc, self.index = doc, index
        self.layer = copy.deepcopy(doc.spec.layers[index])

    def redo(self) -> None:
        self.doc.remove(self.index)

    def undo(self) -> None:
        self.doc.insert(self.index, self.layer)


class MoveLayerCommand(QUndoCommand):
    """Move a layer (up/down buttons or drag and drop in the list)."""

    def __init__(self, doc: NetworkDocument, source: int, target: int):
        super().__init__(f"Move {layer_title(doc.spec.layers[source])}")
        self.doc, self.source, self.target = doc, source, target

    def redo(self) -> None:
        self.doc.move(self.source, self.target)

    def undo(self) -> None:
        self.doc.move(self.target, self.source)


class SetParamCommand(QUndoCommand):
    """Change one setting of one layer; consecutive changes of the same setting merge."""

    def __init__(self, doc: NetworkDocument, index: int, name: str, value: object):
        layer = doc.spec.layers[index]
        super().__init__(f"Set {name} of {layer_title(layer)}")
        self.doc, self.index, self.name, self.value = doc, index, name, value
        self.old = layer.params.get(name, _MISSING)

    def id(self) -> int:
        return SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        """Absorb a following change of the same setting (typing "128" is one step)."""
        if not isinstance(other, SetParamCommand) or (other.index, other.name) != (
                self.index, self.name):
            return False
        self.value = other.value
        self.setObsolete(self.value == self.old)
        return True

    def redo(self) -> None:
        self.doc.set_param(self.index, self.name, self.value)

    def undo(self) -> None:
        self.doc.set_param(self.index, self.name, self.old)


class ReplaceNetworkCommand(QUndoCommand):
    """Swap the whole network: new, open, preset, add the output layer.

    ``path`` is the file the new network belongs to (None: unsaved); undo restores the old one.
    """

    def __init__(self, doc: NetworkDocument, spec: NetworkSpec, text: str, select: int = -1,
                 path=KEEP):
        super().__init__(text)
        self.doc, self.select = doc, select
        self.before, self.after = doc.snapshot(), copy.deepcopy(spec)
        self.path_before = doc.path
        self.path_after = doc.path if path is KEEP else path

    def redo(self) -> None:
        self.doc.replace(self.after, self.select, self.path_after)

    def undo(self) -> None:
        self.doc.replace(self.before, -1, self.path_before)
