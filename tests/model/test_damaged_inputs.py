"""Damaged or hostile files and stalled downloads give clear errors, never crashes or hangs."""

from __future__ import annotations

import gzip
import http.server
import os
import threading
import time

import numpy as np
import pytest

from model.datasets import DatasetError, load_npz
from model.emnist import DownloadCancelled, download, read_idx
from model.strokes import StrokesError, read_strokes
from model.user_samples import SampleStore, remove_stale_temp_files


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


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a zip", gzip.compress(b"hello"), b""])
def test_damaged_npz_is_a_dataset_error(tmp_path, content):
    path = tmp_path / "cache.npz"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match="cache.npz"):
        load_npz(path)


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

    def do_GET(self):  # noqa: N802 - http.server API
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
