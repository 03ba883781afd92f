"""The About box's text: version, the TensorFlow and Keras it runs on, licence and attributions.

The attributions repeat NOTICE (shipped with the package); a test keeps the two in step.
"""

from __future__ import annotations

import html
from importlib import metadata
from typing import TYPE_CHECKING

from cnn_studio import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from cnn_studio.gui.app.main_window import MainWindow

UNIPEN_ATTRIBUTION = (
    "UNIPEN train_r01_v07, International Unipen Foundation, distributed under CC BY 4.0 "
    "(Zenodo, doi:10.5281/zenodo.1195803). I. Guyon, L. Schomaker, R. Plamondon, M. Liberman and "
    "S. Janet, \"UNIPEN project of on-line data exchange and recognizer benchmarks\", ICPR 1994. "
    "Converted to strokes (coordinates rescaled, rounded to canvas pixels)."
)
FONT_ATTRIBUTION = (
    "Synthetic letters are rendered from handwriting fonts installed as dependencies: Caveat, "
    "Indie Flower, Kalam, Shadows Into Light, Zeyada, Delius (SIL Open Font License 1.1) and "
    "Permanent Marker (Apache License 2.0)."
)


def installed_version(package: str) -> str:
    """A distribution's version from its metadata (no import), or ``"not installed"``."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def runtime_versions(tf_info: dict | None) -> tuple[str, str, str]:
    """(TensorFlow, Keras, device line): what the loader found, else the installed metadata."""
    if tf_info:
        gpus = [name for kind, name in tf_info.get("devices", []) if kind == "gpu"]
        device = f"GPU: {', '.join(gpus)}" if gpus else "CPU"
        return str(tf_info.get("tensorflow", "?")), str(tf_info.get("keras", "?")), device
    return (installed_version("tensorflow"), installed_version("keras"),
            "TensorFlow is still loading")


def about_html(tf_info: dict | None, log_file: str | None = None) -> str:
    """The About box's rich text."""
    tensorflow, keras, device = runtime_versions(tf_info)
    log_line = f"<p>Log file: {html.escape(log_file)}</p>" if log_file else ""
    return (
        f"<h3>CNN Studio {html.escape(__version__)}</h3>"
        "<p>Draw letters, build convolutional networks, train them and see the math behind "
        "every number.</p>"
        f"<p>TensorFlow {html.escape(tensorflow)} · Keras {html.escape(keras)} · "
        f"{html.escape(device)}</p>"
        "<p>MIT licence, © CNN Studio authors.</p>"
        f"<p><b>Real letters:</b> {html.escape(UNIPEN_ATTRIBUTION)} Licence: Creative Commons "
        "Attribution 4.0 International.</p>"
        f"<p><b>Fonts:</b> {html.escape(FONT_ATTRIBUTION)}</p>"
        "<p>Details: the NOTICE file shipped with CNN Studio.</p>"
        f"{log_line}"
    )


def show_about(window: MainWindow) -> QMessageBox:
    """Open the About box over ``window`` (not modal: the app keeps working) and return it."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from cnn_studio.model.storage.logs import log_path

    box = QMessageBox(QMessageBox.Icon.NoIcon, "About CNN Studio",
                      about_html(window.state.tf_info, str(log_path())),
                      QMessageBox.StandardButton.Ok, window)
    box.setObjectName("about_box")
    box.setIconPixmap(window.windowIcon().pixmap(96, 96))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.open()
    return box

