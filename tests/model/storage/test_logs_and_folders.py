"""The user's folders (data, state, pretrain output) and the log file with its quiet start."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_studio.model.storage import logs, paths


def test_state_folder_follows_xdg_and_the_home_override(tmp_path, monkeypatch):
    monkeypatch.delenv("CNN_STUDIO_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    assert paths.state_dir() == tmp_path / "xdg-state" / "cnn-studio"
    assert logs.log_path() == tmp_path / "xdg-state" / "cnn-studio" / "cnn-studio.log"
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    assert paths.state_dir() == tmp_path / "home" / "state"
    assert paths.state_dir().is_dir()


def test_pretrain_output_leaves_a_read_only_package_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    assert paths.default_pretrain_output() == paths.DEFAULT_MODEL_DIR / "default.keras"  # checkout
    monkeypatch.setattr(paths.os, "access", lambda path, mode: False)  # site-packages, read-only
    assert paths.default_pretrain_output() == tmp_path / "data" / "models" / "default.keras"


def test_an_installed_copy_never_writes_into_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "site-packages" / "cnn_studio")
    assert paths.default_pretrain_output().parent == tmp_path / "data" / "models"


@pytest.fixture
def root():
    """The root logger; the handlers a test adds to it are removed and closed afterwards."""
    root = logging.getLogger()
    before = list(root.handlers)
    yield root
    for handler in set(root.handlers) - set(before):
        root.removeHandler(handler)
        handler.close()


def test_logging_writes_the_rotated_log_file_once(root, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    first = logs.configure_logging()
    assert logs.configure_logging() == first == tmp_path / "state" / "cnn-studio.log"
    ours = [h for h in root.handlers if h.name == logs.LOG_HANDLER]
    assert len(ours) == 1 and ours[0].maxBytes == logs.MAX_BYTES
    logging.getLogger("cnn_studio.test").warning("written to the log")
    ours[0].flush()
    assert "written to the log" in first.read_text()


def test_logging_follows_a_moved_state_folder(root, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "a"))
    assert logs.configure_logging() == tmp_path / "a" / "state" / "cnn-studio.log"
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "b"))
    assert logs.configure_logging() == tmp_path / "b" / "state" / "cnn-studio.log"
    assert len([h for h in root.handlers if h.name == logs.LOG_HANDLER]) == 1


def test_verbose_flag_and_environment(monkeypatch):
    monkeypatch.delenv("CNN_STUDIO_VERBOSE", raising=False)
    assert not logs.verbose_requested() and logs.verbose_requested(True)
    monkeypatch.setenv("CNN_STUDIO_VERBOSE", "1")
    assert logs.verbose_requested()
    monkeypatch.setenv("CNN_STUDIO_VERBOSE", "0")
    assert not logs.verbose_requested()


NATIVE = """
import os, sys
from pathlib import Path
from cnn_studio.model.storage import logs
with logs.NativeStderrToLog(Path(sys.argv[1])):
    os.write(2, b"native noise\\n")
    print("python message", file=sys.stderr)
os.write(2, b"after\\n")
"""


def test_native_stderr_goes_to_the_log_python_stderr_to_the_terminal(tmp_path):
    log = tmp_path / "x.log"
    result = subprocess.run([sys.executable, "-c", NATIVE, str(log)], capture_output=True,
                            text=True, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["python message", "after"]
    assert Path(log).read_text() == "native noise\n"
