"""The runs view as a person uses it: sort, rename, note, delete and undo, open, use, train
again, compare, and the dense-vs-CNN action, through the real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from support_runs import record, with_curves
from support_widgets import shown

from cnn_studio.gui.runs.runs_view import RunsView
from cnn_studio.gui.runs.table import NAME, VALIDATION
from cnn_studio.model.runs.dense_vs_cnn import Experiment
from cnn_studio.model.runs.record import MODEL_FILE
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.network import NetworkSpec


def run_now(fn, on_done):
    """The window's task runner, done at once (the tests need no thread)."""
    on_done(fn())


@pytest.fixture
def store(tmp_path) -> RunStore:
    store = RunStore(tmp_path / "runs")
    for hour, (name, val) in enumerate((("alpha", 0.5), ("beta", 0.9), ("gamma", 0.7))):
        made = record("tiny", id=name, name=name, created=f"2026-12-07T0{hour}:00:00Z",
                      metrics={"val_accuracy": val, "real_accuracy": val - 0.1})
        store.create(with_curves(made))
    (store.root / "broken").mkdir()
    (store.root / "broken" / "run.json").write_text("{")
    return store


@pytest.fixture
def view(qtbot, store) -> RunsView:
    widget = shown(qtbot, RunsView(store, run_now), (1100, 600))
    widget.refresh()
    return widget


def _names(view) -> list[str]:
    model = view.model
    return [model.index(row, NAME).data() for row in range(model.rowCount())]


def _select(qtbot, view, name: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    row = _names(view).index(name)
    rect = view.table.visualRect(view.model.index(row, NAME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_runs_are_listed_newest_first_damaged_ones_with_their_reason(view):
    assert _names(view) == ["gamma", "beta", "alpha", "broken"]
    assert "1 damaged folder(s) listed" in view.status.text()
    state = view.model.index(3, view.model.columnCount() - 1).data()
    assert state.startswith("damaged:") and "not readable JSON" in state


def test_clicking_a_header_sorts_by_that_figure(qtbot, view):
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(VALIDATION) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    first = _names(view)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert {tuple(first), tuple(_names(view))} == {("broken", "alpha", "gamma", "beta"),
                                                   ("beta", "gamma", "alpha", "broken")}


def test_rename_by_typing_and_undo_it(qtbot, view, store):
    _select(qtbot, view, "beta")
    row = _names(view).index("beta")
    rect = view.table.visualRect(view.model.index(row, NAME))
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = view.table.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "bigger kernels")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: "bigger kernels" in _names(view))
    assert store.read("beta").name == "bigger kernels"
    view.undo_stack.undo()
    assert store.read("beta").name == "beta" and "beta" in _names(view)
    view.undo_stack.redo()
    assert store.read("beta").name == "bigger kernels"


def test_a_note_is_kept_with_the_run(qtbot, view, store):
    _select(qtbot, view, "alpha")
    view.note.setFocus()
    qtbot.keyClicks(view.note, "learning rate too high")
    qtbot.mouseClick(view.note_button, Qt.MouseButton.LeftButton)
    assert store.read("alpha").note == "learning rate too high"
    _select(qtbot, view, "beta")
    assert view.note.toPlainText() == ""
    _select(qtbot, view, "alpha")
    assert view.note.toPlainText() == "learning rate too high"


def test_delete_and_undo_bring_the_runs_back(qtbot, view, store):
    _select(qtbot, view, "alpha")
    _select(qtbot, view, "gamma", Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert _names(view) == ["beta", "broken"]
    assert [e.id for e in store.entries()] == ["beta", "broken"]
    view.undo_stack.undo()
    assert _names(view) == ["gamma", "beta", "alpha", "broken"]
    assert store.read("alpha").name == "alpha"
    view.undo_stack.redo()
    assert _names(view) == ["beta", "broken"]


def test_open_use_and_train_again_emit_what_the_window_needs(qtbot, view, store):
    _select(qtbot, view, "beta")
    assert not view.use_button.isEnabled()  # no model kept
    with qtbot.waitSignal(view.open_network_requested) as opened:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert isinstance(opened.args[0], NetworkSpec) and opened.args[0].name == "tiny"
    with qtbot.waitSignal(view.train_again_requested) as again:
        qtbot.mouseClick(view.again_button, Qt.MouseButton.LeftButton)
    assert again.args[0].id == "beta" and again.args[0].settings["batch_size"] == 64
    (store.root / "beta" / MODEL_FILE).write_bytes(b"model")
    store.update("beta", note="")  # the record now names its model
    kept = store.read("beta")
    kept.model_file = MODEL_FILE
    store.write(kept)
    view.refresh()
    _select(qtbot, view, "beta")
    with qtbot.waitSignal(view.use_model_requested) as used:
        qtbot.mouseClick(view.use_button, Qt.MouseButton.LeftButton)
    assert used.args[0] == str(store.root / "beta" / MODEL_FILE)


def test_compare_selected_runs_or_one_with_itself(qtbot, view):
    _select(qtbot, view, "alpha")
    with qtbot.waitSignal(view.compare_requested) as one:
        qtbot.mouseClick(view.compare_button, Qt.MouseButton.LeftButton)
    assert [r.id for r in one.args[0]] == ["alpha", "alpha"]
    _select(qtbot, view, "gamma", Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.compare_requested) as two:
        qtbot.mouseClick(view.compare_button, Qt.MouseButton.LeftButton)
    assert [r.id for r in two.args[0]] == ["gamma", "alpha"] and two.args[1] == []
    _select(qtbot, view, "broken")
    assert not view.compare_button.isEnabled() and view.delete_button.isEnabled()
    assert "not readable JSON" in view.status.text()


def test_dense_vs_cnn_runs_through_the_given_function(qtbot, store):
    dense, cnn = store.read("alpha"), store.read("beta")
    calls = []

    def experiment():
        calls.append(1)
        return Experiment(dense, cnn, ["first paragraph", "second"])

    view = shown(qtbot, RunsView(store, run_now, experiment))
    with qtbot.waitSignal(view.compare_requested) as opened:
        qtbot.mouseClick(view.dense_button, Qt.MouseButton.LeftButton)
    assert calls == [1] and [r.id for r in opened.args[0]] == ["alpha", "beta"]
    assert opened.args[1] == ["first paragraph", "second"] and view.dense_button.isEnabled()


def test_a_failing_experiment_says_why(qtbot, store):
    from cnn_studio.model.data.dataset import DatasetError

    def experiment():
        raise DatasetError("no letters to train on: generate some first")

    view = shown(qtbot, RunsView(store, run_now, experiment))
    qtbot.mouseClick(view.dense_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == ("Dense vs CNN could not run: no letters to train on: "
                                  "generate some first")
    assert view.dense_button.isEnabled()
    assert not RunsView(store, run_now).dense_button.isVisibleTo(view)


def test_only_names_of_runs_can_be_edited(qtbot, view):
    for column in (NAME + 1, VALIDATION):
        rect = view.table.visualRect(view.model.index(0, column))
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert view.table.state() != view.table.State.EditingState
    row = _names(view).index("broken")
    rect = view.table.visualRect(view.model.index(row, NAME))
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.table.state() != view.table.State.EditingState
