"""strokes-v1 reading, writing and validation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support_files import assert_refused

from cnn_studio.model.ink.strokes import (
    Sample,
    StrokesError,
    label_to_class,
    parse_strokes,
    read_strokes,
    write_strokes,
)


def _doc(samples, canvas=None, fmt="strokes-v1"):
    return {"format": fmt, "canvas": canvas or {"width": 280, "height": 280}, "samples": samples}


GOOD = {"label": "a", "writer": "w1", "strokes": [[[1, 2], [3.5, 4]], [[5, 5]]], "extra": 1}


def test_parse_valid_document_keeps_case_and_ignores_unknown_keys():
    doc = parse_strokes(_doc([GOOD, {"strokes": [[[0, 0]]]}]))
    assert doc.canvas == (280.0, 280.0)
    first, second = doc.samples
    assert first.label == "a" and first.writer == "w1"
    assert [s.shape for s in first.strokes] == [(2, 2), (1, 2)]
    assert second.label is None


@pytest.mark.parametrize("label,cls", [("A", 0), ("a", 0), ("z", 25), ("Q", 16)])
def test_label_to_class_is_case_insensitive(label, cls):
    assert label_to_class(label) == cls


@pytest.mark.parametrize("label", ["", "AB", "1", "é", None, 3])
def test_label_to_class_rejects_non_letters(label):
    with pytest.raises(StrokesError):
        label_to_class(label)


@pytest.mark.parametrize("mutate,expected", [
    (lambda d: d.update(format="strokes-v2"), "format"),
    (lambda d: d.pop("canvas"), "canvas"),
    (lambda d: d.update(canvas={"width": 0, "height": 10}), "width"),
    (lambda d: d.update(canvas={"width": 10, "height": -1}), "height"),
    (lambda d: d.update(canvas={"width": "10", "height": 10}), "width"),
    (lambda d: d["samples"].append({"label": "A", "strokes": []}), "sample 1"),
    (lambda d: d["samples"].append({"label": "A"}), "sample 1"),
    (lambda d: d["samples"].append({"strokes": [[[1, float("nan")]]]}), "sample 1"),
    (lambda d: d["samples"].append({"strokes": [[[1, 2, 3]]]}), "sample 1"),
    (lambda d: d["samples"].append({"strokes": [[[1, True]]]}), "sample 1"),
    (lambda d: d["samples"].append({"strokes": [[["1", 2]]]}), "sample 1"),
    (lambda d: d["samples"].append({"label": "AB", "strokes": [[[1, 2]]]}), "sample 1"),
    (lambda d: d["samples"].append({"label": "7", "strokes": [[[1, 2]]]}), "sample 1"),
    (lambda d: d.update(samples="nope"), "samples"),
])
def test_parse_rejects_what_the_format_lists(mutate, expected):
    doc = _doc([dict(GOOD)])
    mutate(doc)
    with pytest.raises(StrokesError, match=expected):
        parse_strokes(doc)


def test_round_trip_through_a_file(tmp_path):
    samples = [Sample([np.array([[1.0, 2.0], [3.0, 4.5]])], "B", "me"),
               Sample([np.array([[7.0, 8.0]])], None)]
    path = tmp_path / "s.json"
    write_strokes(path, samples, (300, 200))
    doc = read_strokes(path)
    assert doc.canvas == (300.0, 200.0)
    assert doc.samples[0].label == "B" and doc.samples[1].label is None
    np.testing.assert_allclose(doc.samples[0].strokes[0], samples[0].strokes[0])


def test_write_validates_before_touching_the_file(tmp_path):
    path = tmp_path / "s.json"
    write_strokes(path, [Sample([np.zeros((1, 2))], "A")], (10, 10))
    before = path.read_text()
    with pytest.raises(StrokesError):
        write_strokes(path, [Sample([np.zeros((1, 2))], "1")], (10, 10))
    assert path.read_text() == before


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"format": "strokes-v1"'])
def test_read_names_the_file_for_corrupt_content(tmp_path, content):
    assert_refused(read_strokes, tmp_path / "broken.json", content, StrokesError, "broken.json")


def test_read_missing_and_binary_files(tmp_path):
    with pytest.raises(StrokesError, match="file not found"):
        read_strokes(tmp_path / "absent.json")
    assert_refused(read_strokes, tmp_path / "bin.json", b"\xff\xfe\x00garbage", StrokesError,
                   "bin.json")


def test_truncated_real_file_is_reported(tmp_path):
    text = json.dumps(_doc([GOOD] * 5))
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(StrokesError, match="truncated"):
        read_strokes(path)


def test_empty_strokes_are_dropped_but_an_all_empty_sample_is_refused():
    doc = parse_strokes(_doc([{"strokes": [[], [[1, 2]]]}]))
    assert len(doc.samples[0].strokes) == 1
    with pytest.raises(StrokesError, match="sample 0"):
        parse_strokes(_doc([{"strokes": [[], []]}]))
    with pytest.raises(StrokesError, match="sample 0, stroke 0"):
        parse_strokes(_doc([{"strokes": ["abc"]}]))
