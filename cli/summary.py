"""The `summary` subcommand: a network's layer table, or what is wrong with it.

Pure Python (uses ``model.spec.network`` only), so it answers instantly without loading TensorFlow.
"""

from __future__ import annotations

import argparse
import sys

HELP = "print the layers, output shapes, parameters and MACs of a network file or preset"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("network", nargs="?", metavar="NET.cnn.json",
                        help="network file saved by the layer builder")
    parser.add_argument("--preset", metavar="NAME", help="summarise a preset instead of a file")
    parser.add_argument("--list-presets", action="store_true",
                        help="list the presets (short name, then a description) and exit")


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
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the summary; returns 0 for a valid network, 2 for problems or bad input."""
    from cnn_studio.model.spec.analysis import analyze
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.spec.network import SpecError
    from cnn_studio.model.spec.presets import PRESETS, get_preset

    if args.list_presets:
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
    print(format_table(spec, report))
    if report.valid:
        return 0
    print(f"\nThe network is not valid ({len(report.errors)} problem"
          f"{'s' if len(report.errors) != 1 else ''}):", file=sys.stderr)
    for error in report.errors:
        print(f"- {error}", file=sys.stderr)
    return 2
