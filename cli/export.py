"""The `export` subcommand: a ``.keras`` model as LiteRT, SavedModel or ONNX for other tools.

``cnn-studio export net.keras --format litert --out net.tflite``. The work is done by
``model.nets.export.export_model`` (also behind the GUI's File > Export). Every failure is one
line on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

HELP = "export a .keras model as LiteRT (.tflite), a TensorFlow SavedModel or ONNX"
FORMAT_NAMES = ("litert", "saved_model", "onnx")  # model.nets.export.FORMATS, without TF


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("model", metavar="MODEL.keras", help="the trained model to export")
    parser.add_argument("--format", required=True, choices=FORMAT_NAMES, dest="fmt",
                        help="litert: a .tflite file for phones and microcontrollers; "
                             "saved_model: a folder for TensorFlow Serving; "
                             "onnx: a .onnx file for ONNX Runtime (needs the onnx extra)")
    parser.add_argument("--out", metavar="PATH",
                        help="file (folder for saved_model) to write; default: beside the "
                             "model, e.g. net.tflite, net_saved_model, net.onnx")
    parser.add_argument("--force", action="store_true",
                        help="replace an earlier export of the same format at the output path "
                             "(a file that is not such an export is never replaced)")


def _size(n: int) -> str:
    return f"{n / 1024:,.1f} KB" if n < 2**20 else f"{n / 2**20:,.1f} MB"


def run(args: argparse.Namespace) -> int:
    """Export; returns 0, or 2 with one line on standard error."""
    from cnn_studio.model.nets.export import (
        FORMATS,
        ExportError,
        ExportExists,
        export_model,
        output_size,
    )
    from cnn_studio.model.storage.safe_read import show_path

    try:
        path = export_model(args.model, args.fmt, args.out, replace=args.force,
                            on_note=lambda note: print(f"export: note: {note}", file=sys.stderr))
    except ExportExists as error:
        print(f"export: {_one_line(str(error))} Add --force to replace it.", file=sys.stderr)
        return 2
    except ExportError as error:
        print(f"export: {_one_line(str(error))}", file=sys.stderr)
        return 2
    print(f"Exported {show_path(args.model)} as {FORMATS[args.fmt].label} to {show_path(path)} "
          f"({_size(output_size(path))}).")
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "the export failed"
