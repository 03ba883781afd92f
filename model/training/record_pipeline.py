"""``tf.data`` pipelines over a record file on disk (see :mod:`model.data.streaming`).

The pipeline reads a few blocks at a time, so a dataset larger than memory trains; each
epoch shuffles the block order and the letters within every window of blocks, reproducibly
from the seed.
"""

from __future__ import annotations

import itertools

import keras
import tensorflow as tf

from cnn_studio.model.data.dataset import NUM_CLASSES
from cnn_studio.model.data.streaming import BLOCK, RecordFile, batches, split_blocks
from cnn_studio.model.training.config import TrainDataError

SIGNATURE = (tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None,), tf.int64))


def record_pipeline(records: RecordFile, blocks, batch_size: int,
                    seed: int | None = None) -> tf.data.Dataset:
    """Batches of ``blocks`` of ``records``; with a seed, a new shuffle each pass."""
    passes = itertools.count()

    def generate():
        yield from batches(records, blocks, batch_size,
                           None if seed is None else seed * 100_003 + next(passes))

    steps = -(-_samples(records, blocks) // batch_size)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=SIGNATURE)
    return dataset.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(2)


def _samples(records: RecordFile, blocks) -> int:
    last = records.blocks - 1
    return sum(BLOCK if b != last else records.count - last * BLOCK for b in blocks)


def record_pipelines(records: RecordFile, model: keras.Model, config, augment=None):
    """``(train, validation or None, training samples, validation samples)`` for ``train``.

    Args:
        augment: a Keras layer applied to each training batch (``training=True``), or None.

    Raises:
        TrainDataError: the file is empty or the network does not take 28x28 letters.
    """
    shape = tuple(model.inputs[0].shape[1:])
    classes = int(model.outputs[0].shape[-1])
    if len(records) == 0:
        raise TrainDataError(f"the record file {records.path.name} holds no letters")
    if shape != (28, 28, 1) or classes < NUM_CLASSES:
        raise TrainDataError(f"the network takes {shape} with {classes} outputs; letters on "
                             f"disk need (28, 28, 1) and {NUM_CLASSES} outputs")
    train_blocks, val_blocks = split_blocks(records, config.val_fraction, config.seed)
    train = record_pipeline(records, train_blocks, config.batch_size, config.seed)
    if augment is not None:
        train = train.map(lambda a, b: (augment(a, training=True), b))
    validation = (record_pipeline(records, val_blocks, config.batch_size)
                  if len(val_blocks) else None)
    n_train, n_val = _samples(records, train_blocks), _samples(records, val_blocks)
    return train, validation, n_train, n_val
