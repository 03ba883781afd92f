"""The `train` subcommand: the GUI's training loop, headless, with a text progress bar.

Each run is kept in the runs folder (``cnn-studio runs list``) unless ``--no-record``.
Ctrl+C stops training after the current batch and still saves the network trained so far
(exit code 130); a second Ctrl+C aborts at once without saving. A diverging run saves nothing
(exit code 1). Bad input (network, data, settings, output path) gives a message and exit code 2.

On a server: ``--device gpu:N|mirrored|multiworker`` (multiworker by default when TF_CONFIG is
set), ``--backup DIR`` to resume after a crash, ``--checkpoint-every N`` epochs,
``--tensorboard DIR``, and ``--data stream:PATH.npy`` for a record file written by ``cnn-studio
data import --stream`` that is read from disk in blocks (README, "Bigger machines").
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

HELP = "train a network file or preset on letters and save it as a .keras model"
DATA_CHOICES = ("synthetic", "unipen", "user", "emnist")
MAX_SAMPLES = 2_000_000
MAX_EPOCHS = 1000
STREAM_PREFIX = "stream:"
BAR_WIDTH = 24


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("network", nargs="?", metavar="NET.cnn.json",
                        help="network file saved by the layer builder")
    parser.add_argument("--preset", metavar="NAME", help="train a preset network instead")
    parser.add_argument("--out", metavar="M.keras", required=True,
                        help="where to save the trained model (the network is kept inside it; "
                             "a .cnn.json goes next to it unless one holds another network)")
    parser.add_argument("--force", action="store_true",
                        help="also overwrite a .cnn.json next to --out that holds another network")
    parser.add_argument("--data", default="synthetic", metavar="SOURCE",
                        help="synthetic (default), unipen (the built-in real letters, "
                             "validated on held-out sites), user (your drawn samples), emnist "
                             "(imported EMNIST letters) or a dataset file PATH.npz")
    parser.add_argument("--samples", type=int, default=None, metavar="N",
                        help=f"number of samples, 1..{MAX_SAMPLES:,} (default: 20,000 "
                             "synthetic or unipen, or all of another source)")
    parser.add_argument("--epochs", type=int, default=5, metavar="N", help="1..1000 (default 5)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N",
                        help="1..4096 (default 64)")
    parser.add_argument("--lr", type=float, default=1e-3, metavar="RATE",
                        help="learning rate, 1e-6..10 (default 0.001)")
    parser.add_argument("--optimizer", default="adam", choices=("sgd", "adam", "rmsprop"),
                        help="default adam; sgd uses momentum 0.9")
    parser.add_argument("--val-fraction", type=float, default=0.1, metavar="F",
                        help="share held out for validation, 0..0.5 (default 0.1)")
    parser.add_argument("--augment", action="store_true",
                        help="randomly shift, rotate and zoom the training images a little "
                             "(and redraw each real letter with a little slant, turn and width "
                             "change)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of data, initial weights and shuffling (default 0)")
    parser.add_argument("--device", default=None, metavar="DEVICE",
                        help="cpu, gpu (the first GPU), gpu:N (GPU number N), mirrored (all "
                             "GPUs of this machine) or multiworker (the machines TF_CONFIG "
                             "lists); default: multiworker when TF_CONFIG is set, else cpu")
    parser.add_argument("--worker-timeout", type=float, default=600.0, metavar="SECONDS",
                        help="multiworker: how long to wait for the other workers of TF_CONFIG "
                             "to answer before giving up (default 600); the ones missing are "
                             "named every few seconds")
    parser.add_argument("--backup", metavar="DIR",
                        help="save the training state to DIR after every epoch; run the same "
                             "command again after a crash to continue where it stopped")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                        help=f"also save the model every N epochs (1..{MAX_EPOCHS}) as "
                             "epoch-NNN.keras in --checkpoint-dir")
    parser.add_argument("--checkpoint-dir", metavar="DIR",
                        help="folder of those checkpoints (default: OUT.checkpoints next to "
                             "--out)")
    parser.add_argument("--tensorboard", metavar="DIR",
                        help="write TensorBoard logs to DIR (needs the tensorboard package)")
    parser.add_argument("--history", metavar="CURVES.csv",
                        help="also save the per-epoch loss and accuracy as CSV")
    parser.add_argument("--no-record", action="store_true",
                        help="do not keep this run in the runs folder ('cnn-studio runs list' "
                             "lists the kept runs)")


def _fail(text: str) -> int:
    print(f"train: {text}", file=sys.stderr)
    return 2


def _load_spec(args):
    """The network to train, or an error message."""
    from cnn_studio.model.spec.analysis import analyze, with_output_layer
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.spec.presets import get_preset

    if (args.network is None) == (args.preset is None):
        return None, "give either a network file (NET.cnn.json) or --preset NAME"
    try:
        spec = get_preset(args.preset) if args.preset else load_spec(args.network)
    except SpecError as error:
        return None, str(error)
    if not analyze(spec).has_output_layer:
        spec = with_output_layer(spec)
        print("note: the network had no output layer; added Dense 26 softmax")
    report = analyze(spec)
    if not report.valid:
        return None, "the network cannot be trained:\n  " + "\n  ".join(report.errors)
    return spec, None


def _choice(source: str, count: int | None):
    """The :class:`model.data.datasets.DataChoice` of one ``--data`` source, or None."""
    from cnn_studio.model.data.datasets import DataChoice

    weights = {"synthetic": (1.0, 0.0, 0.0), "user": (0.0, 1.0, 0.0), "emnist": (0.0, 0.0, 1.0)}
    if source == "unipen":
        return DataChoice(count, 0.0, 0.0, 0.0, real_weight=1.0)
    if source in weights:
        synthetic, own, emnist = weights[source]
        return DataChoice(count, synthetic, own, emnist)
    if source.endswith(".npz"):
        return DataChoice(count, 0.0, 0.0, 0.0, file=source)
    return None


def _load_data(args):
    """``(train, validation)`` data from the one mixer the window uses too, or an error."""
    from cnn_studio.model.data import datasets

    source, count = args.data, args.samples
    if count is not None and not 1 <= count <= MAX_SAMPLES:
        return None, f"--samples must be between 1 and {MAX_SAMPLES:,}, not {count}"
    if source == "synthetic":
        count = count or 20_000
        print(f"Preparing {count:,} synthetic letters (cached after the first time)...",
              flush=True)
    if source == "unipen":
        count = count or 20_000
        print(f"Preparing {count:,} real letters (rendered once, then cached)...", flush=True)
    choice = _choice(source, count)
    if choice is None:
        return None, (f"unknown --data {source!r}: use {', '.join(DATA_CHOICES)} "
                      "or a dataset file ending in .npz")
    choice = replace(choice, vary_real=args.augment)
    hints = {"user": "draw and label some letters in the Data panel first, or use --data "
                     "synthetic", "emnist": "import EMNIST letters in the Data panel first, "
                                            "or pass --data PATH.npz"}
    try:
        return datasets.training_data(choice, args.val_fraction, args.seed), None
    except (ValueError, OSError) as error:
        hint = hints.get(source, "choose a dataset file with samples")
        return None, f"the {source} data cannot be used: {error}" + (
            "" if source not in hints else f" ({hint})")


def _device(args) -> str:
    """``--device``, or multiworker when TF_CONFIG is set and no device was named."""
    if args.device:
        return args.device
    return "multiworker" if os.environ.get("TF_CONFIG") else "cpu"


def _scale_callbacks(args, config):
    """``(callbacks, plan, problem)``: backup and checkpoints, in this worker's folders."""
    from cnn_studio.model.training.checkpoints import (
        CheckpointError,
        EpochCheckpoint,
        backup_and_restore,
        prepare_folder,
        worker_folder,
    )
    from cnn_studio.model.training.devices import DeviceError, device_plan

    try:
        plan = device_plan(config.device)
    except DeviceError as error:
        return [], None, str(error)
    every = args.checkpoint_every
    if every is not None and not 1 <= every <= MAX_EPOCHS:
        return [], plan, f"--checkpoint-every must be between 1 and {MAX_EPOCHS}, not {every}"
    if config.tensorboard_dir:
        config.tensorboard_dir = str(worker_folder(config.tensorboard_dir, plan.worker,
                                                   plan.chief))
    callbacks = []
    try:
        if args.backup:
            folder = prepare_folder(worker_folder(args.backup, plan.worker, plan.chief),
                                    "backup")
            if any(folder.iterdir()):
                print(f"Resuming from the backup in {folder} (delete it to start over)")
            callbacks.append(backup_and_restore(folder))
        if every is not None and plan.chief:
            folder = args.checkpoint_dir or str(Path(args.out).with_suffix("")) + ".checkpoints"
            callbacks.append(EpochCheckpoint(prepare_folder(folder, "checkpoint"), every,
                                             on_problem=_warn))
    except CheckpointError as error:
        return [], plan, str(error)
    except OSError as error:
        return [], plan, f"the backup folder cannot be used: {error}"
    return callbacks, plan, None


def _warn(text: str) -> None:
    print(f"train: warning: {text}", file=sys.stderr, flush=True)


def _load_stream(args):
    """``(records, None)`` for ``--data stream:PATH.npy``, or an error message."""
    from cnn_studio.model.data.dataset import DatasetError
    from cnn_studio.model.data.streaming import RecordFile

    path = args.data.removeprefix(STREAM_PREFIX)
    if args.samples is not None:
        return None, "--samples cannot pick from a stream: it always trains on the whole file"
    try:
        records = RecordFile(path)
    except DatasetError as error:
        return None, str(error)
    print(f"Streaming {len(records):,} letters from {path} (read in blocks, never all at once)")
    return (records, None), None


def _check_out(path: str) -> str | None:
    out = Path(path)
    if out.suffix != ".keras":
        return f"--out must end in .keras, not {out.name!r}"
    if out.exists() and out.is_dir():
        return f"--out {out} is a folder: give a file name ending in .keras"
    return None


class Progress:
    """Prints a progress line per report (redrawn in place on a terminal) and epoch summaries.

    Args:
        epochs: planned epochs.
        stream: where to print (stdout by default).
    """

    def __init__(self, epochs: int, stream=None):
        self.epochs = epochs
        self.stream = stream or sys.stdout
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self._dirty = False

    def _clear(self) -> None:
        if self._dirty:
            self.stream.write("\r\x1b[K")
            self._dirty = False

    def batch(self, epoch, step, steps, loss, accuracy, samples_per_s):
        """``TrainHooks.on_batch``: redraw the bar (terminal only)."""
        if not self.live:
            return
        done = ((epoch - 1) * steps + step) / (self.epochs * steps)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / done * (1 - done) if done > 0 else math.inf
        filled = round(BAR_WIDTH * step / steps)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        eta_text = time.strftime("%H:%M:%S", time.gmtime(eta)) if math.isfinite(eta) else "?"
        self._dirty = True
        self.stream.write(f"\r\x1b[Kepoch {epoch}/{self.epochs} [{bar}] {step}/{steps} "
                          f"loss {loss:.4f} acc {accuracy:.4f} {samples_per_s:,.0f} samples/s "
                          f"ETA {eta_text}")
        self.stream.flush()

    def epoch(self, epoch, logs, weights):
        """``TrainHooks.on_epoch``: one line per finished epoch."""
        figures = "  ".join(f"{key} {logs[key]:.4f}" for key in
                            ("loss", "accuracy", "val_loss", "val_accuracy") if key in logs)
        self._clear()
        print(f"epoch {epoch}/{self.epochs}  {figures}", file=self.stream, flush=True)

    def message(self, text):
        """``TrainHooks.on_message``."""
        self._clear()
        print(text, file=self.stream, flush=True)


def _install_interrupt(stop: threading.Event):
    """First Ctrl+C sets ``stop``; a second one raises KeyboardInterrupt as usual."""

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nStopping after this batch (Ctrl+C again to abort without saving)...",
              file=sys.stderr, flush=True)

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, handler)


def run(args: argparse.Namespace) -> int:
    """Train and save; returns 0 (done), 1 (diverged), 2 (bad input) or 130 (stopped)."""
    spec, problem = _load_spec(args)
    if problem:
        return _fail(problem)
    problem = _check_out(args.out)
    if problem:
        return _fail(problem)
    from cnn_studio.model.storage.paths import remove_stale_temp_files
    from cnn_studio.model.training.config import TrainConfig, TrainConfigError

    remove_stale_temp_files(Path(args.out).parent)  # left by a run killed while saving

    config = TrainConfig(optimizer=args.optimizer, learning_rate=args.lr,
                         batch_size=args.batch_size, epochs=args.epochs,
                         val_fraction=args.val_fraction, augment=args.augment, seed=args.seed,
                         device=_device(args), tensorboard_dir=args.tensorboard,
                         worker_wait_s=args.worker_timeout)
    if config.errors():
        return _fail("; ".join(config.errors()))
    extra, plan, problem = _scale_callbacks(args, config)
    if problem:
        return _fail(problem)
    streamed = args.data.startswith(STREAM_PREFIX) or args.data.endswith(".npy")
    data, problem = _load_stream(args) if streamed else _load_data(args)  # (train, validation)
    if problem:
        return _fail(problem)
    from tensorflow import errors as tf_errors

    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.training.config import TrainDataError, TrainHooks
    from cnn_studio.model.training.devices import DeviceError
    from cnn_studio.model.training.loop import train

    progress = Progress(config.epochs)
    hooks = TrainHooks(on_batch=progress.batch, on_epoch=progress.epoch,
                       on_message=progress.message)
    recorder = None if args.no_record or not plan.chief else _recorder(spec, config, args)
    stop = threading.Event()
    previous = _install_interrupt(stop)
    try:
        result = train(lambda: build_model(spec, seed=args.seed), data[0], data[1], config,
                       hooks, stop_event=stop, callbacks=extra, recorder=recorder)
    except (TrainConfigError, TrainDataError, DeviceError, ValueError, OSError) as error:
        return _fail(str(error))
    except tf_errors.OpError as error:  # a failed read or a lost worker, while training
        return _fail(f"training failed: {error.message.splitlines()[0]}")
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print(f"{result.epochs_completed} epoch(s) in {result.elapsed_s:.1f} s, "
          f"{result.samples_per_s:,.0f} samples/s")
    if recorder is not None:
        _report_recorded(recorder)
    if result.diverged:
        print("Nothing was saved.", file=sys.stderr)
        return 1
    if not plan.chief:
        print(f"{plan.worker[0]} {plan.worker[1]}: done; the chief (worker 0) saves the model")
        return 130 if result.stopped else 0
    problem = _save(result, spec, args)
    if problem:
        return _fail(problem)
    return 130 if result.stopped else 0


def _recorder(spec, config, args):
    """The :class:`model.runs.recorder.RunRecorder` keeping this run, or None (with a note)."""
    from cnn_studio.model.runs.record import RunError
    from cnn_studio.model.runs.recorder import RunRecorder
    from cnn_studio.model.runs.store import RunStore

    data = {"source": args.data, "samples": args.samples, "val_fraction": args.val_fraction,
            "augment": args.augment}
    try:
        return RunRecorder(RunStore(), spec, config, data)
    except RunError as error:
        print(f"note: this run is not kept: {error}", file=sys.stderr)
        return None


def _report_recorded(recorder) -> None:
    """Say where the run is kept (or why it is not), and whose models were removed."""
    if recorder.problem:
        print(f"note: {recorder.problem}", file=sys.stderr)
        return
    print(f"Kept as run {recorder.run_id} ('cnn-studio runs show {recorder.run_id}')")
    if recorder.removed_models:
        print(f"note: removed the models of {len(recorder.removed_models)} older run(s) to keep "
              "the runs' models within their size limit; their curves and figures remain")


def _save(result, spec, args) -> str | None:
    """Save the model (and the curves); None, or what went wrong."""
    from cnn_studio.model.nets.model_files import ModelFileError, save_model_file
    from cnn_studio.model.storage.safe_read import show_path
    from cnn_studio.model.training.loop import history_to_csv

    try:
        kept = save_model_file(result.model, spec, args.out, force=args.force)
        if kept is not None:
            print(f"note: {show_path(kept.name)} next to it holds another network and was left "
                  "as it was; the trained network is kept inside the model file "
                  "(--force overwrites it)")
        if args.history:
            history_to_csv(result.history, args.history)
    except (ModelFileError, OSError) as error:
        return str(error)
    print(f"Saved the model to {args.out}" + (f" and the curves to {args.history}"
                                              if args.history else ""))
    return None
