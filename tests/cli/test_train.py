"""Tests of `python main.py train` through main.main (model/commands/train.py)."""

from __future__ import annotations

import csv
import signal

import numpy as np
import pytest

from cnn_studio import main
from cnn_studio.cli import train as train_command
from cnn_studio.model.nets.model_files import load_model_file
from cnn_studio.model.spec.files import save_spec
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec


def test_trains_a_preset_on_synthetic_letters_and_saves(tmp_path, capsys):
    out = tmp_path / "net.keras"
    curves = tmp_path / "curves.csv"
    code = main.main(["train", "--preset", "tiny", "--samples", "104", "--epochs", "2",
                      "--batch-size", "16", "--lr", "0.01", "--out", str(out),
                      "--history", str(curves)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "epoch 1/2" in printed and "epoch 2/2" in printed and "val_accuracy" in printed
    assert "Finished 2 epochs" in printed and "samples/s" in printed
    model = load_model_file(out)
    assert model.layers[0].name == "01_conv2d"
    assert (tmp_path / "net.cnn.json").is_file()
    rows = list(csv.reader(curves.read_text().splitlines()))
    assert rows[0][0] == "epoch" and len(rows) == 3


def test_network_file_dataset_file_and_output_layer_added(tmp_path, npz, capsys):
    spec = NetworkSpec([LayerSpec("conv2d", {"filters": 2}), LayerSpec("maxpool2d", {})], "small")
    net = tmp_path / "small.cnn.json"
    save_spec(spec, net)
    out = tmp_path / "small.keras"
    code = main.main(["train", str(net), "--data", str(npz), "--samples", "100", "--epochs", "1",
                      "--optimizer", "sgd", "--val-fraction", "0", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "added Dense 26 softmax" in printed
    assert "Training on cpu: 100 samples, 0 for validation" in printed
    assert load_model_file(out).layers[-1].name.endswith("_dense")


@pytest.mark.parametrize("argv, expected", [
    (["--preset", "tiny", "--out", "x.keras", "--lr", "100"], "learning_rate"),
    (["--preset", "tiny", "--out", "x.keras", "--epochs", "0"], "epochs"),
    (["--preset", "nope", "--out", "x.keras"], "no preset"),
    (["--out", "x.keras"], "either a network file"),
    (["net.cnn.json", "--preset", "tiny", "--out", "x.keras"], "either a network file"),
    (["--preset", "tiny", "--out", "x.h5"], ".keras"),
    (["--preset", "tiny", "--out", "x.keras", "--data", "mnist"], "unknown --data"),
    (["--preset", "tiny", "--out", "x.keras", "--data", "user"], "draw"),
    (["--preset", "tiny", "--out", "x.keras", "--data", "missing.npz"], "missing.npz"),
    (["--preset", "tiny", "--out", "x.keras", "--samples", "0"], "--samples"),
])
def test_bad_input_gives_a_message_and_exit_code_2(argv, expected, tmp_path, monkeypatch,
                                                   capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))  # no drawn samples yet
    assert main.main(["train", *argv]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "x.keras").exists()


def test_bad_network_files(tmp_path, capsys):
    broken = tmp_path / "broken.cnn.json"
    broken.write_text("{not json")
    assert main.main(["train", str(broken), "--out", str(tmp_path / "a.keras")]) == 2
    assert "broken.cnn.json" in capsys.readouterr().err
    assert main.main(["train", str(tmp_path / "none.cnn.json"),
                      "--out", str(tmp_path / "a.keras")]) == 2
    assert "none.cnn.json" in capsys.readouterr().err
    invalid = tmp_path / "invalid.cnn.json"
    save_spec(NetworkSpec([LayerSpec("conv2d", {"kernel_h": 40, "kernel_w": 40})], "big"),
              invalid)
    assert main.main(["train", str(invalid), "--out", str(tmp_path / "a.keras")]) == 2
    assert "cannot be trained" in capsys.readouterr().err
    assert not (tmp_path / "a.keras").exists()


def test_ctrl_c_stops_cleanly_and_still_saves(tmp_path, npz, monkeypatch, capsys):
    original = train_command.Progress.batch
    calls = []

    def batch_then_interrupt(self, *args):
        calls.append(args)
        original(self, *args)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl+C now

    monkeypatch.setattr(train_command.Progress, "batch", batch_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    out = tmp_path / "stopped.keras"
    code = main.main(["train", "--preset", "tiny", "--data", str(npz), "--epochs", "20",
                      "--batch-size", "8", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 130, captured.out + captured.err
    assert "Stopping after this batch" in captured.err
    assert "Stopped at epoch 1, step 10" in captured.out  # reports come every 10 batches
    assert load_model_file(out) is not None
    assert signal.getsignal(signal.SIGINT) is before


def test_data_unipen_trains_on_real_letters_validated_on_held_out_sites(tmp_path, monkeypatch,
                                                                        capsys):
    from support_real_letters import install_fake_real_letters

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    install_fake_real_letters(tmp_path, monkeypatch)
    out = tmp_path / "real.keras"
    code = main.main(["train", "--preset", "tiny", "--data", "unipen", "--samples", "100",
                      "--epochs", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "real letters" in printed
    # 90 resampled training letters; validation: 10 of the 24 held-out-site letters
    assert "Training on cpu: 90 samples, 10 for validation" in printed
    assert out.is_file()


def test_augment_also_varies_the_real_letters(tmp_path, monkeypatch, capsys):
    from support_real_letters import install_fake_real_letters

    from cnn_studio.model.data import datasets

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    install_fake_real_letters(tmp_path, monkeypatch)
    seen, mixer = [], datasets.training_data

    def recording(choice, *args, **kwargs):
        seen.append(choice)
        return mixer(choice, *args, **kwargs)

    monkeypatch.setattr(datasets, "training_data", recording)
    out = tmp_path / "varied.keras"
    code = main.main(["train", "--preset", "tiny", "--data", "unipen", "--samples", "100",
                      "--epochs", "1", "--augment", "--out", str(out)])
    assert code == 0, capsys.readouterr().out
    assert [c.vary_real for c in seen] == [True] and out.is_file()


def _raw_npz(path, x, y):
    np.savez(path, x=x, y=y)
    return path


@pytest.mark.parametrize("images, labels, words", [
    (np.zeros((26, 28, 28), np.uint8), np.full(26, 3.7), "label 3.7 (sample 0)"),
    (np.zeros((26, 28, 28), np.uint8), np.full(26, 25.9), "label 25.9"),
    (np.zeros((26, 28, 28), np.uint8), np.full(26, -0.5), "label -0.5"),
    (np.zeros((26, 28, 28), np.uint8), np.arange(26) % 2 == 0, "labels of type bool"),
    (np.zeros((26, 28, 28), np.uint8), np.full(26, 26), "label 26"),
    (np.zeros((26, 28, 28), np.uint8), np.array(["A"] * 25 + ["?"]), "'?' is not a letter"),
    (np.full((26, 28, 28), 200.0, np.float32), np.arange(26), "divide them by 255"),
    (np.full((26, 28, 28), 0.5 + 0.5j), np.arange(26), "images of type complex128"),
    (np.full((26, 28, 28), np.nan, np.float32), np.arange(26), "NaN"),
    (np.full((26, 28, 28), 3, np.int16), np.arange(26), "images of type int16"),
    (np.zeros((26, 28, 28), bool), np.arange(26), "images of type bool"),
])
def test_training_data_of_the_wrong_type_or_range_is_refused(tmp_path, capsys, images, labels,
                                                            words):
    """Issue 27, defect 7: nothing is truncated, taken as 0..1 or loses its imaginary part."""
    data = _raw_npz(tmp_path / "bad.npz", images, labels)
    out = tmp_path / "x.keras"
    assert main.main(["train", "--preset", "tiny", "--data", str(data), "--epochs", "1",
                      "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and words in err and str(data) in err, err
    assert not out.exists()


def test_letters_and_whole_float_labels_are_taken(tmp_path):
    from cnn_studio.model.data.dataset import load_npz

    x = np.zeros((4, 28, 28), np.float32)
    letters = load_npz(_raw_npz(tmp_path / "letters.npz", x, np.array(["A", "b", "Z", "m"])))
    assert letters.y.tolist() == [0, 1, 25, 12]
    whole = load_npz(_raw_npz(tmp_path / "whole.npz", x, np.array([0.0, 1.0, 25.0, 12.0])))
    assert whole.y.tolist() == [0, 1, 25, 12]


def test_the_seed_limit_is_written_out_in_full(tmp_path, capsys):
    """Issue 27, defect 10: not '2.14748e+09'."""
    assert main.main(["train", "--preset", "tiny", "--seed", "3000000000",
                      "--out", str(tmp_path / "x.keras")]) == 2
    assert "seed must be between 0 and 2147483647, not 3000000000" in capsys.readouterr().err


def test_a_stream_file_with_a_label_out_of_range_is_refused_at_open(tmp_path, capsys):
    """Issue 27, defect 10: not 'training failed: Graph execution error:' mid-training."""
    from cnn_studio.model.data.streaming import RECORD

    records = np.zeros(3000, RECORD)
    records["y"] = np.arange(3000) % 26
    records["y"][2500] = 99
    path = tmp_path / "letters.npy"
    np.save(path, records)
    out = tmp_path / "x.keras"
    assert main.main(["train", "--preset", "tiny", "--data", f"stream:{path}", "--epochs", "1",
                      "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"train: {path}: record 2,500 has label 99, but labels run 0..25; the file is damaged "
        "or not a letter record file: write it again with 'cnn-studio data import --stream'"]
    assert "epoch" not in captured.out and not out.exists()


def test_checkpoint_folder_problems_are_said_before_the_first_epoch(tmp_path, capsys):
    """Issue 27, defect 10: no bare [Errno 17] / [Errno 20] after training."""
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    for folder in (blocker, blocker / "below"):
        out = tmp_path / "x.keras"
        assert main.main(["train", "--preset", "tiny", "--samples", "52", "--epochs", "1",
                          "--checkpoint-every", "1", "--checkpoint-dir", str(folder),
                          "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.err.splitlines() == [
            f"train: the checkpoint folder {folder} cannot be made: a file is in its place or "
            "in the place of a folder above it; choose another folder"]
        assert "epoch 1/1" not in captured.out and not out.exists()
    assert main.main(["train", "--preset", "tiny", "--samples", "52", "--epochs", "1",
                      "--backup", str(blocker), "--out", str(tmp_path / "x.keras")]) == 2
    assert "the backup folder" in capsys.readouterr().err
    assert blocker.read_text() == "mine"


def test_a_checkpoint_on_a_full_disk_is_reported_and_the_model_still_saved(tmp_path, capsys):
    """Issue 27, defect 10: the trained epochs are not lost when a checkpoint fails."""
    from support_disk import fill, small_disk

    with small_disk(tmp_path / "small", 64) as disk:
        fill(disk, leave_bytes=8192)
        out = tmp_path / "x.keras"
        code = main.main(["train", "--preset", "tiny", "--samples", "52", "--epochs", "1",
                          "--checkpoint-every", "1", "--checkpoint-dir", str(disk / "ck"),
                          "--out", str(out)])
        captured = capsys.readouterr()
        assert code == 0, captured
        assert captured.err.splitlines() == [
            f"train: warning: checkpoint epoch-001.keras was not saved: the disk holding the "
            f"checkpoint folder {disk / 'ck'} is full; free some space; training goes on"]
        assert load_model_file(out) is not None
        assert not [p for p in (disk / "ck").iterdir()], "no partial checkpoint is left"


def test_temporaries_of_killed_saves_are_removed_by_the_next_run(tmp_path, capsys):
    """Issue 27, defect 11: the model's, the checkpoints' and exports' leftovers go."""
    import subprocess

    child = subprocess.Popen(["sleep", "0"])
    child.wait()  # its pid is the pid of a writer that was killed
    pid = child.pid
    checkpoints = tmp_path / "m.checkpoints"
    checkpoints.mkdir()
    left = [tmp_path / f".m.keras.{pid}.140234.tmp.keras",
            checkpoints / f".epoch-001.keras.{pid}.140234.tmp.keras",
            tmp_path / f".m.tflite.{pid}.140234.tmp.tflite"]
    for path in left:
        path.write_bytes(b"half a file")
    (tmp_path / f".sm.{pid}.140234.tmp").mkdir()
    (tmp_path / f".sm.{pid}.140234.tmp" / "saved_model.pb").write_bytes(b"half")
    mine = tmp_path / ".notes.tmp"
    mine.write_text("not the app's")
    out = tmp_path / "m.keras"
    assert main.main(["train", "--preset", "tiny", "--samples", "52", "--epochs", "1",
                      "--checkpoint-every", "1", "--out", str(out)]) == 0
    assert main.main(["export", str(out), "--format", "litert"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".notes.tmp", "m.checkpoints", "m.cnn.json", "m.keras", "m.tflite"]
    assert [p.name for p in checkpoints.iterdir()] == ["epoch-001.keras"]
