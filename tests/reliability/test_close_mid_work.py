"""Closing the window in the middle of long work: training, a download, a generation.

Each test starts the work through the window's widgets, waits until it is visibly under way,
closes the window and checks that ``close()`` returned within 3 seconds with the worker ended
(its thread finished, no generator process left), and that the user's saved files (drawn
samples, an imported EMNIST cache, a saved model) still load afterwards.
"""

from __future__ import annotations

import http.server
import multiprocessing
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_reliability import easy_data

from cnn_studio.model.data.dataset import Dataset, load_npz, save_npz
from cnn_studio.model.data.user_samples import STORE_CANVAS, SampleStore

CLOSE_LIMIT_S = 3.0


# ------------------------------------------------------------------------- saved files
@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """Message boxes shown, as (kind, title, text), instead of modal boxes that would block."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str, str]] = []
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(
            lambda parent, title, text, *a, _kind=kind, **k: shown.append((_kind, title, text))))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a, **k: shown.append(("question", title, text))
        or QMessageBox.StandardButton.No))
    return shown


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private home holding saved user files: 4 drawn samples and one EMNIST import."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    store = SampleStore()
    for i, letter in enumerate("ABCa"):
        store.add(letter, [np.array([[20.0 + i, 20.0], [200.0, 240.0 - i]])], STORE_CANVAS)
    from cnn_studio.model.data.emnist import emnist_dir

    x, y = easy_data(52, seed=3)
    save_npz(emnist_dir() / "imported.npz", Dataset(x, y))
    return tmp_path / "home"


def check_saved_files_intact(home) -> None:
    store = SampleStore()
    assert store.recovered_from is None and [s.label for s in store.samples] == list("ABCa")
    assert len(load_npz(home / "data" / "emnist" / "imported.npz")) == 52


def assert_no_error_shown(dialogs) -> None:
    """Closing the window is not a failure: no error box may pop up for the cancelled work."""
    errors = [d for d in dialogs if d[0] in ("warning", "critical")]
    assert not errors, f"closing the window showed an error: {errors}"


def make_window(qtbot, load_tensorflow: bool):
    from cnn_studio.gui.app.main_window import MainWindow

    window = MainWindow(load_tensorflow=load_tensorflow)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def timed_close(window) -> float:
    start = time.monotonic()
    window.close()
    return time.monotonic() - start


# --------------------------------------------------------------------------- training
def test_close_during_training(qtbot, home, monkeypatch, dialogs):
    from cnn_studio.gui.training import worker as training_worker
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import load_model_file, save_model_file
    from cnn_studio.model.spec.presets import get_preset

    def easy(choice, seed, **kwargs):
        x, y = easy_data(2600, seed=seed)
        return Dataset(x, y), None

    monkeypatch.setattr(training_worker, "gather_data", easy)
    saved_model = home / "data" / "saved.keras"
    save_model_file(build_model(get_preset("tiny"), seed=1), get_preset("tiny"), saved_model)

    window = make_window(qtbot, load_tensorflow=True)
    qtbot.waitUntil(lambda: window.state.tf_loaded and window.state.idle, timeout=120_000)
    dashboard = window.panels["training"]
    dashboard.files.put_spec_in_builder(get_preset("tiny"), "test network")
    controls = dashboard.controls
    controls.samples.setValue(2600)
    controls.batch_size.setValue(8)
    controls.epochs.setValue(50)
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.curves.point_count("loss_raw") > 0, timeout=60_000)
    run = dashboard.run

    elapsed = timed_close(window)
    assert elapsed < CLOSE_LIMIT_S, f"closing during training took {elapsed:.1f} s"
    assert not run.running()
    check_saved_files_intact(home)
    assert tuple(load_model_file(saved_model).outputs[0].shape) == (None, 26)
    qtbot.wait(200)  # let queued signals of the ended run arrive
    assert_no_error_shown(dialogs)


# -------------------------------------------------------------------------- download
class SlowArchive(http.server.BaseHTTPRequestHandler):
    """Serves a large 'archive' slowly; with ``stall`` set it stops sending after 256 KB."""

    stall = False
    release = threading.Event()

    def do_GET(self):  # http.server API
        self.send_response(200)
        self.send_header("Content-Length", str(50 * 2**20))
        self.end_headers()
        try:
            for sent in range(0, 50 * 2**20, 16384):
                if self.stall and sent >= 256 * 1024:
                    self.release.wait(30)
                    return
                self.wfile.write(b"\0" * 16384)
                time.sleep(0.02)
        except OSError:
            return  # the client went away

    def log_message(self, *args):
        pass


@pytest.fixture
def archive_server(monkeypatch):
    from cnn_studio.model.data import emnist_download

    SlowArchive.release = threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowArchive)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(emnist_download, "OFFICIAL_URL",
                        f"http://127.0.0.1:{server.server_address[1]}/gzip.zip")
    yield SlowArchive
    SlowArchive.release.set()
    server.shutdown()
    server.server_close()


def _close_during_download(qtbot, home, monkeypatch):
    from cnn_studio.gui.dataset import workers as data_workers
    from cnn_studio.model.data.emnist import emnist_dir

    ended = threading.Event()
    real_job = data_workers.emnist_download_job

    def watched_job(*args, **kwargs):
        job = real_job(*args, **kwargs)

        def run(state):
            try:
                return job(state)
            finally:
                ended.set()

        return run

    monkeypatch.setattr(data_workers, "emnist_download_job", watched_job)
    window = make_window(qtbot, load_tensorflow=False)
    window.show_tab("data")
    panel = window.panels["dataset"]
    qtbot.mouseClick(panel.emnist_controls.download_button, Qt.MouseButton.LeftButton)
    part = emnist_dir() / "gzip.zip.part"
    qtbot.waitUntil(lambda: part.exists() and part.stat().st_size >= 256 * 1024, timeout=30_000)
    qtbot.wait(300)

    elapsed = timed_close(window)
    assert ended.is_set(), "the download job was still running after the window closed"
    assert not (emnist_dir() / "gzip.zip").exists(), "a partial download looks complete"
    check_saved_files_intact(home)
    qtbot.wait(200)  # let queued signals of the ended job arrive
    return elapsed


def test_close_during_download(qtbot, home, monkeypatch, archive_server, dialogs):
    elapsed = _close_during_download(qtbot, home, monkeypatch)
    assert elapsed < CLOSE_LIMIT_S, f"closing during a download took {elapsed:.1f} s"
    assert_no_error_shown(dialogs)


def test_close_during_stalled_download(qtbot, home, monkeypatch, archive_server, dialogs):
    """The connection stops delivering (Wi-Fi gone): closing must not wait for the network."""
    archive_server.stall = True
    try:
        elapsed = _close_during_download(qtbot, home, monkeypatch)
    finally:
        archive_server.stall = False
    assert elapsed < CLOSE_LIMIT_S, f"closing during a stalled download took {elapsed:.1f} s"
    assert_no_error_shown(dialogs)


# ------------------------------------------------------------------------ generation
def test_close_during_synthetic_generation(qtbot, home, dialogs):

    window = make_window(qtbot, load_tensorflow=False)
    window.show_tab("data")
    panel = window.panels["dataset"]
    controls = panel.synthetic_controls
    controls.count_spin.setValue(200_000)
    controls.seed_spin.setValue(11)
    qtbot.mouseClick(controls.generate_button, Qt.MouseButton.LeftButton)
    assert panel.tasks.running("synthetic")
    qtbot.waitUntil(lambda: "synthetic" in panel.tasks.rows
                    and panel.tasks.rows["synthetic"].bar.value() > 0, timeout=60_000)

    elapsed = timed_close(window)
    left = multiprocessing.active_children()
    for process in left:  # do not let them run on (and hold up the end of the test run)
        process.terminate()
    assert elapsed < CLOSE_LIMIT_S, f"closing during generation took {elapsed:.1f} s"
    assert not left, f"generator processes still running after the window closed: {left}"
    cache = home / "cache" / "synthetic"
    assert not cache.exists() or not [p for p in cache.iterdir() if "n200000" in p.name]
    check_saved_files_intact(home)
    qtbot.wait(200)
    assert_no_error_shown(dialogs)
