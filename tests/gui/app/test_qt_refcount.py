"""PySide6 must not leak references to None on void calls (the reason for the 6.12 pin).

PySide6 6.12.0 changed None's reference count on every call of a method returning nothing; under
Python 3.11 the count runs away until the interpreter aborts. pyproject.toml pins
PySide6-Essentials below 6.12 for Python < 3.12 only; this test is what allows lifting the pin.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QWidget

CALLS = 20_000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_none_refcount(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setEnabled(True)  # first call: lazy binding set-up may take references once
    widget.setToolTip("x")
    before = sys.getrefcount(None)
    for index in range(CALLS):
        widget.setEnabled(index % 2 == 0)  # void
        widget.setToolTip("tip")  # void, with an argument conversion
    after = sys.getrefcount(None)
    assert abs(after - before) < CALLS // 10, f"None refcount moved by {after - before}"

