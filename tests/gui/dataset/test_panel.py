"""The dataset panel's browser, driven through its widgets: counts, thumbnails, the letter
filter, and refreshing when the store changes (a drawing added on the canvas: the window)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPixmap
from support_dataset_panel import stroke_sample
from support_journeys import count_shown as count
from support_journeys import labels_shown

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import LETTERS, read_strokes, write_strokes


def test_counts_missing_letters_and_thumbnails_of_the_network_input(panel):
    assert panel.state.samples() is panel.store
    assert (count(panel, "A"), count(panel, "B"), count(panel, "C"), count(panel, "D")) == (
        3, 2, 1, 0)
    assert panel.strip.missing() == LETTERS[3:]
    assert "D" in panel.missing_label.text() and "A," not in panel.missing_label.text()
    assert panel.missing_label.isVisible()
    assert labels_shown(panel) == list("AAAbbC")
    pixmap = panel.grid.thumbs.data(panel.grid.thumbs.index(4), Qt.ItemDataRole.DecorationRole)
    assert isinstance(pixmap, QPixmap) and pixmap.width() == 56
    expected = strokes_to_image(panel.store.samples[4].strokes, STORE_CANVAS)
    shown = pixmap.toImage()
    gray = np.array([[shown.pixelColor(2 * x, 2 * y).red() for x in range(28)]
                     for y in range(28)])
    assert np.abs(gray - np.rint(expected * 255)).max() <= 1


def test_store_changes_from_canvas_or_disk_refresh_the_browser(panel, qtbot):
    # The canvas adds drawings through the state's one sample store.
    panel.state.samples().add("z", [np.array([[10.0, 10.0], [90.0, 90.0]])], (100.0, 100.0))
    assert count(panel, "Z") == 1 and panel.grid.thumbs.rowCount() == 7
    # Another program rewrites the file: refresh() notices.
    write_strokes(default_path(), [stroke_sample("Q")], STORE_CANVAS)
    panel.refresh()
    assert count(panel, "Q") == 1 and count(panel, "A") == 0
    assert labels_shown(panel) == ["Q"]


def test_a_drawing_added_on_the_canvas_appears_in_the_browser(window, qtbot):
    panel, draw = window.panels["dataset"], window.panels["draw"]
    assert window.data_dock.panel is panel and window.sample_store is panel.store
    draw.canvas.set_strokes([np.array([[10.0, 90.0], [50.0, 10.0], [90.0, 90.0]])], (100.0, 100.0))
    draw.offer_sample("w")
    qtbot.mouseClick(draw.add_bar.add_button, Qt.MouseButton.LeftButton)
    assert count(panel, "W") == 1 and labels_shown(panel)[-1] == "w"
    assert [s.label for s in read_strokes(default_path()).samples][-1] == "w"


def test_letter_filter_from_combo_and_count_strip(panel, qtbot):
    panel.letter_combo.setCurrentIndex(panel.letter_combo.findData("B"))
    assert labels_shown(panel) == ["b", "b"]
    strip = panel.strip
    column = strip.bar_rect(LETTERS.index("C"))
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(column.center().x(), 30))
    assert panel.letter_combo.currentData() == "C" and labels_shown(panel) == ["C"]
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(column.center().x(), 30))
    assert panel.letter_combo.currentData() == "" and len(labels_shown(panel)) == 6
