"""``cnn-studio runs`` and ``cnn-studio compare`` as a person runs them: every train run is
kept, killed runs read as stopped, damaged folders are listed, bad ids end in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support_real_letters import install_fake_real_letters

from cnn_studio import main

ROOT = Path(main.__file__).resolve().parent


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    install_fake_real_letters(tmp_path, monkeypatch)
    return tmp_path / "home"


def _train(npz: Path, out: Path, *extra: str) -> int:
    return main.main(["train", "--preset", "tiny", "--data", str(npz), "--epochs", "2",
                      "--batch-size", "16", "--out", str(out), *extra])


def _runs(capsys) -> list[dict]:
    assert main.main(["runs", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["runs"]


def test_a_train_run_is_kept_listed_and_shown(home, npz, tmp_path, capsys):
    assert main.main(["runs", "list"]) == 0
    assert "No runs are kept yet" in capsys.readouterr().out
    assert _train(npz, tmp_path / "a.keras") == 0
    printed = capsys.readouterr().out
    [run] = _runs(capsys)
    assert f"Kept as run {run['id']}" in printed
    assert run["status"] == "finished" and run["epochs"] == 2 and run["network"] == "tiny"
    assert run["params"] == 35_258 and run["model"] is True
    assert 0 <= run["validation_accuracy"] <= 1 and 0 <= run["real_letter_accuracy"] <= 1
    assert main.main(["runs", "list"]) == 0
    assert "finished, 2 epochs" in capsys.readouterr().out
    assert main.main(["runs", "show", run["id"]]) == 0
    shown = capsys.readouterr().out
    assert "epoch 2: loss" in shown and "35,258 parameters" in shown and "model.keras" in shown


def test_no_record_keeps_nothing(home, npz, tmp_path, capsys):
    assert _train(npz, tmp_path / "a.keras", "--no-record") == 0
    capsys.readouterr()
    assert _runs(capsys) == []


def test_compare_a_run_with_itself(home, npz, tmp_path, capsys):
    assert _train(npz, tmp_path / "a.keras") == 0
    capsys.readouterr()
    [run] = _runs(capsys)
    out = tmp_path / "cmp.json"
    assert main.main(["runs", "compare", run["id"], run["id"], "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "No setting differs." in printed and "shift 4 px" in printed
    result = json.loads(out.read_text())
    first, second = result["networks"]
    assert first == second and result["differences"] == []
    assert [a for a, _ in first["shift"]] == list(range(9))
    assert len(first["rotation"]) == 13 and len(first["scale"]) == 9
    assert main.main(["runs", "compare", run["id"], "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["networks"][0]["run"] == run["id"]


def test_damaged_folders_are_listed_and_bad_ids_end_in_one_line(home, capsys):
    runs = home / "data" / "runs"
    (runs / "junk").mkdir(parents=True)
    (runs / "junk" / "run.json").write_text("{ not json")
    [entry] = _runs(capsys)
    assert entry["status"] == "damaged" and "not readable JSON" in entry["problem"]
    assert main.main(["runs", "list"]) == 0
    assert "DAMAGED" in capsys.readouterr().out
    for argv in (["runs", "show", "junk"], ["runs", "show", "nope"],
                 ["runs", "show", "../etc"], ["runs", "compare", "junk", "nope"]):
        assert main.main(argv) == 2
        error = capsys.readouterr().err
        assert error.startswith("runs: ") and error.count("\n") == 1 and "Traceback" not in error
    assert (runs / "junk" / "run.json").read_text() == "{ not json"  # left as it was
    assert main.main(["runs", "delete", "junk"]) == 0
    assert not (runs / "junk").exists()


def test_compare_trains_each_network_on_the_same_letters(home, tmp_path, capsys):
    assert main.main(["compare", "tiny", "dense", "--epochs", "1", "--samples", "260",
                      "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    tiny, dense = result["networks"]
    assert (tiny["name"], dense["name"]) == ("tiny", "dense")
    assert tiny["params"] == 35_258 and dense["params"] == 110_426
    for network in (tiny, dense):
        assert network["seconds"] > 0 and network["macs"] > 0
        assert 0 <= network["validation_accuracy"] <= 1
        assert 0 <= network["real_letter_accuracy"] <= 1
        assert {len(network[k]) for k in ("shift", "rotation", "scale")} == {9, 13}
    assert any(row["setting"].startswith("network.layers") for row in result["differences"])
    assert len(_runs(capsys)) == 2


@pytest.mark.parametrize("argv, expected", [
    (["compare", "tiny", "nonsense"], "neither a preset"),
    (["compare", "tiny", "missing.cnn.json"], "missing.cnn.json"),
    (["compare", "tiny", "--epochs", "0"], "epochs"),
    (["compare", "tiny", "--samples", "0"], "--samples"),
])
def test_compare_refuses_bad_input_in_one_line(home, argv, expected, capsys):
    assert main.main(argv) == 2
    error = capsys.readouterr().err
    assert expected in error and error.count("\n") == 1


def _wait_for_epoch(runs: Path, deadline: float) -> dict:
    while time.monotonic() < deadline:
        for record in runs.glob("*/run.json"):
            try:
                document = json.loads(record.read_text())
            except ValueError:
                continue
            if document["epochs_completed"] >= 1:
                return document
        time.sleep(0.2)
    raise AssertionError("the run never finished an epoch")


def test_a_run_killed_midway_reads_as_stopped_and_later_runs_as_usual(home, npz, tmp_path,
                                                                       capsys):
    env = dict(os.environ, CNN_STUDIO_HOME=str(home))
    child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "--preset", "tiny",
                              "--data", str(npz), "--epochs", "500", "--batch-size", "8",
                              "--out", str(tmp_path / "killed.keras")], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_epoch(home / "data" / "runs", time.monotonic() + 120)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    [killed] = _runs(capsys)
    assert killed["status"] == "stopped"
    done = killed["epochs"]
    assert done >= 1 and killed["state"] == f"stopped at epoch {done} (the program ended " \
                                            "during the run)"
    assert killed["validation_accuracy"] is not None and killed["model"] is False
    assert main.main(["runs", "show", killed["id"]]) == 0
    assert "epoch 1: loss" in capsys.readouterr().out
    assert _train(npz, tmp_path / "after.keras") == 0
    capsys.readouterr()
    states = {run["id"]: run["state"] for run in _runs(capsys)}
    assert states[killed["id"]].startswith(f"stopped at epoch {done}")
    assert sorted(states.values())[0] == "finished, 2 epochs"
