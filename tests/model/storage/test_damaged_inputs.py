"""Damaged or hostile files and stalled downloads give clear errors, never crashes or hangs."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import threading
import time

import numpy as np
import pytest
from support_files import assert_refused

from cnn_studio.model.data import emnist, emnist_download
from cnn_studio.model.data.dataset import DatasetError, load_npz
from cnn_studio.model.data.emnist import read_any, read_csv, read_idx
from cnn_studio.model.data.emnist_download import DownloadCancelled, download
from cnn_studio.model.data.user_samples import SampleStore
from cnn_studio.model.ink import strokes as strokes_module
from cnn_studio.model.ink.strokes import StrokesError, read_strokes
from cnn_studio.model.storage.paths import remove_stale_temp_files


def test_read_strokes_rejects_a_huge_number_and_deep_nesting(tmp_path):
    huge = tmp_path / "huge.json"
    huge.write_text('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, '
                    '"samples": [{"label": "A", "strokes": [[[1' + "0" * 400 + ', 2]]]}]}')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    long_float = tmp_path / "long.json"
    long_float.write_text("1" * 5000)  # beyond int-parsing digit limit: plain ValueError
    for path in (huge, deep, long_float):
        with pytest.raises(StrokesError, match=path.name):
            read_strokes(path)


def test_damaged_store_is_moved_aside_with_a_message(tmp_path):
    path = tmp_path / "samples.json"
    path.write_bytes(b"[" * 100_000)
    store = SampleStore(path)
    assert len(store) == 0 and store.recovered_from is not None
    assert store.recovered_from.read_bytes() == b"[" * 100_000
    assert store.recovered_from.name in store.recovery_message
    path.write_bytes(b"{")
    second = SampleStore(path)  # same second: the first backup is not overwritten
    assert second.recovered_from != store.recovered_from and store.recovered_from.exists()


def test_stale_temp_files_are_removed_when_the_store_opens(tmp_path):
    dead = tmp_path / ".samples.json.999999999.tmp"
    dead_model = tmp_path / ".model.999999999.1234.tmp.keras"
    live = tmp_path / f".samples.json.{os.getpid()}.tmp"
    old_live = tmp_path / f".net.{os.getpid()}.77.tmp.keras"
    other = tmp_path / ".keep.me"
    for path in (dead, dead_model, live, old_live, other):
        path.write_bytes(b"x")
    os.utime(old_live, (time.time() - 3600, time.time() - 3600))
    SampleStore(tmp_path / "samples.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
    assert remove_stale_temp_files(tmp_path / "missing") == []


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a zip", gzip.compress(b"hello", mtime=0), b""])
def test_damaged_npz_is_a_dataset_error(tmp_path, content):
    assert_refused(load_npz, tmp_path / "cache.npz", content, DatasetError, "cache.npz")


def test_damaged_zip_member_is_a_dataset_error(tmp_path):
    path = tmp_path / "cache.npz"
    np.savez_compressed(path, x=np.zeros((50, 28, 28), np.uint8), y=np.zeros(50, np.int64))
    data = bytearray(path.read_bytes())
    data[60:200] = bytes(140)  # inside the first member's compressed stream
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="cache.npz"):
        load_npz(path)


def test_read_idx_rejects_corrupt_gzip_and_forged_sizes(tmp_path):
    corrupt = tmp_path / "a-images-idx3-ubyte.gz"
    data = bytearray(gzip.compress(bytes(range(256)) * 64))
    data[20:60] = b"\xff" * 40
    corrupt.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=corrupt.name):
        read_idx(corrupt)
    forged = tmp_path / "b-images-idx3-ubyte"
    forged.write_bytes(b"\0\0\x08\x04" + b"\xff\xff\xff\xff" * 4 + b"\0" * 16)
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(forged)


class _StallingHandler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self):  # http.server API
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.write(b"\0" * 1024)
        self.wfile.flush()
        self.release.wait(30)  # then stop sending: a stalled connection

    def log_message(self, *args):
        pass


def test_cancel_ends_a_stalled_download(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StallingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cancel = threading.Event()
    got = []

    def progress(done, total):
        got.append(done)
        cancel.set()  # cancel once the first bytes arrived; the connection then stalls

    try:
        with pytest.raises(DownloadCancelled):
            # The timeout is far beyond the test's patience: only cancel can end this call.
            download(f"http://127.0.0.1:{server.server_address[1]}/x.zip",
                     tmp_path / "x.zip", progress=progress, cancel=cancel, timeout=600)
    finally:
        _StallingHandler.release.set()
        server.shutdown()
        server.server_close()
    assert got and (tmp_path / "x.zip.part").exists()


# ------------------------------------------------- one rule for every incoming file (issue 14)
def _finishes(call, seconds: float = 3.0):
    """Run ``call`` in a thread; return its exception (or None), failing if it blocks."""
    outcome: list = []

    def target():
        try:
            call()
            outcome.append(None)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"{call} blocked on a FIFO"
    return outcome[0]


def _strokes_json(points) -> str:
    return json.dumps({"format": "strokes-v1", "canvas": {"width": 280, "height": 280},
                       "samples": [{"label": "A", "strokes": [points]}]})


def _unblock(fifo) -> None:
    """Open the FIFO's writing end once, so a reader stuck in open() (old code) returns."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


@pytest.mark.parametrize("name", ["net.cnn.json", "s.json", "letters.csv", "m.keras", "a.png"])
def test_a_fifo_is_refused_at_once(tmp_path, name):
    from cnn_studio.model.ink.preprocess import load_image_file
    from cnn_studio.model.spec.files import load_spec

    fifo = tmp_path / name
    os.mkfifo(fifo)
    if name == "m.keras":  # keras is imported only where needed: it takes seconds
        from cnn_studio.model.nets.model_files import load_model_file as reader
    else:
        reader = {"net.cnn.json": load_spec, "s.json": read_strokes, "letters.csv": read_any,
                  "a.png": load_image_file}[name]
    try:
        error = _finishes(lambda: reader(fifo))
    finally:
        _unblock(fifo)
    assert isinstance(error, ValueError), error  # every reader's error type is a ValueError
    assert "not a regular file" in str(error) and name in str(error)


def test_gzip_bombs_are_cut_off_while_decompressing(tmp_path, monkeypatch):
    monkeypatch.setattr(strokes_module, "MAX_STROKES_BYTES", 10_000)
    monkeypatch.setattr(emnist, "MAX_IDX_BYTES", 10_000)
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(_strokes_json([[1, 2]]).encode() + b" " * 1_000_000))
    assert bomb.stat().st_size < 5_000
    with pytest.raises(StrokesError, match="bomb.json.gz: expands to more than"):
        read_strokes(bomb)
    idx = tmp_path / "x-images-idx3-ubyte.gz"
    idx.write_bytes(gzip.compress(b"\0\0\x08\x03" + bytes(1_000_000)))
    with pytest.raises(DatasetError, match="expands to more than"):
        read_idx(idx)


def test_a_small_gzip_strokes_file_reads(tmp_path):
    path = tmp_path / "ok.json.gz"
    path.write_bytes(gzip.compress(_strokes_json([[1, 2], [30, 40]]).encode()))
    assert read_strokes(path).samples[0].label == "A"


def test_an_oversized_strokes_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(strokes_module, "MAX_STROKES_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(_strokes_json([[1, 2]] * 500))
    with pytest.raises(StrokesError, match=r"big.json: too large \(0.0 MB; at most"):
        read_strokes(path)


def test_forged_idx_header_is_refused_before_allocating(tmp_path, monkeypatch):
    monkeypatch.setattr(emnist, "MAX_IDX_BYTES", 100_000)
    forged = tmp_path / "f-images-idx3-ubyte"
    forged.write_bytes(b"\0\0\x08\x03" + (1000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
                       + bytes(64))
    with pytest.raises(DatasetError, match="header claims 784,000 bytes"):
        read_idx(forged)


def test_forged_npz_header_is_refused_before_numpy_allocates(tmp_path, monkeypatch):
    import io
    import zipfile

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 28, 28)})
    with zipfile.ZipFile(emnist.emnist_dir() / "forged.npz", "w") as archive:
        archive.writestr("x.npy", header.getvalue() + bytes(64))
        archive.writestr("y.npy", header.getvalue())
    with pytest.raises(DatasetError, match="forged.npz: array 'x.npy' claims"):
        emnist.imported_dataset()


def test_a_keras_file_whose_config_expands_to_gigabytes_is_refused(tmp_path, monkeypatch):
    import zipfile

    from cnn_studio.model.nets import model_files
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file

    monkeypatch.setattr(model_files, "MAX_CONFIG_BYTES", 100_000)
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", b"{" + b" " * 2_000_000 + b"}")
    assert path.stat().st_size < 10_000
    with pytest.raises(ModelFileError, match="bomb.keras.*config.json.*too large"):
        load_model_file(path)


def _csv_row(label: str) -> str:
    return ",".join([label] + ["0"] * 300 + ["255"] * 184 + ["0"] * 300)


def test_a_bom_csv_keeps_its_first_sample(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([_csv_row("1"), _csv_row("2")]).encode())
    assert list(read_csv(path).y) == [0, 1]


@pytest.mark.parametrize("label", ["1.5", "3.7", "nan"])
def test_a_fractional_or_nan_label_is_an_error(tmp_path, label):
    path = tmp_path / "frac.csv"
    path.write_text("\n".join([_csv_row("2"), _csv_row(label)]))
    with pytest.raises(DatasetError, match="frac.csv: label .* of sample 2 is not a whole"):
        read_csv(path)


def test_a_fractional_label_in_a_mat_file_is_an_error(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    path = tmp_path / "letters.mat"
    images = np.zeros((2, 784), np.uint8)
    scipy_io.savemat(path, {"dataset": {"train": {"images": images,
                                                  "labels": np.array([[1.0], [2.5]])}}})
    with pytest.raises(DatasetError, match="letters.mat: label 2.5 of sample 2"):
        emnist.read_mat(path)


def test_a_non_utf8_file_name_is_reported_printably(tmp_path):
    from cnn_studio.cli.classify import load_strokes_inputs

    name = os.fsdecode(b"caf\xe9-\xff.json")
    path = tmp_path / name
    path.write_text(_strokes_json([[1, 2], [30, 40]]))
    inputs = load_strokes_inputs(str(path))
    for source in inputs.sources:
        source.encode("utf-8")  # printing it must not raise UnicodeEncodeError
    with pytest.raises(StrokesError) as error:
        read_strokes(tmp_path / os.fsdecode(b"gone-\xff.json"))
    str(error.value).encode("utf-8")


def test_coordinates_of_1e160_are_an_error_not_a_blank_image(tmp_path):
    path = tmp_path / "far.json"
    path.write_text(_strokes_json([[1e160, 5], [2e160, 9]]))
    with pytest.raises(StrokesError, match="far.json: sample 0, stroke 0, point 0.*outside"):
        read_strokes(path)


def test_permission_denied_is_reported_as_such(tmp_path, monkeypatch):
    csv = tmp_path / "locked.csv"
    csv.write_text(_csv_row("1"))
    strokes = tmp_path / "locked.json"
    strokes.write_text(_strokes_json([[1, 2]]))
    real_stat = os.stat

    def denied(path, *args, **kwargs):
        if os.fspath(path) in (str(csv), str(strokes)):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", denied)
    for reader, path in ((read_any, csv), (read_strokes, strokes)):
        with pytest.raises(ValueError) as error:
            reader(path)
        assert f"{path.name}: permission denied" in str(error.value), error.value
        assert "not found" not in str(error.value)


def test_a_network_file_with_too_many_layers_is_refused_when_read(tmp_path):
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import MAX_LAYERS, SpecError

    layers = [{"kind": "flatten", "params": {}}] * (MAX_LAYERS + 1)
    path = tmp_path / "tall.cnn.json"
    path.write_text(json.dumps({"format": "cnn-studio-network", "version": 1, "name": "t",
                                "layers": layers}))
    with pytest.raises(SpecError, match=f"tall.cnn.json: .*at most {MAX_LAYERS}"):
        load_spec(path)


def test_an_image_bomb_is_refused_before_its_pixels_are_decoded(tmp_path, monkeypatch):
    from PIL import Image

    from cnn_studio.model.ink.preprocess import load_image_file
    from cnn_studio.model.storage import safe_read

    monkeypatch.setattr(safe_read, "MAX_IMAGE_PIXELS", 10_000)
    path = tmp_path / "bomb.png"
    Image.new("1", (400, 400)).save(path)  # a few hundred bytes on disk, 160,000 pixels
    with pytest.raises(safe_read.IncomingFileError, match="bomb.png: image of 400x400 pixels"):
        load_image_file(path)
    Image.new("L", (50, 50), 255).save(tmp_path / "ok.png")
    assert load_image_file(tmp_path / "ok.png").size == (50, 50)


def test_the_download_is_checked_against_the_published_digest(tmp_path, monkeypatch):
    assert emnist_download.expected_digest(emnist_download.OFFICIAL_URL) == ("md5", emnist_download.OFFICIAL_MD5)
    assert emnist_download.expected_digest("http://mirror/x.zip") is None
    archive = tmp_path / "gzip.zip.part"
    archive.write_bytes(b"not the archive")
    with pytest.raises(DatasetError, match="MD5 checksum mismatch"):
        emnist_download._verify(archive, emnist_download.expected_digest(emnist_download.OFFICIAL_URL))
    assert not archive.exists()
    monkeypatch.setenv(emnist_download.SHA256_ENV, "ab" * 32)
    assert emnist_download.expected_digest("http://mirror/x.zip") == ("sha256", "ab" * 32)
    archive.write_bytes(b"not the archive")
    with pytest.raises(DatasetError, match="SHA256 checksum mismatch"):
        emnist_download._verify(archive, emnist_download.expected_digest(emnist_download.OFFICIAL_URL))
