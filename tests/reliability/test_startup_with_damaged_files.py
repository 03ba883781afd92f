"""The app must open even when files it reads at start-up are damaged.

The window reads the user's drawn samples (``samples.json``) and counts the imported EMNIST
caches (``emnist/*.npz``) while it is built. Whatever those files contain, the window must open;
a damaged samples file is moved aside (kept for the user) and the store starts empty.
"""

from __future__ import annotations

import gzip

import pytest

from cnn_studio.model.storage.paths import data_dir

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
HUGE_NUMBER = b"1" + b"0" * 400
SAMPLES = {
    "garbage": b"\x00\xffnot json at all",
    "truncated": b'{"format": "strokes-v1", "canvas": {"width": 280, "height": 28',
    "deeply nested": DEEP_JSON,
    "huge number": (b'{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, '
                    b'"samples": [{"label": "A", "strokes": [[[' + HUGE_NUMBER + b", 2]]]}]}"),
}
NPZ = {
    "not a zip": b"PK\x03\x04 this is not really a zip file",
    "gzip instead": gzip.compress(b"hello"),
    "empty": b"",
}


def open_window(qtbot):
    from cnn_studio.gui.app.main_window import MainWindow

    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize("damage", sorted(SAMPLES))
def test_window_opens_with_a_damaged_samples_file(qtbot, home, damage):
    path = data_dir() / "samples.json"
    path.write_bytes(SAMPLES[damage])
    window = open_window(qtbot)
    assert window.panels["dataset"] is not None
    kept = list(path.parent.glob("samples.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == SAMPLES[damage]
    said = window.statusBar().currentMessage()  # issue 27, defect 9: where it went, how back
    assert f"moved, unchanged, to {kept[0]}" in said and "rename it samples.json" in said
    assert said in window.panels["dataset"].info.text()
    window.close()


@pytest.mark.parametrize("damage", sorted(NPZ))
def test_window_opens_with_a_damaged_emnist_cache(qtbot, home, damage):
    folder = data_dir() / "emnist"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "emnist-letters-train.npz").write_bytes(NPZ[damage])
    window = open_window(qtbot)
    assert window.panels["dataset"] is not None
    window.close()
