"""Test settings: offscreen Qt, a private home for user files and settings, a --runslow flag."""

from __future__ import annotations

import os
import tempfile

from cnn_studio.gui.app.launch import offscreen_platform

_HOME = tempfile.mkdtemp(prefix="cnn-studio-tests-")
# a screen with room for the app's first-start window (1400x900), which fits the screen
os.environ["QT_QPA_PLATFORM"] = offscreen_platform((1600, 1000))
os.environ["CNN_STUDIO_HOME"] = _HOME
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, "config")
os.environ.setdefault("MPLBACKEND", "QtAgg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
