"""The title bar and the unsaved mark say the truth after Save as, Open trained model and an
edit (issue 26, defect 4): a network read from a saved ``.keras`` file is not "not saved *",
and after Save as the network is called as its new file."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox
from support_journeys import Answers, click, file_dialogs, open_window

from cnn_studio.model.spec.files import load_spec


def test_title_and_unsaved_mark_after_save_as_and_open_model(qtbot, tmp_path, monkeypatch):
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.spec.presets import get_preset

    tiny = get_preset("tiny")
    model_path = tmp_path / "small.keras"
    save_model_file(build_model(tiny, seed=0), tiny, model_path)
    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    builder = window.panels["builder"]
    click(qtbot, builder.palette_buttons["dropout"])
    assert window.isWindowModified() and "(not saved) *" in builder.header.text()

    file_dialogs(monkeypatch, save_path=tmp_path / "letters.cnn.json")
    window.save_network_as_action.trigger()
    assert window.windowTitle() == "CNN Studio \u2014 letters[*]" and not window.isWindowModified()
    assert builder.header.text() == "<b>letters</b> (letters.cnn.json)"
    assert load_spec(tmp_path / "letters.cnn.json").name == "letters"

    file_dialogs(monkeypatch, open_path=model_path)
    window.open_model_action.trigger()
    qtbot.waitUntil(lambda: builder.spec.layers == tiny.layers and window.state.idle,
                    timeout=30_000)
    assert window.windowTitle() == f"CNN Studio \u2014 {tiny.name}[*]"
    assert not window.isWindowModified() and not window.state.unsaved_network
    assert builder.header.text() == f"<b>{tiny.name}</b> (from the model small.keras)"
    monkeypatch.setattr(QMessageBox, "question",  # "Reset the trained weights?": Yes
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    click(qtbot, builder.palette_buttons["dropout"])  # an edit of the model's network
    assert window.isWindowModified() and "(not saved) *" in builder.header.text()
    builder.undo()
    assert not window.isWindowModified() and "small.keras" in builder.header.text()

    answers = Answers(window, monkeypatch)  # nothing unsaved: quitting asks nothing
    window.quit_action.trigger()
    assert answers.asked == [] and not window.isVisible()
