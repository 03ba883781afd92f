"""Kill the app while it saves: the user's samples and the last good model must survive.

A child process (forked from the test process, so it starts without importing TensorFlow
again) adds drawn samples to the user's store and saves a model over and over, reporting each
save that returned. The test SIGKILLs it at a random moment, then checks that the store loads
without being moved aside, holds every sample whose save was reported (the one in flight may or
may not be there), and that the model file and its spec load and hold the last reported (or
the in-flight) weights.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time
import traceback

import numpy as np
import pytest
from support_reliability import time_guard

from cnn_studio.model.data.user_samples import STORE_CANVAS, SampleStore
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.model_files import load_model_file, save_model_file
from cnn_studio.model.spec.files import canonical, load_spec
from cnn_studio.model.spec.presets import get_preset

SPEC = get_preset("tiny")
INITIAL_SAMPLES = 60
#: One save of samples and model takes 20-100 ms, so a kill up to 0.5 s after the start
#: lands at a random point of a random save.
MAX_DELAY_S = 0.5


def sample_strokes(k: int) -> list[np.ndarray]:
    """The strokes of the k-th sample ever added: whole numbers, so they survive rounding."""
    base = np.array([[10.0 + k % 200, 20.0], [30.0, 40.0 + k % 150], [50.0, 60.0]])
    return [base, base[::-1] + 5.0]


def label(k: int) -> str:
    return LETTERS[k % 26].lower() if k % 3 else LETTERS[k % 26]


def with_marker(model, marker: int) -> None:
    """Write ``marker`` into the output layer's biases, so a loaded file tells which save it is."""
    weights = model.get_weights()
    weights[-1] = np.full_like(weights[-1], float(marker))
    model.set_weights(weights)


def read_marker(model) -> int:
    bias = model.get_weights()[-1]
    assert np.all(bias == bias[0]), "the model's weights are a mix of two saves"
    return int(bias[0])


def _child(write_fd: int, store_path, model_path, model, marker: int) -> None:
    """Save samples and models until killed; report ``s <count>`` and ``m <marker>``."""
    try:
        store = SampleStore(store_path)
        os.write(write_fd, f"ready {len(store)} {int(store.recovered_from is not None)}\n".encode())
        while True:
            k = len(store)
            store.add(label(k), sample_strokes(k), STORE_CANVAS)
            os.write(write_fd, f"s {len(store)}\n".encode())
            marker += 1
            with_marker(model, marker)
            save_model_file(model, SPEC, model_path)
            os.write(write_fd, f"m {marker}\n".encode())
    except BaseException:  # noqa: BLE001 - report anything to the parent, then leave at once
        os.write(write_fd, ("error " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
    finally:
        os._exit(1)


def _run_and_kill(store_path, model_path, model, marker: int, delay: float) -> list[str]:
    """Fork a saving child, SIGKILL it ``delay`` seconds after it reported ready, return the
    lines it reported."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(write_fd, store_path, model_path, model, marker)
    os.close(write_fd)
    data = b""
    deadline = time.monotonic() + 60  # until the child reports ready (or fails)
    while b"\n" not in data and (left := deadline - time.monotonic()) > 0:
        if select.select([read_fd], [], [], left)[0]:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    deadline = time.monotonic() + delay
    while (left := deadline - time.monotonic()) > 0:
        if select.select([read_fd], [], [], left)[0]:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    return data.decode().splitlines()


def _check_store(store_path, at_least: int) -> int:
    store = SampleStore(store_path)
    assert store.recovered_from is None, "the killed save damaged the samples file"
    assert at_least <= len(store) <= at_least + 1, (len(store), at_least)
    for k, sample in enumerate(store.samples):
        assert sample.label == label(k), k
        expected = sample_strokes(k)
        assert len(sample.strokes) == len(expected), k
        for got, want in zip(sample.strokes, expected, strict=True):
            np.testing.assert_allclose(got, want, err_msg=f"sample {k}")
    return len(store)


def _check_model(model_path, at_least: int) -> int:
    with time_guard(30, "load_model_file"):
        loaded = load_model_file(model_path, compile=False)
    marker = read_marker(loaded)
    assert marker in (at_least, at_least + 1), (marker, at_least)
    assert canonical(load_spec(model_path.with_name("model.cnn.json"))).layers == \
        canonical(SPEC).layers
    return marker


def kill_trials(tmp_path, trials: int, seed: int) -> dict:
    """Run ``trials`` kill-during-save rounds on one store and one model file."""
    rng = random.Random(seed)
    # the model lives in its own folder: the sample store's clean-up never reaches it
    store_path, model_path = tmp_path / "samples.json", tmp_path / "models" / "model.keras"
    store = SampleStore(store_path)
    for k in range(INITIAL_SAMPLES):
        store.add(label(k), sample_strokes(k), STORE_CANVAS)
    model = build_model(SPEC, seed=0)
    with_marker(model, 0)
    save_model_file(model, SPEC, model_path)
    samples, marker = INITIAL_SAMPLES, 0
    saves = {"samples": 0, "models": 0, "in_flight_kept": 0}
    for _ in range(trials):
        lines = _run_and_kill(store_path, model_path, model, marker, rng.uniform(0.05, MAX_DELAY_S))
        errors = [line for line in lines if line.startswith("error")]
        assert not errors, errors[0]
        assert lines and lines[0] == f"ready {samples} 0", lines[:1]
        reported_samples = [int(line.split()[1]) for line in lines if line.startswith("s ")]
        reported_models = [int(line.split()[1]) for line in lines if line.startswith("m ")]
        saves["samples"] += len(reported_samples)
        saves["models"] += len(reported_models)
        new_samples = _check_store(store_path, max(reported_samples, default=samples))
        new_marker = _check_model(model_path, max(reported_models, default=marker))
        saves["in_flight_kept"] += (new_samples > max(reported_samples, default=samples)) + \
            (new_marker > max(reported_models, default=marker))
        samples, marker = new_samples, new_marker
    save_model_file(model, SPEC, model_path)  # the next save clears what killed saves left
    leftovers = [p.name for folder in (tmp_path, model_path.parent)
                 for p in folder.iterdir() if p.name.startswith(".")]
    saves["temporary_files_left"] = len(leftovers)
    return saves


def test_kill_during_save(tmp_path):
    saves = kill_trials(tmp_path, trials=8, seed=1)
    assert saves["models"] >= 8, f"the children hardly saved anything: {saves}"
    assert saves["temporary_files_left"] == 0, saves


@pytest.mark.slow
def test_kill_during_save_many(tmp_path):
    saves = kill_trials(tmp_path, trials=50, seed=2)
    assert saves["models"] >= 50, f"the children hardly saved anything: {saves}"
    assert saves["temporary_files_left"] == 0, saves
