"""Training data sources as one type: synthetic letters (cached), real letters (UNIPEN, built
in), own samples, EMNIST.

A :class:`Dataset` is a pair of arrays in the network's normal form. Synthetic datasets are
cached on disk under ``model.storage.paths.cache_dir()`` keyed by generator version and parameters;
:func:`training_data` mixes sources by weight into a training and a validation set: each
source is split first, and only training samples are repeated (small sources such as own
samples).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn_studio.model.data.dataset import (
    Dataset,
    DatasetError,
    empty,
    load_npz,
    save_npz,
    split,
    split_by_writer,
)
from cnn_studio.model.storage.paths import cache_dir
from cnn_studio.model.synth import generator as synth


def synthetic_cache_path(n: int, seed: int, font_share: float, lower_share: float) -> Path:
    """Cache file of a synthetic dataset with these parameters."""
    name = (f"synth-v{synth.GENERATOR_VERSION}-n{int(n)}-s{int(seed)}"
            f"-f{font_share:.3f}-l{lower_share:.3f}.npz")
    return cache_dir() / "synthetic" / name


def synthetic_dataset(n: int, seed: int = 0, progress=None, cancel=None,
                      font_share: float = synth.DEFAULT_FONT_SHARE,
                      lower_share: float = synth.DEFAULT_LOWER_SHARE,
                      workers: int | None = None, use_cache: bool = True) -> Dataset:
    """The built-in synthetic letters, generated in parallel and cached on disk.

    Args:
        n: number of samples (1..2,000,000), balanced over the 26 classes.
        seed: random seed (equal arguments give equal data).
        progress: optional ``progress(done, total)`` callback.
        cancel: optional ``threading.Event``-like object; raises
            :class:`model.synth.generator.GenerationCancelled` when set.
        font_share: share of font letters (0..1).
        lower_share: share of lower-case letters (0..1).
        workers: generator processes (None: one per core).
        use_cache: read and write the disk cache.

    Returns:
        The :class:`Dataset`, shuffled deterministically.
    """
    path = synthetic_cache_path(n, seed, font_share, lower_share)
    if use_cache and path.exists():
        try:
            data = load_npz(path)
            if len(data) == n:
                if progress is not None:
                    progress(n, n)
                return data
        except DatasetError:
            pass  # a damaged cache file is regenerated below
    images, labels, _ = synth.generate(n, seed, font_share, lower_share, workers=workers,
                                       progress=progress, cancel=cancel)
    order = np.random.default_rng([int(seed), 7]).permutation(n)
    data = Dataset(images[order], labels[order])
    if use_cache:
        save_npz(path, data)
    return data


DEFAULT_WEIGHTS = {"synthetic": 1.0, "real": 1.0, "own": 0.25, "emnist": 1.0}
"""Mixing weight of each source when it is ticked; the window's form starts with these.

Real letters tick in at 1.0, as much as the synthetic ones. Short trial
(``benchmarks/unipen_quality_trial.py``: small network, 30,000 letters, 3 epochs), held-out
sites / dev set: synthetic only 67.7 % / 87.2 %; half real 78.8 % / 92.5 %; 70 % real
80.3 % / 91.1 % (better on the held-out labs, worse on the dev writers): half is the middle."""
DEFAULT_SYNTHETIC_SAMPLES = 20_000
DEFAULT_REAL_SAMPLES = 20_000
REAL_UPPER_SHARE = 0.5
"""Share of upper case among the real training letters (the file has 27 %; trained on that, a
bare vertical bar became "l" and capital I on other writers fell from 91 % to 40 %). The app's
users write both cases, so both get the same weight."""
REAL_KEEP_UNCERTAIN = True
"""Keep the letters whose segmentation UNIPEN marked uncertain ('?'). Quality is per site, so
filtering drops whole labs: only 14,895 training letters (13 % upper case) would remain. In
the same trial, filtered: held-out sites 73.5 % (upper 82.2, lower 67.2), dev 90.2 %; kept:
78.8 % (upper 89.7, lower 70.9), dev 92.5 %. Balancing the cases beat the natural mix (77.7 %,
upper 87.5; dev 91.5 %)."""


@dataclass(frozen=True)
class DataChoice:
    """Where the training samples come from (a weight of 0 leaves a source out).

    Attributes:
        samples: training + validation samples drawn from the sources; None: all of a
            single source, once.
        synthetic_weight: mixing weight of the synthetic letters.
        own_weight: mixing weight of the user's own samples.
        emnist_weight: mixing weight of imported EMNIST letters.
        file: a dataset file (``.npz`` of :func:`save_npz`) used as a source, or None.
        file_weight: mixing weight of ``file``.
        real_weight: mixing weight of the built-in real letters (UNIPEN). 0 by default, so
            that a choice names every source it uses (``train --data synthetic`` stays
            synthetic only) and nothing renders 76,588 letters unasked; the window ticks it
            in at ``DEFAULT_WEIGHTS["real"]``.
        vary_real: draw each real training letter with its own small slant, turn and width
            (:mod:`model.ink.stroke_jitter`) instead of the cached plain drawing, so the
            repeats of the case balancing differ; costs drawing them (about 4,000 letters/s
            on 2 cores). Validation letters are always drawn plainly. The window and ``train``
            set it with their Augment option.
    """

    samples: int | None = 10_000
    synthetic_weight: float = 1.0
    own_weight: float = 0.0
    emnist_weight: float = 0.0
    file: str | None = None
    file_weight: float = 1.0
    real_weight: float = 0.0
    vary_real: bool = False


@dataclass
class _Source:
    name: str
    data: Dataset
    weight: float
    writers: np.ndarray | None = None  # one writer id (or None) per sample
    # (target, val_fraction, rng) -> (train, val) for presplit sources
    splitter: Callable[[int, float, np.random.Generator], tuple[Dataset, Dataset]] | None = None


class _RealLettersSplit:
    """The built-in real letters split by SITE: held-out sites validate, never train.

    The training side is resampled with :data:`REAL_UPPER_SHARE` upper case
    (:func:`real_letters.balanced_index`); the validation side is the held-out sites' letters
    as they come (subsampled without repetition when the source's share is smaller).
    """

    def __init__(self, seed: int, progress=None, cancel=None,
                 keep_uncertain: bool = REAL_KEEP_UNCERTAIN, vary: bool = False) -> None:
        from cnn_studio.model.data import real_letters
        from cnn_studio.model.data.real_letters_cache import render_all

        try:
            self.letters = real_letters.load_default()
        except real_letters.RealLettersError as error:
            raise DatasetError(str(error)) from error
        self.images = render_all(self.letters, progress=progress, cancel=cancel)
        self.train_idx, self.val_idx = real_letters.site_split(self.letters)
        if not keep_uncertain:
            self.train_idx = self.train_idx[self.letters.quality_ok[self.train_idx]]
        self.seed = seed
        self.vary, self.progress, self.cancel = vary, progress, cancel

    def dataset(self, index: np.ndarray) -> Dataset:
        return Dataset(self.images[index], self.letters.classes[index])

    def varied_dataset(self, index: np.ndarray) -> Dataset:
        from cnn_studio.model.data.real_letters_varied import render_varied

        images = render_varied(self.letters, index, self.seed, progress=self.progress,
                               cancel=self.cancel)
        return Dataset(images, self.letters.classes[index])

    def __call__(self, target: int, val_fraction: float, rng) -> tuple[Dataset, Dataset]:
        from cnn_studio.model.data.real_letters import balanced_index

        if val_fraction == 0:
            train_pool, val = np.concatenate([self.train_idx, self.val_idx]), None
        else:
            train_pool = self.train_idx
            count = min(len(self.val_idx), max(1, int(round(target * val_fraction))))
            val = np.sort(rng.permutation(self.val_idx)[:count])
        size = max(1, int(round(target * (1 - val_fraction))))
        train = balanced_index(self.letters, train_pool, self.seed, REAL_UPPER_SHARE, size)
        train_set = self.varied_dataset(train) if self.vary else self.dataset(train)
        return train_set, (empty() if val is None else self.dataset(val))


def _real_source(weight: float, seed: int, progress, cancel, vary: bool) -> _Source:
    """The built-in real letters, rendered as the canvas renders (cached on disk)."""
    return _Source("real", empty(), weight,
                   splitter=_RealLettersSplit(seed, progress, cancel, vary=vary))


def _own_source(weight: float) -> _Source:
    """The user's labelled samples, exact duplicates left out, with their writers."""
    from cnn_studio.model.data.user_samples import SampleStore

    store = SampleStore()
    data = store.dataset()  # raises DatasetError when nothing is labelled yet
    writers = np.array([s.writer for s in store.samples if s.label is not None], dtype=object)
    flat = np.concatenate([data.x.reshape(len(data), -1), data.y[:, None]], axis=1)
    _, first = np.unique(flat, axis=0, return_index=True)
    keep = np.sort(first)
    return _Source("own", data.subset(keep), weight, writers[keep])


#: What each training source is called while it is prepared ("Preparing <name>").
SOURCE_NAMES = {"synthetic": "synthetic letters", "real": "the built-in real letters (UNIPEN)",
                "own": "your letters", "emnist": "the imported EMNIST letters",
                "file": "the letters file"}


def _sources(choice: DataChoice, seed: int, progress, cancel, on_source=None) -> list[_Source]:
    """Load every source ``choice`` uses (weight > 0); raise if a chosen one is missing."""
    from cnn_studio.model.data import emnist

    def begin(key: str) -> None:
        if on_source is not None:
            on_source(key)

    for weight in (choice.synthetic_weight, choice.own_weight, choice.emnist_weight,
                   choice.file_weight, choice.real_weight):
        if not np.isfinite(weight) or weight < 0:
            raise DatasetError("mixing weights must be finite and >= 0")
    sources = []
    if choice.synthetic_weight > 0:
        begin("synthetic")
        count = choice.samples or DEFAULT_SYNTHETIC_SAMPLES
        sources.append(_Source("synthetic", synthetic_dataset(
            count, seed=seed, progress=progress, cancel=cancel), choice.synthetic_weight))
    if choice.real_weight > 0:
        begin("real")
        sources.append(_real_source(choice.real_weight, seed, progress, cancel,
                                    choice.vary_real))
    if choice.own_weight > 0:
        begin("own")
        sources.append(_own_source(choice.own_weight))
    if choice.emnist_weight > 0:
        begin("emnist")
        imported = emnist.imported_dataset()
        if imported is None or not len(imported):
            raise DatasetError("EMNIST is not imported yet: import it in the Dataset panel "
                               "first, or leave it out.")
        sources.append(_Source("emnist", imported, choice.emnist_weight))
    if choice.file is not None and choice.file_weight > 0:
        begin("file")
        sources.append(_Source("file", load_npz(choice.file), choice.file_weight))
    sources = [s for s in sources if s.splitter is not None or len(s.data)]
    if not sources:
        raise DatasetError("No training data: choose at least one source that has samples "
                           "(synthetic letters always do).")
    return sources


def _repeat_to(data: Dataset, count: int, rng) -> Dataset:
    """``count`` samples: each of ``data`` equally often (+-1), or a random subset."""
    if count <= len(data):
        return data.subset(rng.permutation(len(data))[:count])
    whole, rest = divmod(count, len(data))
    index = np.concatenate([np.tile(np.arange(len(data)), whole),
                            rng.permutation(len(data))[:rest]])
    return data.subset(index)


def _size(source: _Source) -> int:
    """Samples a source holds (the real letters: their training default)."""
    return DEFAULT_REAL_SAMPLES if source.splitter is not None else len(source.data)


def _targets(sources: list[_Source], samples: int | None) -> list[int]:
    """Samples (training + validation) each source contributes."""
    if len(sources) == 1:  # one source is never repeated (the real letters are resampled)
        size = _size(sources[0])
        if sources[0].splitter is not None:
            return [samples or size]
        return [size if samples is None else min(size, samples)]
    total = samples or sum(_size(s) for s in sources)
    weights = np.array([s.weight for s in sources])
    return [max(1, int(round(total * w))) for w in weights / weights.sum()]


def _concat(parts: list[Dataset], rng) -> Dataset:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty()
    data = Dataset(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]))
    return data.subset(rng.permutation(len(data)))


def training_data(choice: DataChoice, val_fraction: float, seed: int = 0, progress=None,
                  cancel=None, on_source=None) -> tuple[Dataset, Dataset]:
    """THE mixer of training sources (window and ``train`` command): ``(train, validation)``.

    Each source is split first, on unique samples (by writer where it has writers; the real
    letters by site: the held-out sites of ``real_letters.DEFAULT_HELD_OUT_SITES`` validate,
    and with ``val_fraction`` 0 every site trains); only
    its training side is then repeated up to the source's weighted share, so validation
    never holds a copy of a training sample. A source larger than its share is subsampled
    (without repetition) before the split.

    Args:
        choice: the sources and their weights.
        val_fraction: share of each source held out, 0..0.9 (0: empty validation set).
        seed: random seed of generation, splitting and mixing.
        progress: ``progress(done, total)`` while synthetic letters are generated.
        cancel: ``threading.Event``-like object that stops the generation.
        on_source: ``on_source(key)`` as each source begins to load (a :data:`SOURCE_NAMES`
            key); the ``progress`` calls that follow are that source's.

    Raises:
        DatasetError: no usable source, a chosen source is missing, bad weights.
    """
    if choice.samples is not None and choice.samples < 1:
        raise DatasetError(f"cannot mix {choice.samples} samples; ask for at least 1")
    if not 0.0 <= val_fraction <= 0.9:
        raise DatasetError(f"validation fraction {val_fraction} must be between 0 and 0.9")
    sources = _sources(choice, seed, progress, cancel, on_source)
    rng = np.random.default_rng([int(seed), 11])
    trains, vals = [], []
    for source, target in zip(sources, _targets(sources, choice.samples), strict=True):
        if source.splitter is not None:
            train, val = source.splitter(target, val_fraction, rng)
            trains.append(train)
            vals.append(val)
            continue
        data, writers = source.data, source.writers
        if len(data) > target:
            keep = np.sort(rng.permutation(len(data))[:target])
            data = data.subset(keep)
            writers = None if writers is None else writers[keep]
        if val_fraction == 0:
            train, val = data, empty()
        elif writers is not None:
            train, val = split_by_writer(data, writers, val_fraction, seed)
        else:
            train, val = split(data, val_fraction, seed)
        count = max(len(train), int(round(target * (1 - val_fraction))))
        trains.append(_repeat_to(train, count, rng))
        vals.append(val)
    return _concat(trains, rng), _concat(vals, rng)
