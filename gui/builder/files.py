"""File handling of the layer builder: new, open, save, save as, and the start-up network.

A mixin of ``LayerBuilderPanel``: it uses the panel's ``doc``, ``stack``, ``state`` and
``_push``; files opened or saved are announced as ``state.file_used`` (File > Open recent). Opening and "new" are undoable like any edit; bad files only show a message.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from cnn_studio.gui.builder.commands import ReplaceNetworkCommand
from cnn_studio.gui.common import last_folder
from cnn_studio.model.spec.files import load_spec, save_spec
from cnn_studio.model.spec.network import SPEC_SUFFIX, NetworkSpec, SpecError
from cnn_studio.model.spec.presets import PRESETS, get_preset
from cnn_studio.model.storage.paths import DEFAULT_MODEL_DIR, data_dir, safe_file_stem

FILE_FILTER = "CNN Studio networks (*.cnn.json);;JSON files (*.json);;All files (*)"


def default_spec() -> NetworkSpec:
    """The shipped default model's network if it exists and reads, else the classic preset."""
    path = DEFAULT_MODEL_DIR / ("default" + SPEC_SUFFIX)
    if path.exists():
        try:
            return load_spec(path)
        except SpecError:
            pass
    return get_preset("classic")


class NetworkFilesMixin:
    """File > New / Open / Save / Save as for the layer builder panel."""

    def new_network(self) -> None:
        """File > New network: start empty or from a preset (undoable)."""
        items = ["Empty network"] + [f"{n}: {p.description}" for n, p in PRESETS.items()]
        item, ok = QInputDialog.getItem(self, "New network", "Start from:", items, 0, False)
        if not ok or not item:
            return
        if item == items[0]:
            self._push(ReplaceNetworkCommand(self.doc, NetworkSpec([]), "New network", -1, None))
        else:
            self.load_preset(item.split(":", 1)[0])

    def open_network(self) -> None:
        """File > Open network: choose a ``.cnn.json`` file."""
        path, _ = QFileDialog.getOpenFileName(self, "Open network", self._folder(), FILE_FILTER)
        if path:
            last_folder.remember("networks", path)
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open the network file ``path``; a bad file shows a message and changes nothing."""
        try:
            spec = load_spec(path)
        except SpecError as error:
            QMessageBox.warning(self, "Could not open the network", str(error))
            return False
        path = str(Path(path).resolve())
        if not self._push(ReplaceNetworkCommand(self.doc, spec, f"Open {Path(path).name}", 0,
                                                path)):
            return False
        self.stack.setClean()
        self._remember(path)
        return True

    def save(self) -> bool:
        """File > Save network: to its file, or ask for one."""
        return self.save_to(self.doc.path) if self.doc.path else self.save_as()

    def save_as(self) -> bool:
        """File > Save network as: choose a file name (it always ends in ``.cnn.json``)."""
        # the network's name is a name, not a path: it may not steer the dialog elsewhere
        suggestion = str(Path(self._folder()) / (safe_file_stem(self.doc.spec.name) + SPEC_SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self, "Save network", suggestion, FILE_FILTER)
        if not path:
            return False
        last_folder.remember("networks", path)
        if not path.lower().endswith(SPEC_SUFFIX):  # the suffix File > Open recent knows
            path = (path[:-5] if path.lower().endswith(".json") else path) + SPEC_SUFFIX
        name = Path(path).name[:-len(SPEC_SUFFIX)] or self.doc.spec.name
        old_name = self.doc.spec.name
        self.doc.rename(name)  # the network is called as its new file (the title says so)
        if not self.save_to(path):
            self.doc.rename(old_name)
            return False
        return True

    def save_to(self, path: str) -> bool:
        """Write the network to ``path`` atomically; a failure shows a message."""
        try:
            save_spec(self.doc.spec, path)
        except SpecError as error:
            QMessageBox.warning(self, "Could not save the network", str(error))
            return False
        self.doc.path = str(Path(path).resolve())
        self.stack.setClean()
        self._update_header()
        self._remember(self.doc.path)
        self.state.message.emit(f"Saved the network to {self.doc.path}")
        return True

    def show_model_network(self, spec: NetworkSpec, path: str) -> None:
        """Show the network of the model file ``path`` just opened, as read from it: the
        builder says where it came from, with no unsaved edits (the close guard asks nothing)."""
        if spec.layers != self.doc.spec.layers or spec.name != self.doc.spec.name:
            self.stack.push(ReplaceNetworkCommand(self.doc, spec,
                                                  f"Network of {Path(path).name}", 0, None))
        elif self.doc.path is not None:  # the same network, from the model file this time
            self.doc.path = None
        self.model_file = str(path)
        self.stack.setClean()
        self._update_header()

    def show_last_network(self, spec: NetworkSpec, path: str | None) -> None:
        """Start from the last launch's network: from its file ``path`` (saved), or from the
        autosave (None: still unsaved, so marked as such). No undo step leads back to the
        default network."""
        self.doc.replace(spec, 0, str(Path(path).resolve()) if path else None)
        self.stack.clear()
        if path is None:
            self.stack.resetClean()
        self._update_header()

    def _folder(self) -> str:
        if self.doc.path:
            return str(Path(self.doc.path).parent)
        return str(last_folder.folder("networks") or data_dir())

    def _remember(self, path: str) -> None:
        self.state.file_used.emit(path)
