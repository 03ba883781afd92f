"""Start-up rules checked in fresh processes: lazy TensorFlow, no-display message, CLI help."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env=None, timeout=120):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=timeout)


def test_importing_the_gui_does_not_import_tensorflow():
    code = ("import sys, cnn_studio.gui.app.main_window, cnn_studio.gui.app.launch; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = _run(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_model_package_never_imports_qt_or_gui():
    offenders = []
    for path in (ROOT / "model").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"PySide6", "gui"}]
    assert offenders == []


def test_no_display_gives_a_one_line_message_and_exit_2():
    env = {k: v for k, v in os.environ.items()
           if k not in {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}}
    result = _run(["main.py"], env=env)
    assert result.returncode == 2
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["summary", "train", "classify", "pretrain", "bench"])
def test_every_subcommand_has_help(command):
    result = _run(["main.py", command, "--help"])
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_screenshot_writes_the_window_once_tensorflow_is_ready(tmp_path):
    shot = tmp_path / "shot.png"
    result = _run(["main.py", "--screenshot", str(shot), "--size", "1200x800"], timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    from PIL import Image

    assert Image.open(shot).size == (1200, 800)


def test_an_unknown_panel_name_is_refused_with_the_names_it_takes(capsys):
    from cnn_studio.main import TABS, build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--tab", "dataset"])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert "invalid choice: 'dataset'" in message and all(name in message for name in TABS)
    assert build_parser().parse_args(["--tab", "data"]).tab == "data"
