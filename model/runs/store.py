"""The folder of kept runs: one sub-folder per run, its record and its trained model inside.

Runs live in ``runs`` under :func:`model.storage.paths.data_dir` (so ``CNN_STUDIO_HOME`` moves
them). A folder that is not a readable run (a foreign folder, a damaged record, a link) is
listed as damaged with the reason and never changed or deleted unless the person names it.
Deleting moves a run into ``.trash`` first, so it can be restored until the trash is emptied.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cnn_studio.model.runs.record import (
    ID_PATTERN,
    MAX_RECORD_BYTES,
    RECORD_FILE,
    RunError,
    RunRecord,
    parse_record,
)
from cnn_studio.model.storage import paths
from cnn_studio.model.storage.safe_read import IncomingFileError, read_bytes, show_path

TRASH = ".trash"
#: Models of the oldest runs are removed (their records stay) beyond this many bytes in all.
MAX_KEPT_MODEL_BYTES = 512 * 2**20


def runs_dir() -> Path:
    """The folder of kept runs (not created)."""
    return paths.data_dir() / "runs"


def now_text() -> str:
    """The current UTC time as ISO 8601 text (seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class RunEntry:
    """One folder of the runs folder: its record, or why it has none.

    Attributes:
        id: the folder's name.
        folder: its path.
        record: the checked record, None when damaged.
        problem: one line saying why the folder is not a readable run, or None.
    """

    id: str
    folder: Path
    record: RunRecord | None
    problem: str | None = None


def check_id(run_id: str) -> None:
    """Raise :class:`RunError` unless ``run_id`` could name a run folder."""
    if not isinstance(run_id, str) or not ID_PATTERN.fullmatch(run_id):
        raise RunError(f"{show_path(run_id)!r} is not a run id (letters, digits, '.', '-' and "
                       "'_'); 'cnn-studio runs list' shows the runs")


class RunStore:
    """Create, list, read, change and delete the runs of one runs folder.

    Args:
        root: the runs folder (default :func:`runs_dir`).
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else runs_dir()
        self._listed: dict[str, tuple[tuple, RunEntry]] = {}  # id -> (record's stat, entry)

    def folder(self, run_id: str) -> Path:
        """The folder of run ``run_id`` (checked to be a plain name inside the runs folder)."""
        check_id(run_id)
        return self.root / run_id

    def create(self, record: RunRecord) -> RunRecord:
        """Make a new run folder for ``record`` (its id gets a suffix if taken) and write it.

        Returns:
            The record as written (its ``id`` set to the new folder's name).

        Raises:
            RunError: the runs folder cannot be written.
        """
        stem = paths.safe_file_stem(record.id, "run", 80)
        stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in stem).lstrip("._-")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for number in range(1, 1000):
                candidate = stem if number == 1 else f"{stem}-{number}"
                try:
                    os.mkdir(self.root / candidate)
                except FileExistsError:
                    continue
                record.id = candidate
                self.write(record)
                return record
        except OSError as error:
            raise RunError(f"{show_path(self.root)}: cannot keep the run there "
                           f"({error.strerror or error}); free some space or make it "
                           "writable") from None
        raise RunError(f"{show_path(self.root)}: too many runs named {stem!r}; delete some")

    def write(self, record: RunRecord) -> None:
        """Write ``record`` into its folder atomically (``updated`` set to now).

        Raises:
            OSError: the file cannot be written.
        """
        record.updated = now_text()
        paths.atomic_write_text(self.folder(record.id) / RECORD_FILE, record.to_json())

    def read(self, run_id: str) -> RunRecord:
        """The checked record of run ``run_id``.

        Raises:
            RunError: no such run, or its folder or record is damaged (the message says how).
        """
        entry = self.entry(run_id)
        if entry.record is None:
            raise RunError(entry.problem)
        return entry.record

    def entry(self, run_id: str) -> RunEntry:
        """The :class:`RunEntry` of one folder (damaged ones included, never raises for them).

        Raises:
            RunError: ``run_id`` is not a run id, or there is no such folder.
        """
        folder = self.folder(run_id)
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            raise RunError(f"there is no run {run_id!r} in {show_path(self.root)}; "
                           "'cnn-studio runs list' shows the runs") from None
        except OSError as error:
            return RunEntry(run_id, folder, None, f"run {run_id}: cannot be read "
                                                  f"({error.strerror or error})")
        if not stat.S_ISDIR(mode):
            return RunEntry(run_id, folder, None, f"run {run_id}: not a run folder (a file or a "
                                                  "link); it was left as it is")
        try:
            text = read_bytes(folder / RECORD_FILE, MAX_RECORD_BYTES)
            record = parse_record(text, run_id)
        except IncomingFileError as error:
            return RunEntry(run_id, folder, None, f"run {run_id}: no readable {RECORD_FILE} "
                                                  f"({error}); it was left as it is")
        except RunError as error:
            return RunEntry(run_id, folder, None, f"run {run_id}: damaged {RECORD_FILE} "
                                                  f"({error}); it was left as it is")
        return RunEntry(run_id, folder, record)

    def entries(self) -> list[RunEntry]:
        """Every run folder, oldest first (damaged ones last, by name); hidden names skipped.

        Records unchanged since this store's last listing are not read again; the entries
        are shared with that listing, so treat their records as read-only.
        """
        try:
            names = sorted(name for name in os.listdir(self.root) if not name.startswith("."))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise RunError(f"{show_path(self.root)}: cannot list the runs "
                           f"({error.strerror or error})") from None
        found = []
        for name in names:
            if not ID_PATTERN.fullmatch(name):
                found.append(RunEntry(name, self.root / name, None,
                                      f"{show_path(name)}: not a run folder name; it was left "
                                      "as it is"))
                continue
            found.append(self._listed_entry(name))
        self._listed = {e.id: self._listed[e.id] for e in found if e.id in self._listed}
        return sorted(found, key=lambda e: (e.record is None,
                                            e.record.created if e.record else "", e.id))

    def _listed_entry(self, run_id: str) -> RunEntry:
        """:meth:`entry`, reused from the last listing while ``run.json`` is unchanged.

        A record is only ever replaced whole (a new file), so its inode, size and change
        time say whether it changed; a folder whose record cannot be stat'ed is read anew.
        """
        try:
            info = os.stat(self.root / run_id / RECORD_FILE)
        except OSError:
            self._listed.pop(run_id, None)
            return self.entry(run_id)
        key = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        kept = self._listed.get(run_id)
        if kept is not None and kept[0] == key:
            return kept[1]
        entry = self.entry(run_id)
        self._listed[run_id] = (key, entry)
        return entry

    def model_path(self, run_id: str) -> Path | None:
        """The trained model of run ``run_id``, or None when it has none (any more)."""
        record = self.read(run_id)
        if record.model_file is None:
            return None
        path = self.folder(run_id) / record.model_file
        return path if path.is_file() else None

    def update(self, run_id: str, *, name: str | None = None, note: str | None = None,
               metrics: dict | None = None) -> RunRecord:
        """Rename a run, change its note or add measured metrics; returns the new record.

        Raises:
            RunError: no such run, damaged, or still being written by a running training.
        """
        record = self.read(run_id)
        if record.status == "running" and not record.interrupted():
            raise RunError(f"run {run_id} is still training; change it when it has ended")
        if name is not None:
            name = " ".join(str(name).split())[:200]
            if not name:
                raise RunError("a run's name cannot be empty")
            record.name = name
        if note is not None:
            record.note = str(note)[:2000]
        if metrics is not None:
            record.metrics = {**record.metrics, **metrics}
        try:
            self.write(record)
        except OSError as error:
            raise RunError(f"run {run_id}: cannot be changed ({error.strerror or error})") \
                from None
        return record

    def trash(self, run_id: str) -> None:
        """Move a run (or a damaged folder the person chose) into the trash, restorable.

        Raises:
            RunError: no such run, still training, or the folder cannot be moved.
        """
        entry = self.entry(run_id)
        if entry.record is not None and entry.record.status == "running" \
                and not entry.record.interrupted():
            raise RunError(f"run {run_id} is still training; stop it first")
        target = self.root / TRASH / run_id
        try:
            target.parent.mkdir(exist_ok=True)
            if os.path.lexists(target):
                _remove(target)
            os.replace(entry.folder, target)
        except OSError as error:
            raise RunError(f"run {run_id}: cannot be deleted ({error.strerror or error})") \
                from None

    def restore(self, run_id: str) -> None:
        """Bring a run back from the trash.

        Raises:
            RunError: it is not in the trash, or a run of that id exists again.
        """
        check_id(run_id)
        source = self.root / TRASH / run_id
        if not os.path.lexists(source):
            raise RunError(f"run {run_id} is not in the trash any more")
        if os.path.lexists(self.root / run_id):
            raise RunError(f"a run {run_id} exists again; rename that one first")
        try:
            os.replace(source, self.root / run_id)
        except OSError as error:
            raise RunError(f"run {run_id}: cannot be restored ({error.strerror or error})") \
                from None

    def empty_trash(self) -> None:
        """Delete every run in the trash for good."""
        trash = self.root / TRASH
        if os.path.lexists(trash):
            _remove(trash)

    def delete(self, run_id: str) -> None:
        """Delete a run (or a damaged folder the person chose) for good.

        Raises:
            RunError: no such run, still training, or the folder cannot be deleted.
        """
        self.trash(run_id)
        try:
            _remove(self.root / TRASH / run_id)
        except OSError as error:
            raise RunError(f"run {run_id}: cannot be deleted ({error.strerror or error})") \
                from None

    def keep_models_within(self, limit: int = MAX_KEPT_MODEL_BYTES,
                           keep: str | None = None) -> list[str]:
        """Remove the models of the oldest ended runs until all models take at most ``limit``.

        The records stay (curves and metrics); each says why its model went.

        Args:
            limit: bytes of all models together.
            keep: a run whose model is never removed (the one just trained).

        Returns:
            The ids of the runs whose model was removed.
        """
        sized = []
        for entry in self.entries():
            record = entry.record
            if record is None or record.model_file is None:
                continue
            try:
                size = (entry.folder / record.model_file).stat().st_size
            except OSError:
                continue
            sized.append((record, size))
        total = sum(size for _, size in sized)
        removed = []
        for record, size in sized:  # oldest first
            if total <= limit:
                break
            if record.id == keep or (record.status == "running" and not record.interrupted()):
                continue
            if record.model_file is None:
                continue
            try:
                (self.folder(record.id) / record.model_file).unlink()
                record.model_file = None
                record.model_note = (f"the model was removed to keep the runs' models under "
                                     f"{limit / 2**20:.0f} MB; the curves and figures remain")
                self.write(record)
            except OSError:
                continue
            total -= size
            removed.append(record.id)
        return removed


def _remove(path: Path) -> None:
    """Delete a file, link or folder tree (links are removed, never followed)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)

