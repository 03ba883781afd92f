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
    (home / "junk.npy").write_bytes(b"junk")
    assert main.main(["data", "list", str(home / "junk.npy")]) == 0
    assert "not a .npy record file" in capsys.readouterr().out
