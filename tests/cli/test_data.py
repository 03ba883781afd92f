"""Tests of `cnn-studio data import` and `data list` (cli/data.py)."""

from __future__ import annotations

import numpy as np
import pytest
from support_idx import write_idx

from cnn_studio import main
from cnn_studio.model.data.streaming import RecordFile


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path


def test_import_into_the_app_store_then_list(home, capsys):
    letters = write_idx(home, "letters", [1, 2, 26, 3])
    assert main.main(["data", "import", str(letters)]) == 0
    assert "4 letters imported into the app's EMNIST store" in capsys.readouterr().out
    assert main.main(["data", "list"]) == 0
    listed = capsys.readouterr().out
    assert "emnist     4 imported letters (--data emnist)" in listed
    assert "synthetic" in listed and "user       0 labelled" in listed


def test_import_as_a_record_file_keeps_the_letters_of_byclass(home, capsys):
    byclass = write_idx(home, "byclass", [3, 10, 36, 61, 35, 7, 20])
    letters = write_idx(home, "letters", [1, 26])
    out = home / "all.npy"
    assert main.main(["data", "import", str(byclass), str(letters), "--stream", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "5 letters of 7 images" in printed and "2 letters of 2 images" in printed
    assert "train --data stream:" in printed
    assert np.load(out, mmap_mode="r")["y"].tolist() == [0, 0, 25, 25, 10, 0, 25]
    assert len(RecordFile(out)) == 7
    assert main.main(["data", "list", str(out)]) == 0
    assert f"stream     7 letters in {out}" in capsys.readouterr().out


def test_bad_imports_say_what_to_do_and_write_nothing(home, capsys):
    byclass = write_idx(home, "byclass", [10, 11])
    assert main.main(["data", "import", str(byclass)]) == 2
    assert "--stream" in capsys.readouterr().err  # the store takes the letters split only
    broken = write_idx(home, "letters", [1, 2, 3], truncate=True)
    out = home / "broken.npy"
    assert main.main(["data", "import", str(broken), "--stream", str(out)]) == 2
    assert "truncated" in capsys.readouterr().err
    assert not out.exists() and not list(home.glob(".*tmp"))
    assert main.main(["data", "import", str(broken), "--stream", str(home / "x.txt")]) == 2
    assert "ending in .npy" in capsys.readouterr().err
    assert main.main(["data", "import", str(home / "missing-images-idx3-ubyte.gz"),
                      "--stream", str(out)]) == 2
    assert "missing" in capsys.readouterr().err


def test_the_labels_file_named_with_its_images_file_is_read_with_it(home, capsys):
    """Issue 27, defect 10: `data import IMAGES LABELS` does not import, then exit 2."""
    letters = write_idx(home, "letters", [1, 2, 3])
    labels = str(letters).replace("images-idx3", "labels-idx1")
    assert main.main(["data", "import", str(letters), labels]) == 0
    assert "3 letters imported" in capsys.readouterr().out
    out = home / "s.npy"
    assert main.main(["data", "import", labels, str(letters), "--stream", str(out)]) == 0
    assert len(RecordFile(out)) == 3
    capsys.readouterr()


def test_a_lone_labels_file_is_refused_before_anything_is_imported(home, capsys):
    letters = write_idx(home, "letters", [1, 2, 3])
    byclass = write_idx(home, "byclass", [10, 11])
    lone = str(byclass).replace("images-idx3", "labels-idx1")
    out = home / "s.npy"
    assert main.main(["data", "import", str(letters), lone, "--stream", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.splitlines() == [
        f"data: {lone}: this is the labels file; name the images-idx3 file (its labels file "
        "is found next to it). Nothing was imported."]
    assert not out.exists()
    assert main.main(["data", "import", str(letters), lone]) == 2
    assert capsys.readouterr().out == ""
    assert main.main(["data", "list"]) == 0
    assert "emnist     0 imported letters" in capsys.readouterr().out


def test_a_forged_idx_header_is_described_in_a_short_line(home, capsys):
    import gzip
    import struct

    forged = write_idx(home, "letters", [1, 2])
    with gzip.open(forged, "wb") as handle:
        handle.write(bytes([0, 0, 8, 200]) + struct.pack(">200I", *[2**32 - 1] * 200))
    assert main.main(["data", "import", str(forged)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "claims 200 dimensions" in err and len(err) < 400, err


def test_data_list_on_garbage_exits_2_with_the_problem_on_stderr(home, capsys):
    (home / "junk.npy").write_bytes(b"junk")
    assert main.main(["data", "list", str(home / "junk.npy")]) == 2
    captured = capsys.readouterr()
    assert "not a .npy record file" in captured.err and "junk" not in captured.out
    assert captured.out.startswith("synthetic")


def _damage(path, kind: str, tmp_path) -> None:
    """A damaged sample store as the attacker made it (issue 27, defect 9)."""
    if kind == "truncated":
        path.write_text('{"format": "strokes-v1", "canvas": {"width": 280, "hei')
    elif kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("kept")
    elif kind == "sparse 2 GB":
        with open(path, "wb") as handle:
            handle.truncate(2 * 2**30)
    else:
        other = tmp_path / "someone-elses.txt"
        other.write_text("not a strokes file")
        path.symlink_to(other)


@pytest.mark.parametrize("kind", ["truncated", "folder", "sparse 2 GB", "symlink"])
def test_a_damaged_sample_store_is_reported_and_listing_changes_nothing(home, capsys, kind):
    """Issue 27, defect 9: said once, with where it went and how to get it back."""
    from cnn_studio.model.data.user_samples import default_path

    store = default_path()
    _damage(store, kind, home)
    before = sorted(p.name for p in store.parent.iterdir())
    assert main.main(["data", "list"]) == 2
    captured = capsys.readouterr()
    assert "your samples file cannot be read" in captured.err and "left as it is" in captured.err
    assert sorted(p.name for p in store.parent.iterdir()) == before, "a listing moved a file"

    out = home / "x.keras"
    assert main.main(["train", "--preset", "tiny", "--data", "user", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    moved = list(store.parent.glob("samples.json.broken-*"))
    assert len(moved) == 1 and len(err) == 1, err
    assert f"It was moved, unchanged, to {moved[0]}" in err[0]
    assert "rename it samples.json" in err[0] and "no labelled samples yet" not in err[0]
    assert main.main(["train", "--preset", "tiny", "--data", "user", "--out", str(out)]) == 2
    again = capsys.readouterr().err
    assert "no labelled samples yet" in again and f"kept as {moved[0]}" in again
