"""The `summary` subcommand: a network's layer table, or what is wrong with it.

Pure Python (uses ``model.spec.network`` only), so it answers instantly without loading TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "print the layers, output shapes, parameters and MACs of a network file or preset"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("network", nargs="?", metavar="NET.cnn.json",
                        help="network file saved by the layer builder")
    parser.add_argument("--preset", metavar="NAME", help="summarise a preset instead of a file")
    parser.add_argument("--list-presets", action="store_true",
                        help="list the presets (short name, then a description) and exit")
    parser.add_argument("--json", action="store_true",
                        help="write the layer table and totals as JSON to standard output")


def _shape(shape: tuple[int, ...] | None) -> str:
    return "x".join(str(n) for n in shape) if shape else "?"


def format_table(spec, report) -> str:
    """The layer table of ``spec`` as text.

    Args:
        spec: the ``NetworkSpec``.
        report: its ``NetworkReport`` from ``model.spec.network.analyze``.

    Returns:
        Lines with index, layer, output shape, parameters and MACs, then the totals.
    """
    from cnn_studio.model.spec.analysis import format_mb
    from cnn_studio.model.spec.network import ACTIVATION_BATCH, INPUT_SHAPE

    rows = [("#", "Layer", "Output shape", "Params", "MACs"),
            ("0", "Input", _shape(INPUT_SHAPE), "0", "0")]
    for layer in report.layers:
        rows.append((str(layer.number), layer.title, _shape(layer.output_shape),
                     f"{layer.params:,}", f"{layer.macs:,}"))
    rows.append(("", "Total", _shape(report.output_shape), f"{report.total_params:,}",
                 f"{report.total_macs:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"Network {spec.name!r}: {len(report.layers)} layers"]
    for n, row in enumerate(rows):
        lines.append("  ".join([row[0].rjust(widths[0]), row[1].ljust(widths[1]),
                                row[2].ljust(widths[2]), row[3].rjust(widths[3]),
                                row[4].rjust(widths[4])]).rstrip())
        if n in (0, len(rows) - 2):
            lines.append("-" * (sum(widths) + 8))
    lines.append(f"Activation memory: {format_mb(report.activation_bytes)} per training batch "
                 f"of {ACTIVATION_BATCH} (float32)")
    return "\n".join(lines + keras_totals(report))


def non_trainable(layer) -> int:
    """Parameters of one analysed layer that training does not change: BatchNormalization's
    moving mean and variance (half of its 4 x channels); 0 for every other layer."""
    return layer.params // 2 if layer.kind == "batchnorm" else 0


def keras_size(n_bytes: float) -> str:
    """Bytes as Keras' ``model.summary()`` writes them: ``849.35 KB``, ``0.00 B``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def param_counts(report) -> dict[str, int]:
    """Total, trainable and non-trainable parameter counts of a ``NetworkReport``."""
    frozen = sum(non_trainable(layer) for layer in report.layers)
    return {"total": report.total_params, "trainable": report.total_params - frozen,
            "non_trainable": frozen}


def keras_totals(report) -> list[str]:
    """The closing lines of Keras' ``model.summary()`` (float32, 4 bytes per parameter)."""
    counts = param_counts(report)
    return [f"{title} params: {counts[key]:,} ({keras_size(counts[key] * 4)})"
            for title, key in (("Total", "total"), ("Trainable", "trainable"),
                               ("Non-trainable", "non_trainable"))]


def as_json(spec, report) -> dict:
    """The layer table and totals of ``spec`` as a JSON-ready dict."""
    from cnn_studio.model.spec.network import INPUT_SHAPE

    layers = [{"number": layer.number, "kind": layer.kind, "layer": layer.title,
               "output_shape": list(layer.output_shape) if layer.output_shape else None,
               "params": layer.params, "trainable_params": layer.params - non_trainable(layer),
               "non_trainable_params": non_trainable(layer), "macs": layer.macs,
               "error": layer.error} for layer in report.layers]
    counts = param_counts(report)
    return {"name": spec.name, "valid": report.valid, "input_shape": list(INPUT_SHAPE),
            "output_shape": list(report.output_shape) if report.output_shape else None,
            "layers": layers, "total_params": counts["total"],
            "trainable_params": counts["trainable"],
            "non_trainable_params": counts["non_trainable"], "params_bytes": counts["total"] * 4,
            "total_macs": report.total_macs, "activation_bytes": report.activation_bytes,
            "errors": list(report.errors)}


def run(args: argparse.Namespace) -> int:
    """Print the summary; returns 0 for a valid network, 2 for problems or bad input."""
    from cnn_studio.model.spec.analysis import analyze
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.spec.presets import PRESETS, get_preset

    if args.list_presets:
        if args.json:
            print(json.dumps([{"name": p.name, "description": p.description}
                              for p in PRESETS.values()], indent=1))
            return 0
        width = max(len(name) for name in PRESETS)
        for preset in PRESETS.values():
            print(f"{preset.name.ljust(width)}  {preset.description}")
        return 0
    if (args.network is None) == (args.preset is None):
        print("summary: give either a network file (NET.cnn.json) or --preset NAME "
              "(see --list-presets).", file=sys.stderr)
        return 2
    try:
        spec = get_preset(args.preset) if args.preset else load_spec(args.network)
    except SpecError as error:
        print(f"summary: {error}", file=sys.stderr)
        return 2
    report = analyze(spec)
    print(json.dumps(as_json(spec, report), indent=1) if args.json else format_table(spec, report))
    if report.valid:
        return 0
    print(f"\nThe network is not valid ({len(report.errors)} problem"
          f"{'s' if len(report.errors) != 1 else ''}):", file=sys.stderr)
    for error in report.errors:
        print(f"- {error}", file=sys.stderr)
    return 2
