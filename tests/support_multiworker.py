"""The training run of the multi-worker test, in a worker process or in the test (test helper).

As a script: ``python support_multiworker.py DEVICE LOGICAL_CPUS`` (``tests`` on PYTHONPATH;
TF_CONFIG names the cluster for ``multiworker``) splits the CPU into logical devices, trains
and prints the :func:`run` result as one JSON line.
"""

from __future__ import annotations

import json
import sys


def run(device: str) -> dict:
    """Train the tiny preset on easy letters for two epochs; the loss and weight sums."""
    from support_data import easy_data

    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.spec.presets import get_preset
    from cnn_studio.model.training.config import TrainConfig, TrainHooks
    from cnn_studio.model.training.loop import train

    messages: list[str] = []
    config = TrainConfig(epochs=2, batch_size=32, learning_rate=0.01, val_fraction=0.0,
                         device=device)
    result = train(lambda: build_model(get_preset("tiny"), seed=0), easy_data(256), None,
                   config, TrainHooks(on_message=messages.append))
    return {"loss": result.history["loss"], "messages": messages,
            "weights": [float(w.astype("float64").sum()) for w in result.weights]}


def main(device: str, cpus: int) -> None:
    """Split the CPU into ``cpus`` logical devices, train, print the result as JSON."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * cpus)
    print(json.dumps(run(device)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
