"""The `lessons` command: the steps listed, and every step's claim checked on real letters."""

from __future__ import annotations

import json

import pytest

from cnn_studio import main
from cnn_studio.model.lessons.check import CHECK_LETTERS
from cnn_studio.model.lessons.steps import STEPS


def test_list_names_every_step_in_order(capsys):
    assert main.main(["lessons", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(STEPS) >= 15
    for number, (line, step) in enumerate(zip(lines, STEPS, strict=True), 1):
        assert line.split()[:2] == [f"{number}.", step.key]
        assert line.endswith(step.title)


def test_every_step_holds_on_the_shipped_model(tmp_path, capsys):
    out = tmp_path / "lessons.json"
    code = main.main(["lessons", "--check", "--json", str(out)])
    text = capsys.readouterr().out
    document = json.loads(out.read_text())
    failing = [(s["key"], s["sentences"]) for s in document["steps"] if not s["holds"]]
    assert code == 0 and document["holds"] and not failing, failing
    assert text.strip().splitlines()[-1] == (f"{len(STEPS)} of {len(STEPS)} steps hold on all "
                                             f"{len(CHECK_LETTERS)} letters")
    assert [letter["letter"] for letter in document["letters"]] == list(CHECK_LETTERS)
    assert {letter["site"] for letter in document["letters"]} == {"art"}
    assert [step["key"] for step in document["steps"]] == [step.key for step in STEPS]
    for step in document["steps"]:
        assert set(step) == {"key", "title", "holds", "numbers", "sentences",
                             "holds_per_letter"}
        assert len(step["numbers"]) == len(step["sentences"]) == len(CHECK_LETTERS)
        assert all(isinstance(numbers, dict) and numbers for numbers in step["numbers"])
    backprop = next(s for s in document["steps"] if s["key"] == "backprop")
    for numbers in backprop["numbers"]:
        assert numbers["target"] != numbers["answer"]
        assert numbers["loss_after"] < numbers["loss_before"]


@pytest.fixture(scope="module")
def dense_model(tmp_path_factory):
    """The dense preset (no convolution at all), saved with seeded weights."""
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.spec.presets import get_preset

    path = tmp_path_factory.mktemp("dense") / "dense.keras"
    spec = get_preset("dense")
    save_model_file(build_model(spec, seed=3), spec, path)
    return path


def test_steps_that_do_not_hold_fail_the_check(dense_model, capsys):
    code = main.main(["lessons", "--check", "--model", str(dense_model), "--json", "-"])
    document = json.loads(capsys.readouterr().out)  # standard output is only the JSON
    assert code == 1 and not document["holds"]
    holds = {step["key"]: step["holds"] for step in document["steps"]}
    for key in ("sliding_kernel", "feature_map", "output_size", "edges", "sharing", "backprop"):
        assert not holds[key], key
    assert holds["pixels"] and holds["softmax"]
    sliding = next(step for step in document["steps"] if step["key"] == "sliding_kernel")
    assert "has no Conv2D layer" in sliding["sentences"][0]


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip")
    cases = [
        (["lessons"], "give --list to name the steps or --check"),
        (["lessons", "--list", "--json", "-"], "--model and --json go with --check"),
        (["lessons", "--check", "--model", str(tmp_path / "missing.keras")], "missing.keras"),
        (["lessons", "--check", "--model", str(broken)], "broken.keras"),
        (["lessons", "--check", "--json", str(tmp_path / "no" / "out.json")],
         "its folder does not exist"),
    ]
    for argv, words in cases:
        assert main.main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1, (argv, err)
