"""The `classify` command: strokes files and images through the canvas's preprocessing."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import support_letters
from PIL import Image, ImageDraw

from cnn_studio import main
from cnn_studio.cli import classify
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import Sample, write_strokes

SHAPES = "LTXV"  # the letters the test network learns (upright drawings)


def letter_strokes(letter: str, rng: np.random.Generator) -> list[np.ndarray]:
    """A jittered upright drawing of ``letter`` on a 280x280 canvas."""
    return support_letters.letter_strokes(letter, rng, rotate=False)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A tiny network trained for a few seconds on the shapes above."""
    path = tmp_path_factory.mktemp("model") / "letters.keras"
    return support_letters.train_letter_model(SHAPES, 50, path, rotate=False)


@pytest.fixture
def strokes_file(tmp_path):
    """Eight labelled drawings (two per letter, one in lower case) and a deliberate mislabel."""
    rng = np.random.default_rng(11)
    samples = [Sample(letter_strokes(letter, rng), label)
               for letter in SHAPES for label in (letter, letter.lower())]
    samples.append(Sample(letter_strokes("X", rng), "L"))  # an X labelled L: one sure mistake
    path = tmp_path / "letters.json"
    write_strokes(path, samples, (280, 280))
    return path


def test_strokes_file_lines_summary_and_json(model_file, strokes_file, tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main.main(["classify", "--strokes", str(strokes_file), "--model", str(model_file),
                      "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    lines = text.strip().splitlines()
    assert re.fullmatch(r"accuracy: 0\.8889 \(n=9\)", lines[-1], flags=re.IGNORECASE)
    sample_lines = [line for line in lines if re.match(r"\s*\d+\s+[A-Z]\s+[01]\.\d{4}", line)]
    assert len(sample_lines) == 9
    assert sample_lines[0].split()[:2] == ["0", "L"]
    assert "X -> L" not in text and "L -> X  1" in text, "the mislabelled X is the confusion"
    document = json.loads(out.read_text())
    assert document["accuracy"] == pytest.approx(8 / 9)
    rows = document["predictions"]
    assert [row["label"] for row in rows] == ["L", "l", "T", "t", "X", "x", "V", "v", "L"]
    assert [row["predicted"] for row in rows] == ["L", "L", "T", "T", "X", "X", "V", "V", "X"]
    for row in rows:
        assert set(row) >= {"index", "label", "predicted", "probability", "top3"}
        assert row["top3"][0]["letter"] == row["predicted"]
        assert row["probability"] == pytest.approx(row["top3"][0]["probability"])
        assert row["top3"][0]["probability"] >= row["top3"][1]["probability"]


def test_probabilities_match_a_direct_forward_pass(model_file, strokes_file, tmp_path):
    from cnn_studio.model.ink.strokes import read_strokes
    from cnn_studio.model.nets.inference import Predictor
    from cnn_studio.model.nets.model_files import load_model_file

    out = tmp_path / "result.json"
    assert main.main(["classify", "--strokes", str(strokes_file), "--model", str(model_file),
                      "--json", str(out), "--quiet"]) == 0
    predictor = Predictor(load_model_file(model_file))
    document = read_strokes(strokes_file)
    rows = json.loads(out.read_text())["predictions"]
    for sample, row in zip(document.samples, rows, strict=True):
        probs = predictor.forward(strokes_to_image(sample.strokes, document.canvas)).probs
        assert row["probability"] == pytest.approx(float(probs.max()), abs=1e-5)


def test_quiet_prints_only_the_summary(model_file, strokes_file, capsys):
    assert main.main(["classify", "--strokes", str(strokes_file), "--model", str(model_file),
                      "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert not any(re.match(r"\s*\d+\s+[A-Z]\s+[01]\.\d{4}", line) for line in lines)
    assert "Per-class accuracy:" in lines
    assert lines[-1].startswith("accuracy: ")


def test_the_forward_pass_is_batched(model_file, strokes_file, monkeypatch):
    """classify runs the numpy engine (no TensorFlow) on the app's own networks."""
    from cnn_studio.model.nets.numpy_forward import NumpyNetwork as Predictor

    calls = {"forward": 0, "batch": 0}
    forward, forward_batch = Predictor.forward, Predictor.forward_batch

    def counting_forward(self, image):
        calls["forward"] += 1
        return forward(self, image)

    def counting_batch(self, images, batch_size=256):
        calls["batch"] += 1
        return forward_batch(self, images, batch_size)

    monkeypatch.setattr(Predictor, "forward", counting_forward)
    monkeypatch.setattr(Predictor, "forward_batch", counting_batch)
    assert main.main(["classify", "--strokes", str(strokes_file), "--model", str(model_file),
                      "--quiet", "--batch-size", "4"]) == 0
    assert calls["batch"] == 1
    assert calls["forward"] <= 1, "at most the predictor's warm-up pass, never one per sample"


def test_unlabelled_samples_and_images(model_file, tmp_path, capsys):
    rng = np.random.default_rng(5)
    path = tmp_path / "plain.json"
    write_strokes(path, [Sample(letter_strokes("T", rng))], (280, 280))
    assert main.main(["classify", "--strokes", str(path), "--model", str(model_file)]) == 0
    out = capsys.readouterr().out
    assert "accuracy:" not in out and re.search(r"^\s*0\s+T\s", out, flags=re.MULTILINE)
    images = []
    for letter in ("L", "X"):
        picture = Image.new("L", (120, 160), 255)
        draw = ImageDraw.Draw(picture)
        for stroke in letter_strokes(letter, rng):
            draw.line((stroke * 0.5).ravel().tolist(), fill=0, width=6)
        images.append(tmp_path / f"{letter}.png")
        picture.save(images[-1])
    out_json = tmp_path / "images.json"
    assert main.main(["classify", *map(str, images), "--model", str(model_file),
                      "--json", str(out_json)]) == 0
    rows = json.loads(out_json.read_text())["predictions"]
    assert [row["predicted"] for row in rows] == ["L", "X"]
    assert json.loads(out_json.read_text())["accuracy"] is None


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, "samples": '
     '[{"strokes": [[[1, "x"]]]}]}', "sample 0"),
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, "samples": []}',
     "no samples"),
])
def test_bad_strokes_files_exit_2_with_a_message(model_file, tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main.main(["classify", "--strokes", str(path), "--model", str(model_file)]) == 2
    assert message in capsys.readouterr().err


def test_bad_model_image_and_arguments_exit_2(strokes_file, tmp_path, capsys):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    assert main.main(["classify", "--strokes", str(strokes_file), "--model", str(broken)]) == 2
    assert "broken.keras" in capsys.readouterr().err
    assert main.main(["classify", "--strokes", str(strokes_file),
                      "--model", str(tmp_path / "none.keras")]) == 2
    assert "no model file" in capsys.readouterr().err.lower()
    (tmp_path / "fake.png").write_bytes(b"not an image")
    assert main.main(["classify", str(tmp_path / "fake.png")]) == 2
    assert "cannot read it as an image" in capsys.readouterr().err
    assert main.main(["classify"]) == 2
    assert main.main(["classify", "--strokes", str(strokes_file), "x.png"]) == 2
    assert main.main(["classify", "--strokes", str(strokes_file), "--batch-size", "0"]) == 2


def test_per_class_accuracy_and_most_confused_pairs():
    true = np.array([0, 0, 1, 1, 2, 2, 2])
    guess = np.array([0, 1, 1, 1, 1, 1, 0])
    assert classify.per_class_accuracy(true, guess) == {"A": (0.5, 2), "B": (1.0, 2),
                                                        "C": (0.0, 3)}
    assert classify.confused_pairs(true, guess) == [("C", "B", 2), ("A", "B", 1),
                                                    ("C", "A", 1)]
    assert classify.confused_pairs(true, true) == []


def test_json_dash_writes_only_the_document_to_stdout(model_file, strokes_file, tmp_path, capfd):
    assert main.main(["classify", "--strokes", str(strokes_file), "--model", str(model_file),
                      "--json", "-"]) == 0
    out = capfd.readouterr().out  # file-descriptor level: nothing else may reach stdout
    document = json.loads(out)
    assert not (tmp_path / "-").exists()
    assert document["n"] == 9 and document["accuracy"] == pytest.approx(8 / 9)
    assert [row["predicted"] for row in document["predictions"]] == [
        "L", "L", "T", "T", "X", "X", "V", "V", "X"]
    assert document["per_class"]["L"] == {"accuracy": pytest.approx(2 / 3), "n": 3}
    assert document["per_class"]["X"] == {"accuracy": 1.0, "n": 2}
    assert document["confusions"] == [{"true": "L", "predicted": "X", "count": 1}]


def test_json_dash_errors_go_to_stderr_only(model_file, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    assert main.main(["classify", "--strokes", str(path), "--model", str(model_file),
                      "--json", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "not valid JSON" in captured.err


def _blank_images(folder) -> list:
    """Images with no ink, as an attacker made them (issue 27, defect 8)."""
    made = []
    Image.new("L", (1, 1), 255).save(path := folder / "white-1x1.png")
    made.append(path)
    Image.new("L", (100_000, 1), 255).save(path := folder / "white-100000x1.png")
    made.append(path)
    Image.new("CMYK", (64, 64), (0, 0, 0, 0)).save(path := folder / "blank-cmyk.jpg")
    made.append(path)
    frames = [Image.new("L", (32, 32), 255), Image.new("L", (32, 32), 0)]
    frames[1].paste(255, (8, 8, 24, 24))
    frames[0].save(path := folder / "blank-first-frame.gif", save_all=True,
                   append_images=frames[1:])
    made.append(path)
    page = Image.new("L", (8, 8), 255)
    page.save(path := folder / "blank-1000-pages.tif", save_all=True,
              append_images=[page] * 999)
    made.append(path)
    noise = np.random.default_rng(0).integers(250, 256, (64, 64), dtype=np.uint8)
    Image.fromarray(noise).save(path := folder / "blank-paper-noise.png")
    made.append(path)
    return made


def test_an_input_with_no_ink_is_said_to_be_empty(tmp_path, capsys):
    """Issue 27, defect 8: a blank image is never given a confident letter."""
    blanks = _blank_images(tmp_path)
    out_json = tmp_path / "blank.json"
    assert main.main(["classify", *map(str, blanks), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert len(lines) == len(blanks) and all("empty (no ink)" in line for line in lines), text
    assert f"{len(blanks)} of them empty (no ink)" in text.splitlines()[-1]
    rows = json.loads(out_json.read_text())["predictions"]
    assert [(row["predicted"], row["empty"]) for row in rows] == [(None, True)] * len(blanks)


def test_a_labelled_empty_input_counts_as_not_recognised():
    images = np.zeros((2, 28, 28), np.float32)
    images[0, 10:20, 14] = 1.0
    probs = np.full((2, 26), 0.01, np.float32)
    probs[:, 11] = 0.75  # "L" for both, the blank one included
    results = classify.evaluate(classify.Inputs(images, ["L", "T"], ["a", "b"]), probs)
    assert [row["predicted"] for row in results.rows] == ["L", None]
    assert results.accuracy == 0.5 and results.pairs == [] and results.empty == 1
