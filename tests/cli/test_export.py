"""The `export` command: LiteRT, SavedModel and ONNX files; every failure one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from support_models import save_tiny_model

from cnn_studio import main
from cnn_studio.model.nets import export


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """The tiny preset with seeded weights, saved as a .keras file."""
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    save_tiny_model(path, seed=5)
    return path


def _keras_probs(model_file, images):
    from cnn_studio.model.nets.model_files import load_model_file

    return np.asarray(load_model_file(model_file, compile=False)(images, training=False))


def test_litert_file_is_written_and_reported(model_file, tmp_path, capsys):
    out = tmp_path / "phone.tflite"
    assert main.main(["export", str(model_file), "--format", "litert", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Exported {model_file} as LiteRT")
    assert f"to {out} (" in captured.out and " KB)" in captured.out
    assert captured.err == ""
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    probs = export.run_exported(out, "litert", images)
    assert np.abs(probs - _keras_probs(model_file, images)).max() <= 1e-5


def test_saved_model_goes_beside_the_model_by_default(model_file, tmp_path, capsys):
    local = tmp_path / "net.keras"
    local.write_bytes(model_file.read_bytes())
    assert main.main(["export", str(local), "--format", "saved_model"]) == 0
    assert (tmp_path / "net_saved_model" / "saved_model.pb").is_file()
    assert "TensorFlow SavedModel" in capsys.readouterr().out


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, captured
    assert lines[0].startswith("export: ")
    return lines[0]


def test_bad_models_and_outputs_exit_2_with_one_line(model_file, tmp_path, capsys):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    cases = [
        ([str(tmp_path / "none.keras"), "--format", "litert"], "There is no model file at"),
        ([str(broken), "--format", "litert"], "broken.keras could not be read as a Keras model"),
        ([str(model_file), "--format", "litert", "--out", str(tmp_path / "no" / "x.tflite")],
         "does not exist"),
        ([str(model_file), "--format", "litert", "--out", str(tmp_path)], "is a folder"),
        ([str(model_file), "--format", "saved_model", "--out", str(broken)], "is a file"),
    ]
    for argv, words in cases:
        assert main.main(["export", *argv]) == 2, argv
        assert words in _one_error_line(capsys)
    assert broken.read_bytes() == b"not a model"


def test_onnx_without_the_extra_says_how_to_install_it(model_file, tmp_path, capsys,
                                                       monkeypatch):
    monkeypatch.setattr(export, "_installed", lambda module: False)
    out = tmp_path / "net.onnx"
    assert main.main(["export", str(model_file), "--format", "onnx", "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "needs the optional packages tf2onnx and onnx" in line
    assert "pip install 'cnn-studio[onnx]'" in line
    assert not out.exists()


def test_onnx_export_runs_when_the_extra_is_installed(model_file, tmp_path, capsys):
    if export.missing_packages("onnx"):
        pytest.skip("the onnx extra (tf2onnx, onnx) is not installed")
    pytest.importorskip("onnxruntime")
    out = tmp_path / "net.onnx"
    assert main.main(["export", str(model_file), "--format", "onnx", "--out", str(out)]) == 0
    images = np.random.default_rng(1).random((4, 28, 28, 1), dtype=np.float32)
    probs = export.run_exported(out, "onnx", images)
    assert np.abs(probs - _keras_probs(model_file, images)).max() <= 1e-5


def test_unknown_format_is_an_argument_error(model_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main.main(["export", str(model_file), "--format", "coreml"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'coreml'" in capsys.readouterr().err


def test_the_command_line_formats_are_the_model_formats():
    from cnn_studio.cli.export import FORMAT_NAMES

    assert FORMAT_NAMES == tuple(export.FORMATS)


def test_a_missing_model_fails_fast_on_stderr_only(tmp_path):
    """A real process: one line on stderr, nothing on stdout, before TensorFlow loads."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from cnn_studio import main; "
         "code = main.main(sys.argv[1:]); "
         "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'; sys.exit(code)",
         "export", str(tmp_path / "none.keras"), "--format", "litert"],
        capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"export: There is no model file at {tmp_path / 'none.keras'}. Check the path, or "
        "train and save a network first."]


def test_an_existing_output_is_replaced_only_with_force_and_only_if_an_export(
        model_file, tmp_path, capsys):
    """Issue 27, defect 2: export never replaces a person's file, nor an export without --force."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    for extra in ([], ["--force"]):
        assert main.main(["export", str(model_file), "--format", "litert", "--out", str(notes),
                          *extra]) == 2
        assert "is not a LiteRT / TensorFlow Lite (.tflite) export" in _one_error_line(capsys)
    assert notes.read_text() == "my notes"

    out = tmp_path / "net.tflite"
    assert main.main(["export", str(model_file), "--format", "litert", "--out", str(out)]) == 0
    capsys.readouterr()
    first = out.read_bytes()
    out.write_bytes(first[:8] + b"an older export")
    assert main.main(["export", str(model_file), "--format", "litert", "--out", str(out)]) == 2
    assert "already holds a LiteRT" in (line := _one_error_line(capsys))
    assert line.endswith("Add --force to replace it.")
    assert out.read_bytes() == first[:8] + b"an older export"
    assert main.main(["export", str(model_file), "--format", "litert", "--out", str(out),
                      "--force"]) == 0
    assert out.read_bytes() == first
    assert main.main(["export", str(model_file), "--format", "onnx", "--out", str(out),
                      "--force"]) == 2  # a LiteRT file is not an ONNX export
    assert out.read_bytes() == first
    capsys.readouterr()


def test_an_earlier_saved_model_is_replaced_only_with_force(model_file, tmp_path, capsys):
    out = tmp_path / "served"
    out.mkdir()
    (out / "saved_model.pb").write_bytes(b"an earlier export")
    assert main.main(["export", str(model_file), "--format", "saved_model", "--out",
                      str(out)]) == 2
    assert "already holds a TensorFlow SavedModel" in _one_error_line(capsys)
    assert (out / "saved_model.pb").read_bytes() == b"an earlier export"
    assert main.main(["export", str(model_file), "--format", "saved_model", "--out", str(out),
                      "--force"]) == 0
    assert (out / "saved_model.pb").read_bytes() != b"an earlier export"
    capsys.readouterr()


def test_a_folder_or_pipe_named_like_a_model_is_said_to_be_one(tmp_path, capsys):
    """Issue 27, defect 10: not "There is no model file at ..."."""
    folder = tmp_path / "x.keras"
    folder.mkdir()
    assert main.main(["export", str(folder), "--format", "litert"]) == 2
    assert f"{folder}: is a folder, not a file" in _one_error_line(capsys)
    pipe = tmp_path / "p.keras"
    os.mkfifo(pipe)
    assert main.main(["export", str(pipe), "--format", "litert"]) == 2
    assert f"{pipe}: not a regular file (a pipe, device or socket)" in _one_error_line(capsys)


def test_a_saved_model_on_a_full_disk_ends_in_one_short_line(model_file, tmp_path, capsys):
    """Issue 27, defect 10: not a long ResourceExhaustedError {{function_node ...}} line."""
    from support_disk import fill, small_disk

    with small_disk(tmp_path / "small", 256) as disk:
        fill(disk, leave_bytes=16384)
        out = disk / "served"
        assert main.main(["export", str(model_file), "--format", "saved_model", "--out",
                          str(out)]) == 2
        line = _one_error_line(capsys)
        assert line == f"export: Could not write {out}: the disk is full. Free some space or " \
                       "choose another folder." or "No space left on device" in line, line
        assert len(line) < 200 and not out.exists()
        assert sorted(p.name for p in disk.iterdir()) == ["filler"], "no temporary is left"
