"""What of the last launch comes back: the network, the model the canvas read with, the
training settings and data sources, and the Explain tab.

On close the session writes them to the settings: the network as its file's path when it is
saved there unchanged, else to an autosave in the data home (written atomically, and never over
a file the app did not write there). On the next launch it reads the files back in a task of
the window's runner; a file that is gone or damaged leaves that part as a clean start and the
status bar says so, once.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import QObject

from cnn_studio.gui.common.tasks import Work
from cnn_studio.model.data.datasets import DataChoice
from cnn_studio.model.spec.network import SPEC_SUFFIX
from cnn_studio.model.storage.paths import data_dir
from cnn_studio.model.training.config import TrainConfig

AUTOSAVE_NAME = "last-session" + SPEC_SUFFIX
KEY = "session/"  # the settings group of everything here


def autosave_path() -> Path:
    """The unsaved network of the last launch (in the data home)."""
    return data_dir() / AUTOSAVE_NAME


def stamp(path: Path) -> str:
    """Size and modification time of ``path`` ('' when it is not a file): tells whether the
    file is still the one the app wrote."""
    try:
        info = path.stat()
    except OSError:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}" if path.is_file() else ""


def settings_of(value, kind: type):
    """A ``TrainConfig`` / ``DataChoice`` from its JSON text; None when the text is not one."""
    try:
        fields = json.loads(value) if isinstance(value, str) else None
        made = kind(**fields) if isinstance(fields, dict) else None
    except (TypeError, ValueError):
        return None
    if isinstance(made, TrainConfig) and made.errors():
        return None
    return made


def read_last_files(network: dict, model_file: str) -> dict:
    """Read what the last launch left on disk (a task: no Qt here).

    Args:
        network: ``{"file": path}`` or ``{"autosave": path}`` (or empty).
        model_file: the ``.keras`` file the canvas read with ('' for none).

    Returns:
        ``spec``, ``path`` (None: the autosave), ``model_file`` ('' when gone) and
        ``problems``, one line per part that starts clean.
    """
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import SpecError

    result: dict = {"spec": None, "path": None, "model_file": "", "problems": []}
    path = network.get("file") or network.get("autosave")
    if path:
        try:
            result["spec"] = load_spec(path)
            result["path"] = network.get("file")
        except SpecError as error:
            what = "network file" if network.get("file") else "unsaved network"
            result["problems"].append(f"the last {what} could not be read ({error})")
    if model_file:
        if Path(model_file).is_file():
            result["model_file"] = model_file
        else:
            result["problems"].append(f"the last model {Path(model_file).name} is gone")
    return result


class Session(QObject):
    """Saves the last launch's work at close and brings it back at start.

    Args:
        window: the main window (its state, runner and settings); the session is its child.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window, self.state = window, window.state
        self.model_file = ""
        self.state.file_used.connect(self._file_used)
        self.state.model_changed.connect(self._model_changed)

    # ------------------------------------------------------------------ save
    def _file_used(self, path: str) -> None:
        if str(path).lower().endswith(".keras"):
            self.model_file = str(Path(path).resolve())

    def _model_changed(self, _model) -> None:
        if self.state.unsaved_model or self.state.training:  # trained here: in no file yet
            self.model_file = ""

    def save(self) -> None:
        """Write the session to the settings (the window is closing)."""
        settings, state = self.window.settings(), self.state
        settings.setValue(KEY + "network", json.dumps(self._network_to_keep()))
        settings.setValue(KEY + "model_file", self.model_file if not state.unsaved_model else "")
        for name in ("train_config", "data_choice"):
            value = getattr(state, name)
            if value is not None:
                settings.setValue(KEY + name, json.dumps(dataclasses.asdict(value)))
        settings.setValue(KEY + "explain_tab", state.explain_tab)

    def _network_to_keep(self) -> dict:
        """Where the builder's network is kept: its file, or the autosave (written here)."""
        state = self.state
        if state.spec is None:
            return {}
        if state.network_file and not state.unsaved_network:
            return {"file": state.network_file}
        from cnn_studio.model.spec.files import save_spec
        from cnn_studio.model.spec.network import SpecError

        path, settings = autosave_path(), self.window.settings()
        if path.exists() and stamp(path) != settings.value(KEY + "autosave_stamp", ""):
            return {}  # a file the app did not write (or changed since): left alone
        try:
            save_spec(state.spec, path)
        except SpecError:
            return {}
        settings.setValue(KEY + "autosave_stamp", stamp(path))
        return {"autosave": str(path)}

    # --------------------------------------------------------------- restore
    def restore(self) -> None:
        """Bring the last launch back: the settings now, the files from a runner task."""
        settings, state = self.window.settings(), self.state
        for name, kind in (("train_config", TrainConfig), ("data_choice", DataChoice)):
            text = settings.value(KEY + name)
            value = settings_of(text, kind) if text else None
            if value is not None:
                setattr(state, name, value)
        tab = settings.value(KEY + "explain_tab", "")
        if isinstance(tab, str) and tab:
            state.explain_tab = tab
        try:
            network = json.loads(settings.value(KEY + "network", "{}") or "{}")
        except (TypeError, ValueError):
            network = {}
        network = network if isinstance(network, dict) else {}
        model_file = settings.value(KEY + "model_file", "")
        model_file = model_file if isinstance(model_file, str) else ""
        if not network and not model_file:
            return
        self.window.runner.start("last-session",
                                 lambda _task: read_last_files(network, model_file),
                                 self._files_read, self._failed, busy=Work.SESSION)

    def _files_read(self, result: dict) -> None:
        state = self.state
        if result["spec"] is not None:
            state.network_restored.emit(result["spec"], result["path"])
        if result["model_file"]:
            self.model_file = result["model_file"]
            if state.tf_loaded:
                state.model_file_requested.emit(self.model_file)
            else:
                state.tf_info_changed.connect(self._ask_model)
        if result["problems"]:
            state.message.emit("Started clean where the last session could not come back: "
                               + "; ".join(result["problems"]) + ".")

    def _ask_model(self, _info) -> None:
        self.state.tf_info_changed.disconnect(self._ask_model)
        self.state.model_file_requested.emit(self.model_file)

    def _failed(self, message: str) -> None:
        self.state.message.emit(f"Started clean: the last session could not be read ({message}).")

