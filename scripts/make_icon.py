"""Write the application icon: assets/icons/cnn-studio.svg and its 256 px PNG rendering.

Three stacked feature maps (a convolutional layer's outputs) with a pen-drawn letter A on the
front one. Run: ``.venv/bin/python scripts/make_icon.py`` (offscreen Qt is enough).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "assets" / "icons"
SIZE = 256

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <title>CNN Studio</title>
  <rect x="8" y="8" width="240" height="240" rx="48" fill="#1f4e79"/>
  <rect x="36" y="36" width="120" height="120" rx="10" fill="#3a78b5" stroke="#cfe3f7" stroke-width="4"/>
  <rect x="64" y="64" width="120" height="120" rx="10" fill="#4f94d4" stroke="#cfe3f7" stroke-width="4"/>
  <rect x="92" y="92" width="128" height="128" rx="12" fill="#f7fbff" stroke="#cfe3f7" stroke-width="4"/>
  <path d="M 118 200 C 128 170, 142 132, 156 112 C 168 136, 182 172, 196 200"
        fill="none" stroke="#1f4e79" stroke-width="12" stroke-linecap="round" stroke-linejoin="round"/>
  <path d="M 132 170 C 148 166, 166 166, 184 170"
        fill="none" stroke="#e0603a" stroke-width="10" stroke-linecap="round"/>
</svg>
"""


def main() -> int:
    """Write the SVG and render it to a PNG with Qt's SVG renderer."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "cnn-studio.svg").write_text(SVG, encoding="utf-8")
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(SVG.encode("utf-8"))).render(painter)
    painter.end()
    return 0 if image.save(str(ICONS / "cnn-studio.png")) else 1


if __name__ == "__main__":
    sys.exit(main())
