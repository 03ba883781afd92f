"""Convert the UNIPEN letters (strokes-v1, gzip'd JSON) into the app's compact npz.

Usage::

    python scripts/build_real_letters.py [SOURCE.json.gz] [OUTPUT.npz]

Defaults: ``../shared/data/unipen_train_strokes.json.gz`` -> ``assets/letters/unipen.npz``.
The source's points are whole canvas pixels on a 280 x 280 canvas, so int16 keeps them
exactly (a point that is not a whole number is rounded to the nearest pixel and counted).
Layout (read by :mod:`model.data.real_letters`): ``points`` int16 ``(P, 2)``; ``stroke_offsets``
int32 (stroke ``j`` is ``points[so[j]:so[j+1]]``); ``sample_offsets`` int32 (sample ``i`` is
strokes ``sample_offsets[i]..sample_offsets[i+1]``); ``labels`` uint8 character codes (case
kept); ``writer`` uint16 into ``writers``; ``site`` uint8 into ``sites``; ``quality_ok`` bool.
"""

from __future__ import annotations

import gzip
import io
import json
import string
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnn_studio.model.storage.paths import atomic_write_bytes  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "unipen_train_strokes.json.gz"
DEFAULT_OUTPUT = ROOT / "assets" / "letters" / "unipen.npz"
FORMAT = "unipen-letters-v1"
CANVAS = 280
MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_OUTPUT_BYTES = 8 * 1024 * 1024


class ConvertError(ValueError):
    """The source file cannot be converted (the message names the sample and the problem)."""


def read_source(path: str | Path) -> dict:
    """Read a gzip'd strokes-v1 file, decompressing at most :data:`MAX_JSON_BYTES`."""
    path = Path(path)
    if not path.is_file():
        raise ConvertError(f"{path}: not a regular file")
    with gzip.open(path, "rb") as handle:
        raw = handle.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ConvertError(f"{path}: more than {MAX_JSON_BYTES} bytes once decompressed")
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != "strokes-v1":
        raise ConvertError(f"{path}: not a strokes-v1 file")
    canvas = data.get("canvas") or {}
    if canvas.get("width") != CANVAS or canvas.get("height") != CANVAS:
        raise ConvertError(f"{path}: canvas must be {CANVAS} x {CANVAS}, got {canvas}")
    return data


def _sample_points(index: int, sample: dict) -> list[np.ndarray]:
    strokes = sample.get("strokes")
    if not isinstance(strokes, list) or not strokes:
        raise ConvertError(f"sample {index}: no strokes")
    arrays = []
    for stroke in strokes:
        arr = np.asarray(stroke, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2 or not len(arr) or not np.isfinite(arr).all():
            raise ConvertError(f"sample {index}: a stroke is not a list of (x, y) numbers")
        if arr.min() < 0 or arr.max() > CANVAS:
            raise ConvertError(f"sample {index}: a point lies outside the {CANVAS} canvas")
        arrays.append(arr)
    return arrays


def _table(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted table of the distinct values and each value's index into it."""
    table = sorted(set(values))
    lookup = {name: i for i, name in enumerate(table)}
    return np.array(table, dtype=str), np.array([lookup[v] for v in values])


def convert(data: dict) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The npz arrays for a strokes-v1 dict, and counts (samples, strokes, points, rounded)."""
    samples = data.get("samples")
    if not isinstance(samples, list) or not samples:
        raise ConvertError("the file has no samples")
    points, stroke_ends, sample_ends, labels = [], [], [], []
    writers, sites, quality = [], [], []
    total = 0
    for index, sample in enumerate(samples):
        label = sample.get("label")
        if not (isinstance(label, str) and len(label) == 1 and label in string.ascii_letters):
            raise ConvertError(f"sample {index}: label {label!r} is not one ASCII letter")
        for arr in _sample_points(index, sample):
            points.append(arr)
            total += len(arr)
            stroke_ends.append(total)
        sample_ends.append(len(stroke_ends))
        labels.append(ord(label))
        writers.append(str(sample.get("writer", "")))
        sites.append(str(sample.get("site", "")))
        quality.append(sample.get("quality") == "OK")
    exact = np.concatenate(points)
    rounded = np.rint(exact)
    writer_table, writer_index = _table(writers)
    site_table, site_index = _table(sites)
    if len(writer_table) > 65535 or len(site_table) > 255:
        raise ConvertError("too many writers or sites for the compact format")
    arrays = {
        "format": np.array(FORMAT), "canvas": np.array([CANVAS, CANVAS], np.int16),
        "points": rounded.astype(np.int16),
        "stroke_offsets": np.concatenate([[0], stroke_ends]).astype(np.int32),
        "sample_offsets": np.concatenate([[0], sample_ends]).astype(np.int32),
        "labels": np.array(labels, np.uint8),
        "writer": writer_index.astype(np.uint16), "writers": writer_table,
        "site": site_index.astype(np.uint8), "sites": site_table,
        "quality_ok": np.array(quality, bool),
    }
    counts = {"samples": len(samples), "strokes": len(stroke_ends), "points": total,
              "rounded_points": int((np.abs(exact - rounded) > 0).any(axis=1).sum())}
    return arrays, counts


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``np.savez_compressed`` output with fixed member dates, so equal input gives equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def build(source: str | Path, output: str | Path, max_bytes: int = MAX_OUTPUT_BYTES) -> dict:
    """Convert ``source`` and write ``output`` atomically; returns counts and ``bytes``."""
    arrays, counts = convert(read_source(source))
    payload = npz_bytes(arrays)
    if len(payload) > max_bytes:
        raise ConvertError(f"the npz would be {len(payload)} bytes, over {max_bytes}")
    atomic_write_bytes(output, payload)
    counts["bytes"] = len(payload)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: prints the counts and the file size."""
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else DEFAULT_SOURCE
    output = Path(args[1]) if len(args) > 1 else DEFAULT_OUTPUT
    try:
        counts = build(source, output)
    except (OSError, ValueError, EOFError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {output}: {counts['bytes']:,} bytes ({counts['bytes'] / 2**20:.2f} MiB), "
          f"{counts['samples']:,} samples, {counts['strokes']:,} strokes, "
          f"{counts['points']:,} points, {counts['rounded_points']} rounded to whole pixels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
