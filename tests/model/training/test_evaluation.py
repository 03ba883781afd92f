"""Evaluation of a classifier on a labelled strokes-v1 file."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.model.ink.strokes import Sample, StrokesError, write_strokes
from cnn_studio.model.training.evaluation import evaluate_strokes, load_labelled_images

BAR = [np.array([[10.0, 0.0], [10.0, 50.0]])]
DASH = [np.array([[0.0, 10.0], [50.0, 10.0]])]


def _file(tmp_path):
    path = tmp_path / "real.json"
    write_strokes(path, [Sample(BAR, "I"), Sample(BAR, "l"), Sample(DASH, "T"),
                         Sample(DASH, "t"), Sample(DASH, None)], (60, 60))
    return path


def _bar_or_dash(batch):
    """Says I for tall ink, T for wide ink (a stand-in model)."""
    scores = np.zeros((len(batch), 26))
    tall = batch[..., 0].sum(axis=2).max(axis=1) < batch[..., 0].sum(axis=1).max(axis=1)
    scores[tall, 8] = 1.0
    scores[~tall, 19] = 1.0
    return scores


def test_report_separates_cases_and_lists_confusions(tmp_path):
    report = evaluate_strokes(_bar_or_dash, _file(tmp_path))
    assert report.total == 4 and report.n_upper == 2 and report.n_lower == 2
    assert report.upper_accuracy == 1.0 and report.lower_accuracy == 0.5
    assert report.confusions == [("l", "I", 1)]
    summary = report.to_dict()
    assert summary["lower_accuracy_pct"] == 50.0
    assert summary["most_confused"][0] == {"true": "l", "predicted": "I", "count": 1}


def test_unlabelled_only_or_bad_file(tmp_path):
    path = tmp_path / "none.json"
    write_strokes(path, [Sample(BAR, None)], (60, 60))
    with pytest.raises(StrokesError, match="no labelled"):
        load_labelled_images(path)
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(StrokesError, match="bad.json"):
        evaluate_strokes(_bar_or_dash, bad)
