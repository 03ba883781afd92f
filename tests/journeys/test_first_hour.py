"""A person's first hour, as tests: journeys across panels, from an empty home (issue 14).

Each test walks what a new user does, through real widgets, and checks after every step what
the person sees (labels, table rows, counts, the status bar) and what is on disk.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from support_journeys import (
    builder_views_agree,
    click,
    count_shown,
    file_dialogs,
    labels_on_disk,
    labels_shown,
    open_window,
    select_rows,
    strokes_file,
    type_in_letter_dialog,
)

from cnn_studio.model.data.user_samples import default_path
from cnn_studio.model.ink.strokes import LETTERS, read_strokes
from cnn_studio.model.spec.files import load_spec
from cnn_studio.model.spec.presets import get_preset


def test_letters_drawn_from_an_empty_home_are_browsed_edited_and_kept(qtbot, tmp_path,
                                                                      monkeypatch):
    """Draw, add with the keyboard, then relabel, delete, undo, import and export in the
    browser (issue 14: items 1, 11 and 14)."""
    from support_journeys import add_letter

    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    window.show_tab("data")
    browser = window.panels["dataset"]
    assert len(browser.store) == 0 and labels_shown(browser) == []
    assert browser.strip.missing() == LETTERS and not default_path().exists()

    for n, (key, shift, letter) in enumerate([(Qt.Key.Key_T, False, "t"),
                                              (Qt.Key.Key_T, True, "T"),
                                              (Qt.Key.Key_A, False, "a")], start=1):
        message = add_letter(qtbot, window, key, shift)
        assert f"as {letter} (" in message and f", {n} in all)" in message, message
        assert labels_shown(browser) == labels_on_disk() and len(labels_on_disk()) == n
        assert labels_on_disk()[-1] == letter  # the case typed is kept
    assert count_shown(browser, "T") == 2 and count_shown(browser, "A") == 1
    assert "T" not in browser.strip.missing() and "B" in browser.strip.missing()

    select_rows(qtbot, browser, [0])  # relabel the small t as a small o (item 14)
    type_in_letter_dialog(qtbot, "o")
    click(qtbot, browser.own_actions.relabel_button)
    assert labels_shown(browser) == ["o", "T", "a"] == labels_on_disk()
    assert count_shown(browser, "O") == 1 and count_shown(browser, "T") == 1
    window.activateWindow()  # the question box has closed: back to the window
    qtbot.waitUntil(window.isActiveWindow)

    select_rows(qtbot, browser, [1])  # delete with the key, undo with Ctrl+Z (item 11)
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert labels_shown(browser) == ["o", "a"] == labels_on_disk()
    assert "Undo" in window.statusBar().currentMessage()
    browser.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is browser.grid)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert labels_shown(browser) == ["o", "T", "a"] == labels_on_disk()

    friend = strokes_file(tmp_path / "friend.json", "xYz")  # import keeps what was drawn (item 1)
    file_dialogs(monkeypatch, open_path=friend)
    click(qtbot, browser.own_actions.import_button)
    assert labels_shown(browser) == ["o", "T", "a", "x", "Y", "z"] == labels_on_disk()
    assert window.sample_store is browser.store is window.state.samples()

    target = tmp_path / "export" / "my-letters"
    file_dialogs(monkeypatch, save_path=target)
    click(qtbot, browser.own_actions.export_button)
    exported = read_strokes(target.with_suffix(".json"))
    assert [s.label for s in exported.samples] == ["o", "T", "a", "x", "Y", "z"]
    assert not list(target.parent.glob("*.tmp"))

    window.close()


def test_letters_drawn_while_the_app_runs_can_be_chosen_for_training(qtbot, tmp_path,
                                                                    monkeypatch):
    """Draw two letters, open the Training dock: 'My own samples' says 2 and can be ticked."""
    from support_journeys import add_letter

    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    controls = window.panels["training"].controls
    qtbot.waitUntil(lambda: controls.own_count.text() == "0 drawn")
    for key in (Qt.Key.Key_B, Qt.Key.Key_C):
        add_letter(qtbot, window, key)
    window.show_tab("train")
    assert controls.own_count.text() == "2 drawn" and controls.use_own.isEnabled()
    window.close()


def test_a_network_built_by_clicks_from_empty_then_a_preset_and_saved(qtbot, tmp_path,
                                                                      monkeypatch):
    """Every click keeps the table, the Total row, the diagram and the parameter count in
    step (item 7); the training panel's verdict follows the network (item 13); the title
    marks the unsaved network until Save as writes the file and remembers it (item 14)."""
    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    builder, dashboard = window.panels["builder"], window.panels["training"]
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Empty network", True))
    window.new_network_action.trigger()
    assert builder.spec.layers == [] and builder_views_agree(builder) == 0
    assert builder.banner.isVisible()

    window.show_tab("train")
    for number, kind in enumerate(["conv2d", "maxpool2d", "conv2d", "flatten", "dense"], 1):
        click(qtbot, builder.palette_buttons[kind])
        assert [layer.kind for layer in builder.spec.layers][-1] == kind
        assert len(window.state.spec.layers) == number
        builder_views_agree(builder)
    assert builder.banner_button.text() == "Add output layer"
    click(qtbot, dashboard.train_button)  # TensorFlow not loaded: the button does nothing
    click(qtbot, builder.banner_button)
    params = builder_views_agree(builder)
    assert not builder.banner.isVisible() and params > 0
    assert "cannot be trained" not in dashboard.message.text()
    assert window.isWindowModified()

    builder.table.select_layer(1)
    click(qtbot, builder.del_button)
    builder_views_agree(builder)
    click(qtbot, builder.undo_button)
    assert builder_views_agree(builder) == params

    builder.presets.setFocus()  # Load a preset: type its name in the combo box
    qtbot.keyClicks(builder.presets, "tiny")
    assert builder.spec.layers == get_preset("tiny").layers == window.state.spec.layers
    builder_views_agree(builder)
    assert "Loaded the tiny preset" in window.statusBar().currentMessage()
    assert "cannot be trained" not in dashboard.message.text()

    path = tmp_path / "nets" / "my-first.cnn.json"
    path.parent.mkdir()
    file_dialogs(monkeypatch, save_path=path)
    window.save_network_as_action.trigger()
    assert load_spec(path).layers == get_preset("tiny").layers
    assert not window.isWindowModified()
    # after Save as the network is called as its new file (issue 26, defect 4); [*] unshown
    assert window.windowTitle() == "CNN Studio \u2014 my-first[*]"
    assert window.recent_files()[0] == str(path.resolve())
    assert [a.text() for a in window.recent_menu.actions()] == [path.name]
    window.close()


def test_training_on_own_letters_pause_rate_stop_save_explain_and_close(qtbot, tmp_path,
                                                                      monkeypatch):
    """Train a tiny network with the person's letters and the real letters mixed in, Augment
    ticked (the real letters redrawn varied); pause, change the learning rate, resume; stop a
    second run; save the trained model beside another network's file; explain the drawing;
    close while a run is under way (issue 14: items 1, 5, 6, 9, 13, 14 and 16; issue 16)."""
    from support_journeys import add_letter
    from support_real_letters import install_fake_real_letters

    from cnn_studio.model.data.user_samples import default_path

    home = tmp_path / "home"
    monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
    strokes_file(default_path(), "ABCDEFGH")  # letters drawn in an earlier session
    install_fake_real_letters(tmp_path, monkeypatch)
    window = open_window(qtbot, home, monkeypatch, tensorflow=True)
    assert len(window.sample_store) == 8
    choices = spy_on_training_data(monkeypatch)
    window.panels["builder"].load_preset("tiny")
    window.show_tab("train")
    controls = window.panels["training"].controls
    assert controls.own_count.text() == "8 drawn" and controls.use_own.isEnabled()
    for box in (controls.use_own, controls.use_real, controls.augment):
        click_box(qtbot, box)
        assert box.isChecked()
    for box, value in ((controls.samples, 130), (controls.batch_size, 8), (controls.epochs, 1),
                       (controls.val_fraction, 0.2)):
        box.setValue(value)
    pause_change_rate_resume(qtbot, window)
    assert choices[-1].own_weight > 0 and choices[-1].samples == 130  # own letters mixed in
    assert choices[-1].real_weight > 0 and choices[-1].vary_real  # real letters, varied
    stop_while_paused(qtbot, window)
    save_trained_model(qtbot, window, monkeypatch, tmp_path / "models")
    assert add_letter(qtbot, window, Qt.Key.Key_T).endswith("9 in all).")
    explain_every_tab(qtbot, window)
    close_mid_training(qtbot, window, monkeypatch)
    assert len(read_strokes(default_path()).samples) == 9


def spy_on_training_data(monkeypatch) -> list:
    """Record the DataChoice of every run (the data is still gathered as usual)."""
    from cnn_studio.gui.training import worker as training_worker

    choices, real = [], training_worker.gather_data

    def gather(choice, *args, **kwargs):
        choices.append(choice)
        return real(choice, *args, **kwargs)

    monkeypatch.setattr(training_worker, "gather_data", gather)
    return choices


def pause_change_rate_resume(qtbot, window) -> None:
    """Train, Pause at once, set the learning rate while paused, Resume, let it finish."""
    dashboard, state = window.panels["training"], window.state
    click(qtbot, dashboard.train_button)
    click(qtbot, dashboard.pause_button)
    assert state.training and dashboard.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: dashboard.message.text().startswith("Paused at epoch 1/1, step"),
                    timeout=60_000)
    assert dashboard.progress.full_text == dashboard.message.text()  # one statement (item 13)
    dashboard.controls.learning_rate.setValue(0.05)
    click(qtbot, dashboard.pause_button)
    report = wait_report(qtbot, dashboard)
    assert report.epochs_completed == 1 and not report.stopped
    assert report.history["learning_rate"] == [pytest.approx(0.05)]
    assert dashboard.progress.format().startswith("Finished")
    assert int(dashboard.confusion.grid.matrix.sum()) == len(report.val_true)
    assert not state.training and state.trained and state.unsaved_model


def stop_while_paused(qtbot, window) -> None:
    """A second, longer run: Pause, then Stop."""
    dashboard = window.panels["training"]
    dashboard.controls.epochs.setValue(3)
    click(qtbot, dashboard.train_button)
    click(qtbot, dashboard.pause_button)
    qtbot.waitUntil(lambda: dashboard.message.text().startswith("Paused"), timeout=60_000)
    click(qtbot, dashboard.stop_button)
    report = wait_report(qtbot, dashboard)
    assert report.stopped and dashboard.progress.format().startswith("Stopped")
    assert not window.state.training and dashboard.train_button.isEnabled()


def save_trained_model(qtbot, window, monkeypatch, folder) -> None:
    """File > Save trained model into a folder that holds another network of the same name:
    that file is kept (item 5) and no temporary file is left behind (item 6)."""
    from cnn_studio.model.spec.files import save_spec

    folder.mkdir()
    other = folder / "letters.cnn.json"
    save_spec(get_preset("lenet5"), other)
    kept = other.read_bytes()
    saved = folder / "letters.keras"
    file_dialogs(monkeypatch, save_path=saved)
    window.save_model_action.trigger()
    qtbot.waitUntil(lambda: not window.state.unsaved_model, timeout=60_000)
    assert saved.is_file() and other.read_bytes() == kept
    assert "Saved the trained model to" in window.panels["training"].message.text()
    assert window.recent_files()[0] == str(saved.resolve())
    assert sorted(p.name for p in folder.iterdir()) == ["letters.cnn.json", "letters.keras"]


def explain_every_tab(qtbot, window) -> None:
    """Draw, open each explain tab: each shows its content or a hint, none an error (item 16)."""
    from support_journeys import draw_t

    draw_t(window)
    window.show_tab("explain")
    panel = window.panels["explain"]
    qtbot.waitUntil(lambda: panel.ctx.has_drawing, timeout=10_000)
    for tab in panel.all_tabs():
        panel.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: not panel.ctx.busy, timeout=30_000)
        assert tab.status.text() == "", (tab.title, tab.status.text())
        assert tab.showing_content or tab.hint.text(), tab.title
    assert panel.conv_tab.showing_content and panel.softmax_tab.showing_content


def close_mid_training(qtbot, window, monkeypatch) -> None:
    """File > Quit while a run is under way asks; Cancel keeps it, Stop closes (item 14)."""
    from support_journeys import Answers

    from cnn_studio.gui.app.close_guard import CANCEL, STOP

    dashboard = window.panels["training"]
    window.show_tab("train")
    click(qtbot, dashboard.train_button)
    click(qtbot, dashboard.pause_button)
    answers = Answers(window, monkeypatch, CANCEL, STOP)
    window.quit_action.trigger()
    assert answers.asked == ["Training is running"] and window.isVisible()
    assert window.state.training
    window.quit_action.trigger()
    assert not window.isVisible() and not dashboard.run.running()


def click_box(qtbot, box) -> None:
    """Tick a check box as a person does (a click on it)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def wait_report(qtbot, dashboard):
    """The report of the run just started, once it has ended."""
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=120_000)
    assert not isinstance(dashboard.last_report, str), dashboard.last_report
    return dashboard.last_report


def test_clearing_the_drawing_while_grad_cam_computes_raises_nothing(qtbot, tmp_path,
                                                                    monkeypatch):
    """Draw, look at the Grad-CAM tab, press Esc before its answer comes (item 16)."""
    from support_journeys import draw_t

    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    window.show_tab("explain")
    panel = window.panels["explain"]
    panel.show_concept("saliency_tab")
    with qtbot.capture_exceptions() as exceptions:
        draw_t(window)
        window.panels["draw"].canvas.setFocus()
        qtbot.keyClick(window.panels["draw"].canvas, Qt.Key.Key_Escape)
        assert window.panels["draw"].canvas.is_empty()
        qtbot.waitUntil(lambda: not panel.ctx.busy, timeout=30_000)
        qtbot.wait(50)
    assert [str(error[1]) for error in exceptions] == []
    assert not panel.saliency_tab.showing_content
    window.close()
