"""``cnn-studio compare NET_OR_PRESET NET_OR_PRESET...``: train each on the same letters and compare.

Every network trains on the same training and validation letters with the same seed and
settings, is kept as a run, and is measured on the fixed real letters, moved, turned and
resized. The comparison prints as tables (``--json OUT`` also writes it, ``--json -`` prints
only the JSON: a ``networks`` list with name, parameters, MACs, seconds, validation and
real-letter accuracy and the ``shift``, ``rotation`` and ``scale`` curves).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "train networks or presets on the same letters with the same seed and compare them"
MAX_NETWORKS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("networks", nargs="+", metavar="NET_OR_PRESET",
                        help="a network file (NET.cnn.json) or a preset name (classic, dense, "
                             f"tiny, lenet5, deep); 2..{MAX_NETWORKS} of them")
    parser.add_argument("--epochs", type=int, default=2, metavar="N", help="1..1000 (default 2)")
    parser.add_argument("--samples", type=int, default=10_000, metavar="N",
                        help="letters to train and validate on, 1..2,000,000 (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the letters, initial weights and order (default 0)")
    parser.add_argument("--data", default="synthetic", choices=("synthetic", "unipen"),
                        help="synthetic letters (default) or the built-in real letters "
                             "(validated on the held-out sites)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N",
                        help="1..4096 (default 64)")
    parser.add_argument("--json", metavar="OUT|-",
                        help="also write the comparison as JSON to OUT ('-': print only JSON)")


def _fail(text: str) -> int:
    print(f"compare: {text}", file=sys.stderr)
    return 2


def _spec(name: str):
    """The network of a preset name or a network file, with an output layer; or raises."""
    from cnn_studio.model.spec.analysis import analyze, with_output_layer
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.spec.presets import PRESETS, get_preset

    if name in PRESETS:
        spec = get_preset(name)
    elif Path(name).suffix == ".json":
        spec = load_spec(name)
    else:
        raise SpecError(f"{name!r} is neither a preset ({', '.join(PRESETS)}) nor a network "
                        "file ending in .cnn.json")
    if not analyze(spec).has_output_layer:
        spec = with_output_layer(spec)
    errors = analyze(spec).errors
    if errors:
        raise SpecError(f"{name}: the network cannot be trained: {errors[0]}")
    return spec


def run(args: argparse.Namespace) -> int:
    """Train every network and print the comparison; 0, or 2 with one line for bad input."""
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.training.config import TrainConfig

    if not 1 <= len(args.networks) <= MAX_NETWORKS:
        return _fail(f"give 1..{MAX_NETWORKS} networks, not {len(args.networks)}")
    if not 1 <= args.samples <= 2_000_000:
        return _fail(f"--samples must be between 1 and 2,000,000, not {args.samples}")
    try:
        specs = [_spec(name) for name in args.networks]
    except SpecError as error:
        return _fail(str(error))
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                         val_fraction=0.1)
    if config.errors():
        return _fail("; ".join(config.errors()))
    return _train_all(specs, args, config)


def _train_all(specs, args, config) -> int:
    from cnn_studio.cli.runs import print_comparison, write_json
    from cnn_studio.cli.train import Progress
    from cnn_studio.model.data import datasets
    from cnn_studio.model.runs.comparison import comparison
    from cnn_studio.model.runs.record import RunError
    from cnn_studio.model.runs.store import RunStore
    from cnn_studio.model.runs.trial import train_recorded
    from cnn_studio.model.training.config import TrainConfigError, TrainDataError, TrainHooks

    real = args.data == "unipen"
    choice = datasets.DataChoice(args.samples, 0.0 if real else 1.0, 0.0, 0.0,
                                 real_weight=1.0 if real else 0.0)
    quiet = args.json == "-"
    out = sys.stderr if quiet else sys.stdout
    print(f"Preparing {args.samples:,} {'real' if real else 'synthetic'} letters...", file=out,
          flush=True)
    try:
        data = datasets.training_data(choice, config.val_fraction, config.seed)
    except (ValueError, OSError) as error:
        return _fail(f"the {args.data} letters cannot be used: {error}")
    info = {"source": args.data, "samples": args.samples, "val_fraction": config.val_fraction,
            "augment": False}
    store, records = RunStore(), []
    for spec in specs:
        print(f"Training {spec.name}...", file=out, flush=True)
        progress = Progress(config.epochs, out)
        hooks = TrainHooks(on_batch=progress.batch, on_epoch=progress.epoch,
                           on_message=progress.message)
        try:
            records.append(train_recorded(spec, data, config, store, info, hooks=hooks))
        except (RunError, TrainConfigError, TrainDataError) as error:
            return _fail(str(error))
    result = comparison(records)
    if not quiet:
        print_comparison(result)
    if args.json:
        problem = write_json(result, args.json)
        if problem:
            return _fail(problem)
    return 0
