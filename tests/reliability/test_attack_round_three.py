"""Issue 27's hostile cases that need real processes: killed exports, full disks, memory and
unreachable peers. Each case runs the real command (``python -m cnn_studio.main``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def _train(*extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    argv = command("train", "--preset", "tiny", "--samples", "104", "--batch-size", "16",
                   *extra)
    return subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=timeout)


def _one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_backup_on_a_full_disk_ends_in_one_line_and_keeps_the_previous_one(tmp_path):
    """Issue 27, defect 4: no segfault, no partial latest.weights.h5, the last good state kept
    and resumed from."""
    import json
    import shutil

    from support_disk import fill, small_disk

    from cnn_studio.model.spec.analysis import analyze
    from cnn_studio.model.spec.presets import get_preset

    state = 3 * 4 * analyze(get_preset("tiny")).total_params  # weights + Adam's two moments
    with small_disk(tmp_path / "tiny-disk", 64) as disk:
        fill(disk, leave_bytes=8192)
        result = _train("--epochs", "2", "--out", str(tmp_path / "a.keras"), "--backup",
                        str(disk / "bk"))
        assert "is full" in _one_line(result) and "no backup" not in result.stderr
        assert not [p.name for p in (disk / "bk").iterdir()], "nothing partial is left"
    size_kb = (int(state * 1.5) + 64 * 1024) // 1024 + 4
    with small_disk(tmp_path / "disk", size_kb) as disk:  # room for one backup, not two
        backup = disk / "bk"
        result = _train("--epochs", "3", "--out", str(tmp_path / "b.keras"), "--backup",
                        str(backup))
        line = _one_line(result)
        assert "is full" in line and "the previous backup is kept" in line, line
        assert "epoch 1/3" in result.stdout and "epoch 2/3" not in result.stdout
        assert sorted(p.name for p in backup.iterdir()) == [
            "latest.weights.h5", "training_metadata.json"]
        assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 1
        roomy = tmp_path / "roomy"
        shutil.copytree(backup, roomy)
    result = _train("--epochs", "3", "--out", str(tmp_path / "b.keras"), "--backup", str(roomy))
    assert result.returncode == 0, result.stderr
    assert f"Resuming from the backup in {roomy}" in result.stdout
    assert "epoch 2/3" in result.stdout and "epoch 1/3" not in result.stdout
    assert not roomy.exists(), "a finished run deletes its backup"


def test_a_damaged_backup_is_named_and_never_resumed_from(tmp_path):
    """Issue 27, defect 4 (and 10): not 'Unable to synchronously open file (...)'."""
    backup = tmp_path / "bk"
    backup.mkdir()
    (backup / "latest.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\xff" * 3000)
    (backup / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    result = _train("--epochs", "2", "--out", str(tmp_path / "m.keras"), "--backup",
                    str(backup))
    line = _one_line(result)
    assert line.startswith(f"train: the backup in {backup} is damaged and was not resumed from")
    assert line.endswith(f"delete {backup} to start over")
    assert "epoch 2/2" not in result.stdout and not (tmp_path / "m.keras").exists()
    assert (backup / "latest.weights.h5").is_file(), "the damaged backup is left to look at"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_multiworker_run_with_an_unreachable_peer_names_it_and_gives_up(tmp_path):
    """Issue 27, defect 3: worker 0 of two, nobody on worker 1's port (loopback only)."""
    import json

    mine, nobody = _free_port(), _free_port()
    config = {"cluster": {"worker": [f"127.0.0.1:{mine}", f"127.0.0.1:{nobody}"]},
              "task": {"type": "worker", "index": 0}}
    env = {**ENV, "TF_CONFIG": json.dumps(config)}
    argv = command("train", "--preset", "tiny", "--samples", "52", "--epochs", "1",
                   "--device", "multiworker", "--worker-timeout", "12",
                   "--out", str(tmp_path / "m.keras"))
    start = time.monotonic()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    first_wait = None
    for line in child.stdout:
        if first_wait is None and "Waiting for worker 1" in line:
            first_wait = time.monotonic() - start
    stderr = child.stderr.read()
    child.wait(timeout=120)
    took = time.monotonic() - start
    assert child.returncode == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert f"worker 1 at 127.0.0.1:{nobody} did not answer" in lines[0]
    assert "gave up after 12 s" in lines[0] and "--worker-timeout" in lines[0]
    assert first_wait is not None, "it never said whom it was waiting for"
    assert took < 120 and not (tmp_path / "m.keras").exists()


def _peak_mb_of(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``argv``; its peak resident memory in MB (from ``os.wait4``) and its result."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, env=ENV, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status),
                                             out.read().decode(), err.read().decode())
    return usage.ru_maxrss / 1024, result


def test_classify_memory_does_not_grow_with_the_number_of_samples(tmp_path):
    """Issue 27, defect 6: 10^6 one-point samples took 6.9 GB; now a chunk at a time.

    A memory bound, not a timing: ten times the samples may cost at most 30 MB more (the
    old reader held every sample and image, about 7 KB each: 60 MB more here)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from classify_memory import write_one_point_samples

    peaks = {}
    for count in (1_000, 10_000):
        path = tmp_path / f"points-{count}.json"
        write_one_point_samples(path, count)
        peaks[count], result = _peak_mb_of(command("classify", "--strokes", str(path),
                                                   "--quiet"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1].endswith(f"(n={count})")
    assert peaks[10_000] - peaks[1_000] < 30, peaks
