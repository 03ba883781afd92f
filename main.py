"""CNN Studio entry point: the GUI by default, subcommands for headless work."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# One BLAS thread before numpy loads: the numpy forward pass's small products ran slower and
# erratic with OpenBLAS' default threads on a busy machine (benchmarks/numpy_forward.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from cnn_studio import __version__
from cnn_studio.cli import COMMANDS
from cnn_studio.model.storage import logs

TABS = ("draw", "builder", "train", "explain", "data", "network", "runs", "learn")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1400x900, not {text!r}") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError("size must be between 320x240 and 7680x4320")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    """The command line: GUI options plus one subparser per headless command."""
    parser = argparse.ArgumentParser(
        prog="cnn-studio",
        description="Build, train and understand convolutional neural networks on letters.",
    )
    parser.add_argument("--version", action="version", version=f"cnn-studio {__version__}")
    parser.add_argument("--verbose", action="store_true",
                        help="let TensorFlow's start-up messages through to the terminal (also "
                             "CNN_STUDIO_VERBOSE=1); they always go to the log file")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="start offscreen, wait until the app is ready, save a PNG, exit")
    parser.add_argument("--size", type=_size, default=None, metavar="WxH",
                        help="window size, e.g. 1400x900 (default: last used or 1400x900)")
    parser.add_argument("--draw", metavar="FILE.json:INDEX",
                        help="pre-draw sample INDEX of a strokes-v1 file on the canvas")
    parser.add_argument("--tab", metavar="NAME", choices=TABS,
                        help=f"panel to show first: {', '.join(TABS)}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"cnn_studio.cli.{name}")
        command = getattr(module, "NAME", name)  # a module may name its command differently
        sub = subparsers.add_parser(command, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def _run_command(args: argparse.Namespace) -> int:
    """Run a subcommand; a bad input file or memory exhaustion ends in one line and exit 2."""
    try:
        return int(args.handler(args) or 0)
    except MemoryError:
        print(f"{args.command}: out of memory; the input is too large for this computer.",
              file=sys.stderr)
        return 2
    except ValueError as error:
        if not type(error).__module__.startswith("cnn_studio.model."):
            raise  # a programming error: keep the traceback
        text = str(error).encode("utf-8", errors="replace").decode("utf-8")
        print(f"{args.command}: {text.splitlines()[0] if text else type(error).__name__}",
              file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and hand over to a command or to the GUI."""
    args = build_parser().parse_args(argv)
    verbose = logs.verbose_requested(args.verbose)
    logs.quiet_tensorflow_defaults(verbose)
    log_file = logs.configure_logging(verbose)
    logging.getLogger("cnn_studio").info("cnn-studio %s: %s", __version__, args.command or "gui")
    with logs.NativeStderrToLog(None if verbose else log_file):
        if args.command:
            return _run_command(args)
        os.environ.setdefault("MPLBACKEND", "QtAgg")
        from cnn_studio.gui.app.launch import run_gui

        return run_gui(screenshot=args.screenshot, size=args.size, draw=args.draw, tab=args.tab,
                       log_file=log_file)


if __name__ == "__main__":
    sys.exit(main())
