"""Fuzz every file reader: random bytes, truncated and bit-flipped valid files, mutated JSON.

Each reader must either return a well-formed result or raise its own exception type with a
message (``SpecError``, ``StrokesError``, ``DatasetError``, ``ModelFileError``): never another
exception type, never a crash, never a hang (every call runs under a time guard).
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import math
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support_reliability import time_guard

from cnn_studio.model.data import emnist
from cnn_studio.model.data.dataset import Dataset, DatasetError, load_npz, save_npz
from cnn_studio.model.data.user_samples import SampleStore
from cnn_studio.model.ink.strokes import (
    Sample,
    StrokesError,
    StrokesFile,
    parse_strokes,
    read_strokes,
    write_strokes,
)
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import from_json, load_spec, to_json
from cnn_studio.model.spec.network import NetworkSpec, SpecError
from cnn_studio.model.spec.presets import get_preset

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GUARD_S = 10.0
FOLDER = Path(tempfile.mkdtemp(prefix="cnn-studio-fuzz-"))


def expect_clean(read, error_type, path_or_data):
    """Call ``read``; it may return or raise ``error_type`` with a message, nothing else.

    Returns:
        The result, or None when it raised the expected error.
    """
    try:
        with time_guard(GUARD_S, f"{getattr(read, '__name__', read)}"):
            return read(path_or_data)
    except error_type as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        return None


def write(name: str, data: bytes) -> Path:
    path = FOLDER / name
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------- valid files to damage
def valid_spec_text() -> bytes:
    return to_json(get_preset("classic")).encode()


def valid_strokes_bytes() -> bytes:
    path = FOLDER / "valid-strokes.json"
    samples = [Sample([np.array([[1.0, 2.0], [30.5, 40.25]]), np.array([[5.0, 5.0]])], "A"),
               Sample([np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 5.0]])], "b", "w1"),
               Sample([np.array([[3.0, 4.0], [5.0, 6.0]])])]
    write_strokes(path, samples, (100.0, 80.0))
    return path.read_bytes()


def idx_bytes(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.tobytes()


def valid_idx_pair() -> tuple[bytes, bytes]:
    images = np.zeros((3, 28, 28), np.uint8)
    images[:, 4:24, 6:10] = 255
    return gzip.compress(idx_bytes(images)), gzip.compress(idx_bytes(np.array([1, 2, 26],
                                                                                np.uint8)))


def valid_csv() -> bytes:
    rows = [",".join(str(v) for v in [label] + [(label * 7 + i) % 256 for i in range(784)])
            for label in (1, 13, 26)]
    return ("\n".join(rows) + "\n").encode()


def valid_npz() -> bytes:
    path = FOLDER / "valid.npz"
    save_npz(path, Dataset(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32),
                           np.array([0, 5, 25])))
    return path.read_bytes()


@st.composite
def damaged(draw, original: bytes):
    """``original`` truncated, with flipped bytes, with bytes inserted, or random bytes."""
    how = draw(st.sampled_from(["truncate", "flip", "insert", "random"]))
    data = bytearray(original)
    if how == "truncate":
        return bytes(data[:draw(st.integers(0, max(len(data) - 1, 0)))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= draw(st.integers(1, 255))
        return bytes(data)
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return bytes(data[:at]) + draw(st.binary(min_size=1, max_size=64)) + bytes(data[at:])
    return draw(st.binary(max_size=2048))


NASTY_NUMBERS = st.sampled_from([10**400, -(10**400), 1e308, -1e308, math.nan, math.inf, -0.0,
                                 2**63, 0])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | NASTY_NUMBERS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


def _nodes(value, path=()):
    """Every (path) inside a decoded JSON document, the root included."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


@st.composite
def mutated_document(draw, document):
    """A copy of ``document`` with one node replaced by a random JSON value (or removed)."""
    doc = copy.deepcopy(document)
    paths = list(_nodes(doc))
    path = draw(st.sampled_from(paths[1:]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.integers(0, 5)) == 3:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    return doc


def deep_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


HUGE_INT = b"1" + b"0" * 400
VERY_HUGE_INT = b"1" + b"0" * 5000


# ------------------------------------------------------------------------ network JSON
@FUZZ
@given(data=damaged(valid_spec_text()))
@example(data=deep_json())
@example(data=b"\xff\xfe\x00")
@example(data=b'{"format": "cnn-studio-network", "version": ' + VERY_HUGE_INT + b"}")
def test_network_json_reader(data):
    path = write("net.cnn.json", data)
    spec = expect_clean(load_spec, SpecError, path)
    if spec is not None:
        assert isinstance(spec, NetworkSpec)
        analyze(spec)
    expect_clean(from_json, SpecError, data)


@FUZZ
@given(doc=mutated_document(json.loads(valid_spec_text())))
def test_network_json_structure(doc):
    spec = expect_clean(from_json, SpecError, json.dumps(doc))
    if spec is not None:
        analyze(spec)


# ---------------------------------------------------------------------- strokes-v1 JSON
@FUZZ
@given(data=damaged(valid_strokes_bytes()))
@example(data=deep_json())
@example(data=b'{"format": "strokes-v1", "canvas": {"width": ' + HUGE_INT + b', "height": 1}}')
@example(data=b'{"format": "strokes-v1", "canvas": {"width": 1, "height": 1}, "samples": '
              b'[{"strokes": [[[' + HUGE_INT + b", 2]]]}]}")
@example(data=b'{"format": "strokes-v1", "canvas": {"width": 1, "height": 1}, "samples": '
              b'[{"strokes": [[[' + VERY_HUGE_INT + b", 2]]]}]}")
def test_strokes_reader(data):
    path = write("strokes.json", data)
    document = expect_clean(read_strokes, StrokesError, path)
    if document is not None:
        assert isinstance(document, StrokesFile)


@FUZZ
@given(doc=mutated_document(json.loads(valid_strokes_bytes())))
def test_strokes_structure(doc):
    document = expect_clean(parse_strokes, StrokesError, doc)
    if document is not None:
        assert all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all()
                   for sample in document.samples for s in sample.strokes)
    path = write("strokes-structure.json", json.dumps(doc).encode())
    expect_clean(read_strokes, StrokesError, path)


@settings(FUZZ, max_examples=25)
@given(data=damaged(valid_strokes_bytes()))
@example(data=b'{"format": "strokes-v1", "canvas": {"width": 1, "height": 1}, "samples": '
              b'[{"strokes": [[[' + HUGE_INT + b", 2]]]}]}")
@example(data=deep_json())
def test_damaged_sample_store_opens_empty_and_keeps_the_file(data):
    """The app opens the user's store at start-up: a damaged file must never stop it."""
    path = write("samples.json", data)
    with time_guard(GUARD_S, "SampleStore"):
        store = SampleStore(path)
    if store.recovered_from is not None:
        assert store.recovered_from.read_bytes() == data and len(store) == 0
        store.recovered_from.unlink()


# ----------------------------------------------------------------------------- EMNIST
IDX_IMAGES, IDX_LABELS = valid_idx_pair()


def _check_dataset(result):
    if result is not None:
        assert isinstance(result, Dataset)
        assert result.x.shape[1:] == (28, 28, 1) and len(result.x) == len(result.y)


@FUZZ
@given(images=damaged(IDX_IMAGES), labels=st.one_of(st.just(IDX_LABELS), damaged(IDX_LABELS)))
@example(images=gzip.compress(b"\x00\x00\x08\x04" + struct.pack(">4I", *[2**32 - 1] * 4) + b"x"),
         labels=IDX_LABELS)
@example(images=IDX_IMAGES[:20] + bytes(b ^ 0x55 for b in IDX_IMAGES[20:-8]) + IDX_IMAGES[-8:],
         labels=IDX_LABELS)
def test_emnist_idx_readers(images, labels):
    path = write("emnist-letters-test-images-idx3-ubyte.gz", images)
    write("emnist-letters-test-labels-idx1-ubyte.gz", labels)
    _check_dataset(expect_clean(emnist.read_any, DatasetError, path))
    plain = write("plain.idx", images)
    expect_clean(emnist.read_idx, DatasetError, plain)


@FUZZ
@given(data=damaged(valid_csv()))
def test_emnist_csv_reader(data):
    path = write("emnist-letters.csv", data)
    _check_dataset(expect_clean(emnist.read_any, DatasetError, path))


@settings(FUZZ, max_examples=20)
@given(data=st.binary(max_size=512))
def test_emnist_mat_reader(data):
    _check_dataset(expect_clean(emnist.read_any, DatasetError, write("emnist-letters.mat", data)))


@settings(FUZZ, max_examples=20)
@given(data=damaged(valid_npz()))
def test_dataset_cache_reader(data):
    _check_dataset(expect_clean(load_npz, DatasetError, write("cache.npz", data)))


# ------------------------------------------------------------------------ .keras models
@pytest.fixture(scope="module")
def valid_keras() -> bytes:
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file

    spec = get_preset("tiny")
    path = FOLDER / "valid.keras"
    save_model_file(build_model(spec, seed=0), spec, path)
    return path.read_bytes()


def _rezip(original: bytes, member_filter) -> bytes:
    """A copy of a zip with each member's bytes passed through ``member_filter(name, data)``
    (valid CRCs, so the damage reaches the reader behind the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, member_filter(info.filename, source.read(info)))
    return out.getvalue()


def test_keras_model_reader(valid_keras):
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file

    @settings(FUZZ, max_examples=40)
    @given(data=damaged(valid_keras))
    def fuzz(data):
        model = expect_clean(load_model_file, ModelFileError, write("model.keras", data))
        if model is not None:
            assert tuple(model.outputs[0].shape) == (None, 26)

    fuzz()


def test_keras_model_members_damaged_behind_valid_zip(valid_keras):
    """Corrupt config JSON and weights HDF5 with correct zip CRCs: still a clean refusal."""
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file

    @settings(FUZZ, max_examples=30)
    @given(member=st.sampled_from(["config.json", "model.weights.h5", "metadata.json"]),
           cut=st.floats(0.0, 1.0), flip=st.integers(0, 2**31))
    def fuzz(member, cut, flip):
        def damage(name, data):
            if name != member:
                return data
            data = bytearray(data[: int(len(data) * cut)] if flip % 2 else data)
            if data and not flip % 2:
                for k in range(8):
                    data[(flip * (k + 1)) % len(data)] ^= 0xA5
            return bytes(data)

        path = write("member.keras", _rezip(valid_keras, damage))
        expect_clean(load_model_file, ModelFileError, path)

    fuzz()


@FUZZ
@given(data=damaged(gzip.compress(valid_strokes_bytes())))
@example(data=gzip.compress(b" " * 200_000)[:-8])  # a truncated stream
def test_gzip_strokes_reader(data):
    expect_clean(read_strokes, StrokesError, write("strokes.json.gz", data))


def test_damaged_network_inside_a_model_file_falls_back(valid_keras):
    """A damaged network member inside a valid .keras: the model loads, the spec is derived."""
    from cnn_studio.model.nets.model_files import SPEC_MEMBER, load_model_and_spec

    @settings(FUZZ, max_examples=20)
    @given(junk=st.binary(max_size=300) | damaged(valid_spec_text()))
    def fuzz(junk):
        path = write("inside.keras", _rezip(valid_keras, lambda name, data:
                                            junk if name == SPEC_MEMBER else data))
        with time_guard(GUARD_S, "load_model_and_spec"):
            model, spec = load_model_and_spec(path)
        assert analyze(spec).valid and model is not None

    fuzz()
