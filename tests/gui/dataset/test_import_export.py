"""Importing and exporting strokes files from the dataset panel, and bad files refused."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_dataset_panel import stroke_sample
from support_journeys import count_shown as count
from support_journeys import labels_shown, select_rows

from cnn_studio.model.ink.strokes import read_strokes, write_strokes


def test_import_a_strokes_file_then_export_and_read_it_back(panel, qtbot, tmp_path,
                                                            monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    source = tmp_path / "friend.json"
    write_strokes(source, [stroke_sample("x"), stroke_sample("Y")], (560.0, 560.0))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(source), "")))
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAAbbCxY") and count(panel, "X") == 1

    target = tmp_path / "out" / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(panel.own_actions.export_button, Qt.MouseButton.LeftButton)
    exported = read_strokes(target.with_suffix(".json"))
    assert [s.label for s in exported.samples] == list("AAAbbCxY")
    np.testing.assert_allclose(exported.samples[6].strokes[0], panel.store.samples[6].strokes[0],
                               atol=0.01)

    select_rows(qtbot, panel, [7])
    qtbot.mouseClick(panel.own_actions.export_button, Qt.MouseButton.LeftButton)
    assert [s.label for s in read_strokes(target.with_suffix(".json")).samples] == ["Y"]
    assert not list(target.parent.glob("*.tmp"))


@pytest.mark.parametrize("content, problem", [
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, "samp',
     "not valid JSON"),
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, '
     '"samples": [{"label": "%", "strokes": [[[1, 2]]]}]}', "sample 0"),
])
def test_bad_strokes_file_gives_a_message_naming_it(panel, qtbot, tmp_path, monkeypatch,
                                                     warnings, content, problem):
    from PySide6.QtWidgets import QFileDialog

    bad = tmp_path / "broken-letters.json"
    bad.write_text(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
    assert warnings[-1][0] == "Import failed"
    assert "broken-letters.json" in warnings[-1][1] and problem in warnings[-1][1]
    assert len(panel.store) == 6
