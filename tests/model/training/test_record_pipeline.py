"""Tests of datasets streamed from disk (model/data/streaming.py, model/training/record_pipeline.py)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from support_data import easy_data
from support_idx import write_idx

from cnn_studio.model.data import streaming
from cnn_studio.model.data.dataset import DatasetError
from cnn_studio.model.data.streaming import (
    BLOCK,
    RECORD,
    RecordFile,
    RecordWriter,
    batches,
    import_idx,
    split_blocks,
)
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig, TrainHooks
from cnn_studio.model.training.loop import train


def write_easy(path, n: int) -> RecordFile:
    data = easy_data(n)
    with RecordWriter(path) as writer:
        writer.add(data.x[: n // 2], data.y[: n // 2])
        writer.add(data.x[n // 2:], data.y[n // 2:])
    return RecordFile(path)


def write_random(path, n: int) -> RecordFile:
    """A record file of ``n`` random letters written 10,000 records at a time."""
    rng = np.random.default_rng(0)
    with open(path, "wb") as handle:
        handle.write(streaming._header(n))
        for start in range(0, n, 10_000):
            chunk = np.empty(min(10_000, n - start), RECORD)
            chunk["y"] = rng.integers(0, 26, len(chunk))
            chunk["x"] = rng.integers(0, 256, (len(chunk), 28, 28), dtype=np.uint8)
            handle.write(chunk.tobytes())
    return RecordFile(path)


def test_record_file_is_a_plain_npy_of_letters(tmp_path):
    records = write_easy(tmp_path / "letters.npy", 3000)
    assert len(records) == 3000 and records.blocks == 3
    mapped = np.load(tmp_path / "letters.npy", mmap_mode="r")
    assert mapped.dtype == RECORD and mapped.shape == (3000,)
    data = easy_data(3000)
    np.testing.assert_array_equal(mapped["y"], data.y)
    np.testing.assert_allclose(mapped["x"][5] / 255.0, data.x[5, ..., 0], atol=1 / 255)
    assert records.class_counts().sum() == 3000 and len(records.read_block(2)) == 3000 - 2 * BLOCK
    assert not list(tmp_path.glob(".*tmp"))


def test_batches_hold_a_window_of_blocks_never_the_whole_file(tmp_path):
    records = write_random(tmp_path / "big.npy", 50_000)  # 39 MB on disk
    size = (tmp_path / "big.npy").stat().st_size
    train_blocks, val_blocks = split_blocks(records, 0.1, seed=3)
    assert len(val_blocks) == 5 and not set(train_blocks) & set(val_blocks)
    seen = 0
    tracemalloc.start()
    try:
        for images, labels in batches(records, np.arange(records.blocks), 512, seed=1):
            assert images.dtype == np.float32 and images.shape[1:] == (28, 28, 1)
            seen += len(labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 50_000
    assert peak < size / 4, f"peak {peak:,} bytes for a file of {size:,}"
    sizes = [len(labels) for _, labels in batches(records, [0, 1, 2], 500, seed=2)]
    assert sizes == [500] * 6 + [72]  # whole batches across windows, the rest last


def test_training_reads_the_file_block_by_block(tmp_path, monkeypatch):
    records = write_easy(tmp_path / "letters.npy", 2600)
    reads = []
    original = RecordFile.read

    def spy(self, start, count, out=None):
        reads.append(count)
        return original(self, start, count, out)

    monkeypatch.setattr(RecordFile, "read", spy)
    messages = []
    config = TrainConfig(epochs=2, batch_size=64, learning_rate=0.01, val_fraction=0.34)
    result = train(lambda: build_model(get_preset("tiny"), seed=0), records, None, config,
                   TrainHooks(on_message=messages.append))
    assert messages[0].startswith("Training on cpu: 2048 samples, 552 for validation")
    assert result.epochs_completed == 2 and len(result.history["val_loss"]) == 2
    assert max(reads) == BLOCK and len(reads) == 2 * records.blocks
    assert result.history["loss"][1] < result.history["loss"][0]


@pytest.mark.parametrize("content, expected", [
    (b"not numpy", "not a .npy record file"),
    ("float", "not letter records"),
    ("short", "truncated"),
])
def test_bad_record_files_are_refused_with_a_message(tmp_path, content, expected):
    path = tmp_path / "bad.npy"
    if content == "float":
        np.save(path, np.zeros((4, 28, 28), np.float32))
    elif content == "short":
        path.write_bytes(streaming._header(10) + b"\0" * 785 * 3)
    else:
        path.write_bytes(content)
    with pytest.raises(DatasetError, match=expected):
        RecordFile(path)
    with pytest.raises(DatasetError, match="folder"):
        RecordFile(tmp_path)


def test_import_idx_keeps_the_letters_of_byclass_and_letters(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "CHUNK", 4)  # several chunks
    byclass = write_idx(tmp_path, "byclass", [0, 9, 10, 35, 36, 61, 5, 12, 40])
    letters = write_idx(tmp_path, "letters", [1, 26, 3])
    with RecordWriter(tmp_path / "out.npy") as writer:
        assert import_idx(byclass, writer) == (6, 9)
        assert import_idx(letters, writer) == (3, 3)
    mapped = np.load(tmp_path / "out.npy", mmap_mode="r")
    assert mapped["y"].tolist() == [0, 25, 0, 25, 2, 4, 0, 25, 2]
    assert mapped["x"][0].sum() > 0
    with pytest.raises(DatasetError, match="truncated"), RecordWriter(tmp_path / "t.npy") as w:
        import_idx(write_idx(tmp_path, "letters", [1, 2], truncate=True), w)
    assert not (tmp_path / "t.npy").exists() and not list(tmp_path.glob(".*tmp"))
    with pytest.raises(DatasetError, match="'letters' and 'byclass'"):
        import_idx(write_idx(tmp_path, "digits", [1]), RecordWriter(tmp_path / "d.npy"))
