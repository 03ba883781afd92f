"""The Save trained model dialog starts in the folder last used for models, however that model
was opened (a recent file or a drop opens it without a dialog), else where networks were kept
(issue 26 defect 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from cnn_studio.gui.common import last_folder
from cnn_studio.model.spec.presets import get_preset


@pytest.fixture
def save_starts(monkeypatch):
    """Where each Save dialog opened (every one is cancelled)."""
    starts = []

    def cancelled(_parent, _caption, start="", *_args, **_kwargs):
        starts.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled)
    return starts


def saved_model(folder: Path) -> Path:
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file

    folder.mkdir()
    path = folder / "mine.keras"
    spec = get_preset("tiny")
    save_model_file(build_model(spec, seed=0), spec, str(path))
    return path


def test_save_starts_where_the_last_model_was_opened(qtbot, dashboard, tmp_path, save_starts):
    path = saved_model(tmp_path / "elsewhere")
    dashboard.files.open_model_file(str(path))  # as File > Open recent and a drop do
    qtbot.waitUntil(lambda: dashboard.model is not None and not dashboard.files.tasks,
                    timeout=60_000)
    assert dashboard.files.ask_save_model() is False  # cancelled
    assert Path(save_starts[-1]).parent == tmp_path / "elsewhere"


def test_without_a_model_folder_save_starts_where_networks_are_kept(qtbot, dashboard, tmp_path,
                                                                     save_starts):
    path = saved_model(tmp_path / "models")
    dashboard.files.open_model_file(str(path))
    qtbot.waitUntil(lambda: dashboard.model is not None and not dashboard.files.tasks,
                    timeout=60_000)
    (tmp_path / "models" / "mine.keras").unlink()
    (tmp_path / "models" / "mine.cnn.json").unlink(missing_ok=True)
    (tmp_path / "models").rmdir()  # the remembered model folder is gone
    (tmp_path / "nets").mkdir()
    last_folder.remember("networks", tmp_path / "nets" / "net.cnn.json")
    dashboard.files.ask_save_model()
    assert Path(save_starts[-1]).parent == tmp_path / "nets"
