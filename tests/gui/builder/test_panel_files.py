"""The builder's network files: new, open, save, save as, recent files, the default network
(the panel alone; File > Open recent and the title bar on the window)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from support_builder import click, field, type_into

from cnn_studio.model.spec.files import canonical, load_spec
from cnn_studio.model.spec.presets import get_preset

pytestmark = pytest.mark.usefixtures("start_with_classic")


@pytest.mark.parametrize("content", ["{not json", "", '{"format": "something-else"}',
                                     '{"format": "cnn-studio-network", "version": 1, '
                                     '"layers": [{"kind": "lstm"}]}'])
def test_bad_network_file_shows_a_message(panel, tmp_path, monkeypatch, content):
    path = tmp_path / "bad.cnn.json"
    path.write_text(content)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before = panel.spec
    panel.open_network()                          # File > Open network...
    assert len(warnings) == 1 and "bad.cnn.json" in warnings[0]
    assert panel.spec == before and panel.doc.path is None


def test_save_and_reopen_round_trip(window, builder, qtbot, tmp_path, monkeypatch):
    builder.load_preset("deep")
    target = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_network_action.trigger()          # not saved yet: asks for a name
    saved = tmp_path / "mine.cnn.json"
    assert saved.exists() and load_spec(saved) == builder.spec
    assert builder.stack.isClean() and "*" not in builder.header.text()
    assert window.recent_files()[0] == str(saved.resolve())
    deep = builder.spec

    builder.load_preset("tiny")
    assert "*" in builder.header.text()
    window.recent_menu.actions()[0].trigger()     # File > Open recent > mine.cnn.json
    assert builder.spec == deep and builder.doc.path == str(saved.resolve())

    builder.table.select_layer(0)
    type_into(qtbot, field(builder, "filters"), "20")
    window.save_network_action.trigger()          # has a file now: saves without asking
    assert load_spec(saved).layers[0].params["filters"] == 20
    assert not list(tmp_path.glob("*.tmp*"))


def test_save_failure_shows_a_message(panel, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    target = tmp_path / "missing-folder" / "x" / "net.cnn.json"
    (tmp_path / "missing-folder").write_text("a file, not a folder")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert panel.save_as() is False
    assert len(warnings) == 1 and "save" in warnings[0].lower()


def test_new_network_from_a_preset(panel, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda _p, _t, _l, items, *a, **k:
                        (next(i for i in items if i.startswith("dense")), True))
    panel.new_network()                           # File > New network...
    assert canonical(panel.spec) == canonical(get_preset("dense"))


def test_default_spec_prefers_the_shipped_model(tmp_path, monkeypatch):
    from cnn_studio.gui.builder import files as layer_builder
    from cnn_studio.model.spec.files import save_spec

    monkeypatch.setattr(layer_builder, "DEFAULT_MODEL_DIR", tmp_path)
    assert canonical(layer_builder.default_spec()) == canonical(get_preset("classic"))
    save_spec(get_preset("tiny"), tmp_path / "default.cnn.json")
    assert layer_builder.default_spec() == get_preset("tiny")
    (tmp_path / "default.cnn.json").write_text("garbage")
    assert canonical(layer_builder.default_spec()) == canonical(get_preset("classic"))


def test_the_panel_alone_announces_files_and_its_title_through_the_state(panel, qtbot, tmp_path,
                                                                         monkeypatch):
    from cnn_studio.model.spec.files import save_spec

    state, used = panel.state, []
    state.file_used.connect(used.append)
    assert (state.network_name, state.unsaved_network) == ("classic", False)
    click(qtbot, panel.palette_buttons["dropout"])
    assert state.unsaved_network
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mine"), ""))
    assert panel.save_as()
    assert used == [str((tmp_path / "mine.cnn.json").resolve())] and not state.unsaved_network
    other = tmp_path / "other.cnn.json"
    save_spec(get_preset("tiny"), other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    panel.open_network()
    assert used[1:] == [str(other.resolve())] and state.network_name == "tiny"


def test_save_as_and_open_reach_open_recent_and_the_title_via_the_state(window, builder,
                                                                        tmp_path, monkeypatch):
    from cnn_studio.model.spec.files import save_spec

    assert window.builder_dock.panel is builder
    used = []
    window.state.file_used.connect(used.append)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mine.json"), ""))
    window.save_network_as_action.trigger()
    other = tmp_path / "other.cnn.json"
    save_spec(get_preset("tiny"), other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    window.open_network_action.trigger()
    saved = str((tmp_path / "mine.cnn.json").resolve())
    assert used == [saved, str(other.resolve())]
    assert [action.toolTip() for action in window.recent_menu.actions()[:2]] == used[::-1]
    assert window.windowTitle() == "CNN Studio \u2014 tiny[*]" and not window.isWindowModified()
    builder.load_preset("classic")
    assert window.windowTitle() == "CNN Studio \u2014 classic[*]" and window.isWindowModified()

