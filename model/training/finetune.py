"""Teach it my hand: fine-tune a trained network on a few of one person's letters.

The person's samples are split BY SAMPLE into a teaching part and a held-back part (never
trained on). A copy of the network is fine-tuned on the teaching part, each batch mixed with
built-in letters (the UNIPEN real letters of the training sites, or synthetic ones when those
are missing) so that it keeps reading everything else; batch-norm statistics stay frozen.
Accuracy before and after is measured on the held-back samples and on letters of other
writers (the held-out UNIPEN sites). Training stops ``time_budget_s`` seconds after the run
began (at least one step runs); the run reports progress and stops when ``cancel`` is set. The model passed in is never changed: the result
carries the new weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from cnn_studio.model.data.user_samples import STORE_CANVAS
from cnn_studio.model.errors import Cancelled, UserError
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import Sample, is_letter, label_to_class
from cnn_studio.model.ink.transforms import transform_image
from cnn_studio.model.nets.inference import ends_in_softmax

Progress = Callable[[float, str], None]


class TeachError(UserError):
    """The samples or settings cannot be used for teaching; the message says what to do."""


class TeachCancelled(Cancelled):
    """The person cancelled the fine-tuning (the network is unchanged)."""


@dataclass
class TeachConfig:
    """Settings of one fine-tuning run (the defaults fit 30 s on two cores with room to spare).

    Attributes:
        steps: most training steps.
        time_budget_s: training stops this many seconds after :func:`teach` began (preparing
            the letters counts), whatever ``steps`` says; measuring after it adds about a second.
        batch: letters per step.
        own_share: share of each batch taken from the person's (augmented) samples.
        learning_rate: Adam's learning rate.
        copies: augmented variants made of each teaching sample (small shifts, turns, sizes).
        replay: built-in letters mixed in.
        check: letters of other writers measured before and after (0: not measured).
        hold_back: samples of each letter held back to measure on (while one is left to teach).
        seed: random seed (same inputs and seed: same result).
    """

    steps: int = 250
    time_budget_s: float = 25.0
    batch: int = 64
    own_share: float = 0.375
    learning_rate: float = 5e-4
    copies: int = 8
    replay: int = 2000
    check: int = 520
    hold_back: int = 1
    seed: int = 0

    def validate(self) -> TeachConfig:
        """Raise :class:`TeachError` for a setting out of range; else return self."""
        if not 1 <= self.steps <= 10_000 or not 1 <= self.batch <= 1024:
            raise TeachError("steps must be 1..10,000 and batch 1..1,024")
        if not 0.0 < self.own_share <= 1.0 or not 0.0 < self.time_budget_s <= 600.0:
            raise TeachError("own_share must be in (0, 1] and time_budget_s in (0, 600]")
        if not 1e-6 <= self.learning_rate <= 1.0 or not 1 <= self.copies <= 100:
            raise TeachError("learning_rate must be 1e-6..1 and copies 1..100")
        if not 0 <= self.replay <= 100_000 or not 0 <= self.check <= 100_000:
            raise TeachError("replay and check must be 0..100,000 letters")
        if not 0 <= self.hold_back <= 100:
            raise TeachError("hold_back must be 0..100 samples per letter")
        return self


@dataclass
class TeachResult:
    """What a fine-tuning run gives back.

    Attributes:
        weights: the adapted network's weights (``model.get_weights()`` order).
        before, after: accuracy on the held-back samples (None when none were held back).
        others_before, others_after: accuracy on other writers' letters (None: not measured).
        taught, held_back: how many of the person's samples were trained on / held back.
        steps: training steps run; seconds: time spent training (without data preparation).
        per_letter: letter -> (correct before, correct after, held back) on the held-back set.
    """

    weights: list[np.ndarray]
    before: float | None
    after: float | None
    others_before: float | None = None
    others_after: float | None = None
    taught: int = 0
    held_back: int = 0
    steps: int = 0
    seconds: float = 0.0
    per_letter: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def split_by_sample(labels: Sequence[str], per_letter: int = 1, min_taught: int = 1,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices to teach with and to hold back: up to ``per_letter`` samples of each letter
    (case kept) are held back, as long as ``min_taught`` of it remain to teach with.

    Returns:
        ``(taught indices, held-back indices)``, disjoint, each sorted.
    """
    rng = np.random.default_rng([int(seed), 61])
    labels = list(labels)
    held: list[int] = []
    for letter in sorted(set(labels)):
        mine = rng.permutation([i for i, label in enumerate(labels) if label == letter])
        count = min(per_letter, max(0, len(mine) - min_taught))
        held += mine[:count].tolist()
    held_set = set(held)
    taught = [i for i in range(len(labels)) if i not in held_set]
    return np.array(taught, np.int64), np.array(sorted(held), np.int64)


def sample_images(samples: Sequence[Sample], canvas: tuple[float, float] = STORE_CANVAS,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The 28x28 network inputs and class indices of labelled samples (as the canvas makes them).

    Raises:
        TeachError: a sample has no letter label.
    """
    if any(not is_letter(s.label) for s in samples):
        raise TeachError("every sample to teach with needs its letter (A-Z or a-z)")
    x = np.zeros((len(samples), 28, 28, 1), np.float32)
    for i, sample in enumerate(samples):
        x[i, ..., 0] = strokes_to_image(sample.strokes, canvas)
    y = np.array([label_to_class(s.label) for s in samples], np.int64)
    return x, y


def augment(x: np.ndarray, y: np.ndarray, copies: int, seed: int = 0,
            ) -> tuple[np.ndarray, np.ndarray]:
    """``x`` plus ``copies - 1`` variants of each image: shifted up to 1.5 px, turned up to 8
    degrees, resized by up to 10 %."""
    rng = np.random.default_rng([int(seed), 62])
    out, labels = [x[..., 0]], [y]
    for _ in range(max(0, copies - 1)):
        moved = [transform_image(image[..., 0], dx=rng.uniform(-1.5, 1.5),
                                 dy=rng.uniform(-1.5, 1.5), angle=rng.uniform(-8, 8),
                                 scale=rng.uniform(0.9, 1.1)) for image in x]
        out.append(np.stack(moved) if moved else x[..., 0])
        labels.append(y)
    return np.concatenate(out)[..., None].astype(np.float32), np.concatenate(labels)


def builtin_letters(replay: int, check: int, seed: int = 0,
                    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Built-in letters to mix in (training sites, half upper case) and other writers' letters
    to check on (the held-out sites). Falls back to synthetic letters (no check set) when the
    real letters are missing or damaged.

    Returns:
        ``((replay x, y), (check x, y))``, images ``(n, 28, 28, 1)``.
    """
    from cnn_studio.model.data import real_letters as rl

    try:
        letters = rl.load_default()
    except rl.RealLettersError:
        return _synthetic(replay, seed), (np.zeros((0, 28, 28, 1), np.float32),
                                          np.zeros(0, np.int64))
    train_idx, held_idx = rl.site_split(letters)
    chosen = rl.balanced_index(letters, train_idx, seed, 0.5, replay) if replay else train_idx[:0]
    rng = np.random.default_rng([int(seed), 63])
    checked = np.sort(rng.permutation(held_idx)[:check])
    return ((letters.render(chosen)[..., None], letters.classes[chosen]),
            (letters.render(checked)[..., None], letters.classes[checked]))


def _synthetic(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from cnn_studio.model.data.datasets import synthetic_dataset

    if not count:
        return np.zeros((0, 28, 28, 1), np.float32), np.zeros(0, np.int64)
    data = synthetic_dataset(max(26, count), seed, workers=1)
    return data.x, data.y


def predict_classes(model: keras.Model, x: np.ndarray, batch: int = 512) -> np.ndarray:
    """The class the model reads for each image (batched forward passes, no ``predict``)."""
    out = [np.asarray(model(x[i:i + batch], training=False)).argmax(axis=1)
           for i in range(0, len(x), batch)]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float | None:
    """Share of ``x`` read as ``y`` (None for no images)."""
    return float((predict_classes(model, x) == y).mean()) if len(x) else None


def working_copy(model: keras.Model, learning_rate: float) -> keras.Model:
    """A compiled copy of ``model`` with its weights and batch-norm layers frozen."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for layer in copy.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False  # Keras 3: also runs it in inference mode
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model))
    copy.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    return copy


def fit_mixed(model: keras.Model, own: tuple[np.ndarray, np.ndarray],
              replay: tuple[np.ndarray, np.ndarray], config: TeachConfig,
              progress: Progress | None = None, cancel=None, deadline: float | None = None,
              ) -> tuple[int, float]:
    """Train ``model`` (compiled) on batches mixing ``own`` with ``replay`` letters.

    Args:
        deadline: ``time.monotonic()`` value to stop at (default: ``time_budget_s`` from now).

    Returns:
        ``(steps run, seconds)``: it stops after ``config.steps`` or at the deadline.

    Raises:
        TeachCancelled: ``cancel.is_set()`` became true.
    """
    rng = np.random.default_rng([config.seed, 64])
    n_own = config.batch if not len(replay[0]) else max(1, round(config.batch * config.own_share))
    start, step = time.monotonic(), 0
    deadline = start + config.time_budget_s if deadline is None else deadline
    while step < config.steps and (step == 0 or time.monotonic() < deadline):
        if cancel is not None and cancel.is_set():
            raise TeachCancelled("teaching was cancelled; the network is unchanged")
        pick = rng.integers(0, len(own[0]), n_own)
        xs, ys = [own[0][pick]], [own[1][pick]]
        if len(replay[0]) and config.batch > n_own:
            other = rng.integers(0, len(replay[0]), config.batch - n_own)
            xs.append(replay[0][other])
            ys.append(replay[1][other])
        model.train_on_batch(np.concatenate(xs), np.concatenate(ys))
        step += 1
        if progress is not None:
            done = max(step / config.steps,
                       (time.monotonic() - start) / max(deadline - start, 1e-9))
            progress(min(done, 1.0), f"Teaching: step {step} of at most {config.steps}")
    return step, time.monotonic() - start


def _per_letter(labels: list[str], before: np.ndarray, after: np.ndarray, y: np.ndarray,
                ) -> dict[str, tuple[int, int, int]]:
    table: dict[str, tuple[int, int, int]] = {}
    for i, letter in enumerate(labels):
        b, a, n = table.get(letter, (0, 0, 0))
        table[letter] = (b + int(before[i] == y[i]), a + int(after[i] == y[i]), n + 1)
    return table


def teach(model: keras.Model, samples: Sequence[Sample], config: TeachConfig | None = None,
          progress: Progress | None = None, cancel=None, builtin=None,
          canvas: tuple[float, float] = STORE_CANVAS) -> TeachResult:
    """Fine-tune a copy of ``model`` on the person's ``samples``; ``model`` stays unchanged.

    Args:
        model: a trained network reading 28x28x1 images into 26 classes.
        samples: the person's labelled letters (strokes on ``canvas``).
        config: the run's settings (default :class:`TeachConfig`).
        progress: ``progress(fraction 0..1, text)`` from the calling thread.
        cancel: an object with ``is_set()`` (a ``threading.Event``); stops the run.
        builtin: ``((replay x, y), (check x, y))`` to use instead of :func:`builtin_letters`.

    Raises:
        TeachError: no usable sample; TeachCancelled: cancelled.
    """
    config = (config or TeachConfig()).validate()
    deadline = time.monotonic() + config.time_budget_s
    if not samples:
        raise TeachError("there are no samples to teach with: draw a few letters first")
    report = progress or (lambda fraction, text: None)
    report(0.0, "Preparing your letters...")
    x, y = sample_images(samples, canvas)  # TeachError unless every sample has its letter
    labels = [s.label for s in samples if s.label is not None]  # so: every sample's
    taught, held = split_by_sample(labels, config.hold_back, seed=config.seed)
    own = augment(x[taught], y[taught], config.copies, config.seed)
    replay, check = builtin if builtin is not None else builtin_letters(
        config.replay, config.check, config.seed)
    if cancel is not None and cancel.is_set():
        raise TeachCancelled("teaching was cancelled; the network is unchanged")
    copy = working_copy(model, config.learning_rate)
    held_before = predict_classes(model, x[held])
    others_before = accuracy(model, *check)
    steps, seconds = fit_mixed(copy, own, replay, config, report, cancel, deadline)
    held_after = predict_classes(copy, x[held])
    report(1.0, "Done")
    return TeachResult(
        weights=copy.get_weights(),
        before=float((held_before == y[held]).mean()) if len(held) else None,
        after=float((held_after == y[held]).mean()) if len(held) else None,
        others_before=others_before, others_after=accuracy(copy, *check),
        taught=len(taught), held_back=len(held), steps=steps, seconds=seconds,
        per_letter=_per_letter([labels[i] for i in held], held_before, held_after, y[held]))


def misread_letters(model: keras.Model, samples: Sequence[Sample],
                    canvas: tuple[float, float] = STORE_CANVAS) -> list[str]:
    """The letters (case kept, sorted) of which the model misreads at least one sample."""
    labelled = [s for s in samples if is_letter(s.label)]
    if not labelled:
        return []
    x, y = sample_images(labelled, canvas)
    wrong = predict_classes(model, x) != y
    return sorted({s.label for s, bad in zip(labelled, wrong, strict=True)
                   if bad and s.label is not None})
