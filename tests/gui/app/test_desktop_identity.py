"""The GUI presents itself to the desktop: icon, desktop file name, version (issue 18)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from cnn_studio import __version__
from cnn_studio.gui.app.launch import make_application
from cnn_studio.gui.app.main_window import MainWindow
from cnn_studio.model.storage.paths import APP_ICON_PNG, APP_ICON_SVG


def test_application_has_icon_desktop_file_name_and_version(qapp):
    app = make_application(["cnn-studio"])
    assert app is qapp
    assert QGuiApplication.desktopFileName() == "cnn-studio"
    assert app.applicationVersion() == __version__
    assert not app.windowIcon().isNull()
    assert 256 in [size.width() for size in app.windowIcon().availableSizes()]


def test_window_shows_the_icon(qtbot):
    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    assert not window.windowIcon().isNull()


def test_icon_files_ship_with_the_package():
    assert APP_ICON_PNG.is_file() and APP_ICON_PNG.stat().st_size > 1000
    assert APP_ICON_SVG.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_about_box_shows_versions_and_attributions(qtbot):
    from importlib import metadata

    from cnn_studio.gui.app import about
    from cnn_studio.model.storage.paths import NOTICE_FILE

    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    window.show_about()
    qtbot.waitUntil(lambda: window.about_box.isVisible())
    text = _words(window.about_box.text().replace("&quot;", '"'))
    assert f"CNN Studio {__version__}" in text
    assert f"TensorFlow {metadata.version('tensorflow')}" in text
    assert f"Keras {metadata.version('keras')}" in text
    assert about.UNIPEN_ATTRIBUTION in text and "Permanent Marker" in text
    notice = _words(NOTICE_FILE.read_text(encoding="utf-8"))
    assert about.UNIPEN_ATTRIBUTION in notice  # the box repeats NOTICE word for word
    window.about_box.close()


def test_about_box_uses_the_loaded_versions():
    from cnn_studio.gui.app.about import about_html

    text = about_html({"tensorflow": "9.9", "keras": "8.8", "devices": [("gpu", "H100")]})
    assert "TensorFlow 9.9 · Keras 8.8 · GPU: H100" in text
