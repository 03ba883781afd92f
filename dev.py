#!/usr/bin/env python3
"""One-command setup: ``python3 dev.py run`` launches the app, ``python3 dev.py test`` tests it.

Both create ``.venv`` and install the project into it on first use (again only when
``pyproject.toml`` changes), so each is a single idempotent command on a fresh machine.
Needs only Python 3.11+, pip and git.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
#: pytest-xdist: one worker per CPU (at most 4: each holds TensorFlow, ~2 GB); whole files go
#: to one worker, so module-scoped fixtures (the train soak, the built wheel) run once.
#: ``python3 dev.py test -n 0`` runs the suite in this process instead.
PARALLEL = ["-n", "auto", "--maxprocesses", "4", "--dist", "loadfile"]


def install() -> None:
    """Create the virtual environment and install the app with its test and dev extras."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing CNN Studio and its dependencies into .venv (first time: a few minutes) ...",
          flush=True)
    subprocess.check_call([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    subprocess.check_call([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,dev]"])
    STAMP.write_text(digest)


def package_folder() -> Path:
    """A folder whose ``cnn_studio`` is this checkout (a link), for mypy's ``MYPYPATH``.

    The repository root is the package, whatever the clone is called; the code imports itself as
    ``cnn_studio.*``, so mypy must find the files under that name.
    """
    folder = VENV / "mypy-path"
    link = folder / "cnn_studio"
    if link.resolve() != ROOT:
        folder.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        try:
            link.symlink_to(ROOT, target_is_directory=True)
        except OSError:  # Windows without the right to make links: a directory junction
            subprocess.check_call(["cmd", "/c", "mklink", "/J", str(link), str(ROOT)])
    return folder


def run_checks(pytest_args: list[str]) -> int:
    """Lint (ruff, import-linter), type checks (mypy) and the whole pytest suite, offscreen."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2",
               MYPYPATH=str(package_folder()))
    steps = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "lint-imports"), "--no-cache"],
        [str(PYTHON), "-m", "mypy"],  # what it checks: [tool.mypy] in pyproject.toml
        [str(PYTHON), "-m", "pytest", "-q", *PARALLEL, *pytest_args],
    ]
    for step in steps:
        print("$", " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
              flush=True)
        code = subprocess.call(step, cwd=ROOT, env=env)
        if code:
            return code
    return 0


def main(argv: list[str]) -> int:
    """Dispatch ``install``, ``run [app args]`` or ``test [pytest args]``."""
    command = argv[0] if argv else "help"
    if command not in {"install", "run", "test"}:
        print(__doc__)
        print("usage: python3 dev.py install | run [app options] | test [pytest options]")
        return 2
    install()
    if command == "run":
        return subprocess.call([str(PYTHON), str(ROOT / "main.py"), *argv[1:]], cwd=ROOT)
    if command == "test":
        return run_checks(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
