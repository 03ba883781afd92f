"""Tests of device keys and distribution strategies (model/training/devices.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from support_multiworker import run as train_tiny

from cnn_studio.model.training.config import TrainConfig, is_device_key
from cnn_studio.model.training.devices import DeviceError, Plan, device_scope, plan

ROOT = Path(__file__).resolve().parents[3]
HELPER = ROOT / "tests" / "support_multiworker.py"
WORKER_TIMEOUT_S = 240


def tf_config(index: int, ports=(12345, 12346), kind: str = "worker") -> str:
    hosts = [f"127.0.0.1:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": hosts}, "task": {"type": kind, "index": index}})


def test_device_keys_accept_gpu_numbers_only():
    for key in ("cpu", "gpu", "gpu:0", "gpu:12", "mirrored", "multiworker"):
        assert is_device_key(key) and TrainConfig(device=key).errors() == []
    for key in ("tpu", "gpu:", "gpu:-1", "gpu:x", "GPU:0", "gpu:1234", 3, None):
        assert not is_device_key(key)
    assert "gpu:N" in " ".join(TrainConfig(device="gpu:x").errors())


def test_plan_picks_one_device_mirrored_or_multiworker():
    assert plan("cpu", 0, 1) == Plan("device", "/CPU:0")
    assert plan("gpu", 2, 1) == Plan("device", "/GPU:0")
    assert plan("gpu:1", 2, 1) == Plan("device", "/GPU:1")
    assert plan("mirrored", 3, 1).kind == "mirrored"
    assert plan("mirrored", 0, 2).kind == "mirrored"  # logical CPUs, as in the tests
    second = plan("multiworker", 0, 0, tf_config(1))
    assert second == Plan("multiworker", worker=("worker", 1), workers=2)
    assert not second.chief and plan("multiworker", 0, 0, tf_config(0)).chief
    assert plan("cpu", 0, 1).chief


@pytest.mark.parametrize("device, gpus, cpus, config, expected", [
    ("gpu:2", 2, 1, None, "there is no GPU 2: TensorFlow sees 2 GPU(s), numbered 0 to 1"),
    ("gpu:0", 0, 1, None, "sees no GPU"),
    ("gpu", 0, 1, None, ".[gpu]"),
    ("mirrored", 0, 1, None, "choose the 'cpu' device"),
    ("tpu", 1, 1, None, "unknown device 'tpu'"),
    ("multiworker", 0, 1, None, "needs the TF_CONFIG variable"),
    ("multiworker", 0, 1, "{not json", "TF_CONFIG is not valid"),
    ("multiworker", 0, 1, '{"cluster": {}}', "TF_CONFIG is not valid"),
    ("multiworker", 0, 1, tf_config(2), "task worker 2 is not in its cluster"),
    ("multiworker", 0, 1, tf_config(0, kind="ps"), "TF_CONFIG is not valid"),
])
def test_plan_explains_what_is_missing(device, gpus, cpus, config, expected):
    with pytest.raises(DeviceError) as caught:
        plan(device, gpus, cpus, config)
    assert expected in str(caught.value)


def test_missing_gpu_on_this_machine_says_so():
    count = len(tf.config.list_logical_devices("GPU"))
    with pytest.raises(DeviceError, match=f"no GPU {count}|sees no GPU"):
        device_scope(f"gpu:{count}")
    make_scope, strategy = device_scope("cpu")
    with make_scope():
        assert strategy is None and tf.constant(1.0).device.endswith("CPU:0")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def start(device: str, log, config: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT / "tests"))
    env.pop("TF_CONFIG", None)
    if config:
        env["TF_CONFIG"] = config
    return subprocess.Popen([sys.executable, str(HELPER), device, "2"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)


def collect(workers, logs) -> list[dict]:
    deadline = time.monotonic() + WORKER_TIMEOUT_S
    reports = []
    try:
        for worker, log in zip(workers, logs, strict=True):
            out, _ = worker.communicate(timeout=max(1.0, deadline - time.monotonic()))
            log.seek(0)
            assert worker.returncode == 0, log.read()[-3000:]
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
    return reports


@pytest.mark.slow
def test_two_local_workers_train_like_one_process():
    """Two worker processes (two logical CPUs each, 127.0.0.1) and one process, same result.

    The one process runs ``mirrored`` over its two logical CPUs: the same global batch through
    the same Keras strategy path (any strategy draws one batch before the first epoch, so its
    shuffles run one epoch ahead of a ``cpu`` run's).
    """
    logs = [tempfile.TemporaryFile("w+") for _ in range(3)]
    ports = free_ports(2)
    try:
        processes = [start("multiworker", logs[i], tf_config(i, ports)) for i in range(2)]
        processes.append(start("mirrored", logs[2]))
        first, second, alone = collect(processes, logs)
    finally:
        for log in logs:
            log.close()
    assert first["messages"][0].startswith("Training on 2 devices of 2 workers")
    assert alone["messages"][0].startswith("Training on 2 mirrored devices")
    np.testing.assert_allclose(first["weights"], second["weights"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(first["loss"], alone["loss"], rtol=1e-4)
    np.testing.assert_allclose(first["weights"], alone["weights"], rtol=1e-3, atol=1e-4)
    assert first["loss"][-1] < first["loss"][0]


def test_one_process_run_of_the_multiworker_helper_trains():
    """The helper's in-process run (what each worker runs), on this process's CPU."""
    report = train_tiny("cpu")
    assert report["messages"][0].startswith("Training on cpu: 256 samples")
    assert len(report["loss"]) == 2 and report["loss"][-1] < report["loss"][0]
