"""The `classify` subcommand: read drawn letters (strokes-v1) or letter images with a model.

Samples go through the same preprocessing as the drawing canvas (``strokes_to_image``; images
through ``bitmap_to_image``) and one batched forward pass per chunk (``Predictor.forward_batch``).
With labels it reports per-class accuracy, the most confused pairs and, as the last line,
``accuracy: 0.9312 (n=1430)``. A sample with no ink (a blank image, a sample without points)
is reported as empty and given no letter; a labelled empty sample counts as not recognised.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnn_studio.model.errors import UserError

HELP = "classify the letters of a strokes-v1 file or image files with a trained model"
TOP_CONFUSIONS = 10


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


def _top3(probs: np.ndarray) -> list[dict]:
    from cnn_studio.model.ink.strokes import LETTERS

    order = np.argsort(-probs)[:3]
    return [{"letter": LETTERS[int(i)], "probability": round(float(probs[i]), 6)} for i in order]


@dataclass
class Results:
    """Everything ``classify`` found: one JSON row per sample, and the labelled summary."""

    rows: list[dict]
    accuracy: float | None = None
    labelled: int = 0
    per_class: dict[str, tuple[float, int]] = field(default_factory=dict)
    pairs: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def empty(self) -> int:
        """How many samples held no ink."""
        return sum(row["empty"] for row in self.rows)

    @property
    def summary(self) -> str:
        """The last line: ``accuracy: 0.9312 (n=1430)`` (or why there is none)."""
        if self.accuracy is None:
            empty = f", {self.empty} of them empty (no ink)" if self.empty else ""
            return f"classified {len(self.rows)} samples{empty} (no labels, so no accuracy)"
        return f"accuracy: {self.accuracy:.4f} (n={self.labelled})"

    def document(self, model: str) -> dict:
        """The JSON document written by ``--json``."""
        return {"model": model, "n": len(self.rows), "predictions": self.rows,
                "accuracy": self.accuracy,
                "per_class": {letter: {"accuracy": share, "n": count}
                              for letter, (share, count) in self.per_class.items()},
                "confusions": [{"true": t, "predicted": p, "count": c}
                               for t, p, c in self.pairs]}


EMPTY = -1  # the "predicted class" of a sample with no ink


def empty_samples(images: np.ndarray) -> np.ndarray:
    """One flag per network input: True where it holds no ink at all."""
    return ~np.any(images.reshape(len(images), -1) > 0, axis=1)


def _row(i: int, label, source: str, probs: np.ndarray, empty: bool) -> dict:
    from cnn_studio.model.ink.strokes import LETTERS

    if empty:
        return {"index": i, "source": source, "label": label, "predicted": None,
                "probability": None, "top3": [], "empty": True}
    best = int(probs.argmax())
    return {"index": i, "source": source, "label": label, "predicted": LETTERS[best],
            "probability": round(float(probs[best]), 6), "top3": _top3(probs), "empty": False}


def evaluate(inputs: Inputs, probs: np.ndarray) -> Results:
    """Predictions, and for labelled samples the accuracy, per class and most confused.

    Samples with no ink get no letter (``"empty": true``); labelled ones count as wrong.
    """
    from cnn_studio.model.ink.strokes import label_to_class

    empty = empty_samples(inputs.images)
    predicted = np.where(empty, EMPTY, probs.argmax(axis=1))
    rows = [_row(i, label, source, probs[i], bool(empty[i]))
            for i, (label, source) in enumerate(zip(inputs.labels, inputs.sources, strict=True))]
    labelled = [i for i, label in enumerate(inputs.labels) if label is not None]
    if not labelled:
        return Results(rows)
    true = np.array([label_to_class(inputs.labels[i]) for i in labelled])
    guess = predicted[labelled]
    return Results(rows, float(np.mean(true == guess)), len(labelled),
                   per_class_accuracy(true, guess), confused_pairs(true, guess))


def print_report(results: Results, quiet: bool) -> None:
    """The per-sample lines (unless ``quiet``), per-class accuracy and most confused pairs."""
    from cnn_studio.model.ink.strokes import label_to_class

    for row in ([] if quiet else results.rows):
        mark, label = "", row["label"]
        if label is not None:
            right = not row["empty"] and label_to_class(label) == label_to_class(row["predicted"])
            mark = "  ok" if right else f"  WRONG (is {label})"
        answer = "empty (no ink)" if row["empty"] else f"{row['predicted']}  {row['probability']:.4f}"
        print(f"{row['index']:5d}  {answer}  {row['source']}{mark}")
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
    from cnn_studio.model.nets.inference import Predictor, load_default_model
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file

    try:
        model = load_model_file(path) if path else load_default_model()
        return Predictor(model)
    except (ModelFileError, ValueError) as exc:
        raise ClassifyError(str(exc)) from None


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
        inputs = (load_strokes_inputs(args.strokes) if args.strokes
                  else load_image_inputs(args.images))
        predictor = _load_predictor(args.model)
    except ClassifyError as exc:
        print(f"classify: {exc}", file=sys.stderr)
        return 2
    probs = predictor.forward_batch(inputs.images[..., None], batch_size=args.batch_size)
    results = evaluate(inputs, probs)
    text = json.dumps(results.document(args.model or "default")) if args.json_out else None
    if args.json_out == "-":  # standard output holds the JSON document and nothing else
        print(text)
        return 0
    print_report(results, args.quiet)
    if results.empty and results.accuracy is not None:
        print(f"{results.empty} sample(s) held no ink: reported as empty, counted as wrong")
    if args.json_out:
        from cnn_studio.model.storage.paths import atomic_write_text

        try:
            atomic_write_text(args.json_out, text)
        except OSError as exc:
            print(f"classify: could not write {args.json_out} ({exc}).", file=sys.stderr)
            return 2
    print(results.summary)
    return 0
