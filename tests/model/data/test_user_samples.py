"""The user's own samples store: add, delete, relabel, import/export, atomic saves."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from cnn_studio.model.data import user_samples
from cnn_studio.model.data.dataset import DatasetError
from cnn_studio.model.data.user_samples import STORE_CANVAS, SampleStore
from cnn_studio.model.ink.strokes import Sample as StrokeSample
from cnn_studio.model.ink.strokes import StrokesError, read_strokes, write_strokes

T = [np.array([[10.0, 10.0], [90.0, 10.0]]), np.array([[50.0, 10.0], [50.0, 95.0]])]


@pytest.fixture
def store(tmp_path):
    return SampleStore(tmp_path / "samples.json")


def test_default_path_is_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    assert user_samples.default_path() == tmp_path / "data" / "samples.json"


def test_add_saves_immediately_and_reloads(store):
    assert store.add("T", T, (100, 100)) == 0
    store.add("t", T, (200, 100))
    again = SampleStore(store.path)
    assert [s.label for s in again.samples] == ["T", "t"]
    assert read_strokes(store.path).canvas == STORE_CANVAS
    # strokes are scaled uniformly onto the store's canvas
    np.testing.assert_allclose(again[0].strokes[0][1], [252.0, 28.0])
    np.testing.assert_allclose(again[1].strokes[0][1], [126.0, 14.0])


def test_counts_images_and_dataset(store):
    store.add("A", T, (100, 100))
    store.add("a", T, (100, 100))
    store.add("Z", T, (100, 100))
    counts = store.counts()
    assert counts["A"] == 2 and counts["Z"] == 1 and counts["B"] == 0 and len(counts) == 26
    image = store.image(0)
    assert image.shape == (28, 28) and image.max() > 0.9
    data = store.dataset()
    assert len(data) == 3 and list(data.y) == [0, 0, 25]


def test_empty_store_dataset_explains(store):
    with pytest.raises(DatasetError, match="no labelled samples"):
        store.dataset()


def test_delete_and_relabel(store):
    for label in "ABC":
        store.add(label, T, (100, 100))
    store.delete(1)
    store.relabel(0, "q")
    assert [s.label for s in SampleStore(store.path).samples] == ["q", "C"]
    with pytest.raises(IndexError):
        store.delete(5)
    with pytest.raises(StrokesError):
        store.relabel(0, "7")


@pytest.mark.parametrize("label", ["", "ab", "1", "ß", None])
def test_bad_labels_are_rejected_without_saving(store, label):
    with pytest.raises(StrokesError):
        store.add(label, T, (100, 100))
    assert not store.path.exists()


@pytest.mark.parametrize("strokes,canvas", [
    ([], (100, 100)),
    ([np.zeros((0, 2))], (100, 100)),
    ([np.array([[1.0, np.nan]])], (100, 100)),
    ([[1, 2, 3]], (100, 100)),
    (T, (0, 100)),
])
def test_bad_strokes_are_rejected(store, strokes, canvas):
    with pytest.raises(StrokesError):
        store.add("A", strokes, canvas)
    assert len(store) == 0


def test_import_and_export_round_trip(store, tmp_path):
    src = tmp_path / "in.json"
    write_strokes(src, [StrokeSample([t * 0.5 for t in T], "K"),
                        StrokeSample(T, None)], (140, 140))
    assert store.import_file(src) == 2
    out = tmp_path / "out.json"
    assert store.export_file(out, [0]) == 1
    doc = read_strokes(out)
    assert doc.samples[0].label == "K"
    np.testing.assert_allclose(doc.samples[0].strokes[0][0], [10.0, 10.0])


def test_import_of_a_bad_file_changes_nothing(store, tmp_path):
    store.add("A", T, (100, 100))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "strokes-v1", "canvas": {"width": 9, "height": 9},
                               "samples": [{"label": "A", "strokes": [[[1, 2]]]},
                                           {"label": "A", "strokes": []}]}))
    with pytest.raises(StrokesError, match="sample 1"):
        store.import_file(bad)
    assert len(SampleStore(store.path)) == 1


def test_a_crash_during_save_keeps_the_old_file(store, monkeypatch):
    store.add("A", T, (100, 100))
    before = store.path.read_bytes()

    def boom(*args):
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        store.add("B", T, (100, 100))
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        "samples.json", "samples.json.lock"]  # no temporary file left


def test_damaged_store_is_moved_aside_not_lost(tmp_path):
    path = tmp_path / "samples.json"
    path.write_text('{"format": "strokes-v1", "canvas": ')
    store = SampleStore(path)
    assert len(store) == 0 and store.recovered_from is not None
    assert store.recovered_from.read_text().startswith('{"format"')
    store.add("A", T, (100, 100))
    assert len(SampleStore(path)) == 1


def labels_on_disk(path) -> list[str]:
    return [s.label for s in read_strokes(path).samples]


def test_two_stores_on_one_file_keep_each_others_work(tmp_path):
    path = tmp_path / "samples.json"
    first, second = SampleStore(path), SampleStore(path)
    first.add("A", T, (100, 100))
    second.add("B", T, (100, 100))
    first.add("C", T, (100, 100))
    second.add("D", T, (100, 100))
    assert labels_on_disk(path) == list("ABCD")
    assert [s.label for s in second.samples] == list("ABCD") and second.merged_others
    first.delete(0)  # first has A, B, C: its delete and relabel apply to the fresh file
    first.relabel(1, "c")
    assert labels_on_disk(path) == list("BcD")
    second.relabel(3, "d")  # second still shows A at 0; D is its index 3
    assert labels_on_disk(path) == list("Bcd") and [s.label for s in second.samples] == list(
        "Bcd")


CHILD = """
import sys
import numpy as np
from cnn_studio.model.data.user_samples import SampleStore
store = SampleStore(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[2])):
    store.add("b", [np.array([[10.0, 10.0], [90.0, 10.0 + i]])], (100, 100))
print("done", flush=True)
"""


def test_a_second_process_adding_at_the_same_time_loses_nothing(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path, each = tmp_path / "samples.json", 15
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(each)], cwd=root,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        store = SampleStore(path)
        child.stdin.write("go\n")
        child.stdin.flush()
        for i in range(each):
            store.add("A", [np.array([[10.0, 10.0], [50.0, 90.0 - i]])], (100, 100))
        assert child.stdout.readline().strip() == "done"
    finally:
        child.stdin.close()
        assert child.wait(timeout=30) == 0
    labels = labels_on_disk(path)
    assert labels.count("A") == each and labels.count("b") == each


def test_a_save_waits_for_the_lock_then_refuses_with_a_message(store, monkeypatch):
    import fcntl

    from cnn_studio.model.data import sample_sync

    store.add("A", T, (100, 100))
    before = store.path.read_bytes()
    monkeypatch.setattr(sample_sync, "LOCK_TIMEOUT_S", 0.2)
    with open(sample_sync.lock_path(store.path), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another window in the middle of a save
        with pytest.raises(user_samples.SampleStoreError, match="locked.*Try again"):
            store.add("B", T, (100, 100))
    assert store.path.read_bytes() == before and [s.label for s in store.samples] == ["A"]
    store.add("B", T, (100, 100))
    assert labels_on_disk(store.path) == ["A", "B"]


def tiny_canvas_file(path, points_of_b) -> None:
    """A file drawn on a 1e-300 canvas: A scales to normal points, B to ``points_of_b`` * 2.8e302."""
    small = [[1e-299, 1e-299], [5e-299, 8e-299]]
    path.write_text(json.dumps({"format": "strokes-v1",
                                "canvas": {"width": 1e-300, "height": 1e-300},
                                "samples": [{"label": "A", "strokes": [small]},
                                            {"label": "B", "strokes": [points_of_b]},
                                            {"label": "C", "strokes": [small]}]}))


def test_a_sample_that_overflows_when_scaled_or_rounded_never_blocks_saves(tmp_path):
    path = tmp_path / "samples.json"
    tiny_canvas_file(path, [[5e5, 5.0], [6e5, 5.0]])  # 1.4e308: finite, inf once rounded
    original = path.read_bytes()
    store = SampleStore(path)
    assert [s.label for s in store.samples] == ["A", "C"]
    assert "1 of your samples (number 1)" in store.recovery_message
    kept = next(tmp_path.glob("samples.json.unusable-*"))
    assert kept.read_bytes() == original
    store.add("D", T, (100, 100))
    assert labels_on_disk(path) == ["A", "C", "D"]


@pytest.mark.parametrize("points", [[[1e307, 5.0], [2.0, 3.0]], [[1.7e308, 5.0], [2.0, 3.0]]])
def test_adding_points_that_overflow_is_refused_and_later_adds_work(store, points):
    with pytest.raises(StrokesError):
        store.add("A", [np.array(points)], (100, 100))
    assert len(store) == 0
    store.add("B", T, (100, 100))
    assert labels_on_disk(store.path) == ["B"]


def test_an_import_with_one_overflowing_sample_imports_nothing(store, tmp_path):
    store.add("Q", T, (100, 100))
    before = store.path.read_bytes()
    source = tmp_path / "import.json"
    tiny_canvas_file(source, [[5e5, 5.0], [6e5, 5.0]])
    with pytest.raises(StrokesError, match="sample 1.*nothing was imported"):
        store.import_file(source)
    assert [s.label for s in store.samples] == ["Q"] and store.path.read_bytes() == before
    store.add("R", T, (100, 100))
    assert labels_on_disk(store.path) == ["Q", "R"]


def test_an_import_whose_save_fails_leaves_nothing_behind(store, tmp_path, monkeypatch):
    store.add("Q", T, (100, 100))
    source = tmp_path / "import.json"
    write_strokes(source, [StrokeSample(T, "x"), StrokeSample(T, "y")], (100, 100))

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store.import_file(source)
    monkeypatch.undo()
    assert [s.label for s in store.samples] == ["Q"]
    store.add("R", T, (100, 100))
    assert labels_on_disk(store.path) == ["Q", "R"]


def test_a_file_damaged_by_someone_else_is_kept_and_this_stores_samples_are_saved(store):
    store.add("A", T, (100, 100))
    store.add("B", T, (100, 100))
    store.path.write_text('{"format": "strokes-v1", "canvas": ')  # damaged behind its back
    store.add("C", T, (100, 100))
    assert labels_on_disk(store.path) == ["A", "B", "C"]
    assert store.recovered_from.read_text() == '{"format": "strokes-v1", "canvas": '
