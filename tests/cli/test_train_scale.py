"""Tests of `cnn-studio train` on bigger machines: devices, backup, checkpoints, TensorBoard,
data streamed from disk (cli/train.py, model/training/checkpoints.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from support_data import easy_data

from cnn_studio import main
from cnn_studio.cli import train as train_command
from cnn_studio.model.data.dataset import save_npz
from cnn_studio.model.data.streaming import RecordWriter
from cnn_studio.model.nets.model_files import load_model_file


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "letters.npz"
    save_npz(path, easy_data(130))
    return path


def base(npz, out) -> list[str]:
    return ["train", "--preset", "tiny", "--data", str(npz), "--epochs", "2",
            "--batch-size", "32", "--lr", "0.01", "--val-fraction", "0", "--out", str(out)]


def test_backup_resumes_after_a_crash_at_the_next_epoch(tmp_path, npz, monkeypatch, capsys):
    backup = tmp_path / "backup"
    original = train_command.Progress.epoch

    def crash_after_epoch_1(self, epoch, logs, weights):
        original(self, epoch, logs, weights)
        raise RuntimeError("power cut")

    monkeypatch.setattr(train_command.Progress, "epoch", crash_after_epoch_1)
    with pytest.raises(RuntimeError, match="power cut"):
        main.main([*base(npz, tmp_path / "net.keras"), "--backup", str(backup)])
    assert "epoch 1/2" in capsys.readouterr().out and any(backup.iterdir())
    assert not (tmp_path / "net.keras").exists()
    monkeypatch.setattr(train_command.Progress, "epoch", original)
    code = main.main([*base(npz, tmp_path / "net.keras"), "--backup", str(backup)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Resuming from the backup" in printed
    assert "epoch 2/2" in printed and "epoch 1/2" not in printed
    assert load_model_file(tmp_path / "net.keras") is not None
    assert not backup.exists()  # a finished run leaves no state to resume (Keras deletes it)


def test_checkpoints_every_n_epochs_and_tensorboard_logs(tmp_path, npz, capsys):
    out = tmp_path / "net.keras"
    argv = [*base(npz, out), "--epochs", "3", "--checkpoint-every", "2"]
    has_tensorboard = importlib.util.find_spec("tensorboard") is not None
    if has_tensorboard:
        argv += ["--tensorboard", str(tmp_path / "tb")]
    assert main.main(argv) == 0, capsys.readouterr()
    saved = sorted(p.name for p in (tmp_path / "net.checkpoints").iterdir())
    assert saved == ["epoch-002.keras"]
    load_model_file(tmp_path / "net.checkpoints" / "epoch-002.keras")
    if has_tensorboard:
        assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))


@pytest.mark.parametrize("extra, env, expected", [
    (["--device", "tpu"], None, "unknown: use cpu, gpu, mirrored, multiworker or gpu:N"),
    (["--device", "gpu:7"], None, "GPU"),
    (["--device", "multiworker"], None, "needs the TF_CONFIG variable"),
    ([], "{broken", "TF_CONFIG is not valid"),  # TF_CONFIG set: multiworker by default
    (["--checkpoint-every", "0"], None, "--checkpoint-every must be between 1 and 1000"),
    (["--data", "stream:missing.npy"], None, "missing.npy"),
    (["--data", "letters.npy", "--samples", "5"], None, "--samples cannot pick"),
])
def test_bad_scale_options_give_a_message_and_exit_code_2(extra, env, expected, tmp_path,
                                                           monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if env is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", env)
    argv = ["train", "--preset", "tiny", "--out", "x.keras", *extra]
    assert main.main(argv) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "x.keras").exists()


def test_device_default_follows_tf_config(monkeypatch):
    args = train_command.argparse.Namespace(device=None)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert train_command._device(args) == "cpu"
    monkeypatch.setenv("TF_CONFIG", "{}")
    assert train_command._device(args) == "multiworker"
    args.device = "gpu:1"
    assert train_command._device(args) == "gpu:1"


def test_trains_from_a_record_file_on_disk(tmp_path, capsys):
    data = easy_data(1300)
    path = tmp_path / "letters.npy"
    with RecordWriter(path) as writer:
        writer.add(data.x, data.y)
    out = tmp_path / "net.keras"
    code = main.main(["train", "--preset", "tiny", "--data", f"stream:{path}", "--epochs", "1",
                      "--batch-size", "64", "--lr", "0.01", "--val-fraction", "0.5", "--augment",
                      "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Streaming 1,300 letters" in printed
    assert "Training on cpu: 276 samples, 1024 for validation" in printed
    assert np.isfinite(load_model_file(out).get_weights()[0]).all()
