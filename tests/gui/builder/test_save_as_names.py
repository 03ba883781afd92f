"""A network's name is a name, not a path (issue 14, defect 18; NUL name of defect 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from cnn_studio.model.spec.files import load_spec
from cnn_studio.model.spec.network import NetworkSpec
from cnn_studio.model.spec.presets import get_preset


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    from cnn_studio.gui.builder.panel import LayerBuilderPanel
    from cnn_studio.gui.common.state import AppState

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    widget = LayerBuilderPanel(AppState(), spec=get_preset("tiny"))
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("name", ["../../x", "/etc/evil", "..", "a\x00b", "sub/dir\\n"])
def test_save_as_suggests_a_file_in_the_current_folder(panel, monkeypatch, name):
    panel.doc.replace(NetworkSpec(get_preset("tiny").layers, name))
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, suggestion, *a, **k: (asked.append(suggestion)
                                                                     or ("", "")))
    assert panel.save_as() is False
    suggestion = Path(asked[0])
    assert suggestion.parent == Path(panel._folder())
    assert "\x00" not in asked[0] and suggestion.name.endswith(".cnn.json")
    assert not suggestion.name.startswith(".")


def test_save_with_a_nul_in_the_name_shows_a_message(panel, monkeypatch, tmp_path):
    panel.doc.replace(NetworkSpec(get_preset("tiny").layers, "bad\x00name"))
    target = tmp_path / "net.cnn.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    panel.doc.path = str(target)  # Save (to its file) keeps the name, NUL and all
    assert panel.save() is False  # no ValueError escapes
    assert len(warnings) == 1 and "control character" in warnings[0]
    assert not target.exists()
    assert panel.save_as() and load_spec(target).name == "net"  # Save as: the file's name
