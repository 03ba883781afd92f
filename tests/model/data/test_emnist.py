"""EMNIST import from the gzip IDX pair, CSV and .mat files, and the resumable download."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
import threading
import time

import numpy as np
import pytest

from cnn_studio.model.data import emnist, emnist_download
from cnn_studio.model.data.dataset import DatasetError

N = 4


def _letters():
    """N upright 28x28 images: an 'L'-like shape whose orientation is easy to check."""
    images = np.zeros((N, 28, 28), np.uint8)
    images[:, 4:24, 6:10] = 255  # vertical bar on the left
    images[:, 20:24, 6:22] = 255  # foot at the bottom
    return images, np.array([1, 2, 26, 12], np.uint8)


def _idx(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def _write_pair(folder, images=None, labels=None):
    up, lab = _letters()
    images = up.transpose(0, 2, 1) if images is None else images  # EMNIST stores transposed
    labels = lab if labels is None else labels
    img = folder / "emnist-letters-test-images-idx3-ubyte.gz"
    img.write_bytes(gzip.compress(_idx(images)))
    (folder / "emnist-letters-test-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    return img


def _check_upright(data):
    assert len(data) == N and list(data.y) == [0, 1, 25, 11]
    image = data.x[0, :, :, 0]
    left, right = image[:, :14].sum(), image[:, 14:].sum()
    top, bottom = image[:14].sum(), image[14:].sum()
    assert left > right and bottom > top * 0.5


def test_idx_pair_is_read_transposed_back_and_relabelled(tmp_path):
    _check_upright(emnist.read_any(_write_pair(tmp_path)))


def test_import_caches_npz_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    assert emnist.imported_dataset() is None
    data = emnist.import_file(_write_pair(tmp_path))
    cached = emnist.imported_dataset()
    assert len(cached) == len(data) == N
    assert list((tmp_path / "home" / "data" / "emnist").glob("*.npz"))


def test_missing_labels_file_and_wrong_file_names(tmp_path):
    img = _write_pair(tmp_path)
    (tmp_path / "emnist-letters-test-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="labels file"):
        emnist.read_any(img)
    other = tmp_path / "letters.bin"
    other.write_bytes(b"\x00")
    with pytest.raises(DatasetError, match="unknown EMNIST format"):
        emnist.read_any(other)
    labels = tmp_path / "emnist-letters-x-labels-idx1-ubyte.gz"
    labels.write_bytes(b"\x00")
    with pytest.raises(DatasetError, match="this is the labels file"):
        emnist.read_any(labels)
    with pytest.raises(DatasetError, match="not found"):
        emnist.read_any(tmp_path / "nothing.csv")


@pytest.mark.parametrize("damage,match", [
    (lambda b: b[: len(b) // 2], "truncated"),
    (lambda b: b"\x01\x02\x03\x04" + b[4:], "magic"),
    (lambda b: b[:6], "truncated"),
])
def test_corrupt_idx_files_name_the_file(tmp_path, damage, match):
    img = _write_pair(tmp_path)
    raw = gzip.decompress(img.read_bytes())
    img.write_bytes(gzip.compress(damage(raw)))
    with pytest.raises(DatasetError, match=match) as info:
        emnist.read_any(img)
    assert img.name in str(info.value)


def test_not_gzip_at_all(tmp_path):
    img = _write_pair(tmp_path)
    img.write_bytes(b"this is not gzip")
    with pytest.raises(DatasetError, match=img.name):
        emnist.read_any(img)


def test_labels_outside_1_to_26_are_refused(tmp_path):
    img = _write_pair(tmp_path, labels=np.array([0, 1, 2, 3], np.uint8))
    with pytest.raises(DatasetError, match="1..26"):
        emnist.read_any(img)


def test_count_mismatch_is_refused(tmp_path):
    img = _write_pair(tmp_path, labels=np.array([1, 2], np.uint8))
    with pytest.raises(DatasetError, match="labels"):
        emnist.read_any(img)


def _csv(path, header=False, columns=785):
    up, lab = _letters()
    flat = up.transpose(0, 2, 1).reshape(N, -1)
    rows = [",".join(str(v) for v in [lab[i], *flat[i]][:columns]) for i in range(N)]
    path.write_text(("label," + ",".join(f"p{i}" for i in range(784)) + "\n" if header else "")
                    + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("header", [False, True])
def test_kaggle_csv(tmp_path, header):
    _check_upright(emnist.read_any(_csv(tmp_path / "emnist-letters-test.csv", header)))


def test_csv_with_wrong_columns_or_text(tmp_path):
    with pytest.raises(DatasetError, match="784"):
        emnist.read_any(_csv(tmp_path / "short.csv", columns=100))
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,x\n")
    with pytest.raises(DatasetError, match="bad.csv"):
        emnist.read_any(bad)


def test_mat_file(tmp_path):
    path = tmp_path / "emnist-letters.mat"
    try:
        from scipy.io import savemat
    except ImportError:
        path.write_bytes(b"MATLAB 5.0 MAT-file")
        with pytest.raises(DatasetError, match="scipy"):
            emnist.read_any(path)
        return
    up, lab = _letters()
    rows = up.transpose(0, 2, 1).reshape(N, -1)
    savemat(path, {"dataset": {"train": {"images": rows, "labels": lab[:, None]},
                               "test": {"images": rows[:0], "labels": lab[:0, None]}}})
    _check_upright(emnist.read_any(path))


def test_download_fails_fast_without_network(tmp_path):
    start = time.monotonic()
    with pytest.raises(DatasetError, match="cannot reach"):
        emnist_download.download("http://127.0.0.1:9/gzip.zip", tmp_path / "gzip.zip", timeout=2.0)
    assert time.monotonic() - start < 10
    assert not (tmp_path / "gzip.zip").exists()


PAYLOAD = bytes(range(256)) * 1000


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # http.server naming
        start = 0
        header = self.headers.get("Range")
        if header:
            start = int(header.split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        self.wfile.write(PAYLOAD[start:])
        self.server.ranges.append(start)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    httpd.ranges = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_download_resumes_and_checks_the_checksum(tmp_path, server):
    url = f"http://127.0.0.1:{server.server_port}/data.bin"
    dest = tmp_path / "data.bin"
    (tmp_path / "data.bin.part").write_bytes(PAYLOAD[:1000])
    seen = []
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    result = emnist_download.download(url, dest, progress=lambda d, t: seen.append((d, t)), sha256=digest)
    assert result.read_bytes() == PAYLOAD
    assert server.ranges == [1000]
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not (tmp_path / "data.bin.part").exists()


def test_download_checksum_mismatch(tmp_path, server):
    url = f"http://127.0.0.1:{server.server_port}/data.bin"
    with pytest.raises(DatasetError, match="checksum"):
        emnist_download.download(url, tmp_path / "d.bin", sha256="0" * 64)
    assert not (tmp_path / "d.bin").exists()


def test_download_cancel_keeps_the_partial_file(tmp_path, server):
    url = f"http://127.0.0.1:{server.server_port}/data.bin"
    event = threading.Event()
    event.set()
    with pytest.raises(emnist_download.DownloadCancelled):
        emnist_download.download(url, tmp_path / "d.bin", cancel=event)
    assert (tmp_path / "d.bin.part").exists()
    assert not (tmp_path / "d.bin").exists()
