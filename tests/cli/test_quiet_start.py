"""Command line: --version, and TensorFlow's start-up noise kept out of the terminal (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnn_studio import __version__, main
from cnn_studio.model.ink.strokes import Sample, write_strokes

ROOT = Path(main.__file__).resolve().parent
NOISE = ("cuInit", "oneDNN", "absl::InitializeLog", "cudart_stub")


def run_main(args: list[str], home: Path, **extra_env) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` as a person would run it: no test-suite log settings."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("TF_CPP_MIN_LOG_LEVEL", "CNN_STUDIO_VERBOSE")}
    env.update(CNN_STUDIO_HOME=str(home), **extra_env)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, timeout=300, env=env, cwd=home)


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cnn-studio {__version__}"


def test_summary_leaves_stderr_empty(tmp_path):
    result = run_main(["summary", "--preset", "tiny"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Total params" in result.stdout
    assert result.stderr == ""


TRAIN = ["train", "--preset", "tiny", "--epochs", "1", "--samples", "300", "--out", "t.keras",
         "--no-record"]


def test_classify_stays_quiet_without_tensorflow(tmp_path):
    strokes = [np.array([[50, 250], [140, 30], [230, 250]], float),
               np.array([[90, 150], [190, 150]], float)]
    write_strokes(tmp_path / "a.json", [Sample(strokes, "A")], (280, 280))
    result = run_main(["classify", "--strokes", "a.json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "a.json:0" in result.stdout
    assert not [line for line in result.stderr.splitlines() if any(n in line for n in NOISE)]


def test_training_keeps_tensorflow_noise_in_the_log(tmp_path):
    result = run_main(TRAIN, tmp_path)  # training loads TensorFlow, which talks on start-up
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if any(n in line for n in NOISE)]
    log = (tmp_path / "state" / "cnn-studio.log").read_text()
    assert any(noise in log for noise in NOISE)  # what TensorFlow said is kept, in the log


def test_verbose_lets_tensorflow_speak(tmp_path):
    result = run_main(TRAIN, tmp_path, CNN_STUDIO_VERBOSE="1")
    assert result.returncode == 0, result.stderr
    assert any(noise in result.stderr for noise in NOISE)
