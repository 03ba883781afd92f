"""Close the app and start it again on the same home: the person's work comes back (issue 14).

Also: a bigger window widens the panels, not only the drawing (issue 14, item 10).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from support_journeys import (
    Answers,
    add_letter,
    builder_views_agree,
    click,
    count_shown,
    file_dialogs,
    labels_on_disk,
    labels_shown,
    open_window,
)

from cnn_studio.model.spec.files import load_spec
from cnn_studio.model.spec.presets import get_preset


def test_samples_network_recent_files_and_layout_come_back(qtbot, tmp_path, monkeypatch):
    """Letters, a saved network, the recent files and the dock in front
    survive closing (File > Quit) and starting again (issue 14: items 1, 14 and 15)."""
    from cnn_studio.gui.app.close_guard import DISCARD

    home = tmp_path / "home"
    first = open_window(qtbot, home, monkeypatch, size=(1280, 800))
    for key in (Qt.Key.Key_K, Qt.Key.Key_L):
        add_letter(qtbot, first, key)
    first.panels["builder"].load_preset("lenet5")
    path = tmp_path / "lenet.cnn.json"
    file_dialogs(monkeypatch, save_path=path)
    first.save_network_as_action.trigger()
    click(qtbot, first.panels["builder"].palette_buttons["dropout"])  # an edit not saved
    first.show_tab("data")
    answers = Answers(first, monkeypatch, DISCARD)
    first.quit_action.trigger()
    assert answers.asked == ["Save the network?"] and not first.isVisible()
    assert load_spec(path).layers == get_preset("lenet5").layers  # the discarded edit: not in it
    assert (home / "settings.ini").is_file() and labels_on_disk() == ["k", "l"]

    second = open_window(qtbot, home, monkeypatch, size=None)  # the saved geometry
    assert second.recent_files() == [str(path.resolve())]
    assert [action.text() for action in second.recent_menu.actions()] == [path.name]
    assert not second.data_dock.visibleRegion().isEmpty()  # the Dataset dock is in front
    browser = second.panels["dataset"]
    assert labels_shown(browser) == ["k", "l"] and count_shown(browser, "K") == 1
    second.recent_menu.actions()[0].trigger()  # File > Open recent > lenet.cnn.json
    builder = second.panels["builder"]
    assert builder.spec.layers == get_preset("lenet5").layers == second.state.spec.layers
    builder_views_agree(builder)
    assert not second.isWindowModified() and path.name in builder.header.text()
    second.close()


def test_a_bigger_window_widens_the_panels_too(qtbot, tmp_path, monkeypatch):
    """From 1280x800 to 1920x1080 (as maximising does), then back: every column keeps its
    share of the width (issue 14, item 10)."""
    window = open_window(qtbot, tmp_path / "home", monkeypatch, size=(1280, 800))
    qtbot.waitUntil(lambda: window._painted)
    qtbot.wait(150)  # the first start's dock split (50 ms after the first paint)

    def columns() -> tuple[int, int]:  # at 1280 the builder is folded into the right tabs
        return window.centralWidget().width(), window.overview_dock.width()

    before = columns()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    qtbot.wait(50)
    wide = columns()
    for old, new in zip(before, wide, strict=True):
        assert abs(new / old - 1.5) < 0.08, (before, wide)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    qtbot.wait(50)
    for old, new in zip(before, columns(), strict=True):
        assert abs(new - old) <= 0.03 * 1280, (before, columns())
    window.close()


def test_the_last_network_settings_and_explain_tab_come_back(qtbot, tmp_path, monkeypatch):
    """Edit the network (unsaved), pick training settings and an Explain tab, close, reopen:
    all back; then the network saved to a file comes back from it, clean; with that file
    deleted the next start is clean and says so once (issue 26, defect 3)."""
    from cnn_studio.gui.app.session import autosave_path

    home = tmp_path / "home"

    def reopen():
        from cnn_studio.gui.common.state import AppState

        monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
        state, lines = AppState(), []
        state.message.connect(lambda line: lines.append(line) if "session" in line else None)
        window = open_window(qtbot, home, monkeypatch, session=True, state=state)
        qtbot.waitUntil(lambda: window.state.idle, timeout=20_000)
        return window, lines

    first, _ = reopen()
    builder = first.panels["builder"]
    builder.load_preset("lenet5")
    click(qtbot, builder.palette_buttons["dropout"])  # an edit never saved to a file
    edited = builder.spec.layers
    controls = first.panels["training"].controls
    controls.epochs.setValue(7)
    controls.samples.setValue(5000)
    assert first.state.train_config.epochs == 7 and first.state.data_choice.samples == 5000
    explain = first.panels["explain"]
    click(qtbot, explain.tabs.buttons.findChild(QPushButton, "concept_softmax_tab"))
    assert explain.tabs.pages.currentWidget() is explain.softmax_tab
    first.close()
    assert autosave_path().is_file()

    second, lines = reopen()
    builder = second.panels["builder"]
    assert builder.spec.layers == edited and second.isWindowModified()  # still unsaved
    assert "(not saved) *" in builder.header.text() and not builder.stack.canUndo()
    controls = second.panels["training"].controls
    assert controls.epochs.value() == 7 and controls.samples.value() == 5000
    assert second.state.data_choice.samples == 5000
    assert second.panels["explain"].tabs.pages.currentWidget() is \
        second.panels["explain"].softmax_tab
    assert lines == []
    path = tmp_path / "mine.cnn.json"
    file_dialogs(monkeypatch, save_path=path)
    second.save_network_as_action.trigger()
    second.close()

    third, lines = reopen()
    builder = third.panels["builder"]
    assert builder.spec.layers == edited and not third.isWindowModified()
    assert builder.header.text() == "<b>mine</b> (mine.cnn.json)" and lines == []
    third.close()

    path.unlink()
    fourth, lines = reopen()
    assert fourth.panels["builder"].spec.layers != edited  # the default network
    assert len(lines) == 1 and "could not be read" in lines[0] and "mine.cnn.json" in lines[0]
    assert fourth.statusBar().currentMessage() == lines[0]
    assert fourth.panels["training"].controls.epochs.value() == 7  # the settings still come back
    fourth.close()


def test_the_model_the_canvas_read_with_comes_back(qtbot, tmp_path, monkeypatch):
    """Open a trained model, close, reopen: the canvas reads with it again; once the file is
    gone the canvas starts with the default model and the status bar says so once (issue 26,
    defect 3)."""
    from cnn_studio.gui.common.state import AppState
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file

    home, tiny = tmp_path / "home", get_preset("tiny")
    model_path = tmp_path / "small.keras"
    save_model_file(build_model(tiny, seed=0), tiny, model_path)

    def reopen():
        monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
        state, lines = AppState(), []
        state.message.connect(lambda line: lines.append(line) if "session" in line else None)
        window = open_window(qtbot, home, monkeypatch, session=True, state=state,
                             tensorflow=True)
        return window, lines

    first, _ = reopen()
    file_dialogs(monkeypatch, open_path=model_path)
    first.open_model_action.trigger()
    qtbot.waitUntil(lambda: first.state.idle and first.state.trained, timeout=30_000)
    first.close()

    second, lines = reopen()
    label = second.panels["draw"].model_label  # the canvas names the network it reads with
    qtbot.waitUntil(lambda: "trained model tiny" in label.text(), timeout=30_000)
    assert second.state.model_spec.layers == tiny.layers and not second.state.unsaved_model
    assert lines == []
    second.close()

    model_path.unlink()
    third, lines = reopen()
    qtbot.waitUntil(lambda: third.state.idle, timeout=30_000)
    # The builder's network (tiny) is back; with its trained model gone it is shown untrained.
    assert "network being edited, tiny, untrained" in third.panels["draw"].model_label.text()
    assert len(lines) == 1 and "small.keras is gone" in lines[0]
    third.close()
