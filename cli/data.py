"""The `data` subcommand: import EMNIST files and list the data sources, without the window.

``data import FILES...`` adds EMNIST letters to the app's EMNIST store (what ``train --data
emnist`` and the Data panel use). ``data import FILES... --stream OUT.npy`` instead writes one
record file that ``train --data stream:OUT.npy`` reads from disk in blocks: the gzip IDX files
are converted a chunk at a time, so the EMNIST ByClass split (814,255 images, 697,932 of
them in the training file; its letters kept, upper and lower case as one class) imports and
trains without ever being held in memory whole. ``data list`` shows each source and its size.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "import EMNIST files (into the app or as a record file for streaming) or list data sources"
STREAMS_FOLDER = "streams"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import EMNIST letter files",
                              description="Import EMNIST files: the gzip IDX pair (name the "
                                          "images-idx3 file), the Kaggle CSV or the .mat file.")
    load.add_argument("files", nargs="+", metavar="EMNIST_FILE")
    load.add_argument("--stream", metavar="OUT.npy",
                      help="write one record file for 'train --data stream:OUT.npy' instead "
                           "(IDX files of the 'letters' or 'byclass' split, converted a chunk "
                           "at a time)")
    show = actions.add_parser("list", help="list the data sources and their sizes")
    show.add_argument("records", nargs="*", metavar="RECORDS.npy",
                      help="also describe these record files")


def _fail(text: str) -> int:
    print(f"data: {text}", file=sys.stderr)
    return 2


class _Progress:
    """Prints ``NAME: 40%`` lines every tenth of a file."""

    def __init__(self, name: str):
        self.name, self.shown = name, -1

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth != self.shown:
            self.shown = tenth
            print(f"{self.name}: {10 * tenth}%", flush=True)


def _images_of(labels: str) -> str:
    """The images-idx3 file name that goes with a labels-idx1 file name."""
    return str(Path(labels).with_name(Path(labels).name.replace("labels-idx1", "images-idx3")))


def plan_files(files: list[str]) -> tuple[list[str], str | None]:
    """The files to import, checked before anything is imported.

    A labels-idx1 file named together with its images-idx3 file is read with it (dropped from
    the list); a labels file without its images file is refused at once.

    Returns:
        ``(files to import, None)``, or ``([], the problem)``.
    """
    named = {str(Path(name)) for name in files}
    plan = []
    for name in files:
        if "labels-idx1" in Path(name).name.lower():
            if _images_of(name) in named:
                continue  # read together with its images file
            return [], (f"{name}: this is the labels file; name the images-idx3 file (its "
                        "labels file is found next to it). Nothing was imported.")
        plan.append(name)
    return plan, None


def _import_to_store(files: list[str]) -> int:
    from cnn_studio.model.data import emnist
    from cnn_studio.model.data.dataset import DatasetError

    failed = 0
    for name in files:
        base = Path(name).name.lower()
        if "idx" in base and "letters" not in base:
            failed += 1
            print(f"data: {name}: only the EMNIST 'letters' split goes into the app's store; "
                  "import other splits (byclass: its letters) with --stream OUT.npy",
                  file=sys.stderr)
            continue
        try:
            dataset = emnist.import_file(name, _Progress(Path(name).name))
        except (DatasetError, OSError, MemoryError) as error:
            failed += 1
            print(f"data: {error} (other EMNIST splits, or files too large to hold in memory: "
                  "use --stream OUT.npy)", file=sys.stderr)
            continue
        print(f"{name}: {len(dataset):,} letters imported into the app's EMNIST store")
    return 2 if failed else 0


def _import_to_stream(files: list[str], out: str) -> int:
    from cnn_studio.model.data import emnist
    from cnn_studio.model.data.dataset import DatasetError
    from cnn_studio.model.data.streaming import RecordWriter, import_idx

    if not out.endswith(".npy") or Path(out).is_dir():
        return _fail(f"--stream must name a file ending in .npy, not {out!r}")
    try:
        with RecordWriter(out) as writer:
            for name in files:
                progress = _Progress(Path(name).name)
                if "idx3" in Path(name).name.lower():
                    kept, total = import_idx(name, writer, progress)
                else:
                    dataset = emnist.read_any(name, progress)
                    writer.add(dataset.x, dataset.y)
                    kept = total = len(dataset)
                print(f"{name}: {kept:,} letters of {total:,} images")
    except (DatasetError, OSError, MemoryError) as error:
        return _fail(f"{error}; nothing was written")
    print(f"Wrote {writer.count:,} letters to {out}; train on them with "
          f"'cnn-studio train --data stream:{out} ...'")
    return 0


def _store_lines(problems: list[str]) -> list[str]:
    """One line per source the mixer knows, with what it holds now; problems are appended to
    ``problems``."""
    import numpy as np

    from cnn_studio.model.data.user_samples import SampleStore
    from cnn_studio.model.storage.paths import cache_dir, data_dir
    from cnn_studio.model.storage.safe_read import IncomingFileError, check_npz

    cached = sorted((cache_dir() / "synthetic").glob("*.npz"))
    lines = [f"synthetic  generated on demand (--data synthetic); {len(cached)} cached set(s)"]
    try:
        store = SampleStore(look_only=True)  # a listing changes nothing, a damaged file stays
        labelled = sum(s.label is not None for s in store.samples)
        if store.load_error:
            problems.append(f"{store.load_error}; 'cnn-studio train --data user' or the app "
                            "will move it aside")
        lines.append(f"user       {labelled:,} labelled drawn letters (--data user)")
    except (OSError, ValueError) as error:
        problems.append(f"your samples file cannot be read: {error}")
    total, parts = 0, []
    for path in sorted((data_dir() / "emnist").glob("*.npz")):  # not made by a listing
        try:
            check_npz(path)
            with np.load(path, allow_pickle=False) as archive:
                count = len(archive["y"])
        except (IncomingFileError, OSError, ValueError, KeyError) as error:
            parts.append(f"{path.name}: unreadable ({error})")
            continue
        total += count
        parts.append(f"{path.name}: {count:,}")
    lines.append(f"emnist     {total:,} imported letters (--data emnist)"
                 + "".join(f"\n             {part}" for part in parts))
    return lines


def _record_lines(paths: list[Path]) -> tuple[list[str], list[str]]:
    """``(one line per readable record file, one problem per unreadable one)``."""
    from cnn_studio.model.data.dataset import DatasetError
    from cnn_studio.model.data.streaming import RecordFile

    lines, problems = [], []
    for path in paths:
        try:
            records = RecordFile(path)
            counts = records.class_counts()
        except DatasetError as error:
            problems.append(str(error))
            continue
        lines.append(f"stream     {len(records):,} letters in {path} (--data stream:{path}); "
                     f"per letter {counts.min():,}..{counts.max():,}")
    return lines, problems


def run(args: argparse.Namespace) -> int:
    """Import or list; returns 0, or 2 when a file could not be used."""
    if args.action == "import":
        files, problem = plan_files(args.files)
        if problem:
            return _fail(problem)
        if args.stream:
            return _import_to_stream(files, args.stream)
        return _import_to_store(files)
    from cnn_studio.model.storage.paths import data_dir

    found = sorted((data_dir() / STREAMS_FOLDER).glob("*.npy"))
    lines, problems = _record_lines(found + [Path(p) for p in args.records])
    print("\n".join(_store_lines(problems) + lines))
    for problem in problems:
        print(f"data: {problem}", file=sys.stderr)
    return 2 if problems else 0
