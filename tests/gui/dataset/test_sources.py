"""The dataset panel's other sources: synthetic letters (in a worker, cancellable) and EMNIST
(download, import, bad files)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_journeys import labels_shown


def test_synthetic_preview_generates_in_a_worker(panel, qtbot):
    panel.synthetic_controls.count_spin.setValue(52)
    panel.synthetic_controls.seed_spin.setValue(3)
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("synthetic"))
    qtbot.waitUntil(lambda: panel.synthetic is not None, timeout=30_000)
    assert panel.grid.thumbs.rowCount() == 52 and panel.strip.counts == [2] * 26
    assert not panel.missing_label.isVisible() and not panel.own_actions.isVisible()
    first = panel.synthetic[0].copy()
    qtbot.mouseClick(panel.synthetic_controls.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.tasks.running("synthetic"), timeout=30_000)
    np.testing.assert_array_equal(panel.synthetic[0], first)  # same seed, same letters


def test_long_generation_shows_progress_and_cancel_stops_it(panel, qtbot, monkeypatch):
    from cnn_studio.model.data import datasets
    from cnn_studio.model.synth.generator import GenerationCancelled

    started = threading.Event()

    def slow(n, seed=0, progress=None, cancel=None, **kwargs):
        progress(1000, 10_000)
        started.set()
        cancel.wait(20)
        raise GenerationCancelled("synthetic data generation was cancelled")

    monkeypatch.setattr(datasets, "synthetic_dataset", slow)
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("synthetic"))
    qtbot.waitUntil(lambda: "synthetic" in panel.tasks.rows
                    and panel.tasks.rows["synthetic"].bar.value() == 100, timeout=10_000)
    row = panel.tasks.rows["synthetic"]
    assert not panel.synthetic_controls.generate_button.isEnabled() and not panel.state.idle
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.tasks.running("synthetic"), timeout=10_000)
    assert "cancelled" in panel.grid.empty_text
    assert panel.synthetic_controls.generate_button.isEnabled()
    assert panel.state.idle


def test_download_fails_fast_offline_and_the_app_stays_usable(panel, qtbot, monkeypatch,
                                                              warnings):
    from cnn_studio.model.data import emnist_download

    monkeypatch.setattr(emnist_download, "OFFICIAL_URL", "http://127.0.0.1:9/gzip.zip")
    qtbot.mouseClick(panel.emnist_controls.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings), timeout=15_000)
    title, text = warnings[-1]
    assert title == "EMNIST download failed" and "cannot reach" in text
    assert "127.0.0.1" in text and "Import" in text
    assert panel.emnist_controls.download_button.isEnabled() and not panel.tasks.rows
    panel.letter_combo.setCurrentIndex(panel.letter_combo.findData("A"))
    assert labels_shown(panel) == list("AAA")


def write_emnist_csv(path, per_class: int = 2) -> None:
    rng = np.random.default_rng(0)
    lines = ["label," + ",".join(f"p{i}" for i in range(784))]
    for label in range(1, 27):
        for _ in range(per_class):
            image = np.zeros((28, 28), int)
            image[6:22, 10 + label % 5:14 + label % 5] = rng.integers(150, 256)
            lines.append(f"{label}," + ",".join(map(str, image.ravel())))
    path.write_text("\n".join(lines) + "\n")


def test_tiny_emnist_csv_import_adds_the_emnist_source(panel, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    csv = tmp_path / "emnist-letters-tiny.csv"
    write_emnist_csv(csv)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(csv), "")))
    assert panel.source_combo.findData("emnist") == -1
    assert "not imported" in panel.emnist_controls.status.text()
    qtbot.mouseClick(panel.emnist_controls.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.emnist is not None, timeout=30_000)
    assert panel.source == "emnist" and "52 letters" in panel.emnist_controls.status.text()
    assert panel.strip.counts == [2] * 26 and panel.grid.thumbs.rowCount() == 52
    images, _ = panel.emnist
    assert images.dtype == np.uint8 and images.shape == (52, 28, 28) and images.max() == 255


@pytest.mark.parametrize("name, content, problem", [
    ("emnist-letters-train-images-idx3-ubyte.gz", b"\x1f\x8b garbage", "cannot read"),
    ("letters.csv", b"1,2,3\n4,5,6\n", "784 pixels"),
    ("letters.txt", b"hello", "unknown EMNIST format"),
])
def test_bad_emnist_file_gives_a_message_naming_it(panel, qtbot, tmp_path, monkeypatch,
                                                   warnings, name, content, problem):
    from PySide6.QtWidgets import QFileDialog

    bad = tmp_path / name
    bad.write_bytes(content)
    (tmp_path / name.replace("images-idx3", "labels-idx1")).write_bytes(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    qtbot.mouseClick(panel.emnist_controls.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings), timeout=15_000)
    assert warnings[-1][0] == "EMNIST import failed"
    assert name in warnings[-1][1] and problem in warnings[-1][1]
    assert panel.source_combo.findData("emnist") == -1
