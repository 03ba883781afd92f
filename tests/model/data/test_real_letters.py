"""The built-in UNIPEN letters: shipped file, converter round trip, splits, balance, rendering."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import string
import time
import zipfile

import numpy as np
import pytest

from cnn_studio.model.data import real_letters as rl
from cnn_studio.model.data import real_letters_cache as rc
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.storage.paths import PROJECT_ROOT
from cnn_studio.model.synth.generator import GenerationCancelled

_SPEC = importlib.util.spec_from_file_location(
    "build_real_letters", PROJECT_ROOT / "scripts" / "build_real_letters.py")
build_script = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(build_script)

FAKE = [
    {"label": "A", "writer": "s1/ann", "site": "s1", "quality": "OK",
     "strokes": [[[50, 250], [140, 30], [230, 250]], [[90, 150], [190, 150]]]},
    {"label": "b", "writer": "s1/bob", "site": "s1", "quality": "?",
     "strokes": [[[60, 20], [60, 260]], [[60, 180], [120, 140], [180, 200], [60, 250]]]},
    {"label": "i", "writer": "s2/cy", "site": "s2", "quality": "?",
     "strokes": [[[140, 100], [140, 250]], [[140, 50]]]},
    {"label": "Z", "writer": "s3/dee", "site": "s3", "quality": "OK",
     "strokes": [[[42, 42], [238, 42], [42, 238], [238, 238]]]},
]


@pytest.fixture(scope="module")
def shipped():
    return rl.load_default()


def _fake_gz(path, samples=FAKE, canvas=280):
    data = {"format": "strokes-v1", "canvas": {"width": canvas, "height": canvas},
            "samples": samples}
    path.write_bytes(gzip.compress(json.dumps(data).encode("utf-8")))
    return path


@pytest.fixture
def fake(tmp_path):
    counts = build_script.build(_fake_gz(tmp_path / "fake.json.gz"), tmp_path / "fake.npz")
    assert counts["samples"] == 4 and counts["strokes"] == 7 and counts["points"] == 18
    return rl.load(tmp_path / "fake.npz")


def test_shipped_file_has_every_letter(shipped):
    assert len(shipped) == 76_588
    assert int(shipped.upper.sum()) == 21_549 and int((~shipped.upper).sum()) == 55_039
    assert {shipped.label(i) for i in range(len(shipped))} == set(string.ascii_letters)
    assert len(shipped.writers) == 152 and len(shipped.sites) == 16
    assert int(shipped.quality_ok.sum()) == 19_752
    assert rl.DEFAULT_PATH.stat().st_size <= 8 * 1024 * 1024
    first = shipped.strokes(0)
    assert shipped.label(0) == "A" and shipped.writer(0) == "apa/ArloReeves"
    assert [s.shape for s in first] == [(29, 2), (26, 2), (10, 2)]
    assert first[0][0].tolist() == [115.0, 63.0]
    assert np.array_equal(shipped.classes[:1], [0])


def test_site_and_writer_indices_cover_every_sample(shipped):
    by_site = shipped.site_indices()
    by_writer = shipped.writer_indices()
    assert sum(len(v) for v in by_site.values()) == len(shipped)
    assert sum(len(v) for v in by_writer.values()) == len(shipped)
    assert len(by_site["lou"]) == 26
    assert all(shipped.writer(int(i)).startswith("art/") for i in by_site["art"])


def _writers(letters, indices):
    return {letters.writer(int(i)) for i in indices}


def test_default_site_split_keeps_writers_apart(shipped):
    train, val = rl.site_split(shipped)
    assert len(train) + len(val) == len(shipped) and not np.intersect1d(train, val).size
    assert not _writers(shipped, train) & _writers(shipped, val)
    assert {shipped.site(int(i)) for i in val} == set(rl.DEFAULT_HELD_OUT_SITES)
    assert shipped.upper[val].sum() >= 2000 and (~shipped.upper[val]).sum() >= 2000


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_site_split_is_seeded_and_by_site(shipped, seed):
    train, val, held = rl.random_site_split(shipped, seed)
    again = rl.random_site_split(shipped, seed)
    assert np.array_equal(val, again[1]) and held == again[2]
    assert not _writers(shipped, train) & _writers(shipped, val)
    assert len(val) <= 0.2 * len(shipped)
    assert {shipped.site(int(i)) for i in val} == set(held)


def test_site_split_names_an_unknown_site(shipped):
    with pytest.raises(rl.RealLettersError, match="unknown site.*nowhere"):
        rl.site_split(shipped, ["nowhere"])


def test_render_is_the_canvas_preprocessing(shipped):
    chosen = np.array([0, 5, 40_000, 76_587])
    images = shipped.render(chosen)
    assert images.shape == (4, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and (images.max(axis=(1, 2)) > 0.5).all()
    for image, index in zip(images, chosen, strict=True):
        expected = strokes_to_image(shipped.strokes(int(index)), (280.0, 280.0))
        assert np.array_equal(image, expected)


def test_render_reports_progress_and_can_be_cancelled(fake):
    seen = []
    fake.render(None, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)

    class Stop:
        def is_set(self):
            return True

    with pytest.raises(GenerationCancelled):
        fake.render(None, cancel=Stop())


def test_converter_round_trip_is_exact(fake):
    assert len(fake) == len(FAKE)
    for index, sample in enumerate(FAKE):
        assert fake.label(index) == sample["label"]
        assert fake.writer(index) == sample["writer"] and fake.site(index) == sample["site"]
        assert bool(fake.quality_ok[index]) == (sample["quality"] == "OK")
        assert [s.tolist() for s in fake.strokes(index)] == sample["strokes"]
    assert fake.canvas == (280.0, 280.0) and len(fake.fingerprint) == 64
    with pytest.raises(IndexError):
        fake.strokes(4)


def test_converter_output_is_byte_for_byte_reproducible(tmp_path, fake, monkeypatch):
    later = time.struct_time((2031, 5, 6, 7, 8, 10, 0, 0, 0))
    monkeypatch.setattr(zipfile.time, "localtime", lambda *args: later)  # no dated members
    build_script.build(_fake_gz(tmp_path / "again.json.gz"), tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "fake.npz").read_bytes()


def test_converter_rounds_fractions_to_whole_pixels(tmp_path):
    sample = {**FAKE[0], "strokes": [[[10.4, 20.6], [30.5, 40.0]]]}
    counts = build_script.build(_fake_gz(tmp_path / "f.json.gz", [sample]), tmp_path / "f.npz")
    assert counts["rounded_points"] == 2
    assert rl.load(tmp_path / "f.npz").strokes(0)[0].tolist() == [[10, 21], [30, 40]]


@pytest.mark.parametrize("bad, message", [
    ({"label": "ab"}, "sample 1: label"), ({"label": "1"}, "sample 1: label"),
    ({"strokes": []}, "sample 1: no strokes"), ({"strokes": [[[1, 2, 3]]]}, "sample 1: a stroke"),
    ({"strokes": [[[1, 300]]]}, "sample 1: a point lies outside"),
])
def test_converter_names_the_bad_sample(tmp_path, bad, message):
    samples = [FAKE[0], {**FAKE[1], **bad}]
    with pytest.raises(build_script.ConvertError, match=message):
        build_script.build(_fake_gz(tmp_path / "b.json.gz", samples), tmp_path / "b.npz")
    assert not (tmp_path / "b.npz").exists()


def test_converter_main_reports_errors_without_a_traceback(tmp_path, capsys):
    source = _fake_gz(tmp_path / "c.json.gz", canvas=100)
    assert build_script.main([str(source), str(tmp_path / "c.npz")]) == 1
    assert "canvas must be 280" in capsys.readouterr().err


def _npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _arrays(letters_path):
    with np.load(letters_path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def test_loader_rejects_missing_and_damaged_files(tmp_path, fake):
    with pytest.raises(rl.RealLettersError, match="missing.*build_real_letters"):
        rl.load(tmp_path / "absent.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(rl.RealLettersError, match="not a readable"):
        rl.load(tmp_path / "junk.npz")
    with pytest.raises(rl.RealLettersError, match="missing"):
        rl.load(tmp_path)  # a folder, not a regular file


@pytest.mark.parametrize("change, message", [
    ({"format": np.array("other")}, "not a unipen-letters-v1"),
    ({"labels": np.array([65, 98, 49, 90], np.uint8)}, "not an ASCII letter"),
    ({"labels": np.array([65, 98, 105, 90])}, "'labels' is missing or not uint8"),
    ({"site": np.array([0, 0, 1, 9], np.uint8)}, "site points past"),
    ({"stroke_offsets": np.array([0, 3, 3, 7, 11, 13, 14, 18], np.int32)}, "empty entry"),
    ({"points": np.full((18, 2), 400, np.int16)}, "outside the canvas"),
    ({"writers": np.array([1, 2, 3, 4], object)}, "not a readable"),
])
def test_loader_rejects_inconsistent_arrays(tmp_path, fake, change, message):
    arrays = _arrays(tmp_path / "fake.npz")
    arrays.update(change)
    (tmp_path / "bad.npz").write_bytes(_npz_bytes(**arrays))
    with pytest.raises(rl.RealLettersError, match=message):
        rl.load(tmp_path / "bad.npz")


def test_loader_bounds_the_unpacked_size(tmp_path, monkeypatch, fake):
    monkeypatch.setattr(rl, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(rl.RealLettersError, match="unpacks to"):
        rl.load(tmp_path / "fake.npz")
    monkeypatch.setattr(rl, "MAX_FILE_BYTES", 100)
    with pytest.raises(rl.RealLettersError, match="larger than"):
        rl.load(tmp_path / "fake.npz")


def test_case_weights_balance_upper_and_lower(shipped):
    train, _ = rl.site_split(shipped)
    weights = rl.balance_weights(shipped, train)
    upper = shipped.upper[train]
    assert weights.shape == train.shape and np.isclose(weights.mean(), 1.0)
    assert np.isclose(weights[upper].sum(), weights[~upper].sum(), rtol=1e-4)
    per_letter = rl.balance_weights(shipped, train, by="letter")
    totals = np.bincount(shipped.labels[train], weights=per_letter)
    assert np.allclose(totals[totals > 0], totals[totals > 0][0], rtol=1e-4)
    with pytest.raises(ValueError):
        rl.balance_weights(shipped, train, by="writer")


def test_balanced_index_resamples_to_the_asked_share(shipped):
    train, _ = rl.site_split(shipped)
    index = rl.balanced_index(shipped, train, seed=3)
    assert len(index) == len(train) and np.isin(index, train).all()
    assert abs(shipped.upper[index].mean() - 0.5) < 1e-3
    assert np.array_equal(index, rl.balanced_index(shipped, train, seed=3))
    small = rl.balanced_index(shipped, train, seed=3, upper_share=0.3, size=1000)
    assert len(small) == 1000 and shipped.upper[small].sum() == 300
    assert len(np.unique(small)) == 1000  # no repeats while a case has enough letters


def test_render_all_cache_rebuilds_images_exactly(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    first = rc.render_all(fake)
    path = rc.cache_path(fake)
    assert path.is_file()
    monkeypatch.setattr(type(fake), "render", lambda *a, **k: pytest.fail("re-rendered"))
    assert np.array_equal(rc.render_all(fake), first)
    assert first.dtype == np.float32 and first.shape == (4, 28, 28)
    monkeypatch.undo()
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    path.write_bytes(b"damaged")
    assert np.array_equal(rc.render_all(fake), fake.render())
    with zipfile.ZipFile(path) as archive:  # rewritten as a valid cache
        assert archive.namelist() == ["sums.npy"]
