"""File dialogs start in the last folder used for that kind of file (issue 18)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common.settings import app_settings


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path, monkeypatch):
    """A private settings file: no folder remembered yet."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))


@pytest.fixture
def dialogs(monkeypatch):
    """Replace the three QFileDialog calls; record where each opened, answer from ``answers``."""
    record = {"starts": [], "answers": []}

    def answer(_parent, _caption, start="", *_args, **_kwargs):
        record["starts"].append(start)
        return record["answers"].pop(0)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (answer(*a, **k), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (answer(*a, **k), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", answer)
    return record


def test_each_kind_remembers_its_own_folder(tmp_path, dialogs):
    (tmp_path / "pics").mkdir()
    (tmp_path / "nets").mkdir()
    dialogs["answers"] = [str(tmp_path / "pics" / "a.png"), str(tmp_path / "nets" / "n.keras"),
                          "", ""]
    assert last_folder.save_file(None, "images", "Save", "x.png") == str(tmp_path / "pics" / "a.png")
    assert last_folder.open_file(None, "models", "Open", "/nowhere") == str(tmp_path / "nets" / "n.keras")
    last_folder.save_file(None, "images", "Save", "curves.png")
    last_folder.open_file(None, "models", "Open", "/nowhere")
    assert dialogs["starts"] == ["x.png", "/nowhere", str(tmp_path / "pics" / "curves.png"),
                                 str(tmp_path / "nets")]


def test_cancel_forgets_nothing_and_a_vanished_folder_falls_back(tmp_path, dialogs):
    gone = tmp_path / "gone"
    gone.mkdir()
    dialogs["answers"] = [str(gone / "a.json"), "", ""]
    last_folder.open_file(None, "strokes", "Import", "")
    last_folder.open_file(None, "strokes", "Import", "")  # cancelled
    assert last_folder.folder("strokes") == gone
    gone.rmdir()
    last_folder.open_file(None, "strokes", "Import", "/default")
    assert dialogs["starts"][-1] == "/default"


def test_folders_are_kept_in_the_app_settings(tmp_path, dialogs):
    dialogs["answers"] = [str(tmp_path)]
    last_folder.existing_folder(None, "exports", "Log folder")
    assert app_settings().value("last_folder/exports") == str(tmp_path.resolve())
    assert (tmp_path / "home" / "settings.ini").is_file()
    with pytest.raises(ValueError):
        last_folder.remember("everything", tmp_path)


def test_window_picture_dialog_starts_where_the_last_picture_went(qtbot, tmp_path, dialogs):
    from cnn_studio.gui.app.main_window import MainWindow

    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    action = next(a for a in window.file_menu.actions() if "window picture" in a.text())
    (tmp_path / "shots").mkdir()
    dialogs["answers"] = [str(tmp_path / "shots" / "one.png"), ""]
    action.trigger()
    assert (tmp_path / "shots" / "one.png").is_file()
    action.trigger()
    assert dialogs["starts"] == ["cnn-studio.png", str(tmp_path / "shots" / "cnn-studio.png")]


def test_open_network_starts_where_the_last_network_came_from(qtbot, tmp_path, dialogs):
    from cnn_studio.gui.builder.panel import LayerBuilderPanel
    from cnn_studio.gui.common.state import AppState
    from cnn_studio.model.spec.files import save_spec
    from cnn_studio.model.spec.presets import get_preset

    (tmp_path / "nets").mkdir()
    save_spec(get_preset("tiny"), tmp_path / "nets" / "tiny.cnn.json")
    first = LayerBuilderPanel(AppState())
    qtbot.addWidget(first)
    dialogs["answers"] = [str(tmp_path / "nets" / "tiny.cnn.json")]
    first.open_network()  # File > Open network...
    assert first.doc.path is not None
    second = LayerBuilderPanel(AppState())  # a new session: no network open
    qtbot.addWidget(second)
    dialogs["answers"] = [""]
    second.open_network()
    assert dialogs["starts"][-1] == str((tmp_path / "nets").resolve())
