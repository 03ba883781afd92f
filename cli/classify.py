"""The `classify` subcommand: read drawn letters (strokes-v1) or letter images with a model.

Samples go through the same preprocessing as the drawing canvas (``strokes_to_image``; images
through ``bitmap_to_image``) and one batched forward pass per chunk (``Predictor.forward_batch``).
A strokes file is read, drawn and classified :data:`CHUNK` samples at a time and only compact
answers are kept per sample, so memory does not grow with the number of samples.
With labels it reports per-class accuracy, the most confused pairs and, as the last line,
``accuracy: 0.9312 (n=1430)``. A sample with no ink (a blank image, a sample without points)
is reported as empty and given no letter; a labelled empty sample counts as not recognised.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnn_studio.model.errors import UserError

HELP = "classify the letters of a strokes-v1 file or image files with a trained model"
TOP_CONFUSIONS = 10
CHUNK = 1024  # samples drawn and classified at a time
DEFAULT_MODEL = "default.keras"  # the shipped model in paths.DEFAULT_MODEL_DIR


class ClassifyError(UserError):
    """An input or model file cannot be used; the message says what to do."""


@dataclass
class Inputs:
    """What to classify: 28x28 images, their labels (or None) and where each came from."""

    images: np.ndarray
    labels: list[str | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("images", nargs="*", metavar="IMG.png",
                        help="letter images (any size, dark on light or light on dark)")
    parser.add_argument("--strokes", metavar="FILE.json",
                        help="a strokes-v1 file of drawn letters (labels are optional)")
    parser.add_argument("--model", metavar="PATH",
                        help="a .keras model (default: the shipped model)")
    parser.add_argument("--json", metavar="OUT", dest="json_out",
                        help="also write every prediction and the accuracy to this JSON file; "
                             "'-' writes only the JSON, to standard output")
    parser.add_argument("--quiet", action="store_true",
                        help="skip the per-sample lines; print only the summary")
    parser.add_argument("--batch-size", type=int, default=256, metavar="N",
                        help="images per forward pass, 1..4096 (default 256)")


def load_strokes_inputs(path: str) -> Inputs:
    """Rasterize every sample of a strokes-v1 file exactly as the canvas does.

    Raises:
        ClassifyError: unreadable or invalid file, or no samples.
    """
    from cnn_studio.model.ink.preprocess import strokes_to_image
    from cnn_studio.model.ink.strokes import StrokesError, read_strokes
    from cnn_studio.model.storage.safe_read import show_path

    try:
        document = read_strokes(path)
    except StrokesError as exc:
        raise ClassifyError(str(exc)) from None
    if not document.samples:
        raise ClassifyError(f"{show_path(path)} has no samples to classify.")
    images = np.stack([strokes_to_image(s.strokes, document.canvas) for s in document.samples])
    name = show_path(Path(path).name)
    return Inputs(images, [s.label for s in document.samples],
                  [f"{name}:{i}" for i in range(len(document.samples))])


def load_image_inputs(paths: list[str]) -> Inputs:
    """Normalise letter images into network inputs with ``bitmap_to_image``.

    Raises:
        ClassifyError: a file is missing or not an image.
    """
    from cnn_studio.model.ink.preprocess import (
        SIZE,
        PreprocessError,
        bitmap_to_image,
        is_blank,
        load_image_file,
    )
    from cnn_studio.model.storage.safe_read import IncomingFileError, show_path

    images = []
    for path in paths:
        try:
            bitmap = load_image_file(path)
            images.append(np.zeros((SIZE, SIZE), np.float32) if is_blank(bitmap)
                          else bitmap_to_image(bitmap))
        except IncomingFileError as exc:
            raise ClassifyError(f"{exc}. Give PNG, JPEG or another format Pillow reads.") \
                from None
        except PreprocessError as exc:
            raise ClassifyError(f"{show_path(path)}: cannot use it as a letter image ({exc}).") \
                from None
    return Inputs(np.stack(images), [None] * len(paths), [show_path(p) for p in paths])


def per_class_accuracy(true: np.ndarray, predicted: np.ndarray) -> dict[str, tuple[float, int]]:
    """Share correct and sample count for each class letter that occurs in ``true``."""
    from cnn_studio.model.ink.strokes import LETTERS

    result = {}
    for index in np.unique(true):
        mask = true == index
        result[LETTERS[int(index)]] = (float(np.mean(predicted[mask] == index)), int(mask.sum()))
    return result


def confused_pairs(true: np.ndarray, predicted: np.ndarray,
                   top: int = TOP_CONFUSIONS) -> list[tuple[str, str, int]]:
    """The most frequent (true letter, predicted letter, count) mistakes, biggest first."""
    from cnn_studio.model.ink.strokes import LETTERS

    wrong = (true != predicted) & (predicted != EMPTY)
    if not wrong.any():
        return []
    pairs, counts = np.unique(np.stack([true[wrong], predicted[wrong]], axis=1), axis=0,
                              return_counts=True)
    order = np.argsort(-counts, kind="stable")[:top]
    return [(LETTERS[int(pairs[i][0])], LETTERS[int(pairs[i][1])], int(counts[i]))
            for i in order]


EMPTY = -1  # the "predicted class" of a sample with no ink


def empty_samples(images: np.ndarray) -> np.ndarray:
    """One flag per network input: True where it holds no ink at all."""
    return ~np.any(images.reshape(len(images), -1) > 0, axis=1)


class Answers:
    """Compact answers for ``n`` samples, filled a chunk at a time (about 30 bytes each).

    Args:
        n: number of samples.
        sources: where each sample came from, or a function of its index.
    """

    def __init__(self, n: int, sources):
        self.n = n
        self.sources = sources
        self.predicted = np.full(n, EMPTY, np.int16)
        self.top3 = np.zeros((n, 3), np.int8)
        self.top3_probs = np.zeros((n, 3), np.float32)
        self.labels = np.zeros(n, np.uint8)  # the label's ASCII code, 0: none

    def add(self, start: int, probs: np.ndarray, empty: np.ndarray, labels) -> None:
        """Store the answers of samples ``start ..`` (``probs`` (k, 26), ``empty`` (k,))."""
        stop = start + len(probs)
        order = np.argsort(-probs, axis=1, kind="stable")[:, :3]
        self.top3[start:stop] = order
        self.top3_probs[start:stop] = np.take_along_axis(probs, order, axis=1)
        self.predicted[start:stop] = np.where(empty, EMPTY, order[:, 0])
        self.labels[start:stop] = [0 if label is None else ord(label) for label in labels]

    def source(self, i: int) -> str:
        return self.sources(i) if callable(self.sources) else self.sources[i]

    def row(self, i: int) -> dict:
        """The JSON row of sample ``i``."""
        from cnn_studio.model.ink.strokes import LETTERS

        label = chr(self.labels[i]) if self.labels[i] else None
        if self.predicted[i] == EMPTY:
            return {"index": i, "source": self.source(i), "label": label, "predicted": None,
                    "probability": None, "top3": [], "empty": True}
        top3 = [{"letter": LETTERS[int(c)], "probability": round(float(p), 6)}
                for c, p in zip(self.top3[i], self.top3_probs[i], strict=True)]
        return {"index": i, "source": self.source(i), "label": label,
                "predicted": top3[0]["letter"], "probability": top3[0]["probability"],
                "top3": top3, "empty": False}

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[dict]:
        """The JSON rows of samples ``start .. stop``."""
        for i in range(start, self.n if stop is None else stop):
            yield self.row(i)


@dataclass
class Results:
    """What ``classify`` found: the answers and, for labelled samples, the summary."""

    answers: Answers
    accuracy: float | None = None
    labelled: int = 0
    per_class: dict[str, tuple[float, int]] = field(default_factory=dict)
    pairs: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def rows(self) -> list[dict]:
        """Every JSON row (a list: for small results and tests)."""
        return list(self.answers.rows())

    @property
    def empty(self) -> int:
        """How many samples held no ink."""
        return int(np.sum(self.answers.predicted == EMPTY))

    @property
    def summary(self) -> str:
        """The last line: ``accuracy: 0.9312 (n=1430)`` (or why there is none)."""
        if self.accuracy is None:
            empty = f", {self.empty} of them empty (no ink)" if self.empty else ""
            return f"classified {self.answers.n} samples{empty} (no labels, so no accuracy)"
        return f"accuracy: {self.accuracy:.4f} (n={self.labelled})"

    def write_document(self, handle, model: str) -> None:
        """Write the JSON document of ``--json`` to ``handle``, one row at a time."""
        handle.write(f'{{"model": {json.dumps(model)}, "n": {self.answers.n}, "predictions": [')
        for row in self.answers.rows():
            handle.write(("" if row["index"] == 0 else ", ") + json.dumps(row))
        tail = {"accuracy": self.accuracy,
                "per_class": {letter: {"accuracy": share, "n": count}
                              for letter, (share, count) in self.per_class.items()},
                "confusions": [{"true": t, "predicted": p, "count": c} for t, p, c in self.pairs]}
        handle.write("], " + json.dumps(tail)[1:] + "\n")


def summarise(answers: Answers) -> Results:
    """Accuracy, per-class accuracy and most confused pairs of the labelled samples."""
    from cnn_studio.model.ink.strokes import LETTERS

    labelled = np.flatnonzero(answers.labels)
    if not len(labelled):
        return Results(answers)
    table = np.full(256, -1, np.int16)
    for index, letter in enumerate(LETTERS):
        table[ord(letter)] = table[ord(letter.lower())] = index
    true = table[answers.labels[labelled]].astype(np.int64)
    guess = answers.predicted[labelled].astype(np.int64)
    return Results(answers, float(np.mean(true == guess)), len(labelled),
                   per_class_accuracy(true, guess), confused_pairs(true, guess))


def evaluate(inputs: Inputs, probs: np.ndarray) -> Results:
    """Predictions, and for labelled samples the accuracy, per class and most confused.

    Samples with no ink get no letter (``"empty": true``); labelled ones count as wrong.
    """
    answers = Answers(len(inputs.images), inputs.sources)
    answers.add(0, probs, empty_samples(inputs.images), inputs.labels)
    return summarise(answers)


def print_rows(answers: Answers, start: int, stop: int) -> None:
    """The lines of samples ``start .. stop``: index, letter, probability, source, verdict."""
    from cnn_studio.model.ink.strokes import label_to_class

    for row in answers.rows(start, stop):
        mark, label = "", row["label"]
        if label is not None:
            right = not row["empty"] and label_to_class(label) == label_to_class(row["predicted"])
            mark = "  ok" if right else f"  WRONG (is {label})"
        answer = "empty (no ink)" if row["empty"] else f"{row['predicted']}  {row['probability']:.4f}"
        print(f"{row['index']:5d}  {answer}  {row['source']}{mark}")


def print_summary(results: Results) -> None:
    """Per-class accuracy and the most confused pairs (labelled samples only)."""
    if results.accuracy is None:
        return
    print("\nPer-class accuracy:")
    for letter, (share, count) in results.per_class.items():
        print(f"  {letter}  {share:7.2%}  (n={count})")
    if results.pairs:
        print("\nMost confused (true -> predicted):")
        for truth, guess_letter, count in results.pairs:
            print(f"  {truth} -> {guess_letter}  {count}")


def _load_predictor(path: str | None):
    """The numpy engine for the model when it reads it (no TensorFlow: a fifth of the memory),
    else TensorFlow's ``Predictor`` (which also gives the messages for unusable files)."""
    from cnn_studio.model.nets.keras_file import load_network
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.storage import paths

    try:
        return load_network(path or paths.DEFAULT_MODEL_DIR / DEFAULT_MODEL)
    except (SpecError, OSError):
        pass  # a layer the engine lacks, or a bad file: TensorFlow reads it or says why
    from cnn_studio.model.nets.inference import Predictor, load_default_model
    from cnn_studio.model.nets.model_files import ModelFileError, open_model_file

    try:
        model, note = (open_model_file(path)[:2] if path else (load_default_model(), None))
        if note:  # a model made elsewhere: say which convention was recognised
            print(f"classify: note: {note}", file=sys.stderr)
        return Predictor(model)
    except (ModelFileError, ValueError) as exc:
        raise ClassifyError(str(exc)) from None


def _strokes_chunks(reader) -> Iterator[tuple[np.ndarray, list[str | None]]]:
    """``(images (k, 28, 28), labels)`` of the reader's samples, :data:`CHUNK` at a time."""
    from cnn_studio.model.ink.preprocess import strokes_to_image

    for chunk in reader.chunks(CHUNK):
        images = np.stack([strokes_to_image(s.strokes, reader.canvas) for s in chunk])
        yield images, [s.label for s in chunk]


def _open_inputs(args):
    """``(count, sources, chunks)`` of what to classify; ClassifyError for bad input."""
    from cnn_studio.model.ink.strokes import StrokesError, StrokesReader
    from cnn_studio.model.storage.safe_read import show_path

    if args.images:
        inputs = load_image_inputs(args.images)
        return len(inputs.images), inputs.sources, iter([(inputs.images, inputs.labels)])
    try:
        reader = StrokesReader(args.strokes)
    except StrokesError as exc:
        raise ClassifyError(str(exc)) from None
    if not reader.count:
        raise ClassifyError(f"{show_path(args.strokes)} has no samples to classify.")
    name = show_path(Path(args.strokes).name)
    return reader.count, lambda i: f"{name}:{i}", _strokes_chunks(reader)


def _classify(args, predictor, count, sources, chunks) -> Results:
    """Classify every chunk, printing each sample's line as it comes (unless quiet)."""
    answers, start = Answers(count, sources), 0
    for images, labels in chunks:
        probs = predictor.forward_batch(images[..., None], batch_size=args.batch_size)
        answers.add(start, probs, empty_samples(images), labels)
        if not args.quiet and args.json_out != "-":
            print_rows(answers, start, start + len(images))
        start += len(images)
    return summarise(answers)


def run(args: argparse.Namespace) -> int:
    """Classify; returns 0, or 2 with a message for bad input."""
    if bool(args.strokes) == bool(args.images):
        print("classify: give either --strokes FILE.json or one or more image files.",
              file=sys.stderr)
        return 2
    if not 1 <= args.batch_size <= 4096:
        print(f"classify: --batch-size must be 1..4096, not {args.batch_size}.", file=sys.stderr)
        return 2
    try:
        count, sources, chunks = _open_inputs(args)
        predictor = _load_predictor(args.model)
    except ClassifyError as exc:
        print(f"classify: {exc}", file=sys.stderr)
        return 2
    results = _classify(args, predictor, count, sources, chunks)
    model = args.model or "default"
    if args.json_out == "-":  # standard output holds the JSON document and nothing else
        results.write_document(sys.stdout, model)
        return 0
    print_summary(results)
    if results.empty and results.accuracy is not None:
        print(f"{results.empty} sample(s) held no ink: reported as empty, counted as wrong")
    if args.json_out:
        problem = _write_json(results, args.json_out, model)
        if problem:
            print(f"classify: {problem}", file=sys.stderr)
            return 2
    print(results.summary)
    return 0


def _write_json(results: Results, path: str, model: str) -> str | None:
    """Write the ``--json`` document atomically, a row at a time; None or the problem."""
    import os

    from cnn_studio.model.storage.paths import temp_sibling

    tmp = temp_sibling(path)
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            results.write_document(handle, model)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        return f"could not write {path} ({exc})."
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return None
