"""Run records: written as JSON, read back checked field by field, state in a few words."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support_runs import record

from cnn_studio.model.runs.record import RunError, hostname, parse_record


def test_a_record_round_trips_through_json():
    original = record(real=0.5, shift=[(0, 0.5), (4, 0.25)])
    original.curves["epoch"]["loss"].append(float("nan"))  # written as null
    for key in ("samples_seen", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
        original.curves["epoch"][key].append(1.0)
    again = parse_record(original.to_json(), "run-1")
    assert again.metrics == {"real_accuracy": 0.5, "real_letters": 1040,
                             "robustness": {"shift": [[0, 0.5], [4, 0.25]]}}
    assert again.curves["epoch"]["loss"] == [None]
    assert again.network == original.network and again.state() == "finished, 2 epochs"


def _document(**changes) -> str:
    document = json.loads(record().to_json())
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v != "DROP"})


@pytest.mark.parametrize("text, match", [
    ("{not json", "not readable JSON"),
    ("[]", "not a CNN Studio run record"),
    (_document(format="other"), "not a CNN Studio run record"),
    (_document(version=99), "version 99"),
    (_document(name="DROP"), "name"),
    (_document(id="run-2"), "not its folder"),
    (_document(status="exploded"), "status"),
    (_document(params=-1), "params is negative"),
    (_document(wall_s=float("inf")).replace("Infinity", "1e999"), "wall_s"),
    (_document(seed=True), "seed has the wrong type"),
    (_document(extra=1), "unknown fields extra"),
    (_document(model_file="../../etc/passwd"), "model file"),
    (_document(curves={"batch": {}, "epoch": {}}), "wrong keys"),
    (_document(metrics={"real_accuracy": "high"}), "real_accuracy"),
    (_document(metrics={"robustness": {"shift": [[0]]}}), "shift robustness"),
    (_document(metrics={"per_letter": {"ab": 1.0}}), "per_letter"),
    (_document(name="x" * 3000), "longer than"),
])
def test_damaged_records_are_refused_with_the_reason(text, match):
    with pytest.raises(RunError, match=match):
        parse_record(text, "run-1")


def test_a_running_record_whose_process_is_gone_reads_as_stopped():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    gone = record(status="running", pid=child.pid, host=hostname(), epochs_completed=3)
    assert gone.interrupted()
    assert gone.state() == "stopped at epoch 3 (the program ended during the run)"
    alive = record(status="running", pid=os.getpid(), host=hostname(), epochs_completed=1)
    assert not alive.interrupted() and alive.state() == "running, 1 of 2 epochs done"
    assert record(status="stopped", epochs_completed=1).state() == "stopped at epoch 1"
