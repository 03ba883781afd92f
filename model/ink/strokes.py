"""The strokes-v1 file format: drawn letters as lists of pen strokes (see FORMATS.md).

A stroke is a ``(k, 2)`` float array of canvas points (x right, y down) from pen-down to
pen-up; a sample is a list of strokes in drawing order plus an optional letter label.
Readers validate everything and raise :class:`StrokesError` naming the sample and problem.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeGuard

import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.storage.paths import atomic_write_text
from cnn_studio.model.storage.safe_read import IncomingFileError, read_maybe_gzip, show_path

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FORMAT = "strokes-v1"
MAX_CANVAS = 100_000.0
MAX_COORD = 1e6  # |x|, |y| of a stroke point; beyond this nothing sensible can be drawn
MAX_STROKES_BYTES = 64 * 2**20  # a strokes file (or what its .gz expands to) above this is refused


class StrokesError(UserError):
    """A strokes-v1 file or object is malformed; the message says where and what to do."""


@dataclass
class Sample:
    """One drawn letter.

    Attributes:
        strokes: pen strokes in drawing order, each a ``(k, 2)`` float array (k >= 1).
        label: one ASCII letter (case kept) or None when unlabelled.
        writer: optional writer id.
    """

    strokes: list[np.ndarray]
    label: str | None = None
    writer: str | None = None


@dataclass
class StrokesFile:
    """A parsed strokes-v1 document: the canvas size ``(width, height)`` and its samples."""

    canvas: tuple[float, float]
    samples: list[Sample] = field(default_factory=list)


def is_letter(label: object) -> TypeGuard[str]:
    """True when ``label`` is one ASCII letter A-Z or a-z."""
    return isinstance(label, str) and len(label) == 1 and label.isascii() and label.isalpha()


def label_to_class(label: str | None) -> int:
    """Class index 0..25 of a letter, case-insensitive ('a' and 'A' are both 0).

    Raises:
        StrokesError: if ``label`` is not one ASCII letter.
    """
    if not is_letter(label):
        raise StrokesError(f"label {label!r} is not one letter A-Z or a-z")
    return LETTERS.index(label.upper())


def _is_number(value: object) -> TypeGuard[int | float]:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float (hundreds of digits)
        return False


def _parse_canvas(obj: dict) -> tuple[float, float]:
    canvas = obj.get("canvas")
    if not isinstance(canvas, dict):
        raise StrokesError("missing 'canvas': add {\"width\": W, \"height\": H} with positive sizes")
    width, height = canvas.get("width"), canvas.get("height")
    for name, value in (("width", width), ("height", height)):
        if not _is_number(value) or not 0 < value <= MAX_CANVAS:
            raise StrokesError(f"canvas {name} {value!r} must be a number in (0, {MAX_CANVAS:g}]")
    return float(canvas["width"]), float(canvas["height"])


def _parse_stroke(stroke: object, index: int, s_index: int) -> np.ndarray:
    where = f"sample {index}, stroke {s_index}"
    if not isinstance(stroke, list):
        raise StrokesError(f"{where}: a stroke must be a list of [x, y] points")
    for p_index, point in enumerate(stroke):
        if (not isinstance(point, (list, tuple)) or len(point) != 2
                or not all(_is_number(v) for v in point)):
            raise StrokesError(
                f"{where}, point {p_index}: {str(point)[:80]} is not two finite numbers [x, y]")
        if not all(abs(v) < MAX_COORD for v in point):
            raise StrokesError(f"{where}, point {p_index}: {str(point)[:80]} is far outside any "
                               f"canvas (|x|, |y| must be below {MAX_COORD:g})")
    return np.asarray(stroke, dtype=np.float64).reshape(-1, 2)


def parse_sample(raw: object, index: int = 0) -> Sample:
    """Validate one sample object of a strokes-v1 document.

    Args:
        raw: the decoded JSON object of the sample.
        index: its position, used in error messages.

    Returns:
        The parsed :class:`Sample`.
    """
    if not isinstance(raw, dict):
        raise StrokesError(f"sample {index}: must be an object with 'strokes'")
    strokes = raw.get("strokes")
    if not isinstance(strokes, list) or not strokes:
        raise StrokesError(f"sample {index}: has no strokes (needs at least one stroke)")
    label = raw.get("label")
    if label is not None and not is_letter(label):
        raise StrokesError(f"sample {index}: label {label!r} is not one ASCII letter A-Z/a-z")
    writer = raw.get("writer")
    parsed = [_parse_stroke(stroke, index, s) for s, stroke in enumerate(strokes)]
    parsed = [stroke for stroke in parsed if len(stroke)]  # an empty stroke draws nothing
    if not parsed:
        raise StrokesError(f"sample {index}: has no strokes with points (needs at least one)")
    return Sample(parsed, label, None if writer is None else str(writer))


def parse_strokes(obj: object) -> StrokesFile:
    """Validate a decoded strokes-v1 document.

    Args:
        obj: the JSON object (dict) of the whole file.

    Returns:
        The :class:`StrokesFile`.

    Raises:
        StrokesError: wrong format, bad canvas, or a bad sample (the message names its index).
    """
    if not isinstance(obj, dict):
        raise StrokesError("not a strokes-v1 document: the top level must be a JSON object")
    if obj.get("format") != FORMAT:
        raise StrokesError(f"format is {obj.get('format')!r}, expected {FORMAT!r}")
    canvas = _parse_canvas(obj)
    samples = obj.get("samples")
    if not isinstance(samples, list):
        raise StrokesError("'samples' must be a list of samples")
    return StrokesFile(canvas, [parse_sample(raw, i) for i, raw in enumerate(samples)])


def read_strokes(path: str | os.PathLike) -> StrokesFile:
    """Read and validate a strokes-v1 file.

    Args:
        path: the JSON file (``.json.gz`` is decompressed, within bounds).

    Returns:
        The :class:`StrokesFile`.

    Raises:
        StrokesError: unreadable, not a regular file, too large, not JSON, or invalid; the
            message names the file.
    """
    try:
        data = read_maybe_gzip(path, MAX_STROKES_BYTES)
        text = data.decode("utf-8-sig")
    except IncomingFileError as exc:
        raise StrokesError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise StrokesError(f"{show_path(path)}: not UTF-8 text ({exc.reason}); "
                           "choose a strokes-v1 JSON file") from None
    path = show_path(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StrokesError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); "
                           "is the file truncated?") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # absurd numbers, deep nesting
        raise StrokesError(f"{path}: not a strokes file, its JSON is too deeply nested or "
                           f"holds absurd numbers ({type(exc).__name__}); "
                           "choose another file") from None
    try:
        return parse_strokes(obj)
    except StrokesError as exc:
        raise StrokesError(f"{path}: {exc}") from exc


_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class StrokesReader:
    """A strokes-v1 file read a chunk of samples at a time, in memory bounded by the file.

    Opening it checks the whole document (JSON, format, canvas and every sample) without
    keeping the samples; :meth:`chunks` then decodes them again, ``size`` at a time. The
    memory held is the file's text (at most :data:`MAX_STROKES_BYTES`) plus one chunk,
    however many samples the file holds.

    Args:
        path: the JSON file (``.json.gz`` is decompressed, within bounds).

    Raises:
        StrokesError: as :func:`read_strokes`, naming the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = show_path(path)
        self._text = _read_text(path)
        try:
            self._scan()
            self.count = sum(1 for _ in self._raw_samples(validate=True))
        except StrokesError as exc:
            raise StrokesError(f"{self.path}: {exc}") from None

    def _scan(self) -> None:
        """Find the canvas and where the samples list starts; check the top level."""
        top: dict[str, object] = {}
        text, self._samples_at = self._text, None
        pos = self._expect(_skip(text, 0), "{")
        while True:
            pos = _skip(text, pos)
            if text.startswith("}", pos):
                break
            key, pos = self._decode(pos)
            if not isinstance(key, str):
                raise StrokesError("not a strokes-v1 document: the top level must be a JSON "
                                   "object")
            pos = _skip(text, self._expect(_skip(text, pos), ":"))
            if key == "samples" and text.startswith("[", pos):
                self._samples_at = pos
                pos = self._skip_list(pos)
                top[key] = []
            else:
                top[key], pos = self._decode(pos)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos += 1
            elif not text.startswith("}", pos):
                self._fail_json("Expecting ',' delimiter", pos)
        if _skip(text, pos + 1) != len(text):
            self._fail_json("Extra data", pos + 1)
        if top.get("format") != FORMAT:
            raise StrokesError(f"format is {top.get('format')!r}, expected {FORMAT!r}")
        self.canvas = _parse_canvas(top)
        if not isinstance(top.get("samples"), list):
            raise StrokesError("'samples' must be a list of samples")

    def _skip_list(self, pos: int) -> int:
        """The position after the JSON list starting at ``pos`` (its items decoded one by one)."""
        for _ in self._items(pos):
            pass
        return self._end

    def _items(self, pos: int) -> Iterator[object]:
        """Decode the items of the list at ``pos`` one at a time; sets ``_end`` after it."""
        text = self._text
        pos = _skip(text, pos + 1)
        if text.startswith("]", pos):
            self._end = pos + 1
            return
        while True:
            item, pos = self._decode(pos)
            yield item
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                self._end = pos + 1
                return
            else:
                self._fail_json("Expecting ',' delimiter", pos)

    def _raw_samples(self, validate: bool) -> Iterator[Sample | None]:
        for index, raw in enumerate(self._items(self._samples_at) if self._samples_at is not None
                                    else ()):
            sample = parse_sample(raw, index)
            yield None if validate else sample

    def chunks(self, size: int) -> Iterator[list[Sample]]:
        """The samples in order, ``size`` at a time (the last chunk may be shorter)."""
        chunk: list[Sample] = []
        for sample in self._raw_samples(validate=False):
            assert sample is not None  # validate=False yields every sample
            chunk.append(sample)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _decode(self, pos: int):
        try:
            return _DECODER.raw_decode(self._text, pos)
        except json.JSONDecodeError as exc:
            self._fail_json(exc.msg, exc.pos)
        except (ValueError, RecursionError, MemoryError) as exc:  # absurd numbers, nesting
            raise StrokesError(f"not a strokes file, its JSON is too deeply nested or holds "
                               f"absurd numbers ({type(exc).__name__}); choose another "
                               "file") from None

    def _expect(self, pos: int, char: str) -> int:
        if not self._text.startswith(char, pos):
            if char == "{":
                raise StrokesError("not a strokes-v1 document: the top level must be a JSON "
                                   "object")
            self._fail_json(f"Expecting {char!r}", pos)
        return pos + 1

    def _fail_json(self, message: str, pos: int):
        line = self._text.count("\n", 0, pos) + 1
        raise StrokesError(f"not valid JSON ({message} at line {line}); is the file truncated?")


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches


def _read_text(path) -> str:
    """The text of a strokes file, within bounds (see :func:`read_strokes`)."""
    try:
        return read_maybe_gzip(path, MAX_STROKES_BYTES).decode("utf-8-sig")
    except IncomingFileError as exc:
        raise StrokesError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise StrokesError(f"{show_path(path)}: not UTF-8 text ({exc.reason}); "
                           "choose a strokes-v1 JSON file") from None


def sample_obj_strokes(strokes) -> list:
    """Strokes (arrays or nested lists) as plain nested lists, ready for :func:`parse_sample`.

    Raises:
        StrokesError: a stroke cannot be read as a list of (x, y) pairs.
    """
    result = []
    for index, stroke in enumerate(strokes):
        try:
            arr = np.asarray(stroke, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(f"shape {arr.shape}")
        except (TypeError, ValueError) as exc:
            raise StrokesError(f"stroke {index} is not a list of [x, y] points ({exc})") from exc
        result.append(arr.tolist())
    return result


def sample_to_obj(sample: Sample, decimals: int = 2) -> dict:
    """The JSON object of one sample (points rounded to ``decimals``)."""
    obj: dict = {}
    if sample.label is not None:
        obj["label"] = sample.label
    if sample.writer is not None:
        obj["writer"] = sample.writer
    obj["strokes"] = [np.round(np.asarray(s, dtype=float).reshape(-1, 2), decimals).tolist()
                      for s in sample.strokes]
    return obj


def to_obj(samples: list[Sample], canvas: tuple[float, float]) -> dict:
    """The strokes-v1 JSON object for ``samples`` drawn on ``canvas`` (validated)."""
    obj = {"format": FORMAT, "canvas": {"width": float(canvas[0]), "height": float(canvas[1])},
           "samples": [sample_to_obj(s) for s in samples]}
    parse_strokes(obj)
    return obj


def write_strokes(path: str | os.PathLike, samples: list[Sample],
                  canvas: tuple[float, float]) -> None:
    """Write ``samples`` to ``path`` as strokes-v1, atomically.

    Args:
        path: destination file.
        samples: the samples to write (validated before anything is written).
        canvas: ``(width, height)`` of the canvas they were drawn on.
    """
    atomic_write_text(path, json.dumps(to_obj(samples, canvas), separators=(",", ":")))
