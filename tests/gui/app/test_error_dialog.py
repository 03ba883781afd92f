"""Uncaught errors: logged with their traceback and shown in a box naming the log (issue 18)."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from cnn_studio.gui.app import error_dialog
from cnn_studio.model.storage import logs


@pytest.fixture
def reporter(tmp_path, monkeypatch, qapp):
    """The app's hooks installed, logging into a private state folder."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers)
    log_file = logs.configure_logging()
    installed = error_dialog.install(log_file)
    yield installed
    installed.uninstall()
    if installed.box is not None:
        installed.box.close()
    for handler in set(root.handlers) - set(before):
        root.removeHandler(handler)
        handler.close()


def failing_button(qtbot) -> QPushButton:
    button = QPushButton("Go")
    qtbot.addWidget(button)

    def slot() -> None:
        raise RuntimeError("boom in a slot")

    button.clicked.connect(slot)
    button.show()
    return button


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_shows_a_box_with_the_log_path(reporter, qtbot, tmp_path):
    qtbot.mouseClick(failing_button(qtbot), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible())
    text = reporter.box.text()
    assert "RuntimeError: boom in a slot" in text
    assert str(tmp_path / "state" / "cnn-studio.log") in text
    assert "keeps running" in text
    assert "Traceback" in reporter.box.detailedText()
    log = (tmp_path / "state" / "cnn-studio.log").read_text()
    assert "Uncaught exception" in log and "boom in a slot" in log and "Traceback" in log


@pytest.mark.qt_no_exception_capture
def test_a_second_error_updates_the_open_box(reporter, qtbot):
    button = failing_button(qtbot)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    first = reporter.box
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert reporter.box is first and "2 errors" in first.informativeText()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_worker_thread_reaches_the_gui(reporter, qtbot, tmp_path):
    def work() -> None:
        raise ValueError("thread failed")

    thread = threading.Thread(target=work, name="worker-x")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible())
    assert "ValueError: thread failed" in reporter.box.text()
    log = (tmp_path / "state" / "cnn-studio.log").read_text()
    assert "in thread worker-x" in log and "thread failed" in log


def test_uninstall_restores_the_previous_hooks(tmp_path, qapp):
    import sys

    previous = (sys.excepthook, threading.excepthook)
    installed = error_dialog.install(tmp_path / "x.log")
    assert sys.excepthook != previous[0]
    installed.uninstall()
    assert (sys.excepthook, threading.excepthook) == previous
