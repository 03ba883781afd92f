"""Issue 27's hostile cases that need real processes: killed exports, full disks, memory and
unreachable peers. Each case runs the real command (``python -m cnn_studio.main``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from support_models import save_tiny_model

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def command(*argv: str) -> list[str]:
    """The real command line: this Python running CNN Studio's entry point."""
    return [sys.executable, "-m", "cnn_studio.main", *argv]


def dead_pid() -> int:
    """The pid of a process that has ended (as a killed save's writer has)."""
    child = subprocess.Popen(["sleep", "0"])
    child.wait()
    return child.pid


def test_a_killed_saved_model_export_leaves_nothing_after_the_next_export(tmp_path):
    """Issue 27, defect 11: ``.sm.PID.N.tmp/`` of a killed export goes at the next export."""
    model = tmp_path / "m.keras"
    save_tiny_model(model, seed=0)
    out = tmp_path / "sm"
    argv = command("export", str(model), "--format", "saved_model", "--out", str(out))
    child = subprocess.Popen(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".sm.*.tmp")) and time.monotonic() < deadline:
        assert child.poll() is None, "the export ended before it could be killed"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert list(tmp_path.glob(".sm.*.tmp")), "the kill left the temporary folder"
    done = subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.cnn.json", "m.keras", "sm"]
